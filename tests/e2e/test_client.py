"""Client mode end to end: on demand (the triggering bytes delivered) and maintain (re-dial after drops)."""

from __future__ import annotations

import socket

import pytest

from tests.e2e.gateway import Gateway
from tests.e2e.gateway import Server


@pytest.fixture
def server(gw: Gateway):
    s = Server(gw)
    yield s
    s.close()


@pytest.mark.req("GW-CLIENT", "GW-CLIENT-ONDEMAND", "GW-BRIDGE", "CMD-MODE-CLIENT")
def test_on_demand_dials_when_serial_data_arrives_and_delivers_it(gw: Gateway, server: Server) -> None:
    assert gw.command(f"connect mode client 127.0.0.1 {server.port}") == (
        f"Confirmed: mode client 127.0.0.1 {server.port}")
    gw.run(30)
    assert server.conn is None
    assert not any(c.startswith("AT#SKTD") for c in gw.at_commands()), "no dial before serial data"
    gw.write_serial(b"first bytes")
    server.accept("the on-demand dial")
    gw.write_serial(b", then more")
    assert server.read(22, "the triggering bytes then the rest") == b"first bytes, then more"
    server.conn.sendall(b"answer")
    assert gw.read_serial(6, "the server's answer on the serial port") == b"answer"
    server.conn.close()
    gw.until(lambda: gw.traced("session: call ended"), "the end of the call")
    gw.write_serial(b"again")
    server.accept("a second on-demand dial")
    assert server.read(5, "the next triggering bytes") == b"again"


@pytest.mark.req("GW-CLIENT-ONDEMAND")
def test_on_demand_gives_up_after_failed_dials_and_counts_what_it_dropped(gw: Gateway, server: Server) -> None:
    port = server.port
    server.close()  # nothing listens: every dial is refused
    assert gw.command(f"connect mode client 127.0.0.1 {port}").startswith("Confirmed")
    gw.write_serial(b"x" * 100)
    gw.until(lambda: gw.traced("session: dial given up, 100 serial bytes dropped"), "the dial to be given up")
    dials = [c for c in gw.at_commands() if c.startswith("AT#SKTD")]
    assert len(dials) == 5
    assert gw.config().endswith("dropped 100")


@pytest.mark.req("GW-CLIENT-MAINTAIN", "CMD-MODE-CLIENT", "NOTE-IDLE-ONLY")
def test_maintain_connects_at_once_and_redials_after_every_drop(gw: Gateway, server: Server) -> None:
    assert gw.command(f"connect mode client 127.0.0.1 {server.port} maintain").endswith("maintain")
    server.accept("the maintained connection")
    gw.write_serial(b"ping")
    assert server.read(4, "serial data on the maintained connection") == b"ping"
    for n in range(3):
        server.conn.close()
        server.accept(f"re-dial number {n + 1} after the server dropped the connection")
    gw.sms("connect config")  # taken between attempts
    server.conn.close()
    gw.until(lambda: gw.sim.modem.sim_messages() == [], "the SMS to be handled between two dials")
    assert gw.outbox[-2][1].startswith("Confirmed: config 1/2 mode client 127.0.0.1")
    server.accept("the re-dial after the SMS")


@pytest.mark.req("GW-CLIENT-MAINTAIN")
def test_maintain_backs_off_exponentially_while_the_server_is_down(gw: Gateway, server: Server) -> None:
    port = server.port
    server.close()
    assert gw.command(f"connect mode client 127.0.0.1 {port} maintain").endswith("maintain")
    gw.run(300)
    waits = [line.split("retry in ")[1].split(" s")[0] for line in gw.sim.trace.lines() if "retry in" in line]
    assert waits[:8] == ["1", "2", "4", "8", "16", "32", "60", "60"]


@pytest.mark.req("GW-CLIENT-ONDEMAND", "GW-CLIENT")
def test_on_demand_bytes_after_the_last_failed_dial_start_a_new_dial(gw: Gateway, server: Server) -> None:
    """Every retry it announces happens, and bytes written after the last failed
    attempt are not thrown away with the old ones: they start a new dial once the server is back."""
    port = server.port
    server.close()
    assert gw.command(f"connect mode client 127.0.0.1 {port}").startswith("Confirmed")
    gw.write_serial(b"first")
    gw.until(lambda: gw.traced("dial given up"), "the dial to be given up")
    announced = sum(1 for line in gw.sim.trace.lines() if "retry in" in line)
    dials = [c for c in gw.at_commands() if c.startswith("AT#SKTD")]
    assert len(dials) == announced + 1, "every announced retry happened"
    back = Server(gw, port)
    try:
        gw.write_serial(b"second")
        back.accept("a new dial for the bytes written after the give-up")
        assert back.read(6, "the new bytes") == b"second"
        assert gw.traced("session: dial given up, 5 serial bytes dropped")
    finally:
        back.close()


@pytest.mark.req("GW-CLIENT-ONDEMAND", "GW-CLIENT")
def test_on_demand_bytes_written_during_the_last_attempt_are_kept_for_a_new_dial(gw: Gateway, server: Server) -> None:
    port = server.port
    server.close()
    assert gw.command(f"connect mode client 127.0.0.1 {port}").startswith("Confirmed")
    gw.write_serial(b"first")
    gw.until(lambda: sum(1 for c in gw.at_commands() if c.startswith("AT#SKTD")) == 5, "the last attempt")
    gw.write_serial(b"second")
    back = Server(gw, port)
    try:
        back.accept("a new dial for the bytes written during the last attempt")
        assert back.read(6, "the bytes that came after the first ones") == b"second"
        assert gw.config().endswith("dropped 5")
    finally:
        back.close()


@pytest.mark.req("GW-CLIENT-MAINTAIN", "GW-BRIDGE")
def test_only_the_servers_bytes_reach_the_device_when_a_maintained_call_ends(gw: Gateway, server: Server) -> None:
    assert gw.command(f"connect mode client 127.0.0.1 {server.port} maintain").endswith("maintain")
    server.accept("the maintained connection")
    server.conn.sendall(b"srv-0;")
    assert gw.read_serial(6, "the server's bytes") == b"srv-0;"
    gw.sms("connect config", "+15550003")
    gw.run(2)
    server.conn.close()
    gw.until(lambda: any(n == "+15550003" for n, _ in gw.outbox), "the SMS answered after the call")
    server.accept("the re-dial")
    gw.run(5)
    assert gw.drain_serial() == b"srv-0;", "only the server's bytes reach the device"


BACKOFF_S = [1, 2, 4, 8, 16, 32, 60]  # docs/operation.md §1: capped exponential back-off, 1, 2, 4 ... 60 s
LASTING_S = 60  # docs/operation.md §1: a call that lasted a minute starts the back-off again


class _Misbehaving:
    """A server on loopback that fails the way `how` says, served on every turn of the simulator."""

    def __init__(self, gw: Gateway, how: str) -> None:
        self.gw, self.how = gw, how
        self.listener: socket.socket | None = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.listener.setblocking(False)
        self.port = self.listener.getsockname()[1]
        self.calls: list[socket.socket] = []
        self.vanished_at: float | None = None
        if how == "refuses":
            self.close_listener()

    def close_listener(self) -> None:
        if self.listener is not None:
            self.listener.close()
            self.listener = None

    def serve(self) -> None:
        now = self.gw.sim.clock.now()
        while self.listener is not None:
            try:
                conn, _ = self.listener.accept()
            except BlockingIOError:
                break
            if self.how == "accepts and closes":
                conn.close()
            else:
                conn.setblocking(False)
                self.calls.append(conn)
        for conn in list(self.calls):
            try:
                ended = conn.recv(4096) == b""
            except BlockingIOError:
                ended = False
            except ConnectionResetError:
                ended = True
            if ended:
                conn.close()
                self.calls.remove(conn)
        if self.how == "vanishes" and self.calls and self.vanished_at is None and now >= 90:
            self.vanished_at = now  # the first call lasted; then the host goes away: no call, no listener
            for conn in self.calls:
                conn.close()
            self.calls.clear()
            self.close_listener()

    def close(self) -> None:
        for conn in self.calls:
            conn.close()
        self.close_listener()


@pytest.mark.req("GW-CLIENT-MAINTAIN")
@pytest.mark.parametrize("how", ["refuses", "accepts and closes", "accepts and stays silent", "vanishes"])
def test_maintain_never_dials_faster_than_its_back_off_whatever_the_server_does(gw: Gateway, how: str) -> None:
    """The back-off of docs/operation.md §1 holds against every way a server can fail: a call shorter than a minute
    counts as a failed dial (the back-off grows to its cap), only a call that lasted starts it again from 1 s. Found by
    acceptance testing: a server that accepted and closed at once was dialled every second, for ever."""
    server = _Misbehaving(gw, how)
    try:
        if how == "accepts and stays silent":
            assert gw.command("connect socketting 5 10 0") == "Confirmed: socketting 5 10 0"  # the module ends it
        start = gw.sim.clock.now()
        assert gw.command(f"connect mode client 127.0.0.1 {server.port} maintain").endswith("maintain")
        end = start + 600

        def ten_minutes_served() -> bool:
            server.serve()
            return gw.sim.clock.now() >= end

        gw.until(ten_minutes_served, "ten minutes of a failing server", timeout_s=120)
        dials = [t for t, text in gw.sim.modem.at_log if text.startswith("AT#SKTD") and t >= start]
        if how == "vanishes":
            assert server.vanished_at is not None, "the first call lasted until the server vanished"
            dials = [t for t in dials if t >= server.vanished_at]  # the back-off starts again from here
        assert len(dials) >= 8, f"it keeps trying: {len(dials)} dials"
        gaps = [b - a for a, b in zip(dials, dials[1:], strict=False)]
        for k, gap in enumerate(gaps):
            # the firmware counts whole seconds: a wait of n s ends up to 1 s early
            assert gap >= BACKOFF_S[min(k, len(BACKOFF_S) - 1)] - 1.0, f"dial {k + 1} came {gap:.1f} s after the last"
        assert len(dials) <= 7 + 600 // BACKOFF_S[-1], f"{len(dials)} dials in ten minutes"
    finally:
        server.close()
