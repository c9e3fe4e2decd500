"""AT command-line syntax: split the text after "AT" into commands, parse arguments, frame responses.

Owns no state. Basic commands (E0, S12=50, S12?, &W0, H, A, D...) may be chained; extended ones (+CREG?,
#SKTD=...) are separated by ';'. Responses use SELINT 2 verbose framing: an information block is
CR LF <line> [CR LF <line>...] CR LF, a final result code is CR LF <code> CR LF. Text is Latin-1 on the wire.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CRLF = "\r\n"


class AtError(Exception):
    """A command failed: `reply` is sent instead of OK (a +CME code is shown as ERROR while +CMEE=0)."""

    def __init__(self, reply: str = "ERROR", *, cme: int | None = None) -> None:
        super().__init__(reply)
        self.reply = reply
        self.cme = cme


def cme_error(code: int) -> AtError:
    return AtError(f"+CME ERROR: {code}", cme=code)


def cms_error(code: int) -> AtError:
    return AtError(f"+CMS ERROR: {code}")


@dataclass(frozen=True)
class Command:
    name: str  # upper case: "" (bare AT), "E", "S12", "&W", "+CREG", "#SKTD"
    op: str  # "" action, "=" set, "?" read, "=?" test
    args: str  # raw text after '=' (extended, S) or the digits after a basic command


_EXT_NAME = re.compile(r"[A-Za-z0-9_]+")
_DIGITS = re.compile(r"[0-9]*")
_EXT_PREFIXES = "+#$*%^"


def split_commands(body: str) -> list[Command]:
    """Commands in the text after "AT"; raises AtError (ERROR) on a syntax error."""
    if not body.strip():
        return [Command("", "", "")]
    cmds: list[Command] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c in " ;":
            i += 1
        elif c in _EXT_PREFIXES:
            m = _EXT_NAME.match(body, i + 1)
            if m is None:
                raise AtError()
            op, args, i = _extended_tail(body, m.end())
            cmds.append(Command(c + m.group().upper(), op, args))
        elif c in "Ss" and i + 1 < len(body) and body[i + 1].isdigit():
            m = _DIGITS.match(body, i + 1)
            assert m is not None
            op, args, i = _s_register_tail(body, m.end())
            cmds.append(Command("S" + str(int(m.group())), op, args))
        elif c == "&" and i + 1 < len(body) and body[i + 1].isalpha():
            m = _DIGITS.match(body, i + 2)
            assert m is not None
            cmds.append(Command("&" + body[i + 1].upper(), "", m.group()))
            i = m.end()
        elif c.isalpha():
            if c in "Dd":  # dial takes the rest of the line
                cmds.append(Command("D", "", body[i + 1 :].strip()))
                break
            m = _DIGITS.match(body, i + 1)
            assert m is not None
            cmds.append(Command(c.upper(), "", m.group()))
            i = m.end()
        else:
            raise AtError()
    return cmds


def _extended_tail(body: str, i: int) -> tuple[str, str, int]:
    if body.startswith("=?", i):
        return "=?", "", _expect_end(body, i + 2)
    if body.startswith("?", i):
        return "?", "", _expect_end(body, i + 1)
    if body.startswith("=", i):
        j = i + 1
        quoted = False
        while j < len(body) and (quoted or body[j] != ";"):
            if body[j] == '"':
                quoted = not quoted
            j += 1
        if quoted:
            raise AtError()
        return "=", body[i + 1 : j].strip(), j
    return "", "", _expect_end(body, i)


def _expect_end(body: str, i: int) -> int:
    """After a complete extended command only blanks may come before ';' or the end of the line."""
    j = i
    while j < len(body) and body[j] == " ":
        j += 1
    if j < len(body) and body[j] != ";":
        raise AtError()
    return j


def _s_register_tail(body: str, i: int) -> tuple[str, str, int]:
    if body.startswith("=?", i):
        return "=?", "", i + 2
    if body.startswith("?", i):
        return "?", "", i + 1
    if body.startswith("=", i):
        m = _DIGITS.match(body, i + 1)
        assert m is not None
        return "=", m.group() or "0", m.end()  # V.25ter: a missing value means 0
    raise AtError()


def split_args(args: str) -> list[str]:
    """Comma-separated parameters (commas inside quotes kept), each stripped; "" gives [""]."""
    tokens: list[str] = []
    cur: list[str] = []
    quoted = False
    for ch in args:
        if ch == '"':
            quoted = not quoted
            cur.append(ch)
        elif ch == "," and not quoted:
            tokens.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    if quoted:
        raise AtError()
    tokens.append("".join(cur).strip())
    return tokens


_INT = re.compile(r"[0-9]{1,7}")


def int_arg(token: str, lo: int, hi: int, error: AtError | None = None) -> int:
    """A decimal integer in lo..hi, else `error` (default plain ERROR)."""
    if _INT.fullmatch(token) is None:
        raise error or AtError()
    value = int(token)
    if not lo <= value <= hi:
        raise error or AtError()
    return value


def opt_int(tokens: list[str], index: int, lo: int, hi: int, default: int) -> int:
    """Parameter `index` if present and not empty, else `default`."""
    if index >= len(tokens) or tokens[index] == "":
        return default
    return int_arg(tokens[index], lo, hi)


def str_arg(token: str, max_len: int = 255, error: AtError | None = None) -> str:
    """A double-quoted string (quotes required) of at most max_len characters."""
    if len(token) < 2 or token[0] != '"' or token[-1] != '"' or '"' in token[1:-1]:
        raise error or AtError()
    text = token[1:-1]
    if len(text) > max_len:
        raise error or AtError()
    return text


def encode(text: str) -> bytes:
    """Latin-1 where representable, '?' otherwise (what a GSM-7 text-mode module does)."""
    return text.encode("latin-1", errors="replace")


# V0 (numeric) forms of the basic result codes under SELINT 2 (AT Commands Reference Guide 80000ST10025a
# p15: every CONNECT is 1; the rate forms 10..23 are SELINT 0/1 only).
NUMERIC = {"OK": "0", "CONNECT": "1", "RING": "2", "NO CARRIER": "3", "ERROR": "4", "NO DIALTONE": "6",
           "BUSY": "7", "NO ANSWER": "8"}
# +CMEE=2 texts of the +CME ERROR codes the emulation raises (80000ST10025a p11).
CME_TEXT = {0: "phone failure", 3: "operation not allowed", 4: "operation not supported", 10: "SIM not inserted",
            11: "SIM PIN required", 12: "SIM PUK required", 13: "SIM failure", 14: "SIM busy"}


def _numeric(text: str) -> str:
    """V0: a basic result code as its number (CONNECT 9600 -> 1), anything else as its text; then CR."""
    key = "CONNECT" if text.startswith("CONNECT") else text
    return NUMERIC.get(key, text) + "\r"


def frame(info: list[str], final: str | None, urc: str | None = None, verbose: bool = True) -> bytes:
    """The bytes of a response: information lines then the final result code; `urc` goes in the middle.
    V0 (verbose False): information text `<text> CR LF`, result codes `<number> CR` (V.25ter, p11)."""
    items = [("info", line) for line in info]
    if final is not None:
        items.append(("final", final))
    if urc is not None:
        items.insert(len(items) // 2, ("urc", urc))
    if not verbose:
        return encode("".join(text + CRLF if kind == "info" else _numeric(text) for kind, text in items))
    parts: list[str] = []
    block: list[str] = []
    for kind, text in items:
        if kind == "info":
            block.append(text)
            continue
        if block:
            parts.append(CRLF + CRLF.join(block) + CRLF)
            block = []
        parts.append(CRLF + text + CRLF)
    if block:
        parts.append(CRLF + CRLF.join(block) + CRLF)
    return encode("".join(parts))
