"""Reading +CMGL answers whose bodies hold anything, and splitting long replies into numbered SMS."""

from __future__ import annotations

from fsm.interpreters import Interpreter
from tests.runtime.fwunit import evaluate


def _entry(index: int, stat: str, sender: str, body: str) -> str:
    """One +CMGL entry as the module writes it with +CSDH=1: the body's length ends the header."""
    return f'+CMGL: {index},"{stat}","{sender}","","24/11/25,10:00:00+00",145,{len(body)}\r\n{body}\r\n'


LISTING = (
    "\r\n" + _entry(1, "REC UNREAD", "+447700900123", "connect config")
    + _entry(2, "REC READ", "Vodafone", "line one\nOK\r\nline, three\r\n\r\nOK\r\n+CMGL: 9,x")
    + _entry(3, "STO SENT", "+4412", "sent copy")
    + _entry(14, "REC UNREAD", "07700900123", "")
    + "\r\nOK\r\n"
)


def test_received_messages_are_listed_with_their_bodies_whole(firmware_python: Interpreter) -> None:
    """Bodies are cut by their length, so one may hold anything: CR LF, OK, a fake header."""
    got = evaluate(firmware_python, ["smsio"], [f"smsio.parse_list({LISTING!r})"])[0]
    assert got == [
        (1, "+447700900123", "connect config"),
        (2, "Vodafone", "line one\nOK\r\nline, three\r\n\r\nOK\r\n+CMGL: 9,x"),
        (14, "07700900123", ""),
    ]


def test_a_message_is_read_by_its_names(firmware_python: Interpreter) -> None:
    """smsact reads a listed message through smsio.MSG_*: the SIM index, the sender, the text."""
    first = f"smsio.parse_list({LISTING!r})[0]"
    got = evaluate(firmware_python, ["smsio"], [f"{first}[smsio.{n}]" for n in ("MSG_INDEX", "MSG_SENDER", "MSG_TEXT")])
    assert got == [1, "+447700900123", "connect config"]


def test_a_listing_whose_lengths_do_not_fit_is_not_trusted(firmware_python: Interpreter) -> None:
    """A line inside an entry (a URC between header and body) makes the length end mid-text: nothing
    from that listing is handled (the messages stay in the SIM for the next round)."""
    header = '+CMGL: 1,"REC UNREAD","+4477","","24/11/25,10:00:00+00",145,14\r\n'
    bad = "\r\n" + header + '\r\n+CMTI: "SM",7\r\n\r\nconnect config\r\n\r\nOK\r\n'
    assert evaluate(firmware_python, ["smsio"], [f"smsio.parse_list({bad!r})"])[0] == []


def test_a_listing_without_lengths_still_reads_one_line_bodies(firmware_python: Interpreter) -> None:
    plain = '\r\n+CMGL: 4,"REC UNREAD","+4477","","24/11/25,10:00:00+00"\r\nconnect config\r\n\r\nOK\r\n'
    assert evaluate(firmware_python, ["smsio"], [f"smsio.parse_list({plain!r})"])[0] == [
        (4, "+4477", "connect config")]


def test_long_replies_are_split_into_numbered_messages_of_160(firmware_python: Interpreter) -> None:
    items = [f"setting{i} value{i * 1000}" for i in range(20)]
    short, parts = evaluate(firmware_python, ["smsact"], [
        "smsact.split_reply('Confirmed: config', ['a 1', 'b 2'], 160)",
        f"smsact.split_reply('Confirmed: config', {items!r}, 160)",
    ])
    assert short == ["Confirmed: config a 1, b 2"]
    assert len(parts) > 1
    assert all(len(p) <= 160 for p in parts)
    assert [p.split(" ")[2] for p in parts] == [f"{i}/{len(parts)}" for i in range(1, len(parts) + 1)]
    assert ", ".join(p.split(" ", 3)[3] for p in parts) == ", ".join(items)


def test_extension_characters_take_two_of_the_160_septets(firmware_python: Interpreter) -> None:
    """GSM 03.38: [ ] { } ~ \\ ^ | are sent as escape + code. A reply of 160 such characters would be
    refused by the network (or cut by the module): the firmware counts them as two."""
    items = [f"value[{i}]|{{x}}" for i in range(30)]
    n, cut, parts = evaluate(firmware_python, ["smsio", "smsact"], [
        "smsio.gsm_len('a[b]|~')",
        "smsio.gsm_cut('ab[' * 60, 160)",
        f"smsact.split_reply('Confirmed: config', {items!r}, 160)",
    ])
    assert n == 10
    assert cut == "ab[" * 40
    assert len(parts) > 1
    for p in parts:
        assert len(p) + sum(p.count(c) for c in "[]{}~\\^|") <= 160, p
    assert ", ".join(p.split(" ", 3)[3] for p in parts) == ", ".join(items)
