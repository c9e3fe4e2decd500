"""The link protocol (host/link.py): frames, requests and replies, without a firmware process."""

from __future__ import annotations

import pytest

from host import link


def test_a_request_frame_has_an_8_digit_length_then_name_ints_lf_data() -> None:
    frame = link.request("MDM.send", (50,), b"AT\r")
    assert frame == b"00000015MDM.send 50\nAT\r"
    reader = link.FrameReader()
    reader.feed(frame[:5])
    assert reader.next_body() is None
    reader.feed(frame[5:])
    body = reader.next_body()
    assert body is not None
    assert link.parse_request(body) == link.Request("MDM.send", (50,), b"AT\r")
    assert reader.next_body() is None


def test_data_may_hold_every_byte_value_including_lf() -> None:
    data = bytes(range(256)) * 2
    body = link.FrameReader()
    body.feed(link.request("SER.send", (), data) + link.request("MOD.sleep", (-3,)))
    first, second = body.next_body(), body.next_body()
    assert first is not None
    assert second is not None
    assert link.parse_request(first).data == data
    assert link.parse_request(second) == link.Request("MOD.sleep", (-3,), b"")


def test_replies_are_int_none_data_or_error() -> None:
    assert link.reply_int(-1) == b"00000003i-1"
    assert link.reply_none() == b"00000001n"
    assert link.reply_data(b"\x00\xff") == b"00000003s\x00\xff"
    assert link.reply_error("TypeError", "bad") == b"00000014eTypeError bad"


@pytest.mark.parametrize(
    ("stream", "problem"),
    [(b"0000x003abc", "decimal digits"), (b"00000003abc", "no LF"), (b"00000009MDM.x a\nz", "integer")],
)
def test_malformed_frames_are_named(stream: bytes, problem: str) -> None:
    reader = link.FrameReader()
    reader.feed(stream)
    with pytest.raises(link.ProtocolError, match=problem):
        link.parse_request(reader.next_body() or b"")
