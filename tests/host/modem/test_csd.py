"""CSD dial-in: RING every 3 s, ATA, data both ways, escape + ATH, caller hang-up, auto-answer."""

from __future__ import annotations

from host.modem import Network
from tests.host.modem.helpers import command
from tests.host.modem.helpers import lines
from tests.host.modem.helpers import new_modem
from tests.host.modem.helpers import ok


def test_ring_repeats_every_3_seconds_until_answered() -> None:
    clock, modem = new_modem()
    call = modem.ring("+447700900999")
    assert lines(modem.read()) == ["RING"]
    assert modem.ri() == 1
    assert modem.next_deadline() == 1.0  # RI pulse ends
    clock.advance(2.99)
    modem.poll()
    assert modem.read() == b""
    clock.advance(0.01)
    modem.poll()
    assert lines(modem.read()) == ["RING"]
    assert command(modem, "ATA") == ["CONNECT 9600"]
    assert modem.dcd() == 1
    assert call.answered
    assert call.active
    clock.advance(30)
    modem.poll()
    assert modem.read() == b""


def test_crc_1_gives_cring() -> None:
    _, modem = new_modem()
    ok(modem, "AT+CRC=1")
    modem.ring()
    assert lines(modem.read()) == ["+CRING: ASYNC"]


def test_data_flows_both_ways_unchanged() -> None:
    clock, modem = new_modem()
    call = modem.ring()
    modem.read()
    command(modem, "ATA")
    payload = bytes(range(256)) + b"+++NO CARRIER\r\n\x1a\x00"
    assert call.send(payload) == len(payload)
    assert modem.read() == payload
    clock.advance(0.5)
    modem.write(payload)
    modem.write(b"more")
    assert call.recv() == payload + b"more"
    assert call.recv() == b""
    assert call.received == payload + b"more"


def test_caller_hangup_gives_no_carrier() -> None:
    _, modem = new_modem()
    call = modem.ring()
    command(modem, "ATA")
    call.send(b"bye")
    call.hangup()
    assert modem.read() == b"bye\r\nNO CARRIER\r\n"
    assert modem.dcd() == 0
    assert not call.active
    assert call.send(b"late") == 0


def test_escape_keeps_the_call_until_ath() -> None:
    clock, modem = new_modem()
    call = modem.ring()
    command(modem, "ATA")
    clock.advance(1)
    modem.write(b"+++")
    clock.advance(1)
    modem.poll()
    assert lines(modem.read()) == ["OK"]
    assert modem.dcd() == 1
    assert modem.describe()["mode"] == "online-command"
    call.send(b"held")
    assert ok(modem, "AT+CSQ") == ["+CSQ: 20,0"]
    assert command(modem, "ATO") == ["CONNECT 9600"]
    modem.poll()
    assert modem.read() == b"held"
    clock.advance(1)
    modem.write(b"+++")
    clock.advance(1)
    modem.poll()
    assert lines(modem.read()) == ["OK"]
    assert ok(modem, "ATH") == []
    assert modem.dcd() == 0
    assert not call.active
    assert call.recv() == b""  # the +++ never reached the caller
    assert command(modem, "ATO") == ["NO CARRIER"]


def test_ata_without_a_call_and_ath_rejecting_a_ringing_call() -> None:
    _, modem = new_modem()
    assert command(modem, "ATA") == ["ERROR"]
    call = modem.ring()
    modem.read()
    ok(modem, "ATH")
    assert not call.active
    assert not call.answered
    assert command(modem, "ATA") == ["ERROR"]


def test_caller_giving_up_stops_the_rings() -> None:
    clock, modem = new_modem()
    call = modem.ring()
    modem.read()
    call.hangup()
    clock.advance(10)
    modem.poll()
    assert modem.read() == b""
    assert command(modem, "ATA") == ["ERROR"]


def test_s0_answers_after_n_rings() -> None:
    clock, modem = new_modem()
    ok(modem, "ATS0=2")
    call = modem.ring()
    clock.advance(3)
    modem.poll()
    assert lines(modem.read()) == ["RING", "RING", "CONNECT 9600"]
    assert call.answered
    assert modem.dcd() == 1


def test_network_drop_ends_the_call() -> None:
    network = Network()
    _, modem = new_modem(network=network)
    call = modem.ring()
    command(modem, "ATA")
    network.drop()
    assert modem.read() == b"\r\nNO CARRIER\r\n"
    assert modem.dcd() == 0
    assert not call.active


def test_a_second_caller_finds_the_line_busy() -> None:
    _, modem = new_modem()
    modem.ring()
    second = modem.ring("+4400")
    assert not second.active
    assert modem.describe()["csd"] == {
        "caller": "+447700900123",
        "answered": False,
        "active": True,
        "rings": 1,
    }
