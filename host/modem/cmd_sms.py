"""SMS in text mode: +CMGF, +CNMI, +CPMS, +CSDH, +CMGL, +CMGR, +CMGS (the '> ' prompt), +CMGD.
Text is Latin-1 on the wire ('?' for other characters); lengths are in characters.
The ranges, formats and error replies chosen for each command are listed in the comment below.
"""

# Only text mode is emulated: +CMGL/+CMGR/+CMGS answer +CMS ERROR: 302 while +CMGF=0 (the power-on value).
# Formats (CSDH=0): `+CMGL: <i>,"<stat>","<oa>","","<scts>"` CR LF `<text>`; `+CMGR: "<stat>","<oa>","",
# "<scts>"` CR LF `<text>` (the status before reading). CSDH=1 adds `,<tooa>,<length>` to +CMGL and
# `,<tooa>,17,0,0,"+447700900000",145,<length>` to +CMGR. Errors: empty or out-of-range index for +CMGR,
# out-of-range index for +CMGD -> +CMS ERROR: 321 (deleting an empty slot is OK); unknown <stat> or text
# over 160 characters -> +CMS ERROR: 305; +CPMS other than "SM" -> +CMS ERROR: 302; +CMGS while not
# registered -> +CMS ERROR: 331. +CNMI ranges 0..3,0..3,0..3,0..2,0..1, omitted ones 0 (mt 2, 3 act as 1).

from __future__ import annotations

from typing import TYPE_CHECKING

from host.modem.parser import AtError
from host.modem.parser import Command
from host.modem.parser import cms_error
from host.modem.parser import int_arg
from host.modem.parser import opt_int
from host.modem.parser import split_args
from host.modem.parser import str_arg
from host.modem.smsstore import STATS

if TYPE_CHECKING:
    from host.modem.atport import AtPort

MAX_TEXT = 160  # septets in one text-mode message (GSM 03.38 7-bit alphabet)
EXTENDED = frozenset("[]{}~\\^|€")  # the alphabet's extension table: escape + code, two septets each


def septets(text: str) -> int:
    """How many of the 160 septets `text` takes on the air."""
    return len(text) + sum(1 for ch in text if ch in EXTENDED)
SMSC = "+447700900000"
_CTRL_Z = 0x1A
_ESC = 0x1B
_TEXT_CAP = 4096  # bytes kept while typing (anything beyond 160 is refused anyway)


def _text_mode(port: AtPort) -> None:
    if port.cmgf != 1:
        raise cms_error(302)


def cmgf(port: AtPort, cmd: Command) -> list[str]:
    """Per instance (MDM and MDM2 each have their own: docs/design/telit.md section 2.1, a guess)."""
    if cmd.op == "?":
        return [f"+CMGF: {port.cmgf}"]
    if cmd.op == "=?":
        return ["+CMGF: (0,1)"]
    if cmd.op != "=":
        raise AtError()
    port.cmgf = int_arg(cmd.args, 0, 1)
    return []


def cnmi(port: AtPort, cmd: Command) -> list[str]:
    state = port.shared.state
    if cmd.op == "?":
        return ["+CNMI: " + ",".join(map(str, state.cnmi))]
    if cmd.op == "=?":
        return ["+CNMI: (0-3),(0-3),(0-3),(0-2),(0,1)"]
    if cmd.op != "=":
        raise AtError()
    tokens = split_args(cmd.args)
    if len(tokens) > 5:
        raise AtError()
    highs = (3, 3, 3, 2, 1)
    values = [opt_int(tokens, i, 0, hi, 0) for i, hi in enumerate(highs)]
    state.cnmi = (values[0], values[1], values[2], values[3], values[4])
    port.shared.urc_port = port
    return []


def cpms(port: AtPort, cmd: Command) -> list[str]:
    shared = port.shared
    used, total = shared.sms.used(), shared.sms.capacity
    if cmd.op == "?":
        return ["+CPMS: " + ",".join(f'"SM",{used},{total}' for _ in range(3))]
    if cmd.op == "=?":
        return ['+CPMS: ("SM"),("SM"),("SM")']
    if cmd.op != "=":
        raise AtError()
    tokens = split_args(cmd.args)
    if len(tokens) > 3:
        raise AtError()
    for token in tokens:
        if str_arg(token, 2, cms_error(302)) != "SM":
            raise cms_error(302)
    return ["+CPMS: " + ",".join(f"{used},{total}" for _ in range(3))]


def csdh(port: AtPort, cmd: Command) -> list[str]:
    """Per instance, as +CMGF."""
    if cmd.op == "?":
        return [f"+CSDH: {port.csdh}"]
    if cmd.op == "=?":
        return ["+CSDH: (0,1)"]
    if cmd.op not in ("", "="):
        raise AtError()
    port.csdh = int_arg(cmd.args, 0, 1) if cmd.args else 0
    return []


def cmgl(port: AtPort, cmd: Command) -> list[str]:
    if cmd.op == "=?":
        return ['+CMGL: ("REC UNREAD","REC READ","STO UNSENT","STO SENT","ALL")']
    if cmd.op not in ("", "="):
        raise AtError()
    _text_mode(port)
    stat = str_arg(cmd.args, 10, cms_error(305)) if cmd.op == "=" else "REC UNREAD"
    if stat not in (*STATS, "ALL"):
        raise cms_error(305)
    csdh_on = port.csdh
    lines = []
    for index, m in port.shared.sms.listing(stat):
        extra = f",{m.toa},{len(m.text)}" if csdh_on else ""
        lines += [f'+CMGL: {index},"{m.stat}","{m.number}","","{m.scts}"{extra}', m.text]
    return lines


def cmgr(port: AtPort, cmd: Command) -> list[str]:
    if cmd.op == "=?":
        return []
    if cmd.op != "=":
        raise AtError()
    _text_mode(port)
    store = port.shared.sms
    index = int_arg(cmd.args, 0, 9999)
    m = store.slots.get(index)
    if m is None:
        raise cms_error(321)
    header = f'+CMGR: "{m.stat}","{m.number}","","{m.scts}"'
    if port.csdh:
        header += f',{m.toa},17,0,0,"{SMSC}",145,{len(m.text)}'
    if m.stat == "REC UNREAD":
        m.stat = "REC READ"
    return [header, m.text]


def cmgd(port: AtPort, cmd: Command) -> list[str]:
    store = port.shared.sms
    if cmd.op == "=?":
        return [f"+CMGD: (1-{store.capacity}),(0-4)"]
    if cmd.op != "=":
        raise AtError()
    tokens = split_args(cmd.args)
    if len(tokens) > 2:
        raise AtError()
    index = int_arg(tokens[0], 0, 9999)
    flag = opt_int(tokens, 1, 0, 4, 0)
    if flag:
        store.delete_where(flag)
        return []
    if not 1 <= index <= store.capacity:
        raise cms_error(321)
    store.slots.pop(index, None)
    return []


class SmsPrompt:
    """Text typed after `> `: Ctrl-Z sends, ESC aborts (OK, nothing sent), CR starts a new `> ` line."""

    def __init__(self, number: str) -> None:
        self.number = number
        self.text = bytearray()
        self.too_long = False

    def feed(self, port: AtPort, data: bytes, i: int) -> int:
        for j in range(i, len(data)):
            byte = data[j]
            if byte == _CTRL_Z:
                self._send(port)
                return j + 1
            if byte == _ESC:
                port.end_prompt("OK")
                return j + 1
            if len(self.text) < _TEXT_CAP:
                self.text.append(byte)
            else:
                self.too_long = True
            if byte == 0x0D:
                port.emit(b"\r\n> ")
            elif port.echo:
                port.emit(bytes((byte,)))
        return len(data)

    def _send(self, port: AtPort) -> None:
        shared = port.shared
        text = self.text.decode("latin-1")
        if self.too_long or septets(text) > MAX_TEXT:
            port.end_prompt("+CMS ERROR: 305")
            return
        if not shared.network.is_registered():
            port.end_prompt("+CMS ERROR: 331")
            return
        shared.state.message_ref = shared.state.message_ref % 255 + 1
        shared.outbox.append((self.number, text))
        port.end_prompt("OK", [f"+CMGS: {shared.state.message_ref}"])


def cmgs(port: AtPort, cmd: Command) -> list[str] | None:
    if cmd.op == "=?":
        return []
    if cmd.op != "=":
        raise AtError()
    _text_mode(port)
    tokens = split_args(cmd.args)
    if len(tokens) > 2:
        raise AtError()
    number = str_arg(tokens[0], 20)
    if not number:
        raise cms_error(305)
    toda = opt_int(tokens, 1, 0, 255, 145 if number.startswith("+") else 129)
    if toda not in (129, 145, 161):
        raise cms_error(305)
    port.start_prompt(SmsPrompt(number), b"\r\n> ")
    return None


HANDLERS = {
    "+CMGF": cmgf,
    "+CNMI": cnmi,
    "+CPMS": cpms,
    "+CSDH": csdh,
    "+CMGL": cmgl,
    "+CMGR": cmgr,
    "+CMGS": cmgs,
    "+CMGD": cmgd,
}
