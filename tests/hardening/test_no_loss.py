"""Nothing lost: maintain mode across half an hour of network drops, an on-demand dial under a serial flood
with CTS flow control, and a firmware whose memory does not grow."""

from __future__ import annotations

import random
import socket
from pathlib import Path

import pytest

from fsm.interpreters import Interpreter
from tests.e2e.gateway import Gateway
from tests.e2e.gateway import Server


def _rss_kib(gw: Gateway) -> int:
    assert gw.sim.process is not None
    pid = gw.sim.process.pid
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.req("GW-CLIENT-MAINTAIN", "GW-BRIDGE")
def test_half_an_hour_of_network_drops_loses_no_byte_the_gateway_was_given(firmware_python: Interpreter,
                                                                           tmp_path: Path, soak: bool) -> None:
    """Every 60 s the network drops for 20 s. While it is down the device keeps writing: those bytes wait in
    the gateway (CTS flow control) and arrive, once and in order, when the connection is back. Data in
    flight when the network drops is the network's to lose, so each burst is delivered before the drop."""
    rnd = random.Random(8)
    gw = Gateway(firmware_python, tmp_path / "nvm")
    server = Server(gw)
    try:
        gw.command(f"connect mode client 127.0.0.1 {server.port} maintain")
        server.accept("the maintained connection")
        sent_up = bytearray()
        got_up = bytearray()
        rss = []
        cycles = 180 if soak else 30  # 30 cycles of 60 s: half an hour of virtual time (--soak: three hours)
        for n in range(cycles):
            burst = rnd.randbytes(rnd.randint(1, 3000))
            down = rnd.randbytes(rnd.randint(1, 3000))
            assert gw.offer_serial(burst) == len(burst)
            sent_up += burst
            assert server.conn is not None
            server.conn.sendall(down)
            got_up += server.read(len(burst), f"cycle {n}: the device's burst at the server")
            assert gw.read_serial(len(down), f"cycle {n}: the server's burst at the device") == down
            gw.run(40)
            gw.sim.modem.network.drop()
            outage = rnd.randbytes(rnd.randint(1, 4000))  # written while the network is down
            assert gw.offer_serial(outage) == len(outage)
            sent_up += outage
            gw.run(20)
            gw.sim.modem.network.restore()
            server.accept(f"cycle {n}: the re-dial after the network came back")
            got_up += server.read(len(outage), f"cycle {n}: the bytes written during the outage")
            if n in (5, cycles - 1):
                rss.append(_rss_kib(gw))
        assert bytes(got_up) == bytes(sent_up), "every byte once, in order"
        assert gw.config().endswith("dropped 0")
        assert gw.sim.reboots == 0
        assert rss[-1] - rss[0] < 1024, f"the firmware's memory grew from {rss[0]} to {rss[-1]} KiB"
    finally:
        server.close()
        gw.close()


@pytest.mark.req("GW-CLIENT-ONDEMAND")
def test_an_on_demand_dial_under_a_serial_flood_loses_nothing_with_cts(firmware_python: Interpreter,
                                                                      tmp_path: Path) -> None:
    """The server is down at first: the device floods, the gateway drops CTS before its buffer is full and
    raises it once the connection is up and the buffer drained; a device that honours CTS loses nothing."""
    gw = Gateway(firmware_python, tmp_path / "nvm")
    server = Server(gw)
    port = server.port
    server.sock.close()  # nothing listens yet: the dials are refused
    try:
        gw.command(f"connect mode client 127.0.0.1 {port}")
        flood = random.Random(3).randbytes(60_000)
        sent = 0
        cts_low_seen = False

        def device() -> bool:
            nonlocal sent, cts_low_seen
            cts = gw.sim.serial.lines_out.get("CTS", 1)
            cts_low_seen = cts_low_seen or cts == 0
            if cts and sent < len(flood):
                sent += gw.offer_serial(flood[sent:sent + 512])
            return cts_low_seen

        gw.until(device, "CTS to drop while the dial waits")
        server.sock = _listen_on(port)
        server.accept("the on-demand dial once the server is up")

        def flowing() -> bool:
            nonlocal sent
            if gw.sim.serial.lines_out.get("CTS", 1) and sent < len(flood):
                sent += gw.offer_serial(flood[sent:sent + 512])
            assert server.conn is not None
            try:
                server.received += server.conn.recv(1 << 20)
            except BlockingIOError:
                pass
            return len(server.received) >= len(flood)

        gw.until(flowing, "the whole flood at the server", timeout_s=120)
        assert server.received == flood
        assert gw.sim.serial.lines_out.get("CTS") == 1
        assert gw.config().endswith("dropped 0")
    finally:
        server.close()
        gw.close()


def _listen_on(port: int) -> socket.socket:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(4)
    s.setblocking(False)
    return s
