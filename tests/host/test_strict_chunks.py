"""As hard as the module, the reads: modem output (MDM, MDM2) and serial input (SER) reach the firmware cut and merged
at arbitrary points, repeatably for one seed (host/chunks.py). Fixed seeds here: the tests assert on how the cuts fall,
so they name the seeds they were written for."""

from __future__ import annotations

import select
from collections.abc import Callable

from host.chunks import MISS_MAX
from host.chunks import Chunker
from host.kindness import Kindness
from tests.host.conftest import Probe
from tests.host.conftest import unescape

CSQ = ["mdm AT+CSQ", "mcollect OK 20", "mdm AT", "mcollect OK 20", "mrecv 5"]  # the last: what was left
CSQ_REPLY = b"AT+CSQ\r\r\n+CSQ: 20,0\r\n\r\nOK\r\nAT\r\r\nOK\r\n"  # echo on (factory profile)


def chunks(p: Probe) -> list[bytes]:
    return [unescape(v) for v in p.values("mchunk") if v]


def cuts_of(seed: int, data: bytes) -> list[bytes]:
    c = Chunker(seed, "MDM")
    buf, out = bytearray(data), []
    while buf:
        n = c.cut(buf, 4096)
        out.append(bytes(buf[:n]))
        del buf[:n]
    return out


def test_a_seed_always_cuts_the_same_way_and_loses_nothing() -> None:
    data = b'\r\n+CMTI: "SM",1\r\n\r\nOK\r\n' * 4
    assert cuts_of(7, data) == cuts_of(7, data)
    assert all(b"".join(cuts_of(seed, data)) == data for seed in range(20))
    assert len({tuple(cuts_of(seed, data)) for seed in range(20)}) >= 8


def test_cuts_fall_inside_lines_and_between_cr_and_lf() -> None:
    data = b'\r\n+CMTI: "SM",1\r\n\r\nOK\r\n' * 4
    ends = [len(b"".join(cuts_of(seed, data)[:i + 1])) for seed in range(20) for i in range(3)]
    assert any(data[e - 1:e] == b"\r" and data[e:e + 1] == b"\n" for e in ends)  # a CR LF split in two
    assert any(data[e - 1:e] not in (b"\r", b"\n") for e in ends)  # a cut in the middle of a line


def test_a_read_may_find_nothing_but_never_more_than_twice_in_a_row() -> None:
    c = Chunker(3, "SER")
    misses = [c.miss() for _ in range(2000)]
    assert any(misses)
    assert "".join("x" if m else "." for m in misses).count("x" * (MISS_MAX + 1)) == 0


def test_whole_chunks_is_the_kindness_that_turns_it_off() -> None:
    c = Chunker(3, "MDM", whole=True)
    assert [c.cut(b"\r\nOK\r\n", 4096) for _ in range(50)] == [6] * 50
    assert not any(c.miss() for _ in range(50))
    assert not any(c.hold_s(50) for _ in range(50))


def test_the_firmware_gets_the_modem_output_cut_but_complete(probe: Callable[..., Probe]) -> None:
    seen: list[list[bytes]] = []
    for seed in range(6):
        p = probe(CSQ, seed=seed)
        p.wait("done")
        assert b"".join(chunks(p)) == CSQ_REPLY, seed
        seen.append(chunks(p))
    assert any(len(c) > 2 for c in seen)  # somewhere a reply came in more than one piece
    assert any(c[0] not in (b"AT+CSQ\r", b"AT+CSQ\r\r\n+CSQ: 20,0\r\n\r\nOK\r\n") for c in seen)


def test_one_seed_gives_the_same_chunks_again_and_another_seed_other_ones(probe: Callable[..., Probe]) -> None:
    runs = []
    for seed in (11, 11, 12, 13, 14):
        p = probe(CSQ, seed=seed)
        p.wait("done")
        runs.append(chunks(p))
    assert runs[0] == runs[1]
    assert any(r != runs[0] for r in runs[2:])


def _holding_seed(merged: bytes) -> int:
    """A seed whose first MDM receive waits for more, then hands over all of `merged`."""
    for seed in range(1000):
        c = Chunker(seed, "MDM")
        if c.hold_s(50) > 0 and c.cut(merged, 4096) == len(merged):
            return seed
    raise AssertionError("no such seed below 1000")


def test_a_final_ok_and_the_urc_after_it_come_in_one_receive(probe: Callable[..., Probe]) -> None:
    merged = b"AT\r\r\nOK\r\n\r\nRING\r\n"
    p = probe(["mdm AT", "mrecv 50"], seed=_holding_seed(merged))
    rang = []

    def ring_while_the_receive_waits() -> bool:
        if not rang and p.sim.blocked_in == "MDM.receive" and p.sim.modem.main.out:
            rang.append(p.sim.modem.ring())
        return bool(p.values("mchunk"))

    p.sim.run_until(ring_while_the_receive_waits, 30, "the firmware's receive")
    assert rang, "the receive did not wait"
    assert chunks(p) == [merged]


def test_without_the_kindness_serial_input_comes_in_pieces(probe: Callable[..., Probe], open_pty: Callable) -> None:
    sizes = []
    for seed in range(4):
        p = probe(["speed 115200 8N1", "mark ready", "srecv 2000 20"], seed=seed)
        p.wait("mark", "ready")
        port = open_pty(p.sim.serial_path)
        payload = bytes(range(250)) * 8
        sent = 0
        while sent < len(payload) and select.select([], [port.fileno()], [], 0)[1]:
            sent += port.write(payload[sent:sent + 256]) or 0
        p.wait("stotal")
        assert sent == 2000
        assert p.values("stotal") == ["2000"], seed
        sizes.append([int(v) for v in p.values("schunk")])
    assert all(len(s) > 1 for s in sizes)


def test_with_whole_chunks_a_reply_comes_whole(probe: Callable[..., Probe]) -> None:
    p = probe(CSQ, kind=Kindness(whole_chunks=True, factory_profile=True))
    p.wait("done")
    assert chunks(p) == [b"AT+CSQ\r\r\n+CSQ: 20,0\r\n\r\nOK\r\n", b"AT\r\r\nOK\r\n"]
