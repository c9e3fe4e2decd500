"""As hard as the module, the network: the GPRS link has a rate each way (default a class 10 link, 5000/10000 bytes a
second), the modem's buffer towards the network is bounded, CTS drops while it is full, and MDM.send waits up to its
timeout, then returns -1 having taken what fitted (host/modem/tcp.py, host/modem/atport.py)."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from host.clock import VirtualClock
from host.kindness import STRICT
from host.kindness import Kindness
from host.modem import Modem
from host.modem import Network
from host.modem.atport import TX_LIMIT
from host.modem.network import CLASS10_DOWN_BPS
from host.modem.network import CLASS10_UP_BPS
from host.modem.network import parse_rate
from tests.host.conftest import Probe
from tests.host.modem.helpers import dial
from tests.host.modem.helpers import gprs_up
from tests.host.modem.helpers import new_modem
from tests.host.modem.helpers import ok
from tests.host.modem.helpers import recv_exactly
from tests.host.modem.helpers import recv_now
from tests.host.modem.helpers import server
from tests.host.modem.helpers import wait_for
from tests.host.test_strict_serial import pattern


def _online(up: int, down: int, kind: Kindness = STRICT) -> tuple[VirtualClock, Modem, socket.socket]:
    """A modem in data mode on #SKTD to a loopback peer, over a network of the given rates."""
    clock, modem = new_modem(network=Network(up_bps=up, down_bps=down), kind=kind)
    gprs_up(modem)
    ok(modem, "AT#PKTSZ=100")
    peer = dial(modem, server())
    return clock, modem, peer


def test_the_default_network_is_a_class_10_link() -> None:
    network = Network()
    assert (network.up_bps, network.down_bps) == (CLASS10_UP_BPS, CLASS10_DOWN_BPS) == (5000, 10000)


def test_the_uplink_carries_its_rate_and_no_more() -> None:
    clock, modem, peer = _online(1000, 2000)
    modem.write(b"u" * 1000)  # ten full packets of 100, handed over at once
    total = 0
    for t, expected in ((0.0, 0), (0.25, 250), (0.5, 500), (1.0, 1000), (2.0, 1000)):
        clock.advance_to(t)
        modem.poll()
        if expected > total:
            total += len(recv_exactly(modem, peer, expected - total, f"the uplink's bytes by {t} s"))
        total += len(recv_now(peer))
        assert total == expected, t


def test_the_downlink_carries_its_rate_and_no_more() -> None:
    clock, modem, peer = _online(1000, 2000)
    peer.sendall(b"d" * 3000)
    got = bytearray()
    for t, expected in ((0.0, 0), (0.5, 1000), (1.0, 2000), (1.5, 3000), (3.0, 3000)):
        clock.advance_to(t)
        wait_for(modem, lambda n=expected: got.extend(modem.read()) or len(got) >= n, f"{expected} bytes by {t} s")
        modem.poll()
        got.extend(modem.read())
        assert len(got) == expected, t


def test_the_modem_buffer_is_bounded_and_cts_drops_while_it_is_full() -> None:
    clock, modem, peer = _online(1000, 2000)
    port = modem.main
    assert port.room() == TX_LIMIT
    modem.write(b"x" * TX_LIMIT)
    assert (port.room(), modem.cts()) == (0, 0)
    clock.advance_to(0.5)
    modem.poll()
    assert (port.room(), modem.cts()) == (500, 1)  # half a second of a 1000 B/s uplink


def test_a_stalled_uplink_carries_nothing_and_banks_no_time() -> None:
    """`fault stall`: nothing leaves the modem, its buffer stays full and its CTS low, and no deadline of
    the uplink is due; cleared, the link goes on at its rate from then (the stall is not made up for)."""
    clock, modem, peer = _online(1000, 2000)
    port = modem.main
    modem.network.uplink_stalled = True
    modem.write(b"s" * TX_LIMIT)
    clock.advance_to(5.0)
    modem.poll()
    assert recv_now(peer) == b""
    assert (port.room(), modem.cts()) == (0, 0)
    call = port.call
    assert call is not None
    assert call.deadline() == call.last_t + call.skt_to  # #SKTTO's: none of the uplink's
    modem.network.uplink_stalled = False
    modem.poll()
    clock.advance_to(5.5)
    modem.poll()
    assert port.room() == 500  # half a second of a 1000 B/s uplink, counted from the end of the stall
    assert recv_exactly(modem, peer, 500, "the uplink after the stall") == b"s" * 500


def test_instant_network_is_the_kindness_without_a_rate() -> None:
    _, modem, peer = _online(1000, 2000, Kindness(instant_network=True))
    modem.write(b"y" * 3000)
    assert recv_exactly(modem, peer, 3000, "everything at once") == b"y" * 3000


def test_a_gprs_rate_is_up_slash_down_bytes_a_second() -> None:
    assert parse_rate("5000/10000") == (5000, 10000)
    for bad in ("5000", "0/10", "fast/slow", "5000/"):
        with pytest.raises(ValueError, match="UP/DOWN in bytes per second"):
            parse_rate(bad)


def _dial_steps(port: int, then: list[str]) -> list[str]:
    return ["mdm ATE0", "mcollect OK 20", 'mdm AT+CGDCONT=1,"IP","internet"', "mcollect OK 20", "mdm AT#GPRS=1",
            "mcollect OK 50", "mdm AT#PKTSZ=100", "mcollect OK 20", f'mdm AT#SKTD=0,{port},"127.0.0.1",0,0',
            "mcollect CONNECT 100", *then]


def _peer(srv: socket.socket, p: Probe) -> socket.socket:
    box: list[socket.socket] = []

    def accepted() -> bool:
        try:
            box.append(srv.accept()[0])
        except BlockingIOError:
            return False
        return True

    p.sim.run_until(accepted, 30, "the firmware's #SKTD")
    box[0].setblocking(False)
    return box[0]


def test_mdm_send_waits_its_timeout_then_returns_minus_one_with_what_fitted_taken(
        probe: Callable[..., Probe]) -> None:
    srv = socket.create_server(("127.0.0.1", 0))
    srv.setblocking(False)
    with srv:
        p = probe(_dial_steps(srv.getsockname()[1], ["mcts", "mark send", "msend 20000 10", "mcts", "sleep 50",
                                                      "mcts"]))
        conn = _peer(srv, p)
        with conn:
            p.wait("done")
            assert p.values("msend") == ["-1"]
            assert p.when("msend", "-1") - p.when("mark", "send") == pytest.approx(1.0)  # MDM.send(..., 10)
            assert p.values("mcts") == ["1", "0", "1"]  # full after the refused send; drained 5 s later
            got = bytearray()

            def peer_has_all() -> bool:
                try:
                    got.extend(conn.recv(1 << 20))
                except BlockingIOError:
                    pass
                return len(got) >= TX_LIMIT + CLASS10_UP_BPS - 100 and not p.sim.modem.main.call.backlog()

            p.sim.run_until(peer_has_all, 30, "what the modem took to reach the peer")
            # The buffer full at once, then a second of the uplink freed room, which the waiting send filled.
            assert TX_LIMIT + CLASS10_UP_BPS - 100 <= len(got) <= TX_LIMIT + CLASS10_UP_BPS
            assert got == pattern(len(got))  # a prefix of what was sent, nothing of the rest


def test_roomy_modem_is_the_kindness_that_takes_every_send_at_once(probe: Callable[..., Probe]) -> None:
    srv = socket.create_server(("127.0.0.1", 0))
    srv.setblocking(False)
    with srv:
        p = probe(_dial_steps(srv.getsockname()[1], ["msend 20000 10", "mcts"]),
                  kind=Kindness(roomy_modem=True, factory_profile=True))
        conn = _peer(srv, p)
        with conn:
            p.wait("done")
            assert p.values("msend") == ["1"]
            assert p.values("mcts") == ["1"]
