"""The argument types of SMS commands: each type's name, what it accepts and how it is described, written once.

`ARG_TYPES` is read by the spec loader (the names `type:` may take), code generation (the firmware's `A_*`
constants, numbered in this order), the Markdown tables (`describe`), and the rules (which limits a type
needs, whether a setting's default is a value the firmware would store). `parse` is what
`runtime/smscmd.check_value` accepts for one word, and the value it stores (`parse_words` for a whole argument,
a list of words when the argument has `repeat`): tests/fsm/spec/test_argtypes.py holds the
firmware to it under every firmware interpreter, at min-1, min, max and max+1 of every argument.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fsm.spec.model import Field

__all__ = ["ARG_TYPES", "ArgType", "arg_type", "describe", "parse", "parse_words"]

Value = int | str
PASSWORD_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyz")
HOST_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-.")  # of a host name
LABEL_MAX = 63  # characters of one label of a host name (RFC 1035 2.3.4)
MAX_DIGITS = 9  # the firmware reads at most 9 digits (no sign) as a number


@dataclass(frozen=True)
class ArgType:
    name: str  # as written in commands.yaml, and A_<NAME> in the firmware
    limits: str  # "range": min and max (a number or a length) | "values": a list | "" : neither
    parse: Callable[[Field, str], Value | None]  # the value the firmware stores for the text, or None
    describe: Callable[[Field], str]  # as a user reads it in the command table


def _number(text: str) -> int | None:
    if not 0 < len(text) <= MAX_DIGITS or not text.isascii() or not text.isdigit():
        return None
    return int(text)


def _in_range(f: Field, n: int) -> bool:
    return f.min is not None and f.max is not None and f.min <= n <= f.max


def _parse_int(f: Field, text: str) -> Value | None:
    n = _number(text)
    return n if n is not None and _in_range(f, n) else None


def _parse_choice(allowed: tuple[str, ...], text: str) -> Value | None:
    """The allowed word the text names, compared case-insensitively (phones capitalise)."""
    return next((v for v in allowed if v.lower() == text.lower()), None)


def _parse_ipv4(f: Field, text: str) -> Value | None:
    parts = text.split(".")
    out = []
    for p in parts:
        n = _number(p)
        if n is None or n > 255 or len(p) > 3:
            return None
        out.append(str(n))
    return ".".join(out) if len(parts) == 4 else None


def _parse_host(f: Field, text: str) -> Value | None:
    """An IPv4 address (normalised) or a host name (lowered: DNS names are case-insensitive, phones capitalise),
    the module resolving it at every #SKTD. Only digits and dots must be an address: a name's last label is never
    all digits (RFC 1123 2.1), so `10.0.0` or `1.2.3.400` is a mistyped address, not a name."""
    if all(ch in "0123456789." for ch in text):
        return _parse_ipv4(f, text)
    if not _in_range(f, len(text)) or not all(ch in HOST_CHARS for ch in text):
        return None
    low = text.lower()
    labels = low.split(".")
    ok = all(0 < len(p) <= LABEL_MAX and p[0] != "-" and p[-1] != "-" for p in labels)
    return low if ok else None


def _parse_ipv4_or_any(f: Field, text: str) -> Value | None:
    return "any" if text.lower() == "any" else _parse_ipv4(f, text)


def _parse_password(f: Field, text: str) -> Value | None:
    low = text.lower()
    ok = _in_range(f, len(low)) and all(ch in PASSWORD_CHARS for ch in low)
    return low if ok else None


def _parse_text(f: Field, text: str) -> Value | None:
    # it ends up between quotes in an AT command: printable ASCII, no space, no quote
    ok = _in_range(f, len(text)) and all(33 <= ord(ch) <= 126 and ch != '"' for ch in text)
    return text if ok else None


def _parse_phone(f: Field, text: str) -> Value | None:
    # a phone number as a phone shows it without spaces: an optional '+', then min..max digits
    digits = text[1:] if text[:1] == "+" else text
    ok = _in_range(f, len(digits)) and digits.isascii() and digits.isdigit()
    return text if ok else None


def _describe_phone(f: Field) -> str:
    what = f"an optional + then {_span(f)} digits"
    return f"0-{f.repeat} numbers, each {what}" if f.optional else f"1-{f.repeat} numbers, each {what}"


def _span(f: Field) -> str:
    return str(f.max) if f.min == f.max else f"{f.min}-{f.max}"


def _unit(f: Field) -> str:
    if f.unit[:1].isdigit():  # a count of units: 'send_timeout: 0..255 x 100 ms'
        return f" x {f.unit}"
    return f" {f.unit}" if f.unit else ""


ARG_TYPES: tuple[ArgType, ...] = (  # the order numbers the firmware's A_* constants: append only
    ArgType("enum", "values", lambda f, t: _parse_choice(f.values, t),
            lambda f: "one of " + " ".join(f.values) + _unit(f)),
    ArgType("int", "range", _parse_int, lambda f: f"{f.min}..{f.max}{_unit(f)}"),
    # was "ipv4" (an address only): a host takes addresses too, in the same place of the numbering
    ArgType("host", "range", _parse_host,
            lambda f: f"IPv4 address a.b.c.d, or host name of {_span(f)} characters of a-z 0-9 - ."),
    ArgType("ipv4_or_any", "", _parse_ipv4_or_any, lambda f: "IPv4 address a.b.c.d, or any"),
    ArgType("password", "range", _parse_password, lambda f: f"{_span(f)} characters of 0-9 a-z"),
    ArgType("text", "range", _parse_text, lambda f: f"{_span(f)} characters, no spaces or quotes"),
    ArgType("keyword", "values", lambda f, t: _parse_choice(f.values[:1], t),
            lambda f: f"the word '{f.values[0]}'" if f.values else "a keyword"),
    ArgType("onoff", "", lambda f, t: _parse_choice(("on", "off"), t), lambda f: "on or off"),
    ArgType("phone", "range", _parse_phone, _describe_phone),
)
_BY_NAME = {t.name: t for t in ARG_TYPES}


def arg_type(name: str) -> ArgType | None:
    return _BY_NAME.get(name)


def parse(f: Field, text: str) -> Value | None:
    """The value the firmware stores when an SMS gives `text` for argument `f`, or None when it refuses it."""
    t = arg_type(f.type)
    return t.parse(f, text) if t is not None else None


def parse_words(f: Field, words: list[str]) -> Value | None:
    """The value the firmware stores for the words an SMS gives an argument (several for a list argument, kept
    space-separated), or None when it refuses them: too many, or one word it refuses."""
    if len(words) > f.repeat:
        return None
    values = [parse(f, w) for w in words]
    if any(v is None for v in values):
        return None
    return " ".join(str(v) for v in values) if f.repeat > 1 else values[0]


def describe(f: Field) -> str:
    """What an argument accepts, as the command table says it: `1..65535`, `IPv4 address a.b.c.d, or any`."""
    t = arg_type(f.type)
    return t.describe(f) if t is not None else f.type
