"""Code generation: machine specs and the command table -> Python 1.5 modules for `generated/`.

The model is turned into ready-to-print rows here; the jinja2 templates only loop and substitute. Output
is deterministic (spec order, no timestamps, `\\n` endings) and starts with the DO-NOT-EDIT banner.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import jinja2

from fsm.emit.output import banner
from fsm.spec.argtypes import ARG_TYPES
from fsm.spec.command_spec import DURING_CALL
from fsm.spec.machine_spec import EVENT_PREFIX
from fsm.spec.machine_spec import STATE_PREFIX
from fsm.spec.machine_spec import STATE_SET_PREFIX
from fsm.spec.model import Command
from fsm.spec.model import CommandTable
from fsm.spec.model import Field
from fsm.spec.model import Machine
from fsm.spec.runtime_scan import RuntimeIndex

TEMPLATES = Path(__file__).parent / "templates"


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def lit(text: str) -> str:
    """A Python string literal every interpreter reads the same way (ASCII, single quotes, \\x escapes)."""
    out = []
    for ch in text:
        if ch in "\\'":
            out.append("\\" + ch)
        elif 32 <= ord(ch) < 127:
            out.append(ch)
        elif ord(ch) < 256:
            out.append(f"\\x{ord(ch):02x}")
        else:
            raise ValueError(f"character {ch!r} cannot appear in firmware text")
    return "'" + "".join(out) + "'"


def tup(items: list[str] | tuple[str, ...]) -> str:
    if not items:
        return "()"
    if len(items) == 1:
        return f"({items[0]},)"
    return "(" + ", ".join(items) + ")"


def const(prefix: str, name: str) -> str:
    return prefix + name.upper()


class _Refs:
    """Resolves callback names to `module.function` and remembers which runtime modules to import."""

    def __init__(self, runtime: RuntimeIndex) -> None:
        self.runtime = runtime
        self.modules: set[str] = set()

    def ref(self, name: str) -> str:
        found = self.runtime.lookup(name)
        if not found:
            raise ValueError(f"callback '{name}' is not defined in runtime/ (validate first)")
        self.modules.add(found[0].module)
        return f"{found[0].module}.{name}"

    def refs(self, names: tuple[str, ...]) -> str:
        return tup([self.ref(n) for n in names])


def render_machine(m: Machine, runtime: RuntimeIndex) -> str:
    refs = _Refs(runtime)
    sconst = {s.name: const(STATE_PREFIX, s.name) for s in m.states}
    econst = {e.name: const(EVENT_PREFIX, e.name) for e in m.events}
    states = []
    for i, s in enumerate(m.states):
        timeout = "None"
        if s.timeout:
            secs = s.timeout.seconds if s.timeout.seconds is not None else 0
            key = lit(s.timeout.key) if s.timeout.key else "None"
            timeout = f"({secs}, {key}, {econst[s.timeout.event]})"
        states.append({
            "name": s.name, "const": sconst[s.name], "value": i,
            "on_enter": refs.refs(s.on_enter), "on_exit": refs.refs(s.on_exit), "timeout": timeout,
            "activity": refs.ref(s.activity) if s.activity else "None", "final": int(s.final),
        })
    transitions = [
        {
            "index": t.index, "line": t.loc.line, "where": t.arrow,
            "prepare": refs.refs(t.prepare), "conditions": refs.refs(t.conditions), "unless": refs.refs(t.unless),
            "before": refs.refs(t.before), "after": refs.refs(t.after),
            "dest": sconst[t.dest] if t.dest else "-1",
        }
        for t in m.transitions
    ]
    table = []
    for s in m.states:
        cells = []
        for e in m.events:
            ts = m.transitions_from(s.name, e.name)
            if ts:
                value = tup([f"T{t.index}" for t in ts])
            elif e.name in s.ignore:
                value = "()"
            else:
                value = "None"
            cells.append({"event": e.name, "value": value})
        table.append({"state": s.name, "cells": cells})
    return _env().get_template("machine.py.j2").render(
        banner=banner("python", m.path, m.sha256), name=m.name, description=m.description,
        imports=sorted(refs.modules), states=states, initial=sconst[m.initial],
        events=[{"name": e.name, "const": econst[e.name], "value": i,
                 "senders": ", ".join(e.senders)} for i, e in enumerate(m.events)],
        transitions=transitions, table=table,
        final=tup([str(s["final"]) for s in states]),
        state_sets=[{"const": const(STATE_SET_PREFIX, tag), "states": tup([sconst[s] for s in names])}
                    for tag, names in m.state_sets.items()],
    )


def _field_row(f: Field, setting_index: dict[str, int]) -> str:
    def num(v: int | None) -> str:
        return "-1" if v is None else str(v)

    return tup([
        lit(f.name), const("A_", f.type), str(setting_index[f.sets]) if f.sets else "-1",
        tup([lit(v) for v in f.values]), num(f.min), num(f.max), str(int(f.optional)), str(int(f.secret)),
        str(f.repeat),
    ])


def _command_row(c: Command, setting_index: dict[str, int], refs: _Refs) -> dict[str, object]:
    return {
        "name": c.name, "where": f"{c.loc.file}:{c.loc.line}",
        "words": tup([lit(w) for w in c.words]),
        "fields": [_field_row(f, setting_index) for f in c.fields],
        "req": tup([lit(r) for r in c.req]), "reply": lit(c.reply),
        "assign": tup([tup([str(setting_index[k]), lit(v)]) for k, v in c.assign]),
        "action": refs.ref(c.action) if c.action else "None",
        "during_call": const("DC_", c.during_call),
    }


VERSION_SOURCES = ("fsm/specs/*.yaml", "runtime/*.py")  # what the firmware's version string is a hash of
VERSION_DIGITS = 8
UNVERSIONED = "0" * VERSION_DIGITS


def firmware_version(specs: Path, runtime: Path) -> str:
    """The firmware's version: the first 8 hex digits of a sha256 over the specs (`*.yaml`) and the hand-written
    runtime (`*.py`), each file's name (`specs/<name>`, `runtime/<name>`) and text with `\\n` line ends, in name
    order. The generated tables are left out (they follow from the specs). Any edit of either changes it."""
    files = sorted([(f"specs/{p.name}", p) for p in specs.glob("*.yaml")]
                   + [(f"runtime/{p.name}", p) for p in runtime.glob("*.py")])
    h = hashlib.sha256()
    for name, path in files:
        h.update(name.encode("utf-8") + b"\0")
        h.update(path.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return h.hexdigest()[:VERSION_DIGITS]


def render_commands(table: CommandTable, runtime: RuntimeIndex, version: str = UNVERSIONED) -> str:
    refs = _Refs(runtime)
    setting_index = {s.name: i for i, s in enumerate(table.settings)}
    settings = [
        {
            "name": s.name, "const": const("C_", s.name), "value": i,
            "default": str(s.default) if s.type == "int" else lit(str(s.default)),
            "is_int": int(s.type == "int"), "secret": int(s.secret), "in_config": int(s.in_config),
        }
        for i, s in enumerate(table.settings)
    ]
    commands = [_command_row(c, setting_index, refs) for c in table.commands]
    return _env().get_template("commands.py.j2").render(
        banner=banner("python", table.path, table.sha256), description=table.description,
        imports=sorted(refs.modules), settings=settings, version=version, version_sources=", ".join(VERSION_SOURCES),
        is_int=tup([str(s["is_int"]) for s in settings]), secret=tup([str(s["secret"]) for s in settings]),
        in_config=tup([str(s["in_config"]) for s in settings]),
        arg_types=[{"const": const("A_", t.name), "value": i} for i, t in enumerate(ARG_TYPES)],
        during_call=[{"const": const("DC_", name), "value": i} for i, name in enumerate(DURING_CALL)],
        commands=commands,
    )
