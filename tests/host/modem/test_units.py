"""Properties of the escape detector and the packetiser, whatever the chunking and timing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from host.modem.escape import EscapeDetector
from host.modem.tcp import Packetiser

chunks = st.lists(st.binary(min_size=1, max_size=40), max_size=30)
gaps = st.lists(st.floats(min_value=0.0, max_value=3.0), min_size=30, max_size=30)


@given(chunks, gaps)
def test_the_escape_detector_loses_and_reorders_nothing(data: list[bytes], pauses: list[float]) -> None:
    """Whatever is not an escape comes out unchanged; an escape swallows exactly its three '+'."""
    det = EscapeDetector()
    det.start(0.0, 1.0)
    now = 0.0
    out = bytearray()
    escapes = 0
    for chunk, pause in zip(data, pauses, strict=False):
        deadline = det.deadline()
        if deadline is not None and now + pause >= deadline:
            escaped, released = det.expire(deadline)
            escapes += escaped
            out += released
        now += pause
        out += det.feed(chunk, now)
    escaped, released = det.expire(now + 10)
    escapes += escaped
    out += released
    sent = b"".join(data)
    assert len(out) == len(sent) - 3 * escapes
    if not escapes:
        assert bytes(out) == sent


@given(chunks)
def test_plus_signs_written_without_pauses_are_always_data(data: list[bytes]) -> None:
    det = EscapeDetector()
    det.start(0.0, 1.0)
    out = bytearray()
    for chunk in data:
        out += det.feed(chunk, 0.5)
    out += det.expire(0.5)[1]
    assert bytes(out) + b"+" * det.count == b"".join(data)


@given(chunks, st.integers(min_value=1, max_value=64))
def test_the_packetiser_emits_whole_packets_in_order(data: list[bytes], size: int) -> None:
    pkt = Packetiser(size, 0)
    out = bytearray()
    for chunk in data:
        ready = pkt.add(chunk, 0.0)
        assert len(ready) % size == 0
        out += ready
    assert len(pkt.buf) < size
    assert bytes(out) + pkt.drain() == b"".join(data)
