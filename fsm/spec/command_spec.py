"""The SMS command table spec (settings with defaults, commands with typed fields) and the requirements list."""

from __future__ import annotations

import hashlib

from fsm.spec.argtypes import ARG_TYPES
from fsm.spec.model import Command
from fsm.spec.model import CommandTable
from fsm.spec.model import Field
from fsm.spec.model import Requirement
from fsm.spec.model import Setting
from fsm.spec.schema import SCHEMA_TYPE
from fsm.spec.schema import Reader
from fsm.spec.yamlload import YMap
from fsm.spec.yamlload import YNode
from fsm.spec.yamlload import YScalar

TABLE_KEYS = ("name", "description", "settings", "commands")
SETTING_KEYS = ("name", "type", "default", "description", "secret", "in_config")
COMMAND_KEYS = ("command", "description", "args", "assign", "req", "reply", "action", "during_call")
# What a command does while a connection is up (SMS read on MDM2): `answer` at once (it changes no setting),
# `act` at once on the connection or the module (drop, reboot), or `defer` (it changes settings: they are kept,
# persisted, and take effect when the connection ends). Left out: `defer` for a command that sets a setting,
# else `answer`, so a new command gets the right class without saying it.
DURING_CALL = ("answer", "act", "defer")
FIELD_KEYS = ("name", "type", "sets", "values", "min", "max", "optional", "secret", "unit", "description", "repeat")
FIELD_TYPES = tuple(t.name for t in ARG_TYPES)
SETTING_TYPES = ("int", "str")
REQ_KEYS = ("requirements",)
REQ_ITEM_KEYS = ("id", "section", "text")
COMMANDS_MODULE = "fsm_commands"


def _repeat(r: Reader, node: YNode | None) -> int:
    """How many words an argument takes at most: 1, or its `repeat` (a list of words)."""
    n = r.int_(node, "repeat")
    return 1 if n is None else n


def _field(r: Reader, node: YNode) -> Field | None:
    m = r.mapping(node, "command argument", FIELD_KEYS, ("name", "type"))
    if m is None:
        return None
    ftype = r.str_(m.get("type"), "type")
    if ftype not in FIELD_TYPES:
        r.err(m.get("type").loc, SCHEMA_TYPE, f"argument type '{ftype}' is not one of {', '.join(FIELD_TYPES)}")
    values = tuple(str(v.value) for v in r.seq(m.get("values"), "values") if isinstance(v, YScalar))
    sets = m.get("sets")
    return Field(
        name=r.ident(m.get("name"), "argument name"),
        loc=m.loc,
        type=ftype,
        sets=r.ident(sets, "setting") if sets is not None else None,
        values=values,
        min=r.int_(m.get("min"), "min"),
        max=r.int_(m.get("max"), "max"),
        optional=r.bool_(m.get("optional"), "optional"),
        secret=r.bool_(m.get("secret"), "secret"),
        unit=r.str_(m.get("unit"), "unit"),
        description=r.str_(m.get("description"), "description"),
        repeat=_repeat(r, m.get("repeat")),
    )


def _setting(r: Reader, node: YNode) -> Setting | None:
    m = r.mapping(node, "setting", SETTING_KEYS, ("name", "type", "default"))
    if m is None:
        return None
    stype = r.str_(m.get("type"), "type")
    default_node = m.get("default")
    if stype == "int":
        default: int | str = r.int_(default_node, "default") or 0
    else:
        if stype not in SETTING_TYPES:
            r.err(m.get("type").loc, SCHEMA_TYPE, f"setting type '{stype}' is not one of int, str")
        default = ("" if isinstance(default_node, YScalar) and default_node.value is None
                   else r.str_(default_node, "default"))
    in_config = m.get("in_config")
    return Setting(
        name=r.ident(m.get("name"), "setting name"),
        loc=m.loc,
        type=stype,
        default=default,
        description=r.str_(m.get("description"), "description"),
        secret=r.bool_(m.get("secret"), "secret"),
        in_config=True if in_config is None else r.bool_(in_config, "in_config"),
    )


def build_commands(root: YNode, path: str, text: str, r: Reader) -> CommandTable | None:
    m = r.mapping(root, "command table", TABLE_KEYS, ("name", "settings", "commands"))
    if m is None:
        return None
    settings = tuple(s for s in (_setting(r, n) for n in r.seq(m.get("settings"), "settings")) if s)
    commands = []
    for n in r.seq(m.get("commands"), "commands"):
        cm = r.mapping(n, "command", COMMAND_KEYS, ("command", "req", "reply"))
        if cm is None:
            continue
        words = tuple(r.str_(cm.get("command"), "command").split())
        action = cm.get("action")
        assign_node = cm.get("assign")
        assign: list[tuple[str, str]] = []
        if isinstance(assign_node, YMap):
            assign = [(k, r.str_(v, "assigned value")) for k, _, v in assign_node.items]
        elif assign_node is not None:
            r.err(assign_node.loc, SCHEMA_TYPE, "assign must be a mapping of setting: value")
        fields = tuple(f for f in (_field(r, a) for a in r.seq(cm.get("args"), "args")) if f)
        during_node = cm.get("during_call")
        during = "defer" if assign or any(f.sets for f in fields) else "answer"
        if during_node is not None:
            during = r.str_(during_node, "during_call")
            if during not in DURING_CALL:
                r.err(during_node.loc, SCHEMA_TYPE, f"during_call '{during}' is not one of {', '.join(DURING_CALL)}")
        commands.append(Command(
            words=words,
            loc=cm.loc,
            fields=fields,
            req=tuple(r.str_(x, "requirement id") for x in r.seq(cm.get("req"), "req")),
            description=r.str_(cm.get("description"), "description"),
            reply=r.str_(cm.get("reply"), "reply"),
            action=r.ident(action, "action") if action is not None else None,
            assign=tuple(assign),
            during_call=during,
        ))
    return CommandTable(
        name=r.ident(m.get("name"), "table name"),
        loc=m.loc,
        path=path,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        module=COMMANDS_MODULE,
        description=r.str_(m.get("description"), "description"),
        settings=settings,
        commands=tuple(commands),
    )


def build_requirements(root: YNode, r: Reader) -> tuple[Requirement, ...]:
    m = r.mapping(root, "requirements file", REQ_KEYS, REQ_KEYS)
    if m is None:
        return ()
    out = []
    for n in r.seq(m.get("requirements"), "requirements"):
        rm = r.mapping(n, "requirement", REQ_ITEM_KEYS, REQ_ITEM_KEYS)
        if rm is not None:
            out.append(Requirement(
                id=r.str_(rm.get("id"), "id"),
                loc=rm.loc,
                section=r.str_(rm.get("section"), "section"),
                text=r.str_(rm.get("text"), "text"),
            ))
    return tuple(out)
