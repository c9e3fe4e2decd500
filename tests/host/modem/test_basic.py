"""Basic commands, registration and signal queries, and their range limits (min-1, min, max, max+1)."""

from __future__ import annotations

import pytest

from host.modem import Network
from tests.host.modem.helpers import command
from tests.host.modem.helpers import lines
from tests.host.modem.helpers import new_modem
from tests.host.modem.helpers import ok

RANGES = [
    ("ATS12", "s12", 20, 255, 50),
    ("ATS0", "s0", 0, 255, 0),
    ("ATS7", "s7", 1, 255, 60),
    ("AT#SELINT", "selint", 0, 2, 2),
    ("AT+CMEE", "cmee", 0, 2, 0),
    ("AT+CREG", "creg_n", 0, 2, 0),
    ("AT+CGREG", "cgreg_n", 0, 2, 0),
    ("AT+CRC", "crc", 0, 1, 0),
]


@pytest.mark.parametrize(("cmd", "key", "lo", "hi", "default"), RANGES)
def test_settings_take_values_within_their_range_only(
    cmd: str, key: str, lo: int, hi: int, default: int
) -> None:
    _, modem = new_modem()
    assert modem.settings[key] == default
    for value, answer in ((lo - 1, "ERROR"), (lo, "OK"), (hi, "OK"), (hi + 1, "ERROR")):
        if value < 0:
            continue
        before = modem.settings[key]
        assert command(modem, f"{cmd}={value}") == [answer], value
        assert modem.settings[key] == (value if answer == "OK" else before)


def test_s_registers_read_back_as_three_digits() -> None:
    _, modem = new_modem()
    assert ok(modem, "ATS12?") == ["050"]
    ok(modem, "ATS12=255;S0=2")
    assert ok(modem, "ATS12?;S0?;S7?") == ["255", "002", "060"]


@pytest.mark.parametrize(
    ("line", "info"),
    [
        ("AT#SELINT?", ["#SELINT: 2"]),
        ("AT+CPIN?", ["+CPIN: READY"]),
        ("AT+CREG?", ["+CREG: 0,1"]),
        ("AT+CGREG?", ["+CGREG: 0,1"]),
        ("AT+CSQ", ["+CSQ: 20,0"]),
        ("AT+CRC?", ["+CRC: 0"]),
        ("AT&W", []),
        ("AT&P0", []),
        ("AT&K3", []),
        ("ATV1Q0", []),
    ],
)
def test_queries_at_power_on(line: str, info: list[str]) -> None:
    _, modem = new_modem()
    assert ok(modem, line) == info


def test_registration_and_signal_follow_the_network() -> None:
    network = Network()
    _, modem = new_modem(network=network)
    network.registered, network.csq = 5, 31
    assert ok(modem, "AT+CREG?;+CGREG?;+CSQ") == ["+CREG: 0,5", "+CGREG: 0,5", "+CSQ: 31,0"]
    ok(modem, "AT+CREG=2")
    assert ok(modem, "AT+CREG?") == ['+CREG: 2,5,"0001","0001"']
    network.registered, network.csq = 3, 99
    assert ok(modem, "AT+CREG?;+CSQ") == ["+CREG: 2,3", "+CSQ: 99,99"]


def test_creg_1_reports_registration_changes_unsolicited() -> None:
    network = Network()
    _, modem = new_modem(network=network)
    ok(modem, "AT+CREG=1")
    network.registered = 2
    modem.poll()
    assert lines(modem.read()) == ["+CREG: 2"]
    modem.poll()
    assert modem.read() == b""


def test_cme_errors_show_as_error_until_cmee_is_set() -> None:
    _, modem = new_modem()
    assert command(modem, "AT+CPIN=1234") == ["ERROR"]
    ok(modem, "AT+CMEE=1")
    assert command(modem, "AT+CPIN=1234") == ["+CME ERROR: 3"]


def test_atz_restores_the_profile_saved_with_at_w() -> None:
    _, modem = new_modem()
    ok(modem, "ATS12=100;&W")
    ok(modem, "ATS12=30E1")
    modem.write(b"ATZ\r")
    assert modem.read() == b"ATZ\r\r\nOK\r\n"  # echo was off when &W saved, so ATZ turns it off again
    assert modem.settings["s12"] == 100
    assert modem.settings["echo"] is False


def test_unsupported_forms_answer_error() -> None:
    _, modem = new_modem()
    for line in ("ATE2", "ATV2", "ATQ1", "AT+CSQ=1", "ATS12=", "AT#SELINT=x", "ATD123"):
        assert command(modem, line) == ["ERROR"], line


def test_cops_names_the_operator_while_registered_and_frames_it_like_the_module() -> None:
    """`+COPS: <mode>,<format>,"<oper>"` while registered, `+COPS: 0` without an operator (3GPP 27.007); the one
    query line the firmware's `status` sends gets its three answers in order, each framed as its own line."""
    network = Network()
    _, modem = new_modem(network=network)
    network.operator = "Vodafone UK"
    modem.write(b"AT+COPS?\r")
    assert modem.read() == b'\r\n+COPS: 0,0,"Vodafone UK"\r\n\r\nOK\r\n'
    assert ok(modem, "AT+CSQ;+CREG?;+COPS?") == ["+CSQ: 20,0", "+CREG: 0,1", '+COPS: 0,0,"Vodafone UK"']
    network.registered = 2
    assert ok(modem, "AT+COPS?") == ["+COPS: 0"]
    network.registered, network.operator = 5, "A" * 20
    assert ok(modem, "AT+COPS?") == ['+COPS: 0,0,"' + "A" * 16 + '"'], "a long name holds 16 characters"
    assert ok(modem, "AT+COPS=0") == []
    assert ok(modem, "AT+COPS=3,0") == []
    for line in ("AT+COPS=1,2,\"00101\"", "AT+COPS", "AT+COPS=2"):
        assert command(modem, line) == ["ERROR"], line
