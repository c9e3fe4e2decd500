"""Index of `runtime/`, found by parsing its sources (never importing them): the functions it defines, which
function calls which, and every place it names an event of a machine.

Guards, actions and activities named in the specs must be top-level functions of some runtime module,
taking exactly (m, arg): the engine's machine and the event's argument. The calls and event names are what
the conversation rules (`fsm/rules/conversation.py`) need to tell which machine sends which event to which.

A function is keyed `module.name`, a method `module.Class.name`, a module's own top-level code `module.<module>`.
Calls are resolved as far as a parser can: a plain name to the module's own function (or one imported with
`from`), `module.name` to that runtime module's function, `x.name(...)` to every runtime method of that name
(the type of `x` is unknown: an over-approximation), and a call through a command row's action column
(`cmd[smscmd.CMD_ACTION](m, arg)`) to every command action. Calls through variables are not seen.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from fsm.findings import Loc
from fsm.spec.machine_spec import EVENT_PREFIX
from fsm.spec.machine_spec import MODULE_PREFIX

COMMAND_ACTIONS = "<command actions>"  # the callee of a call through a command row's action column
ACTION_COLUMN = "CMD_ACTION"  # runtime/smscmd.py's name for that column
MODULE_BODY = "<module>"
SELF = "m"  # the name every callback gives the machine running it
EVENT_CONST = re.compile(re.escape(EVENT_PREFIX) + r"[A-Z0-9_]+\Z")


@dataclass(frozen=True)
class RuntimeFunction:
    name: str
    module: str
    loc: Loc
    params: tuple[str, ...]
    not_implemented: bool  # the body raises NotImplementedError: a placeholder for a later issue


@dataclass(frozen=True)
class EventRef:
    """A runtime line naming a machine's event constant: `<machine>.t.E_<EVENT>` or `fsm_<machine>.E_<EVENT>`."""

    function: str  # the key of the function it is in
    loc: Loc
    event: str  # the event's name, `net_lost`
    via: str  # how the machine is named: 'module' (fsm_<machine>), 'context' (ctx.<attr>), 'self' (m), 'unknown'
    target: str  # the generated module, the context attribute, 'm', or the expression's text
    text: str  # the reference as written


@dataclass(frozen=True)
class RuntimeIndex:
    functions: tuple[RuntimeFunction, ...]
    modules: tuple[str, ...]
    calls: tuple[tuple[str, tuple[str, ...]], ...] = ()  # function key -> the keys it calls, in order
    event_refs: tuple[EventRef, ...] = ()
    machine_attrs: tuple[tuple[str, str], ...] = ()  # context attribute -> generated module ('gw', 'fsm_gateway')

    def lookup(self, name: str) -> tuple[RuntimeFunction, ...]:
        return tuple(f for f in self.functions if f.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted({f.name for f in self.functions}))


def _raises_not_implemented(fn: ast.FunctionDef) -> bool:
    for node in ast.walk(fn):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(target, ast.Name) and target.id == "NotImplementedError":
                return True
    return False


@dataclass
class _Module:
    name: str
    rel: str
    tree: ast.Module
    functions: set[str]
    classes: dict[str, set[str]]  # class -> its methods
    imports: set[str]  # module names imported anywhere in it
    from_imports: dict[str, str]  # name -> the module it was imported from

    def bodies(self) -> list[tuple[str, list[ast.stmt]]]:
        """(key, statements) of its top-level code, each function and each method."""
        out: list[tuple[str, list[ast.stmt]]] = [
            (f"{self.name}.{MODULE_BODY}",
             [n for n in self.tree.body if not isinstance(n, (ast.FunctionDef, ast.ClassDef))])]
        for node in self.tree.body:
            if isinstance(node, ast.FunctionDef):
                out.append((f"{self.name}.{node.name}", node.body))
            elif isinstance(node, ast.ClassDef):
                out += [(f"{self.name}.{node.name}.{f.name}", f.body) for f in node.body
                        if isinstance(f, ast.FunctionDef)]
        return out


def _read_module(path: Path, rel: str) -> _Module | None:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
    except SyntaxError:
        return None  # the subset checker reports it
    imports: set[str] = set()
    from_imports: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imports |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            from_imports.update({a.name: node.module for a in node.names})
    return _Module(
        name=path.stem, rel=rel, tree=tree,
        functions={n.name for n in tree.body if isinstance(n, ast.FunctionDef)},
        classes={n.name: {f.name for f in n.body if isinstance(f, ast.FunctionDef)}
                 for n in tree.body if isinstance(n, ast.ClassDef)},
        imports=imports, from_imports=from_imports,
    )


def _walk(body: list[ast.stmt]) -> list[ast.AST]:
    return [node for stmt in body for node in ast.walk(stmt)]


def _callable(mod: _Module | None, name: str) -> list[str]:
    """The key a call of `name` in `mod` runs: a function, or a class's __init__."""
    if mod is None:
        return []
    if name in mod.functions:
        return [f"{mod.name}.{name}"]
    if name in mod.classes and "__init__" in mod.classes[name]:
        return [f"{mod.name}.{name}.__init__"]
    return []


def _last_name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _callees(call: ast.Call, mod: _Module, mods: dict[str, _Module]) -> list[str]:
    func = call.func
    if isinstance(func, ast.Name):
        if func.id in mod.functions or func.id in mod.classes:
            return _callable(mod, func.id)
        return _callable(mods.get(mod.from_imports.get(func.id, "")), func.id)
    if isinstance(func, ast.Attribute):
        if isinstance(func.value, ast.Name) and func.value.id in mod.imports:
            return _callable(mods.get(func.value.id), func.attr)  # a built-in module's call runs no runtime code
        return sorted(f"{m.name}.{cls}.{func.attr}" for m in mods.values()
                      for cls, methods in m.classes.items() if func.attr in methods)
    if isinstance(func, ast.Subscript) and _last_name(func.slice) == ACTION_COLUMN:
        return [COMMAND_ACTIONS]
    return []


def _machine_attrs(mods: dict[str, _Module]) -> dict[str, str]:
    """Context attributes holding a machine: `ctx.gw = engine.Machine(fsm_gateway, ...)` gives gw -> fsm_gateway."""
    out: dict[str, str] = {}
    for mod in mods.values():
        for node in ast.walk(mod.tree):
            if (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Attribute) and isinstance(node.value, ast.Call)
                    and _last_name(node.value.func) == "Machine" and node.value.args
                    and isinstance(node.value.args[0], ast.Name)
                    and node.value.args[0].id.startswith(MODULE_PREFIX)):
                out[node.targets[0].attr] = node.value.args[0].id
    return out


def _aliases(nodes: list[ast.AST], attrs: dict[str, str]) -> dict[str, str]:
    """Local names bound to a machine in a function: `gw = ctx.gw` gives gw -> gw (the context attribute)."""
    out: dict[str, str] = {}
    for node in nodes:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Attribute) and node.value.attr in attrs):
            out[node.targets[0].id] = node.value.attr
    return out


def _is_event_ref(node: ast.AST) -> bool:
    """`fsm_<machine>.E_X` or `<machine>.t.E_X` (an E_ name of anything else is not an event's)."""
    if not isinstance(node, ast.Attribute) or not EVENT_CONST.match(node.attr):
        return False
    owner = node.value
    return ((isinstance(owner, ast.Name) and owner.id.startswith(MODULE_PREFIX))
            or (isinstance(owner, ast.Attribute) and owner.attr == "t"))


def _event_ref(node: ast.Attribute, key: str, rel: str, attrs: dict[str, str],
               aliases: dict[str, str]) -> EventRef:
    event = node.attr[len(EVENT_PREFIX):].lower()
    loc = Loc(rel, node.lineno, node.col_offset + 1)
    text = ast.unparse(node)
    owner = node.value
    if isinstance(owner, ast.Name) and owner.id.startswith(MODULE_PREFIX):
        return EventRef(key, loc, event, "module", owner.id, text)
    if isinstance(owner, ast.Attribute) and owner.attr == "t":
        machine = owner.value
        if isinstance(machine, ast.Name) and machine.id == SELF:
            return EventRef(key, loc, event, "self", SELF, text)
        if isinstance(machine, ast.Name) and machine.id in aliases:
            return EventRef(key, loc, event, "context", aliases[machine.id], text)
        if isinstance(machine, ast.Attribute) and machine.attr in attrs:
            return EventRef(key, loc, event, "context", machine.attr, text)
        owner = machine
    return EventRef(key, loc, event, "unknown", ast.unparse(owner), text)


def scan_runtime(runtime_dir: Path, root: Path) -> RuntimeIndex:
    functions = []
    modules = []
    mods: dict[str, _Module] = {}
    for path in sorted(runtime_dir.glob("*.py")):
        modules.append(path.stem)
        rel = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        mod = _read_module(path, rel)
        if mod is None:
            continue
        mods[mod.name] = mod
        for node in mod.tree.body:
            if isinstance(node, ast.FunctionDef):
                functions.append(RuntimeFunction(
                    name=node.name,
                    module=path.stem,
                    loc=Loc(rel, node.lineno, node.col_offset + 1),
                    params=tuple(a.arg for a in node.args.args),
                    not_implemented=_raises_not_implemented(node),
                ))
    attrs = _machine_attrs(mods)
    calls: list[tuple[str, tuple[str, ...]]] = []
    refs: list[EventRef] = []
    for mod in mods.values():
        for key, body in mod.bodies():
            nodes = _walk(body)
            callees: list[str] = []
            for node in nodes:
                if isinstance(node, ast.Call):
                    callees += [c for c in _callees(node, mod, mods) if c not in callees]
            calls.append((key, tuple(callees)))
            aliases = _aliases(nodes, attrs)
            refs += [_event_ref(node, key, mod.rel, attrs, aliases) for node in nodes
                     if isinstance(node, ast.Attribute) and _is_event_ref(node)]
    return RuntimeIndex(tuple(functions), tuple(modules), tuple(calls),
                        tuple(sorted(refs, key=lambda r: r.loc)), tuple(sorted(attrs.items())))
