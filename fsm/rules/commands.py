"""Validation rules for the SMS command table: commands, their typed fields and the settings they change."""

from __future__ import annotations

import re
from collections.abc import Iterator

from fsm.findings import Finding
from fsm.rules.machines import Check
from fsm.rules.machines import Context
from fsm.spec.model import Field

_REPLY_KEY = re.compile(r"%\((\w+)\)[sd]")
_IPV4 = re.compile(r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\Z")


def check_duplicate_command(ctx: Context) -> Iterator[Finding]:
    table = ctx.specs.commands
    if table is None:
        return
    seen: dict[tuple[str, ...], int] = {}
    for c in table.commands:
        if c.words in seen:
            yield Finding(c.loc, "duplicate-command", f"command '{c.name}' is already defined at line {seen[c.words]}")
        seen.setdefault(c.words, c.loc.line)
    names: set[str] = set()
    for s in table.settings:
        if s.name in names:
            yield Finding(s.loc, "duplicate-command", f"setting '{s.name}' is declared twice")
        names.add(s.name)


def check_unknown_setting(ctx: Context) -> Iterator[Finding]:
    table = ctx.specs.commands
    known = {s.name for s in table.settings} if table is not None else set()
    for c in table.commands if table is not None else ():
        for f in c.fields:
            if f.sets and f.sets not in known:
                yield Finding(f.loc, "unknown-setting", f"argument '{f.name}' of '{c.name}' sets '{f.sets}', which is not a declared setting")
        for key, _ in c.assign:
            if key not in known:
                yield Finding(c.loc, "unknown-setting", f"'{c.name}' assigns '{key}', which is not a declared setting")
        for key in _REPLY_KEY.findall(c.reply):
            if key not in known:
                yield Finding(c.loc, "unknown-setting", f"reply of '{c.name}' shows '%({key})s', which is not a declared setting")
    for m in ctx.specs.machines:
        variables = {v.name for v in m.variables}
        for s in m.states:
            if s.timeout and s.timeout.key and s.timeout.key not in known | variables:
                yield Finding(s.timeout.loc, "unknown-setting", f"timeout of '{s.name}' reads '{s.timeout.key}', which is neither a setting nor a variable of '{m.name}'")


def _field_problem(f: Field) -> str | None:
    if f.type == "enum" and not f.values:
        return "an enum argument needs 'values'"
    if f.type == "keyword" and len(f.values) != 1:
        return "a keyword argument needs exactly one value (the word itself)"
    if f.type in ("int", "password", "text") and (f.min is None or f.max is None):
        return f"a {f.type} argument needs 'min' and 'max'"
    if f.min is not None and f.max is not None and f.min > f.max:
        return f"min {f.min} is greater than max {f.max}"
    if f.type in ("enum", "keyword", "onoff", "ipv4", "ipv4_or_any") and (f.min is not None or f.max is not None):
        return f"a {f.type} argument takes no 'min'/'max'"
    return None


def check_command_field(ctx: Context) -> Iterator[Finding]:
    table = ctx.specs.commands
    if table is None:
        return
    for c in table.commands:
        optional_seen = False
        for f in c.fields:
            problem = _field_problem(f)
            if problem:
                yield Finding(f.loc, "command-field", f"argument '{f.name}' of '{c.name}': {problem}")
            if optional_seen and not f.optional:
                yield Finding(f.loc, "command-field", f"argument '{f.name}' of '{c.name}' follows an optional one and must be optional too")
            optional_seen = optional_seen or f.optional


def accepts(f: Field, value: int | str) -> bool:
    """Whether a setting value is within an argument's limits (the runtime parser applies the same rules)."""
    text = str(value)
    if f.type == "int":
        return type(value) is int and f.min is not None and f.max is not None and f.min <= value <= f.max
    if f.type == "enum":
        return text in f.values
    if f.type == "onoff":
        return text in ("on", "off")
    if f.type == "keyword":
        return text in ("", f.values[0])
    if f.type == "ipv4":
        return bool(_IPV4.match(text))
    if f.type == "ipv4_or_any":
        return text == "any" or bool(_IPV4.match(text))
    if f.type == "password":
        return f.min is not None and f.max is not None and f.min <= len(text) <= f.max and bool(re.fullmatch(r"[0-9a-z]*", text))
    if f.type == "text":
        lo = 0 if f.optional else (f.min or 0)
        return f.max is not None and lo <= len(text) <= f.max and " " not in text
    return False


def check_setting_default(ctx: Context) -> Iterator[Finding]:
    table = ctx.specs.commands
    if table is None:
        return
    for s in table.settings:
        setters = [(c, f) for c in table.commands for f in c.fields if f.sets == s.name]
        for c, f in setters:
            if _field_problem(f) is None and not accepts(f, s.default) and s.default != "":
                yield Finding(s.loc, "setting-default", f"default {s.default!r} of '{s.name}' is not accepted by argument '{f.name}' of '{c.name}'")


COMMAND_RULES: dict[str, tuple[Check, str]] = {
    "duplicate-command": (check_duplicate_command, "each command and each setting is defined once"),
    "unknown-setting": (check_unknown_setting, "arguments, replies and timeouts name declared settings"),
    "command-field": (check_command_field, "each argument's type has consistent limits; optional arguments come last"),
    "setting-default": (check_setting_default, "each default passes the limits of every argument that sets it"),
}
