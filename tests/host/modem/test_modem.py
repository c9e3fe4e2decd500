"""The modem as a whole: MDM2, network loss, timers and descriptors for the simulator, describe()."""

from __future__ import annotations

from host.clock import RealClock
from host.modem import Modem
from host.modem import Network
from tests.host.modem.helpers import MODEM_TESTS_KIND
from tests.host.modem.helpers import command
from tests.host.modem.helpers import dial
from tests.host.modem.helpers import gprs_up
from tests.host.modem.helpers import lines
from tests.host.modem.helpers import new_modem
from tests.host.modem.helpers import ok
from tests.host.modem.helpers import recv_exactly
from tests.host.modem.helpers import server
from tests.host.modem.helpers import track
from tests.host.modem.helpers import wait_for


def test_mdm2_shares_the_state_but_has_its_own_echo() -> None:
    _, modem = new_modem()
    modem.second.write(b"AT#SKTTO=120\r")
    assert modem.second.read() == b"AT#SKTTO=120\r\r\nOK\r\n"
    assert ok(modem, "AT#SKTTO?") == ["#SKTTO: 120"]
    assert modem.read() == b""


def test_mdm2_works_while_mdm_is_in_data_mode() -> None:
    clock, modem = new_modem()
    gprs_up(modem)
    ok(modem, "AT#DSTO=1")
    peer = dial(modem, server())
    assert command(modem, "AT+CSQ", port=modem.second) == ["AT+CSQ\r", "+CSQ: 20,0", "OK"]
    assert command(modem, "AT#GPRS?", port=modem.second)[-2:] == ["#GPRS: 1", "OK"]
    modem.write(b"AT+CSQ\r")  # on MDM this is data
    clock.advance(0.1)
    assert recv_exactly(modem, peer, 7, "data") == b"AT+CSQ\r"
    assert modem.second.dcd() == 0
    assert command(modem, "AT#GPRS=0", port=modem.second)[-1] == "OK"
    assert lines(modem.read()) == ["NO CARRIER"]  # deactivating the context ends MDM's socket
    assert modem.dcd() == 0


def test_network_drop_ends_the_socket_and_the_context() -> None:
    network = Network()
    _, modem = new_modem(network=network)
    gprs_up(modem)
    peer = dial(modem, server())
    peer.setblocking(True)
    peer.settimeout(5)
    network.drop()
    assert lines(modem.read()) == ["NO CARRIER"]
    assert modem.dcd() == 0
    assert ok(modem, "AT#GPRS?;+CREG?") == ["#GPRS: 0", "+CREG: 0,2"]
    assert command(modem, "AT#GPRS=1") == ["ERROR"]
    network.restore()
    gprs_up(modem)
    try:
        assert peer.recv(10) == b""
    except ConnectionResetError:
        pass


def test_the_simulator_interface_timers_and_descriptors() -> None:
    clock, modem = new_modem()
    assert modem.next_deadline() is None
    assert modem.fds() == []
    gprs_up(modem)
    ok(modem, "AT#SKTTO=60;#DSTO=20;#PKTSZ=100")
    srv = server()
    peer = dial(modem, srv)
    assert modem.next_deadline() == 60.0  # #SKTTO from CONNECT
    assert len(modem.fds()) == 1
    assert modem.wfds() == []
    clock.advance(5)
    modem.write(b"abc")
    assert modem.next_deadline() == 7.0  # #DSTO
    peer.sendall(b"wake")
    wait_for(modem, lambda: modem.read() == b"wake", "the peer's data")
    d = modem.describe()
    assert d["mode"] == "data"
    assert d["gprs"] is True
    assert d["ip"] == "127.0.0.1"
    sock = d["socket"]
    assert isinstance(sock, dict)
    assert sock["direction"] == "out"
    assert sock["peer"] == f"127.0.0.1:{srv.getsockname()[1]}"
    assert (d["sms"], d["outbox"], d["listening"]) == (0, 0, None)
    modem.close()
    assert modem.fds() == []
    assert modem.dcd() == 0


def test_cts_drops_when_the_network_side_backs_up() -> None:
    _, modem = new_modem()
    gprs_up(modem)
    ok(modem, "AT#PKTSZ=512;#DSTO=1")
    dial(modem, server())  # the peer never reads
    block = b"z" * 65536
    for _ in range(200):
        modem.write(block)
        modem.poll()
        if modem.cts() == 0:
            break
    assert modem.cts() == 0
    assert modem.wfds() != []


def test_ring_during_a_socket_call_only_moves_ri() -> None:
    _, modem = new_modem()
    gprs_up(modem)
    dial(modem, server())
    modem.ring()
    assert modem.ri() == 1
    assert modem.read() == b""


def test_with_the_real_clock_data_flows_the_same_way() -> None:
    modem = track(Modem(RealClock(), kind=MODEM_TESTS_KIND))
    ok(modem, "ATE0")
    modem.read()
    gprs_up(modem)
    ok(modem, "AT#PKTSZ=4")
    peer = dial(modem, server())
    modem.write(b"real")
    assert recv_exactly(modem, peer, 4, "a packet") == b"real"
    peer.sendall(b"back")
    wait_for(modem, lambda: modem.read() == b"back", "the peer's data")
