"""1 MB of random bytes each way through a connection, byte-exact, with the bytes a modem could trip on; at the
module's pessimistic speed (host/README.md "Module speed": the firmware's computing costs clock time, 60,000
bytecodes/s), so a pump too slow for 115200 would lose bytes here as on the module."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from host.speed import PRESETS
from tests.e2e.gateway import Gateway
from tests.e2e.gateway import Server
from tests.e2e.gateway import maintained_at_115200

HOSTILE = b"+++" + b"\r\nNO CARRIER\r\n" + b"\x1a" + b"\x00" + bytes(range(256)) + b"\r\nOK\r\n" + b"AT#SKTD\r"


@pytest.fixture
def gw(make_gateway: Callable[..., Gateway]) -> Gateway:
    """A booted gateway whose computing is charged at the pessimistic module speed."""
    return make_gateway(module_speed=PRESETS["pessimistic"])


def _payload(seed: int, size: int) -> bytes:
    rnd = random.Random(seed)
    blocks = [HOSTILE]
    while sum(map(len, blocks)) < size:
        blocks.append(rnd.randbytes(rnd.randint(1, 8192)))
        blocks.append(HOSTILE[: rnd.randint(1, len(HOSTILE))])
    return b"".join(blocks)[:size]


@pytest.mark.req("GW-BRIDGE", "GW-CLIENT-MAINTAIN")
def test_one_megabyte_each_way_is_byte_exact(gw: Gateway) -> None:
    size = 1 << 20
    up, down = _payload(1, size), _payload(2, size)
    server = maintained_at_115200(gw)
    try:
        assert server.conn is not None
        sent_up = 0
        sent_down = 0
        got_serial = b""

        def moved() -> bool:
            nonlocal sent_up, sent_down, got_serial
            assert server.conn is not None
            if sent_up < size:
                sent_up += gw.offer_serial(up[sent_up:sent_up + 65536])
            if sent_down < size:
                try:
                    sent_down += server.conn.send(down[sent_down:sent_down + 65536])
                except BlockingIOError:
                    pass
            try:
                server.received += server.conn.recv(1 << 20)
            except BlockingIOError:
                pass
            got_serial += gw.serial.read(1 << 20)
            return len(server.received) >= size and len(got_serial) >= size

        gw.until(moved, "1 MB each way", timeout_s=240)
        assert server.received == up
        assert got_serial == down
        assert gw.config().endswith("dropped 0")
        assert gw.sim.serial.lost == 0
        assert gw.sim.speed is not None
        assert gw.sim.speed.charged_s > 0
    finally:
        server.close()


@pytest.mark.req("GW-BRIDGE", "GW-CLIENT-MAINTAIN")
def test_plus_plus_plus_after_silence_passes_and_the_call_stays_up(gw: Gateway) -> None:
    """`+++` between two silences is the modem's escape sequence (S12 guard time); the
    gateway must pass it to the peer as data and keep the connection."""
    server = Server(gw)
    try:
        gw.command(f"connect mode client 127.0.0.1 {server.port} maintain")
        server.accept("the connection")
        assert server.conn is not None
        for n, pluses in enumerate((b"+++", b"+", b"++", b"+++", b"++++", b"+++")):
            gw.run(1.5)
            gw.write_serial(pluses)
            gw.run(3)
            assert server.read(len(pluses), f"burst {n}: the pluses at the peer") == pluses
        gw.write_serial(b"a+++")
        gw.run(3)
        gw.write_serial(b"+++b")
        assert server.read(8, "pluses with data around them") == b"a++++++b"
        server.conn.sendall(b"still up")
        assert gw.read_serial(8, "the peer's bytes: the call is still up") == b"still up"
        assert not gw.traced("session: call ended")
        assert gw.sim.modem.describe()["socket"] is not None
    finally:
        server.close()
