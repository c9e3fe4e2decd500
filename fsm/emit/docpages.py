"""Specs -> the generated parts of the hand-written pages in `docs/` (the SMS reference, the timers of operation).

A page keeps its prose; the build fills each block between `<!-- BEGIN generated NAME ... -->` and
`<!-- END generated NAME -->` from the specs, and `build.py check` fails when a block differs (cog's model). Pages
without blocks are not touched; a folder without `docs/` (a test's copy of the project) gives nothing. The error
texts mirror `runtime/smscmd.py`, the `config` items `runtime/smsact.py`'s `config_items`;
tests/fsm/emit/test_docpages.py runs the firmware to hold them to it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from fsm.emit.tables import command_syntax
from fsm.spec.argtypes import describe
from fsm.spec.model import Command
from fsm.spec.model import CommandTable
from fsm.spec.model import Field
from fsm.spec.model import SpecSet

__all__ = ["BLOCKS", "arg_error", "command_names", "config_listed", "expected_docs", "fill", "usage"]

BLOCK = re.compile(r"(?P<begin><!-- BEGIN generated (?P<name>[a-z0-9-]+)\b[^\n]*-->\n)(?P<body>.*?)"
                   r"(?P<end><!-- END generated (?P=name) -->)", re.S)


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table whose cells may hold code spans: only `|` is escaped (`<` stays literal inside them)."""
    def cell(text: str) -> str:
        return " ".join(text.split()).replace("|", "\\|")
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)]


def arg_error(f: Field, word: str = "<word>") -> str:
    """The firmware's error for a value argument `f` refuses (runtime/smscmd.py check_value)."""
    if f.type in ("enum", "onoff"):
        values = f.values if f.type == "enum" else ("on", "off")
        return f"{f.name} must be one of {' '.join(values)}"
    if f.type == "keyword":
        return f"expected '{f.values[0]}', not '{word}'"
    if f.type == "int":
        return f"{f.name} must be a number {f.min}..{f.max}"
    if f.type == "ipv4_or_any":
        return f"{f.name} must be an IP address like 192.168.0.1, or 'any'"
    if f.type == "host":
        return (f"{f.name} must be an IP address like 192.168.0.100, or a host name of {f.min}-{f.max} characters "
                "of a-z 0-9 - .")
    if f.type == "password":
        return f"{f.name} must be {f.min}-{f.max} characters of 0-9 a-z"
    if f.type == "phone":
        return f"{f.name} must be a phone number: an optional + then {f.min}-{f.max} digits"
    return f"{f.name} must be {f.min}-{f.max} characters, no quotes"


def usage(c: Command) -> str:
    """`mode server <permitted_ip> <localport>`, as error replies show a command (runtime/smscmd.py usage); a list
    argument: `allow [number ...] (at most 8)`."""
    names = [f.name + (" ..." if f.repeat > 1 else "") for f in c.fields]
    words = [f"[{n}]" if f.optional else f"<{n}>" for f, n in zip(c.fields, names, strict=True)]
    most = "".join(f" (at most {f.repeat})" for f in c.fields if f.repeat > 1)
    return " ".join([*c.words, *words]) + most


def command_names(t: CommandTable) -> str:
    names: list[str] = []
    for c in t.commands:
        if c.words[0] not in names:
            names.append(c.words[0])
    return " ".join(names)


def _reply(text: str) -> str:
    return " ".join(text.replace("%(", "<").replace(")s", ">").replace(")d", ">").split())


def _sets(c: Command) -> str:
    return ", ".join([f.sets for f in c.fields if f.sets] + [f"{k} = {v}" for k, v in c.assign]) or "nothing"


def commands_md(specs: SpecSet) -> str:
    """One section per command: what it does, each argument with what it accepts and why, the reply."""
    t = _table(specs)
    out: list[str] = []
    for c in t.commands:
        out += [f"### `{command_syntax(c)}`", "", c.description, ""]
        if c.fields:
            rows = [[f.name + (" (optional)" if f.optional else ""), describe(f), f.sets or "", f.description]
                    for f in c.fields]
            out += table(["argument", "accepts", "sets", "why this limit"], rows)
            out.append("")
        out += [f"Sets: {_sets(c)}. Reply: `Confirmed: {_reply(c.reply)}`. {DURING_CALL_TEXT[c.during_call]}", ""]
    return "\n".join(out)


DURING_CALL_TEXT = {  # what a command does while a connection is up (its `during_call` class)
    "answer": "During a connection: answered at once.",
    "act": "During a connection: done at once, once the reply went.",
    "defer": "During a connection: saved at once, in force when the connection ends (the reply says "
             "`(applied when the connection ends)`).",
}


def errors_md(specs: SpecSet) -> str:
    """Every `Error:` reply the command table gives rise to, the first that applies winning."""
    t = _table(specs)
    names = command_names(t)
    rows = [["the password is wrong, or the sender is locked out", "no reply at all"],
            ["nothing follows the password", f"`Error: no command; commands: {names}`"],
            ["the first word is no command", f"`Error: unknown command '<word>'; commands: {names}` (as many names as "
             "fit one SMS after the word, then ` ...`)"]]
    bare = {c.words[0] for c in t.commands if len(c.words) == 1}  # `backup` alone is a command: no such error
    for first in dict.fromkeys(c.words[0] for c in t.commands if len(c.words) > 1 and c.words[0] not in bare):
        subs = " or ".join(c.words[1] for c in t.commands if c.words[0] == first and len(c.words) > 1)
        rows.append([f"`{first}` is not followed by {subs}", f"`Error: {first} must be followed by {subs}`"])
    for c in t.commands:
        if any(not f.optional for f in c.fields):
            rows.append([f"`{c.name}` has too few arguments", f"`Error: missing arguments; format: {usage(c)}`"])
        rows.append([f"`{c.name}` has too many arguments", f"`Error: too many arguments; format: {usage(c)}`"])
        for f in c.fields:
            rows.append([f"`{c.name}`, {f.name}: anything but {describe(f)}", f"`Error: {arg_error(f)}`"])
    return "\n".join(table(["when", "reply"], rows))


def settings_md(specs: SpecSet) -> str:
    t = _table(specs)
    rows = []
    for s in t.settings:
        default = f"`{s.default}`" if s.default != "" else "(empty)"
        setters = [c.name for c in t.commands
                   if any(f.sets == s.name for f in c.fields) or any(k == s.name for k, _ in c.assign)]
        shown = "no (secret)" if _hidden(s.name, t) else "yes"
        rows.append([s.name, default, ", ".join(f"`{n}`" for n in setters), shown, s.description])
    return "\n".join(table(["setting", "first-boot value", "set by", "in `config`", "meaning"], rows))


def _hidden(setting: str, t: CommandTable) -> bool:
    s = t.setting(setting)
    return s is None or s.secret or not s.in_config


def _reveals_secret(c: Command, t: CommandTable) -> bool:
    """A command whose reply shows a setting `config` must not list (runtime/smsact.py _reveals_secret)."""
    return any(f.sets and _hidden(f.sets, t) and not f.secret for f in c.fields)


def config_listed(t: CommandTable, values: dict[str, int | str] | None = None) -> list[Command]:
    """The commands whose settings `config` lists after the mode and the network, in table order; with `values`,
    only those whose assignments hold (`backup off` with no backup: runtime/smsact.py _assigned)."""
    return [c for c in t.commands if c.words[0] != "mode" and _sets_something(c) and not _reveals_secret(c, t)
            and (values is None or all(values[k] == v for k, v in c.assign))]


def _config_groups(t: CommandTable) -> list[list[Command]]:
    """config_listed, the commands of one verb together: `config` shows one of them, the one in force."""
    groups: list[list[Command]] = []
    for c in config_listed(t):
        if groups and groups[-1][0].words[0] == c.words[0]:
            groups[-1].append(c)
        else:
            groups.append([c])
    return groups


def _sets_something(c: Command) -> bool:
    """A command that changes a setting (runtime/smsact.py _sets_nothing); `config`, `status`, `drop` do not."""
    return bool(c.assign) or any(f.sets for f in c.fields)


def config_md(specs: SpecSet) -> str:
    """The items of the `config` reply, in order (runtime/smsact.py config_items)."""
    t = _table(specs)
    modes = [f"`{_reply(c.reply)}`" for c in t.commands if c.words[0] == "mode"]
    rest = _config_groups(t)
    lines = [f"1. The mode: `mode none` (no mode set yet), {', '.join(modes)}.",
             "2. The network: in server mode `ip <address>` (the address clients call) or `ip offline`; in the other "
             "modes the item `offline` while the GPRS context is down, nothing while it is up.",
             *[f"{i}. " + " or ".join(dict.fromkeys(f"`{_reply(c.reply)}`" for c in g))
               + f" (the `{g[0].words[0]}` settings)." for i, g in enumerate(rest, 3)],
             f"{len(rest) + 3}. `version <8 hex digits>`: the firmware's version, a hash of its specs and runtime.",
             f"{len(rest) + 4}. `dropped <n>`: serial bytes that could not be delivered since the last start.",
             f"{len(rest) + 5}. `sms in calls off`, only on a module whose second AT instance (MDM2) did not answer at "
             "boot: SMS commands wait in the SIM until a connection ends.",
             "",
             "Not listed: " + ", ".join(f"`{c.name}` (its setting is secret)" for c in t.commands
                                         if _reveals_secret(c, t)) + "; the GPRS password shows as `***`."]
    return "\n".join(lines)


def timeouts_md(specs: SpecSet) -> str:
    """Every state timeout of every machine: the timers the specs own."""
    rows = []
    for m in specs.machines:
        for s in m.states:
            if s.timeout is None:
                continue
            after = f"{s.timeout.seconds} s" if s.timeout.seconds is not None else f"`{s.timeout.key}` (variable)"
            rows.append([m.name, s.name, after, s.timeout.event, s.description, f"{s.loc.file}:{s.loc.line}"])
    return "\n".join(table(["machine", "state", "after", "raises", "the state", "spec line"], rows))


def _table(specs: SpecSet) -> CommandTable:
    if specs.commands is None:
        raise ValueError("the specs have no command table (fsm/specs/commands.yaml)")
    return specs.commands


BLOCKS: dict[str, tuple[str, Callable[[SpecSet], str]]] = {  # name -> (the spec it comes from, writer)
    "sms-commands": ("fsm/specs/commands.yaml", commands_md),
    "sms-errors": ("fsm/specs/commands.yaml", errors_md),
    "sms-settings": ("fsm/specs/commands.yaml", settings_md),
    "config-items": ("fsm/specs/commands.yaml", config_md),
    "state-timeouts": ("fsm/specs/*.yaml (the machines)", timeouts_md),
}


def fill(text: str, specs: SpecSet, where: str = "page") -> str:
    """`text` with every generated block written again from the specs."""

    def one(m: re.Match[str]) -> str:
        name = m.group("name")
        if name not in BLOCKS:
            line = text.count("\n", 0, m.start()) + 1
            raise ValueError(f"{where}:{line}: unknown generated block '{name}'; blocks: {', '.join(BLOCKS)}")
        source, write = BLOCKS[name]
        begin = (f"<!-- BEGIN generated {name}: `python build.py` writes this part from {source}; "
                 "`python build.py check` fails when it drifts -->\n")
        return begin + write(specs).rstrip("\n") + "\n" + m.group("end")

    return BLOCK.sub(one, text)


def expected_docs(docs: Path, specs: SpecSet, root: Path) -> dict[Path, str]:
    """Page -> its text with the blocks filled, for every page of `docs` that has a block."""
    out = {}
    for page in sorted(docs.rglob("*.md")) if docs.is_dir() else []:
        text = page.read_text(encoding="utf-8")
        if BLOCK.search(text):
            out[page] = fill(text, specs, str(page.relative_to(root)))
    return out

