"""Packetising (#PKTSZ, #DSTO), the idle timeout (#SKTTO) and the +++ escape, on the virtual clock."""

from __future__ import annotations

import socket

from host.clock import VirtualClock
from host.modem import Modem
from tests.host.modem.helpers import dial
from tests.host.modem.helpers import gprs_up
from tests.host.modem.helpers import lines
from tests.host.modem.helpers import new_modem
from tests.host.modem.helpers import ok
from tests.host.modem.helpers import read_until
from tests.host.modem.helpers import recv_exactly
from tests.host.modem.helpers import recv_now
from tests.host.modem.helpers import server


def connected(settings: str) -> tuple[VirtualClock, Modem, socket.socket]:
    clock, modem = new_modem()
    gprs_up(modem)
    ok(modem, settings)
    peer = dial(modem, server())
    return clock, modem, peer


def test_full_packets_leave_at_once_and_the_rest_waits_for_dsto() -> None:
    clock, modem, peer = connected("AT#PKTSZ=100;#DSTO=10;#SKTTO=0")
    clock.advance(0.5)
    modem.write(b"a" * 250)
    assert recv_exactly(modem, peer, 200, "two full packets") == b"a" * 200
    clock.advance(0.6)  # 1.1 s after CONNECT, 0.6 s after the first unsent byte
    modem.write(b"b" * 20)  # the partial packet grows but its clock started with the first 'a'
    clock.advance(0.39)
    modem.poll()
    assert modem.next_deadline() == 1.5
    assert recv_now(peer) == b""
    clock.advance(0.01)
    modem.poll()
    assert recv_exactly(modem, peer, 70, "the partial packet") == b"a" * 50 + b"b" * 20
    assert modem.next_deadline() is None


def test_dsto_0_sends_only_full_packets() -> None:
    clock, modem, peer = connected("AT#PKTSZ=3;#DSTO=0;#SKTTO=0")
    modem.write(b"12345")
    assert recv_exactly(modem, peer, 3, "one packet") == b"123"
    clock.advance(3600)
    modem.poll()
    assert recv_now(peer) == b""
    modem.write(b"6")
    assert recv_exactly(modem, peer, 3, "the second packet") == b"456"


def test_pktsz_0_means_300_bytes() -> None:
    _, modem, peer = connected("AT#PKTSZ=0;#DSTO=0")
    modem.write(b"x" * 299)
    modem.poll()
    assert recv_now(peer) == b""
    modem.write(b"y")
    assert recv_exactly(modem, peer, 300, "a 300-byte packet") == b"x" * 299 + b"y"


def test_sktto_closes_an_idle_socket_and_data_either_way_restarts_it() -> None:
    clock, modem, peer = connected("AT#SKTTO=300;#PKTSZ=512;#DSTO=1")
    clock.advance(200)
    modem.write(b"ping")  # firmware data
    clock.advance(299)
    modem.poll()
    assert modem.dcd() == 1
    peer.sendall(b"pong")  # peer data at t=499
    assert read_until(modem, b"pong", "the peer's data") == b"pong"
    clock.advance(299.9)
    modem.poll()
    assert modem.dcd() == 1
    assert modem.next_deadline() == 799.0
    clock.advance_to(799.0)
    modem.poll()
    assert lines(modem.read()) == ["NO CARRIER"]
    assert modem.dcd() == 0
    assert recv_exactly(modem, peer, 4, "the data sent before the timeout") == b"ping"
    assert peer.recv(10) == b""  # closed


def test_sktto_0_never_times_out() -> None:
    clock, modem, _ = connected("AT#SKTTO=0")
    clock.advance(1_000_000)
    modem.poll()
    assert modem.dcd() == 1


def test_escape_with_guard_times_closes_the_socket_after_sending_what_is_pending() -> None:
    clock, modem, peer = connected("AT#DSTO=0;#PKTSZ=512")  # S12 = 50: guard 1 s
    modem.write(b"pending")
    clock.advance(1.0)
    modem.write(b"+")
    clock.advance(0.5)
    modem.write(b"++")
    clock.advance(0.99)
    modem.poll()
    assert modem.dcd() == 1
    assert modem.next_deadline() == 2.5
    clock.advance(0.01)
    modem.poll()
    assert lines(modem.read()) == ["NO CARRIER"]
    assert modem.dcd() == 0
    assert recv_exactly(modem, peer, 7, "the pending data") == b"pending"
    assert peer.recv(10) == b""
    assert ok(modem, "AT#GPRS?") == ["#GPRS: 1"]


def test_plus_signs_without_the_guard_times_are_data() -> None:
    clock, modem, peer = connected("AT#DSTO=1;#PKTSZ=512;S12=50")
    modem.write(b"+++")  # right after CONNECT: no silence before
    clock.advance(1.0)
    modem.write(b"x+++")  # not alone
    clock.advance(1.0)
    modem.write(b"+++y")  # no silence after
    clock.advance(1.0)
    modem.write(b"++")
    clock.advance(1.0)  # a gap of a whole guard time between the '+' and the next ones
    modem.write(b"+")
    clock.advance(1.0)
    modem.write(b"++++")  # four
    clock.advance(1.0)
    modem.poll()
    assert modem.dcd() == 1
    assert modem.read() == b""
    expected = b"+++x+++" + b"+++y" + b"++" + b"+" + b"++++"
    assert recv_exactly(modem, peer, len(expected), "the plus signs as data") == expected


def test_s12_sets_the_guard_time() -> None:
    clock, modem, _ = connected("ATS12=20")  # 0.4 s
    clock.advance(0.4)
    modem.write(b"+++")
    clock.advance(0.4)
    modem.poll()
    assert lines(modem.read()) == ["NO CARRIER"]
