"""Injected faults: another reply, no reply, a URC inside the response; each for N matching lines."""

from __future__ import annotations

from tests.host.modem.helpers import command
from tests.host.modem.helpers import gprs_up
from tests.host.modem.helpers import lines
from tests.host.modem.helpers import new_modem
from tests.host.modem.helpers import ok


def test_error_next_replaces_the_reply_and_skips_the_command_count_times() -> None:
    _, modem = new_modem()
    ok(modem, 'AT+CGDCONT=1,"IP","internet"')
    modem.faults.error_next(r"#GPRS=1", count=2, reply="+CME ERROR: 10")
    assert command(modem, "AT+CSQ") == ["+CSQ: 20,0", "OK"]  # does not match
    assert command(modem, "AT#GPRS=1") == ["+CME ERROR: 10"]
    assert modem.settings["gprs_active"] is False
    assert command(modem, "AT#GPRS=1") == ["+CME ERROR: 10"]
    assert command(modem, "AT#GPRS=1") == ["+IP: 127.0.0.1", "OK"]
    assert [t for _, t in modem.at_log].count("AT#GPRS=1") == 3


def test_error_next_may_answer_garbage_or_a_cms_code() -> None:
    _, modem = new_modem()
    modem.faults.error_next(r"^AT\+CMGF", reply="\x00#garbage")
    modem.faults.error_next(r"CMGL", reply="+CMS ERROR: 322")
    modem.write(b"AT+CMGF=1\r")
    assert modem.read() == b"\r\n\x00#garbage\r\n"
    assert modem.settings["cmgf"] == 0
    ok(modem, "AT+CMGF=1")
    assert command(modem, "AT+CMGL") == ["+CMS ERROR: 322"]


def test_silence_next_gives_no_answer_and_does_not_run() -> None:
    _, modem = new_modem()
    modem.faults.silence_next(r"S12=")
    modem.write(b"ATS12=100\r")
    modem.poll()
    assert modem.read() == b""
    assert modem.settings["s12"] == 50
    assert command(modem, "ATS12=100") == ["OK"]
    assert modem.settings["s12"] == 100


def test_interleave_puts_the_urc_in_the_middle_of_the_response() -> None:
    _, modem = new_modem()
    ok(modem, "AT+CMGF=1")
    modem.deliver_sms("+1", "a")
    modem.deliver_sms("+2", "b")
    modem.faults.interleave(r"CMGL", '+CMTI: "SM",3')
    modem.write(b'AT+CMGL="ALL"\r')
    got = modem.read()
    assert got.startswith(
        b'\r\n+CMGL: 1,"REC UNREAD","+1","","10/01/01,00:00:00+00"\r\na\r\n\r\n+CMTI: "SM",3\r\n'
    )
    assert lines(got)[3:] == ['+CMGL: 2,"REC UNREAD","+2","","10/01/01,00:00:00+00"', "b", "OK"]
    modem.faults.interleave(r"^AT$", "RING")
    modem.write(b"AT\r")
    assert modem.read() == b"\r\nRING\r\n\r\nOK\r\n"
    modem.write(b"AT\r")
    assert modem.read() == b"\r\nOK\r\n"


def test_interleave_on_a_deferred_result() -> None:
    _, modem = new_modem()
    gprs_up(modem)
    modem.faults.interleave(r"SKTD", "+CREG: 1")
    assert command(modem, 'AT#SKTD=0,9,"127.0.0.1"') in (["+CREG: 1", "NO CARRIER"], ["+CREG: 1", "ERROR"])


def test_clear_disarms_everything() -> None:
    _, modem = new_modem()
    modem.faults.error_next(".*", count=100)
    modem.faults.silence_next(".*")
    modem.faults.clear()
    assert command(modem, "AT") == ["OK"]
