"""Reading +CMGL answers whose bodies hold anything, and splitting long replies into numbered SMS."""

from __future__ import annotations

from host.interpreters import Interpreter
from tests.runtime.fwunit import evaluate

LISTING = (
    '\r\n+CMGL: 1,"REC UNREAD","+447700900123","","24/11/25,10:00:00+00"\r\nconnect config\r\n'
    '+CMGL: 2,"REC READ","Vodafone","","24/11/25,10:01:00+00"\r\nline one\nOK\r\nline, three\r\n'
    '+CMGL: 3,"STO SENT","+4412","",""\r\nsent copy\r\n'
    '+CMGL: 14,"REC UNREAD","07700900123","","24/11/25,10:02:00+00"\r\n\r\n'
    '\r\nOK\r\n'
)


def test_received_messages_are_listed_with_their_bodies_whole(firmware_python: Interpreter) -> None:
    got = evaluate(firmware_python, ["smsio"], [f"smsio.parse_list({LISTING!r})"])[0]
    assert got == [
        (1, "+447700900123", "connect config"),
        (2, "Vodafone", "line one\nOK\r\nline, three"),
        (14, "07700900123", ""),
    ]


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
