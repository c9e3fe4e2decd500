"""The AT line discipline: prefix, echo, CR/LF, the 80-character buffer, chaining, unknown commands."""

from __future__ import annotations

import pytest

from host.clock import VirtualClock
from host.modem import Modem
from host.modem.parser import AtError
from host.modem.parser import Command
from host.modem.parser import frame
from host.modem.parser import split_commands
from tests.host.modem.helpers import command
from tests.host.modem.helpers import lines
from tests.host.modem.helpers import new_modem


def test_echo_is_on_at_power_on_and_ate0_turns_it_off() -> None:
    modem = Modem(VirtualClock())
    modem.write(b"AT\r")
    assert modem.read() == b"AT\r\r\nOK\r\n"
    modem.write(b"ATE0\r")
    assert modem.read() == b"ATE0\r\r\nOK\r\n"
    modem.write(b"AT\r")
    assert modem.read() == b"\r\nOK\r\n"
    assert modem.settings["echo"] is False


def test_a_line_may_come_in_pieces_end_in_cr_lf_and_use_any_case() -> None:
    _, modem = new_modem()
    for piece in (b"a", b"t+c", b"sQ", b"\r", b"\n"):
        modem.write(piece)
    assert modem.read() == b"\r\n+CSQ: 20,0\r\n\r\nOK\r\n"
    modem.write(b"At\r\nAT\r\n")
    assert modem.read() == b"\r\nOK\r\n\r\nOK\r\n"


def test_backspace_erases_and_junk_before_at_is_skipped() -> None:
    _, modem = new_modem()
    modem.write(b"\x1b\x00ATX\x08+CSQ\r")
    assert lines(modem.read()) == ["+CSQ: 20,0", "OK"]


def test_a_line_without_the_at_prefix_gets_no_answer_but_is_logged() -> None:
    clock, modem = new_modem()
    clock.advance(2.5)
    modem.write(b"hello\r\r")
    assert modem.read() == b""
    assert modem.at_log[-1] == (2.5, "hello")


def test_the_command_line_holds_80_characters_with_its_cr() -> None:
    _, modem = new_modem()
    body = 'AT+CGDCONT=1,"IP","' + "a" * 59 + '"'
    assert len(body + "\r") == 80
    assert command(modem, body) == ["OK"]
    assert modem.settings["cgdcont"] == {1: ("IP", "a" * 59)}
    assert command(modem, body[:-1] + 'b"') == ["ERROR"]
    assert modem.settings["cgdcont"] == {1: ("IP", "a" * 59)}
    assert command(modem, "AT" + "E" * 10_000) == ["ERROR"]


def test_chained_commands_run_in_order_and_stop_at_the_first_error() -> None:
    _, modem = new_modem()
    assert command(modem, "AT+CMGF=1;+CSDH=1;S12=40") == ["OK"]
    assert (modem.settings["cmgf"], modem.settings["csdh"], modem.settings["s12"]) == (1, 1, 40)
    assert command(modem, "ATS12=60;+CMGF=7;S12=70") == ["ERROR"]
    assert modem.settings["s12"] == 60


def test_an_unknown_command_answers_error_and_is_logged() -> None:
    clock, modem = new_modem()
    clock.advance(1)
    assert command(modem, "AT#NOSUCH=1") == ["ERROR"]
    assert modem.at_log[-1] == (1.0, "AT#NOSUCH=1")
    assert modem.main.unknown == ["AT#NOSUCH=1"]


def test_every_command_line_is_logged_with_its_clock_time() -> None:
    clock, modem = new_modem()
    clock.advance(300)
    command(modem, "AT#SKTTO=300")
    assert modem.at_log == [(0.0, "ATE0"), (300.0, "AT#SKTTO=300")]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("", [Command("", "", "")]),
        ("E0V1", [Command("E", "", "0"), Command("V", "", "1")]),
        ("S12=50S0?", [Command("S12", "=", "50"), Command("S0", "?", "")]),
        ("&W0&P", [Command("&W", "", "0"), Command("&P", "", "")]),
        ('+CMGS="+44;1",145;#SKTD=?', [Command("+CMGS", "=", '"+44;1",145'), Command("#SKTD", "=?", "")]),
        ("d123;", [Command("D", "", "123;")]),
    ],
)
def test_split_commands(body: str, expected: list[Command]) -> None:
    assert split_commands(body) == expected


@pytest.mark.parametrize("body", ["+", '+CMGS="unterminated', "+CSQ junk", "!", "S12"])
def test_split_commands_refuses_bad_syntax(body: str) -> None:
    with pytest.raises(AtError):
        split_commands(body)


def test_frame_puts_an_interleaved_urc_in_the_middle() -> None:
    assert frame(["+CSQ: 1,0"], "OK") == b"\r\n+CSQ: 1,0\r\n\r\nOK\r\n"
    assert frame(["a", "b", "c"], "OK", "U") == b"\r\na\r\nb\r\n\r\nU\r\n\r\nc\r\n\r\nOK\r\n"
    assert frame([], "OK", "U") == b"\r\nU\r\n\r\nOK\r\n"
    assert frame([], None) == b""
