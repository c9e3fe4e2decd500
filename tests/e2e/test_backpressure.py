"""The module as it really is: a device at 115200 into a class 10 GPRS link and back, a device
that reads slowly, a device that ignores CTS, the clock jumping, a saved profile that is not ours.
The simulator is as hard as the module here (no kindness): its line rate, SER's 4096-byte buffer, the
link's rate (5,000 B/s up, 10,000 B/s down), the modem's bounded buffer and MDM.send that waits, and the
firmware's computing charged at the module's pessimistic speed (host/README.md "Module speed"), except in
the ten-minute stream (3.4 times slower in real time with it: about 90 s per interpreter; bench/RESULTS.md
section 6 has the class 10 link at that speed).
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from fsm.interpreters import Interpreter
from host.modem.atport import TX_LIMIT
from host.speed import PRESETS
from tests.e2e.gateway import Gateway
from tests.e2e.gateway import Server
from tests.e2e.gateway import connect_to_gateway
from tests.e2e.gateway import listening_port
from tests.e2e.gateway import maintained_at_115200
from tests.support import free_port

POLL_S = 60  # the SIM poll period (tests/e2e/stateful_checks.py REPLY_S): every SMS is answered within it + 3 s


def _stream(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


def _recv(server: Server) -> None:
    assert server.conn is not None
    try:
        server.received += server.conn.recv(1 << 20)
    except BlockingIOError:
        pass


def _no_reboot_and_a_fed_watchdog(gw: Gateway) -> None:
    assert gw.sim.reboots == 0, gw.sim.reboot_log
    assert gw.sim.crash is None, gw.sim.crash.describe()
    period = gw.sim.watchdog.period_s
    assert period is not None
    assert gw.sim.watchdog.longest_gap_s < period / 2, f"watchdog gap {gw.sim.watchdog.longest_gap_s} s"


PESSIMISTIC = PRESETS["pessimistic"]


@pytest.fixture
def gw(make_gateway: Callable[..., Gateway]) -> Gateway:
    """A booted gateway whose computing is charged at the pessimistic module speed."""
    return make_gateway(module_speed=PESSIMISTIC)


@pytest.fixture
def gw_free(make_gateway: Callable[..., Gateway]) -> Gateway:
    """A booted gateway whose computing is free (or the session's --sim-module-speed)."""
    return make_gateway()


@pytest.fixture
def gw_ignoring_cts(make_gateway: Callable[..., Gateway]) -> Gateway:
    return make_gateway(device_cts="ignore", module_speed=PESSIMISTIC)


@pytest.mark.req("GW-BRIDGE", "GW-CLIENT-MAINTAIN")
def test_ten_minutes_at_115200_into_a_class10_uplink_lose_nothing(gw_free: Gateway) -> None:
    """The device writes as fast as CTS lets it at 115200 (11,520 B/s) for 10 virtual minutes; the link
    carries 5,000 B/s. Every byte arrives, in order; the watchdog is fed; CTS was low much of the time.
    Free computing (the module docstring says why)."""
    gw = gw_free
    up = _stream(3, 8 << 20)
    server = maintained_at_115200(gw)
    try:
        start = gw.sim.clock.now()
        cts_low_before = gw.sim.serial.cts_low_s()
        written = 0

        def ten_minutes() -> bool:
            nonlocal written
            written += gw.offer_serial(up[written:written + 65536])
            _recv(server)
            return gw.sim.clock.now() - start >= 600

        gw.until(ten_minutes, "10 minutes of streaming", timeout_s=900)
        gw.until(lambda: _recv(server) or len(server.received) >= written, "the backlog to cross the link",
                 timeout_s=120)
        assert server.received == up[:written]
        assert written > 600 * 5000 * 0.9, "the device kept the link busy"
        assert gw.sim.serial.lost == 0
        assert gw.sim.serial.cts_low_s() - cts_low_before > 60, "CTS held the device back"
        _no_reboot_and_a_fed_watchdog(gw)
    finally:
        server.close()


@pytest.mark.req("GW-BRIDGE", "GW-CLIENT-MAINTAIN")
def test_a_device_that_reads_slowly_loses_nothing_of_the_downlink(gw: Gateway) -> None:
    """The server sends 300 kB at once; the device reads 1,000 bytes a second (the link carries 10,000):
    the firmware waits for the device, the modem and TCP hold the server back, nothing is lost."""
    down = _stream(4, 300_000)
    server = maintained_at_115200(gw)
    try:
        assert server.conn is not None
        sent = 0
        got = b""
        for _ in range(2000):  # 0.5 s steps: 1000 s of virtual time at most
            if sent < len(down):
                try:
                    sent += server.conn.send(down[sent:sent + 65536])
                except BlockingIOError:
                    pass
            gw.run(0.5)
            got += gw.serial.read(500)
            if len(got) >= len(down):
                break
        assert got == down
        _no_reboot_and_a_fed_watchdog(gw)
    finally:
        server.close()


@pytest.mark.req("GW-BRIDGE", "GW-CLIENT-MAINTAIN")
def test_a_server_that_sends_and_closes_at_once_gets_every_byte_to_a_slow_device(gw: Gateway) -> None:
    """The server sends 200 kB and closes its socket at once; the device reads 2,000 bytes a second. The modem
    ends the call (DCD falls) while up to its whole buffer of the server's bytes still waits for the firmware:
    those are data to the device, not the modem's end of the call; so is the modem's text inside them."""
    down = bytearray(_stream(5, 200_000))
    for at in (len(down) - 10_000, len(down) - 500):
        down[at:at + 14] = b"\r\nNO CARRIER\r\n"
    down = bytes(down)
    server = maintained_at_115200(gw)
    try:
        assert server.conn is not None
        server.conn.setblocking(True)
        server.conn.sendall(down)  # the kernels hold what the link has not taken yet
        server.conn.close()
        server.conn = None
        got = b""
        for _ in range(600):  # 0.5 s steps: 300 s of virtual time at most
            gw.run(0.5)
            got += gw.serial.read(1000)
            if len(got) >= len(down):
                break
        assert len(got) == len(down), f"{len(got)} of {len(down)} bytes reached the device"
        assert got == down
        _no_reboot_and_a_fed_watchdog(gw)
    finally:
        server.close()


@pytest.mark.req("GW-BRIDGE", "GW-CLIENT-ONDEMAND", "CMD-CONFIG")
def test_with_a_device_that_ignores_cts_every_byte_is_delivered_lost_or_counted(gw_ignoring_cts: Gateway) -> None:
    """A device that ignores CTS streams at 115200 for a minute into the 5,000 B/s uplink: what SER's
    buffer cannot hold is lost (the simulator counts it), what the firmware throws away it counts as
    `dropped`; the sum is exactly what the device sent."""
    gw = gw_ignoring_cts
    up = _stream(5, 2 << 20)
    server = Server(gw)
    try:
        gw.command("connect baud 115200")
        gw.command("connect socketting 5 10 0")  # the call ends 5 s after the last byte
        gw.command(f"connect mode client 127.0.0.1 {server.port}")
        written = gw.offer_serial(up[:4096])
        server.accept("the on-demand connection")
        start = gw.sim.clock.now()

        def a_minute() -> bool:
            nonlocal written
            written += gw.offer_serial(up[written:written + 65536])
            _recv(server)
            return gw.sim.clock.now() - start >= 60

        gw.until(a_minute, "a minute of streaming", timeout_s=300)

        def call_over() -> bool:
            _recv(server)
            return gw.traced("session: call ended") and gw.sim.modem.describe().get("mode") == "command"

        gw.until(call_over, "the socket timeout to end the call", timeout_s=120)
        _recv(server)
        dropped = int(gw.config().rsplit("dropped ", 1)[1])
        lost = gw.sim.serial.lost
        assert lost > 0, "the device overran SER's buffer"
        assert len(server.received) + lost + dropped == written
    finally:
        server.close()


@pytest.mark.req("GW-SERVER", "GW-BRIDGE", "CMD-CONFIG")
@pytest.mark.parametrize("room_left", [0, 1])
def test_pluses_held_through_an_uplink_stall_are_not_dropped(gw: Gateway, room_left: int) -> None:
    """The uplink stalls (`fault stall`) longer than MDM.send's 30 s timeout while the modem's buffer is full
    (or has room for one byte, which the first `++` of the split `+++` takes, so that the last `+` finds it
    full) and the gateway holds a burst of nothing but `+` (the device then goes quiet). The burst waits for
    the modem's room like any other data, with the device stopped, and reaches the peer once the link moves:
    nothing dropped, the call still up. (Before, the pluses went to MDM.send whatever the modem's CTS said,
    waited there the whole stall and were counted as `dropped` although none of them had gone.)"""
    assert gw.command("connect baud 115200").startswith("Confirmed")
    port = free_port()
    assert gw.command(f"connect mode server any {port}").startswith("Confirmed")
    gw.until(lambda: listening_port(gw) == port, "the listener")
    client = connect_to_gateway(gw, port)
    try:
        gw.until(lambda: gw.traced("session: online"), "the call")
        gw.sim.modem.network.uplink_stalled = True
        fill = _stream(6, TX_LIMIT - room_left).replace(b"+", b"-")  # the stalled modem holds it all
        written = 0

        def modem_full() -> bool:
            nonlocal written
            written += gw.offer_serial(fill[written:])
            return written == len(fill) and gw.sim.modem.main.room() == room_left

        gw.until(modem_full, "the device's bytes to fill the stalled modem")
        gw.write_serial(b"+++")
        gw.run(45)  # the stall outlasts MDM.send's 30 s
        gw.sim.modem.network.uplink_stalled = False
        got = b""
        for _ in range(10):  # 4,099 bytes cross the 5,000 B/s uplink in about a second; the pluses wait 0.5 s
            gw.run(0.5)
            with contextlib.suppress(BlockingIOError):
                got += client.recv(1 << 20)
        assert got == fill + b"+++", f"the peer got {len(got)} bytes, ending {got[-8:]!r}"
        assert not gw.traced("session: call ended"), "the pluses ended the call"
    finally:
        client.close()
    gw.until(lambda: gw.traced("session: call ended") and listening_port(gw) == port, "the end of the call")
    assert gw.config().endswith("dropped 0")
    assert gw.sim.serial.lost == 0
    _no_reboot_and_a_fed_watchdog(gw)


@pytest.mark.req("GW-SMS-CONTROL", "GW-CLIENT-MAINTAIN")
@pytest.mark.parametrize("jump_s", [-86_400, 86_400])
def test_deadlines_survive_the_clock_jumping(gw: Gateway, jump_s: int) -> None:
    """MOD.secCounter() jumps by a day (the network set the clock): SMS are still answered within the
    poll period, and a maintained client goes on retrying on its back-off, neither frozen nor firing at once."""
    gw.sim.jump_clock(100_000)  # the network set the clock at boot: a day back stays above 0
    port = free_port()
    assert gw.command(f"connect mode client 127.0.0.1 {port} maintain").endswith("maintain")
    gw.run(40)  # retries at 1, 2, 4, 8, 16 s
    gw.sim.jump_clock(jump_s)
    dials = sum(1 for c in gw.at_commands() if c.startswith("AT#SKTD"))
    gw.run(2)
    assert sum(1 for c in gw.at_commands() if c.startswith("AT#SKTD")) <= dials + 1, "timers fired at once"
    gw.sms("connect config")
    sent_at = gw.sim.clock.now()
    gw.until(lambda: gw.sim.modem.sim_messages() == [], "the SMS after the jump")
    assert gw.sim.clock.now() - sent_at <= POLL_S + 3
    server = Server(gw, port)
    try:
        server.accept("a retry after the jump")  # the back-off is at most 60 s
        assert gw.sim.clock.now() - sent_at <= 70
    finally:
        server.close()
    _no_reboot_and_a_fed_watchdog(gw)


@pytest.mark.req("GW-SERVER", "CMD-DIALIN")
def test_a_saved_profile_that_is_not_ours_changes_nothing(firmware_python: Interpreter, tmp_path: Path) -> None:
    """The module powers up with `&C0 S0=2 E1` saved: the boot sets DCD to follow the call, no automatic
    answer and no echo, so a CSD call rings unanswered while dial-in is off, and a TCP call that ends
    gives the listener back."""
    gw = Gateway(firmware_python, tmp_path / "nvm", profile="&C0 S0=2 E1")
    try:
        commands = gw.at_commands()
        for setting in ("&C1", "S0=0", "E0"):
            assert any(setting in c for c in commands), f"the boot never sent {setting}: {commands[:12]}"
        port = free_port()
        assert gw.command(f"connect mode server any {port}").startswith("Confirmed")
        gw.until(lambda: listening_port(gw) == port, "the listener")
        call = gw.sim.modem.ring()
        gw.run(15)
        assert not call.answered, "the modem answered a data call by itself"
        call.hangup()
        client = connect_to_gateway(gw, port)
        try:
            gw.until(lambda: gw.sim.modem.describe().get("mode") == "data", "the TCP call")
            gw.run(1)
        finally:
            client.close()
        gw.until(lambda: listening_port(gw) == port and gw.traced("session: call ended"),
                 "the listener back after the call (DCD fell)")
        _no_reboot_and_a_fed_watchdog(gw)
    finally:
        gw.close()


@pytest.mark.req("GW-SERVER", "GW-BRIDGE", "CMD-CONFIG")
@pytest.mark.parametrize("stall_s", [2, 40])
def test_a_device_honouring_cts_loses_nothing_when_the_uplink_stalls_in_the_middle_of_a_stream(
        gw: Gateway, stall_s: int) -> None:
    """The device streams at 115200 into the class 10 uplink (CTS honoured) and the link stalls for a while
    (`fault stall`): a stall shorter than MDM.send's 30 s loses nothing, and a longer one at most the piece
    the send was cut in (counted in `dropped`), never bytes at SER's buffer. Found with the stall fault: the
    pump waited in MDM.send with CTS high, sized for a link of at least 2 kB/s, and SER's 4,096 bytes
    overflowed within a third of a second of a stall (30 kB lost)."""
    assert gw.command("connect baud 115200").startswith("Confirmed")
    port = free_port()
    assert gw.command(f"connect mode server any {port}").startswith("Confirmed")
    gw.until(lambda: listening_port(gw) == port, "the listener")
    client = connect_to_gateway(gw, port)
    data = _stream(9, 60_000)
    got = b""
    written = 0

    def flowing(until_s: float, done: bool = False) -> bool:
        """Offers the device's bytes, reads the peer's; true at `until_s` of the clock (or once all crossed)."""
        nonlocal got, written
        written += gw.offer_serial(data[written:])
        with contextlib.suppress(BlockingIOError):
            got += client.recv(1 << 20)
        return gw.sim.clock.now() >= until_s or (done and len(got) == len(data))

    try:
        gw.until(lambda: gw.traced("session: online"), "the call")
        start = gw.sim.clock.now()
        gw.until(lambda: flowing(start + 3), "three seconds of streaming")
        assert 0 < written < len(data), "the stall comes in the middle of the stream"
        gw.sim.modem.network.uplink_stalled = True
        stalled = gw.sim.clock.now()
        gw.until(lambda: flowing(stalled + stall_s), f"{stall_s} s of stall", timeout_s=60)
        gw.sim.modem.network.uplink_stalled = False
        resumed = gw.sim.clock.now()
        gw.until(lambda: flowing(resumed + 60, done=True), "the rest of the stream", timeout_s=120)
        assert written == len(data), "the device could write everything"
        lost = gw.sim.serial.lost
    finally:
        client.close()
    assert lost == 0, f"{lost} device bytes lost at SER's buffer"
    gw.until(lambda: gw.traced("session: call ended"), "the end of the call")
    dropped = int(gw.config().rsplit(" ", 1)[1])
    if stall_s < 30:
        assert (len(got), dropped) == (len(data), 0)
        assert got == data
    else:
        assert dropped <= 2048, "at most the piece a send was cut in"
        assert len(got) + dropped >= len(data), "every byte delivered or counted"
    _no_reboot_and_a_fed_watchdog(gw)
