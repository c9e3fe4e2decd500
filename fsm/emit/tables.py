"""Machine and command table -> Markdown tables for `diagrams/` (`<machine>.md`, `commands.md`).

Deterministic text (spec order, no timestamps, `\\n` endings) beside the drawings: one row per transition,
per state, per event, per command and per setting. Cells are escaped for GitHub-flavoured Markdown.
"""

from __future__ import annotations

from fsm.emit.notation import guard_text
from fsm.emit.output import banner
from fsm.spec.argtypes import describe
from fsm.spec.machine_spec import MAIN_LOOP
from fsm.spec.model import Command
from fsm.spec.model import CommandTable
from fsm.spec.model import Field
from fsm.spec.model import Machine
from fsm.spec.model import SpecSet
from fsm.spec.model import Transition

SECRET = "***"


def cell(text: object) -> str:
    """One table cell: `|` escaped, line breaks folded, `<` `>` kept literal."""
    text = " ".join(str(text).split())
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def table(header: list[str], rows: list[list[str]], align: str = "") -> list[str]:
    """A Markdown table; `align` has one letter per column (l/r), left by default."""
    marks = ["---:" if align[i:i + 1] == "r" else "---" for i in range(len(header))]
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(marks) + "|"]
    out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return out




def actions_text(t: Transition) -> str:
    """`before` then `after` actions; `prepare` ones (run before the guards) are marked."""
    parts = []
    if t.prepare:
        parts.append("prepare: " + ", ".join(t.prepare) + ";")
    parts.append(", ".join(t.before + t.after))
    return " ".join(p for p in parts if p)


def next_state(t: Transition) -> str:
    if t.dest is None:
        return "(internal)"
    if t.dest == t.source:
        return f"{t.dest} (re-entered)"
    return t.dest


def machine_table_md(m: Machine) -> str:
    """Transitions, states and events of one machine as Markdown tables."""
    out = [banner("html", m.path, m.sha256), ""]
    out += [f"# {m.name}: transition table", ""]
    if m.description:
        out += [cell(m.description), ""]
    out += [f"Initial state: {m.initial}. Spec: {m.path}. Diagrams: {m.name}.svg, {m.name}-detailed.svg.", ""]
    out += ["## Transitions", "",
            "Tried in this order for a state and event; the first whose guard holds is taken.", ""]
    rows = [
        [str(t.index), t.source, t.trigger, guard_text(t).strip("[]"), actions_text(t), next_state(t),
         ", ".join(t.req), f"{t.loc.file}:{t.loc.line}"]
        for t in m.transitions
    ]
    out += table(["#", "state", "event", "guard", "actions", "next state", "req", "spec line"], rows, "r")
    out += ["", "## States", ""]
    tagged = any(s.tags for s in m.states)
    rows = []
    for s in m.states:
        timeout = f"after {s.timeout.text} raise {s.timeout.event}" if s.timeout else ""
        name = s.name + (" (initial)" if s.name == m.initial else "")
        rows.append([name, s.label, ", ".join(s.on_enter), ", ".join(s.on_exit), s.activity or "", timeout,
                     ", ".join(s.ignore), "yes" if s.final else "", *([", ".join(s.tags)] if tagged else []),
                     s.description, f"{s.loc.file}:{s.loc.line}"])
    out += table(["state", "label", "entry", "exit", "do", "timeout", "ignored events", "final",
                  *(["tags"] if tagged else []), "description", "spec line"], rows)
    out += ["", "## Events", ""]
    rows = []
    for e in m.events:
        raised = [s.name for s in m.states if s.timeout and s.timeout.event == e.name]
        handled = sorted({t.source for t in m.transitions if t.trigger == e.name},
                         key=m.state_names.index)
        senders = ["main loop" if s == MAIN_LOOP else s for s in e.senders]
        by = [("timeout of " + ", ".join(raised)) if raised else "", ", ".join(senders)]
        rows.append([e.name, e.description, ", ".join(handled), "; ".join(b for b in by if b)])
    out += table(["event", "description", "handled in", "raised by"], rows)
    return "\n".join(out) + "\n"


def field_text(f: Field) -> str:
    """An argument as a user reads it: `port: 1..65535`, `[ip: IPv4 address a.b.c.d, or any]`."""
    text = f"{f.name}: {describe(f)}"
    if f.secret:
        text += " (secret)"
    return f"[{text}]" if f.optional else text


def command_syntax(c: Command) -> str:
    """`mode server <port> [<ip>]`, as typed after the SMS password."""
    parts = list(c.words)
    for f in c.fields:
        word = f.values[0] if f.type == "keyword" and f.values else f"<{f.name}>"
        parts.append(f"[{word}]" if f.optional else word)
    return " ".join(parts)


def commands_table_md(t: CommandTable) -> str:
    """The SMS commands and the settings they change, as Markdown tables."""
    out = [banner("html", t.path, t.sha256), ""]
    out += [f"# {t.name}: SMS command table", ""]
    if t.description:
        out += [cell(t.description), ""]
    out += ["Every command follows the SMS password. A command with a wrong password gets no reply; a valid one",
            "gets `Confirmed: ...`, an invalid one `Error: ...`. Arguments in brackets are optional.", ""]
    out += ["## Commands", ""]
    rows = []
    for c in t.commands:
        sets = [f.sets for f in c.fields if f.sets] + [f"{k} = {v}" for k, v in c.assign]
        reply = "Confirmed: " + c.reply.replace("%(", "<").replace(")s", ">").replace(")d", ">")
        rows.append([command_syntax(c), "; ".join(field_text(f) for f in c.fields), ", ".join(sets),
                     reply, ", ".join(c.req), c.description, f"{c.loc.file}:{c.loc.line}"])
    out += table(["command", "arguments", "settings changed", "reply", "req", "description", "spec line"], rows)
    out += ["", "## Settings", ""]
    rows = []
    for s in t.settings:
        default = SECRET if s.secret else (repr(s.default) if s.default == "" else str(s.default))
        setters = [c.name for c in t.commands
                   if any(f.sets == s.name for f in c.fields) or any(k == s.name for k, _ in c.assign)]
        rows.append([s.name, s.type, default, "yes" if s.in_config and not s.secret else "no",
                     ", ".join(setters), s.description])
    out += table(["setting", "type", "default", "in config reply", "set by", "description"], rows)
    return "\n".join(out) + "\n"


def expected_tables(specs: SpecSet) -> dict[str, str]:
    """File name in `diagrams/` -> Markdown text: `<machine>.md` per machine and `commands.md`."""
    out = {f"{m.name}.md": machine_table_md(m) for m in specs.machines}
    if specs.commands is not None:
        if "commands.md" in out:
            raise ValueError("a machine named 'commands' would overwrite the command table's commands.md")
        out["commands.md"] = commands_table_md(specs.commands)
    return out
