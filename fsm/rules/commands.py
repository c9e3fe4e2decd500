"""Validation rules of the SMS command table: commands, their typed arguments and the settings they change.

Argument types, their limits and what each accepts come from `fsm/spec/argtypes.py`, as the firmware applies them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from fsm.findings import Loc
from fsm.spec.argtypes import arg_type
from fsm.spec.argtypes import parse
from fsm.spec.loader import Loaded
from fsm.spec.model import Field
from fsm.spec.rulebook import SPEC_RULES

Found = Iterator[tuple[Loc, str]]
_REPLY_KEY = re.compile(r"%\((\w+)\)[sd]")


@SPEC_RULES.rule("duplicate-command", "each command is defined once")
def check_duplicate_command(loaded: Loaded) -> Found:
    table = loaded.specs.commands
    if table is None:
        return
    seen: dict[tuple[str, ...], int] = {}
    for c in table.commands:
        if c.words in seen:
            yield c.loc, f"command '{c.name}' is already defined at line {seen[c.words]}"
        seen.setdefault(c.words, c.loc.line)


@SPEC_RULES.rule("duplicate-setting", "each setting is declared once")
def check_duplicate_setting(loaded: Loaded) -> Found:
    table = loaded.specs.commands
    names: set[str] = set()
    for s in table.settings if table is not None else ():
        if s.name in names:
            yield s.loc, f"setting '{s.name}' is declared twice"
        names.add(s.name)


@SPEC_RULES.rule("unknown-setting", "arguments, replies and timeouts name declared settings")
def check_unknown_setting(loaded: Loaded) -> Found:
    table = loaded.specs.commands
    known = {s.name for s in table.settings} if table is not None else set()
    for c in table.commands if table is not None else ():
        for f in c.fields:
            if f.sets and f.sets not in known:
                yield f.loc, f"argument '{f.name}' of '{c.name}' sets '{f.sets}', which is not a declared setting"
        for key, _ in c.assign:
            if key not in known:
                yield c.loc, f"'{c.name}' assigns '{key}', which is not a declared setting"
        for key in _REPLY_KEY.findall(c.reply):
            if key not in known:
                yield c.loc, f"reply of '{c.name}' shows '%({key})s', which is not a declared setting"
    for m in loaded.specs.machines:
        variables = {v.name for v in m.variables}
        for s in m.states:
            if s.timeout and s.timeout.key and s.timeout.key not in known | variables:
                yield s.timeout.loc, (f"timeout of '{s.name}' reads '{s.timeout.key}', "
                                      f"which is neither a setting nor a variable of '{m.name}'")


def _field_problem(f: Field) -> str | None:
    t = arg_type(f.type)
    if t is None:
        return None  # the schema reports an unknown type
    if f.type == "enum" and not f.values:
        return "an enum argument needs 'values'"
    if f.type == "keyword" and len(f.values) != 1:
        return "a keyword argument needs exactly one value (the word itself)"
    if t.limits == "range" and (f.min is None or f.max is None):
        return f"a {f.type} argument needs 'min' and 'max'"
    if f.min is not None and f.max is not None and f.min > f.max:
        return f"min {f.min} is greater than max {f.max}"
    if t.limits != "range" and (f.min is not None or f.max is not None):
        return f"a {f.type} argument takes no 'min'/'max'"
    if f.repeat < 1:
        return f"repeat {f.repeat} must be at least 1"
    return None


@SPEC_RULES.rule("command-field", "each argument's type has consistent limits; optional arguments come last, and "
                 "so does a list (repeat)")
def check_command_field(loaded: Loaded) -> Found:
    table = loaded.specs.commands
    if table is None:
        return
    for c in table.commands:
        optional_seen = False
        for f in c.fields:
            problem = _field_problem(f)
            if problem:
                yield f.loc, f"argument '{f.name}' of '{c.name}': {problem}"
            if optional_seen and not f.optional:
                yield f.loc, f"argument '{f.name}' of '{c.name}' follows an optional one and must be optional too"
            if f.repeat > 1 and f is not c.fields[-1]:
                yield f.loc, f"argument '{f.name}' of '{c.name}' takes a list (repeat) and must be the last one"
            optional_seen = optional_seen or f.optional


@SPEC_RULES.rule("setting-default", "each default is a value that every argument setting it would store")
def check_setting_default(loaded: Loaded) -> Found:
    table = loaded.specs.commands
    if table is None:
        return
    for s in table.settings:
        if any(k == s.name and v == str(s.default) for c in table.commands for k, v in c.assign):
            continue  # a command sets it to this very value (`allow any`)
        setters = [(c, f) for c in table.commands for f in c.fields if f.sets == s.name]
        for c, f in setters:
            if _field_problem(f) is None and s.default != "" and parse(f, str(s.default)) != s.default:
                yield s.loc, f"default {s.default!r} of '{s.name}' is not accepted by argument '{f.name}' of '{c.name}'"
