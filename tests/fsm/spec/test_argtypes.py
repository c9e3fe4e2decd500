"""The argument-type table (fsm/spec/argtypes.py) and the firmware's `smscmd.check_value` agree: for every
argument of the command table, at min-1, min, max and max+1 and on each type's own edge cases, the firmware
accepts exactly what the table accepts and stores the same value, under every firmware interpreter."""

from __future__ import annotations

from fsm.interpreters import Interpreter
from fsm.pipeline import load
from fsm.spec.argtypes import ARG_TYPES
from fsm.spec.argtypes import describe
from fsm.spec.argtypes import parse
from fsm.spec.argtypes import parse_words
from fsm.spec.command_spec import FIELD_TYPES
from fsm.spec.model import Field
from tests.runtime.fwunit import evaluate
from tests.support import LAYOUT

TABLE = load(LAYOUT).specs.commands
assert TABLE is not None

EDGES = {  # besides the limits: what each type must refuse or normalise
    "enum": lambda f: [f.values[0].lower(), f.values[-1].upper(), "", "9999", f.values[0] + "x"],
    "int": lambda f: ["", "12a", "-1", "+5", "0010", "1" * 10, " 1"],
    "host": lambda f: ["10.0.0.1", "255.255.255.255", "256.0.0.1", "10.0.0", "010.0.0.1", "1.2.3.4.5", "a.b.c.d",
                       "1..2.3", "any", "", "Gw.Example.COM", "my-server.dyndns.org", "-a.com", "a-.com", "a..com",
                       ".a.com", "a.com.", "a_b.com", "a b", 'a"b', "\u00e9t\u00e9.fr", "1.2.3.4a",
                       "x" * 63 + ".c", "1" + "-" * 38 + "1", "1e5", "123", "0.0.0.0"],
    "ipv4_or_any": lambda f: ["any", "ANY", "10.0.0.1", "0.0.0.0", "300.1.1.1", ""],
    "password": lambda f: ["Abc", "ab_c", "ab c", "abc123", "\u00e9"],
    "text": lambda f: ['in"ternet', "in'ternet", "a b", "a\tb", "\x7f", "~!@#$%^&*()"],
    "keyword": lambda f: [f.values[0].capitalize(), f.values[0].upper(), "keep", ""],
    "onoff": lambda f: ["on", "OFF", "On", "maybe", ""],
    "phone": lambda f: ["+447700900001", "07700900001", "+" + "1" * (f.max or 0), "+" + "1" * ((f.max or 0) + 1),
                        "+" + "1" * (f.min or 0), "+" + "1" * ((f.min or 0) - 1), "+", "", "++4477009", "4477+009",
                        "12a45", "0044 7700", "1\u00b23"],
}


def _limits(f: Field) -> list[str]:
    """min-1, min, max, max+1: numbers for an int, lengths for a password or text."""
    if f.min is None or f.max is None:
        return []
    bounds = [n for n in (f.min - 1, f.min, f.max, f.max + 1) if n >= 0]
    if f.type == "int":
        return [str(n) for n in bounds]
    if f.type == "phone":  # the limits count digits
        return ["1" * n for n in bounds]
    return ["a" * n for n in bounds]


def _cases() -> list[tuple[int, int, Field, str]]:
    """(command index, argument index, argument, text) for every argument of the command table."""
    out = []
    for i, c in enumerate(TABLE.commands):
        for j, f in enumerate(c.fields):
            out += [(i, j, f, text) for text in _limits(f) + EDGES[f.type](f)]
    return out


def test_every_type_of_the_table_is_one_the_loader_accepts_and_the_specs_use_them_all() -> None:
    assert FIELD_TYPES == tuple(t.name for t in ARG_TYPES)
    used = {f.type for c in TABLE.commands for f in c.fields}
    assert used == set(FIELD_TYPES)


def test_the_firmware_accepts_what_the_table_accepts_at_every_limit(firmware_python: Interpreter) -> None:
    cases = _cases()
    exprs = [f"smscmd.check_value(fsm_commands.COMMANDS[{i}][1][{j}], {text!r}, fsm_commands)[0]"
             for i, j, _, text in cases]
    got = evaluate(firmware_python, ["smscmd", "fsm_commands"], exprs)
    wrong = [f"{TABLE.commands[i].name} {f.name} ({f.type}) {text!r}: firmware {fw!r}, table {parse(f, text)!r}"
             for (i, _, f, text), fw in zip(cases, got, strict=True) if fw != parse(f, text)]
    assert not wrong, "\n".join(wrong)
    assert any(v is None for v in got)
    assert any(v is not None for v in got)


def test_a_list_argument_takes_none_up_to_its_repeat_words_as_the_firmware_does(firmware_python: Interpreter) -> None:
    """`allow`'s numbers: 0 (the list is shown, nothing changes), 1, 8 and 9 of them (too many), and a list with one
    bad number, parsed by the firmware's whole parser and by the table's `parse_words`."""
    allow = next(c for c in TABLE.commands if c.words == ("allow",))
    (f,) = allow.fields
    assert (f.type, f.repeat, f.optional) == ("phone", 8, True)
    numbers = [f"+4477009000{k:02d}" for k in range(1, 10)]
    lists = [[], numbers[:1], numbers[:8], numbers[:9], [*numbers[:3], "12a"], ["07700900001", "+33612345678"]]
    got = evaluate(firmware_python, ["smscmd", "cfgstore", "fsm_commands"], [
        f"smscmd.parse({' '.join(['connect allow', *words])!r}, cfgstore.defaults(fsm_commands), fsm_commands)[::2]"
        for words in lists])
    for words, (status, changes) in zip(lists, got, strict=True):
        want = parse_words(f, words)
        if want is None:
            assert status == 1, words
        else:
            assert status == 0, words
            assert changes == ({"allowed": want} if words else {}), words
    assert [s for s, _ in got] == [0, 0, 0, 1, 1, 0]


def test_descriptions_say_the_limits() -> None:
    port = Field("port", TABLE.loc, "int", min=1, max=65535)
    assert describe(port) == "1..65535"
    apn = Field("apn", TABLE.loc, "text", min=1, max=59)
    assert describe(apn) == "1-59 characters, no spaces or quotes"
    assert parse(apn, 'in"ternet') is None  # the firmware puts text between quotes in an AT command
