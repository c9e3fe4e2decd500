"""SMS in text mode: delivery with +CMTI, list, read, send with the prompt, delete, a full store."""

from __future__ import annotations

import pytest

from host.modem import Modem
from host.modem import Network
from tests.host.modem.helpers import command
from tests.host.modem.helpers import dial
from tests.host.modem.helpers import gprs_up
from tests.host.modem.helpers import lines
from tests.host.modem.helpers import new_modem
from tests.host.modem.helpers import ok
from tests.host.modem.helpers import read_until
from tests.host.modem.helpers import server

SCTS_T0 = "10/01/01,00:00:00+00"


def text_mode(**kwargs: object) -> Modem:
    _, modem = new_modem(**kwargs)
    ok(modem, 'AT+CMGF=1;+CNMI=2,1,0,0,0;+CPMS="SM";+CSDH=0')
    return modem


def test_delivery_raises_cmti_and_list_marks_messages_read() -> None:
    modem = text_mode()
    assert modem.deliver_sms("+447700900001", "connect config") == 1
    assert lines(modem.read()) == ['+CMTI: "SM",1']
    assert modem.deliver_sms("07700900002", "second, with comma") == 2
    assert lines(modem.read()) == ['+CMTI: "SM",2']
    assert ok(modem, 'AT+CPMS="SM","SM","SM"') == ["+CPMS: 2,20,2,20,2,20"]
    assert ok(modem, "AT+CMGL") == [
        f'+CMGL: 1,"REC UNREAD","+447700900001","","{SCTS_T0}"',
        "connect config",
        f'+CMGL: 2,"REC UNREAD","07700900002","","{SCTS_T0}"',
        "second, with comma",
    ]
    assert ok(modem, 'AT+CMGL="REC UNREAD"') == []
    assert ok(modem, 'AT+CMGL="REC READ"')[0] == f'+CMGL: 1,"REC READ","+447700900001","","{SCTS_T0}"'
    assert [m[1] for m in modem.sim_messages()] == ["REC READ", "REC READ"]


def test_cmgl_with_csdh_and_the_exact_bytes() -> None:
    clock, modem = new_modem()
    ok(modem, "AT+CMGF=1;+CSDH=1")
    clock.advance(3 * 86400 + 3661)
    modem.deliver_sms("+4477", "hi")
    modem.write(b'AT+CMGL="ALL"\r')
    assert (
        modem.read()
        == b'\r\n+CMGL: 1,"REC UNREAD","+4477","","10/01/04,01:01:01+00",145,2\r\nhi\r\n\r\nOK\r\n'
    )


def test_cmgr_reads_once_unread_then_read_and_321_for_an_empty_index() -> None:
    modem = text_mode()
    modem.deliver_sms("+44", "one")
    modem.read()
    assert ok(modem, "AT+CMGR=1") == [f'+CMGR: "REC UNREAD","+44","","{SCTS_T0}"', "one"]
    assert ok(modem, "AT+CMGR=1") == [f'+CMGR: "REC READ","+44","","{SCTS_T0}"', "one"]
    assert command(modem, "AT+CMGR=2") == ["+CMS ERROR: 321"]
    assert command(modem, "AT+CMGR=0") == ["+CMS ERROR: 321"]
    assert command(modem, "AT+CMGR=x") == ["ERROR"]


def test_text_outside_latin1_is_sent_as_question_marks() -> None:
    modem = text_mode()
    modem.deliver_sms("+44", "£5 → café €")
    modem.read()
    modem.write(b"AT+CMGR=1\r")
    assert b"\r\n\xa35 ? caf\xe9 ?\r\n" in modem.read()
    assert modem.sim_messages()[0][3] == "£5 → café €"


def test_cmgs_prompt_ctrl_z_sends_and_esc_aborts() -> None:
    modem = text_mode()
    modem.write(b'AT+CMGS="+447700900001"\r')
    assert modem.read() == b"\r\n> "
    modem.write(b"Confirmed: baud 9600\x1a")
    assert lines(modem.read()) == ["+CMGS: 1", "OK"]
    modem.write(b'AT+CMGS="+447700900002"\r')
    assert modem.read() == b"\r\n> "
    modem.write(b"never mind\x1b")
    assert lines(modem.read()) == ["OK"]
    modem.write(b'AT+CMGS="+447700900003"\rtwo\rlines\x1a')
    assert modem.read() == b"\r\n> \r\n> \r\n+CMGS: 2\r\n\r\nOK\r\n"
    assert modem.outbox == [("+447700900001", "Confirmed: baud 9600"), ("+447700900003", "two\rlines")]


def test_cmgs_echoes_the_text_when_echo_is_on() -> None:
    modem = text_mode()
    ok(modem, "ATE1")
    modem.write(b'AT+CMGS="+44"\r')
    modem.read()
    modem.write(b"abc\x1a")
    assert modem.read() == b"abc\r\n+CMGS: 1\r\n\r\nOK\r\n"


def test_cmgs_refuses_more_than_160_characters() -> None:
    modem = text_mode()
    for size, reply in ((160, ["+CMGS: 1", "OK"]), (161, ["+CMS ERROR: 305"])):
        modem.write(b'AT+CMGS="+44"\r')
        assert modem.read() == b"\r\n> "
        modem.write(b"x" * size + b"\x1a")
        assert lines(modem.read()) == reply
    assert modem.outbox == [("+44", "x" * 160)]


def test_cmgs_without_network_fails() -> None:
    network = Network()
    modem = text_mode(network=network)
    network.registered = 0
    modem.write(b'AT+CMGS="+44"\rhello\x1a')
    assert lines(modem.read()) == ["> ", "+CMS ERROR: 331"]
    assert modem.outbox == []


def test_cmgd_deletes_and_a_full_store_refuses_delivery() -> None:
    modem = text_mode(sms_capacity=3)
    assert [modem.deliver_sms("+44", f"m{i}") for i in range(4)] == [1, 2, 3, None]
    assert len(lines(modem.read())) == 3
    assert ok(modem, "AT+CPMS?") == ['+CPMS: "SM",3,3,"SM",3,3,"SM",3,3']
    ok(modem, "AT+CMGD=2")
    ok(modem, "AT+CMGD=2")  # an empty slot: still OK
    assert command(modem, "AT+CMGD=4") == ["+CMS ERROR: 321"]
    assert modem.deliver_sms("+44", "again") == 2
    ok(modem, "AT+CMGR=1")
    ok(modem, "AT+CMGD=1,1")  # all read ones
    assert [i for i, *_ in modem.sim_messages()] == [2, 3]
    ok(modem, "AT+CMGD=1,4")
    assert modem.sim_messages() == []


def test_no_cmti_without_cnmi_and_pdu_mode_is_not_emulated() -> None:
    _, modem = new_modem()
    modem.deliver_sms("+44", "quiet")
    assert modem.read() == b""
    assert command(modem, "AT+CMGL") == ["+CMS ERROR: 302"]
    assert command(modem, 'AT+CMGS="+44"') == ["+CMS ERROR: 302"]
    ok(modem, "AT+CMGF=1")
    assert command(modem, 'AT+CMGL="NEW"') == ["+CMS ERROR: 305"]
    assert command(modem, 'AT+CPMS="ME"') == ["+CMS ERROR: 302"]


@pytest.mark.parametrize(("cnmi", "after_call"), [("2,1", ['+CMTI: "SM",1']), ("1,1", []), ("3,1", [])])
def test_in_data_mode_sms_arrival_pulses_ri_and_never_enters_the_data(
    cnmi: str, after_call: list[str]
) -> None:
    clock, modem = new_modem()
    ok(modem, f"AT+CMGF=1;+CNMI={cnmi}")
    gprs_up(modem)
    peer = dial(modem, server())
    modem.deliver_sms("+44", "during the call")
    assert modem.ri() == 1
    assert modem.read() == b""
    clock.advance(1.0)
    assert modem.ri() == 0
    peer.close()
    got = read_until(modem, b"NO CARRIER\r\n", "the end of the call")
    assert lines(got + modem.read()) == ["NO CARRIER", *after_call]


def test_cmti_waits_while_a_prompt_is_open() -> None:
    modem = text_mode()
    modem.write(b'AT+CMGS="+44"\r')
    modem.read()
    modem.deliver_sms("+45", "meanwhile")
    assert modem.read() == b""
    modem.write(b"x\x1a")
    assert lines(modem.read()) == ["+CMGS: 1", "OK", '+CMTI: "SM",1']


@pytest.mark.parametrize(
    ("line", "reply"),
    [
        ("AT+CNMI=3,3,3,2,1", "OK"),
        ("AT+CNMI=4,1", "ERROR"),
        ("AT+CNMI=2,4", "ERROR"),
        ("AT+CNMI=2,1,0,3", "ERROR"),
        ("AT+CNMI=2,1,0,0,2", "ERROR"),
        ("AT+CMGF=2", "ERROR"),
        ("AT+CSDH=2", "ERROR"),
    ],
)
def test_sms_setting_ranges(line: str, reply: str) -> None:
    _, modem = new_modem()
    assert command(modem, line) == [reply]


def test_sms_settings_read_back() -> None:
    modem = text_mode()
    assert ok(modem, "AT+CMGF?;+CNMI?;+CSDH?") == ["+CMGF: 1", "+CNMI: 2,1,0,0,0", "+CSDH: 0"]
    ok(modem, "AT+CNMI=1,1")
    assert modem.settings["cnmi"] == (1, 1, 0, 0, 0)
