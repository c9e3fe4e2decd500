"""Validation rules: one small function per rule, each yielding findings; `RULES` is the rule table.

The rule table (id -> check, one-line description) also builds the validation report in `diagrams/`.
A spec set is buildable only when every rule yields nothing.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass

from fsm.findings import Finding
from fsm.findings import Loc
from fsm.rules.pynames import RESERVED
from fsm.spec.model import Machine
from fsm.spec.model import SpecSet
from fsm.spec.model import Transition
from fsm.spec.runtime_scan import RuntimeIndex

MAX_MODULE_NAME = 12  # name + ".pyo" must fit the module's 16-character file names


@dataclass(frozen=True)
class Context:
    specs: SpecSet
    runtime: RuntimeIndex
    initials: dict[str, list[tuple[str, Loc]]]  # machine name -> every initial declaration


Check = Callable[[Context], Iterator[Finding]]


def _hint(name: str, known: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def check_duplicate_state(ctx: Context) -> Iterator[Finding]:
    for m in ctx.specs.machines:
        seen: dict[str, Loc] = {}
        for s in m.states:
            if s.name in seen:
                yield Finding(s.loc, "duplicate-state", f"state '{s.name}' of '{m.name}' is already declared at line {seen[s.name].line}")
            seen.setdefault(s.name, s.loc)
        seen = {}
        for e in m.events:
            if e.name in seen:
                yield Finding(e.loc, "duplicate-event", f"event '{e.name}' of '{m.name}' is already declared at line {seen[e.name].line}")
            seen.setdefault(e.name, e.loc)


def check_initial_state(ctx: Context) -> Iterator[Finding]:
    for m in ctx.specs.machines:
        decls = ctx.initials.get(m.name, [])
        if not decls:
            yield Finding(m.loc, "initial-state", f"machine '{m.name}' has no initial state; add 'initial: <state>'")
        for name, loc in decls[1:]:
            yield Finding(loc, "initial-state", f"machine '{m.name}' has a second initial state '{name}' (first: '{decls[0][0]}' at line {decls[0][1].line})")


def check_unknown_state(ctx: Context) -> Iterator[Finding]:
    for m in ctx.specs.machines:
        names = m.state_names
        for name, loc in ctx.initials.get(m.name, []):
            if name not in names:
                yield Finding(loc, "unknown-state", f"initial state '{name}' is not a state of '{m.name}'{_hint(name, names)}")
        for t in m.transitions:
            for role, s in (("source", t.source), ("dest", t.dest)):
                if s is not None and s not in names:
                    yield Finding(t.loc_of(role), "unknown-state", f"{role} '{s}' of '{t.trigger}' is not a state of '{m.name}'{_hint(s, names)}")


def check_unknown_event(ctx: Context) -> Iterator[Finding]:
    for m in ctx.specs.machines:
        events = m.event_names
        for t in m.transitions:
            if t.trigger not in events:
                yield Finding(t.loc_of("trigger"), "unknown-event", f"trigger '{t.trigger}' is not an event of '{m.name}'{_hint(t.trigger, events)}")
        for s in m.states:
            for e, loc in zip(s.ignore, s.ignore_loc, strict=True):
                if e not in events:
                    yield Finding(loc, "unknown-event", f"state '{s.name}' ignores '{e}', not an event of '{m.name}'{_hint(e, events)}")
            if s.timeout and s.timeout.event not in events:
                yield Finding(s.timeout.loc, "unknown-event", f"timeout of '{s.name}' raises '{s.timeout.event}', not an event of '{m.name}'")


def _check_callbacks(ctx: Context, kinds: tuple[str, ...], rule: str) -> Iterator[Finding]:
    for m in ctx.specs.machines:
        for kind, name, loc in m.callbacks():
            if kind in kinds and not ctx.runtime.lookup(name):
                yield Finding(loc, rule, f"{kind} '{name}' of '{m.name}' is not a function defined in runtime/{_hint(name, ctx.runtime.names)}")


def check_unknown_guard(ctx: Context) -> Iterator[Finding]:
    return _check_callbacks(ctx, ("guard",), "unknown-guard")


def check_unknown_action(ctx: Context) -> Iterator[Finding]:
    yield from _check_callbacks(ctx, ("action", "activity"), "unknown-action")
    table = ctx.specs.commands
    if table is not None:
        for c in table.commands:
            if c.action and not ctx.runtime.lookup(c.action):
                yield Finding(c.loc, "unknown-action", f"action '{c.action}' of command '{c.name}' is not a function defined in runtime/{_hint(c.action, ctx.runtime.names)}")


def check_callback_signature(ctx: Context) -> Iterator[Finding]:
    names = {name for m in ctx.specs.machines for _, name, _ in m.callbacks()}
    if ctx.specs.commands is not None:
        names |= {c.action for c in ctx.specs.commands.commands if c.action}
    for name in sorted(names):
        found = ctx.runtime.lookup(name)
        if len(found) > 1:
            where = ", ".join(f"{f.module} (line {f.loc.line})" for f in found)
            yield Finding(found[1].loc, "callback-signature", f"'{name}' is defined in several runtime modules: {where}; callbacks must be unique")
        for f in found[:1]:
            if len(f.params) != 2:
                yield Finding(f.loc, "callback-signature", f"callback '{name}' must take exactly (m, arg), not ({', '.join(f.params)})")


def check_unreachable_state(ctx: Context) -> Iterator[Finding]:
    for m in ctx.specs.machines:
        if not m.initial:
            continue
        seen = {m.initial}
        todo = [m.initial]
        while todo:
            s = todo.pop()
            for t in m.transitions_from(s):
                if t.dest and t.dest not in seen:
                    seen.add(t.dest)
                    todo.append(t.dest)
        for s in m.states:
            if s.name not in seen:
                yield Finding(s.loc, "unreachable-state", f"state '{s.name}' of '{m.name}' cannot be reached from '{m.initial}'")


def check_trap_state(ctx: Context) -> Iterator[Finding]:
    for m in ctx.specs.machines:
        for s in m.states:
            leaves = any(t.dest not in (None, s.name) for t in m.transitions_from(s.name))
            if not leaves and not s.final:
                yield Finding(s.loc, "trap-state", f"state '{s.name}' of '{m.name}' has no way out; add a transition or declare it 'final: true'")


def _exclusive(a: Transition, b: Transition) -> bool:
    return bool(set(a.conditions) & set(b.unless) or set(a.unless) & set(b.conditions))


def check_nondeterminism(ctx: Context) -> Iterator[Finding]:
    for m in ctx.specs.machines:
        for s in m.state_names:
            for e in m.event_names:
                ts = m.transitions_from(s, e)
                for j, later in enumerate(ts):
                    for earlier in ts[:j]:
                        if _exclusive(earlier, later):
                            continue
                        if not earlier.guards:
                            yield Finding(later.loc, "nondeterminism", f"'{e}' in '{s}': this transition can never fire, the unguarded one at line {earlier.loc.line} always wins")
                        elif not later.fallback:
                            yield Finding(later.loc, "nondeterminism", f"'{e}' in '{s}' can fire this transition and the one at line {earlier.loc.line}: guards [{', '.join(later.guards)}] and [{', '.join(earlier.guards)}] are not exclusive; use the same guard in 'conditions' and 'unless', or declare the order with 'fallback: true'")


def check_incomplete(ctx: Context) -> Iterator[Finding]:
    for m in ctx.specs.machines:
        for s in m.states:
            for e in m.event_names:
                handled = bool(m.transitions_from(s.name, e))
                if handled and e in s.ignore:
                    yield Finding(s.ignore_loc[s.ignore.index(e)], "incomplete", f"state '{s.name}' both handles and ignores '{e}'")
                elif not handled and e not in s.ignore:
                    yield Finding(s.loc, "incomplete", f"state '{s.name}' of '{m.name}' neither handles nor ignores event '{e}'")


def _names(m: Machine) -> Iterator[tuple[str, str, Loc]]:
    yield "machine", m.name, m.loc
    for s in m.states:
        yield "state", s.name, s.loc
    for e in m.events:
        yield "event", e.name, e.loc
    yield from m.callbacks()


def check_python_name(ctx: Context) -> Iterator[Finding]:
    items = [n for m in ctx.specs.machines for n in _names(m)]
    table = ctx.specs.commands
    if table is not None:
        items += [("setting", s.name, s.loc) for s in table.settings]
        items += [("argument", f.name, f.loc) for c in table.commands for f in c.fields]
    for kind, name, loc in items:
        if name in RESERVED:
            yield Finding(loc, "python-name", f"{kind} name '{name}' is a Python keyword or built-in; choose another")


def check_module_name(ctx: Context) -> Iterator[Finding]:
    owners: dict[str, str] = {mod: "runtime/" + mod + ".py" for mod in ctx.runtime.modules}
    specs: list[tuple[str, Loc, str]] = [(m.module, m.loc, m.path) for m in ctx.specs.machines]
    if ctx.specs.commands is not None:
        specs.append((ctx.specs.commands.module, ctx.specs.commands.loc, ctx.specs.commands.path))
    for module, loc, path in specs:
        if len(module) > MAX_MODULE_NAME:
            yield Finding(loc, "module-name-too-long", f"generated module '{module}' has {len(module)} characters; at most {MAX_MODULE_NAME} fit the module's file names (shorten the name)")
        if module in owners:
            yield Finding(loc, "module-name-collision", f"generated module '{module}' collides with {owners[module]}")
        owners.setdefault(module, path)


def check_requirements(ctx: Context) -> Iterator[Finding]:
    reqs = ctx.specs.requirements
    if not reqs:
        return
    known = tuple(r.id for r in reqs)
    used: set[str] = set()
    refs: list[tuple[str, Loc]] = [(r, t.loc) for m in ctx.specs.machines for t in m.transitions for r in t.req]
    if ctx.specs.commands is not None:
        refs += [(r, c.loc) for c in ctx.specs.commands.commands for r in c.req]
    for rid, loc in refs:
        used.add(rid)
        if rid not in known:
            yield Finding(loc, "unknown-requirement", f"requirement '{rid}' is not in requirements.yaml{_hint(rid, known)}")
    seen: set[str] = set()
    for r in reqs:
        if r.id in seen:
            yield Finding(r.loc, "unknown-requirement", f"requirement '{r.id}' is listed twice")
        seen.add(r.id)
        if r.id not in used:
            yield Finding(r.loc, "unreferenced-requirement", f"requirement '{r.id}' ({r.section}) is referenced by no transition or command")


RULES: dict[str, tuple[Check, str]] = {
    "duplicate-state": (check_duplicate_state, "a state or event is declared twice in one machine"),
    "initial-state": (check_initial_state, "a machine has exactly one initial state"),
    "unknown-state": (check_unknown_state, "every source, dest and initial names a declared state"),
    "unknown-event": (check_unknown_event, "every trigger, ignored event and timeout event is declared in 'events'"),
    "unknown-guard": (check_unknown_guard, "every guard (conditions, unless) is a function defined in runtime/"),
    "unknown-action": (check_unknown_action, "every action (prepare, before, after, on_enter, on_exit, activity, command action) is a function defined in runtime/"),
    "callback-signature": (check_callback_signature, "each callback is defined once in runtime/ and takes exactly (m, arg)"),
    "unreachable-state": (check_unreachable_state, "every state can be reached from the initial state"),
    "trap-state": (check_trap_state, "every state has a way out, unless declared final"),
    "nondeterminism": (check_nondeterminism, "two transitions for one state and event cannot both fire, unless the later one is a declared fallback"),
    "incomplete": (check_incomplete, "every state handles or ignores every event of its machine, never both"),
    "python-name": (check_python_name, "no name is a Python keyword or built-in (1.5, 2.7 or 3.x)"),
    "module-name-too-long": (check_module_name, "generated module names fit the module's 16-character file names and collide with nothing"),
    "unknown-requirement": (check_requirements, "every requirement reference names an ID of requirements.yaml, and every ID is referenced"),
}
# Rule ids that a check above reports besides its own key (same check, sharper id).
EXTRA_RULE_IDS = {
    "duplicate-event": "duplicate-state",
    "module-name-collision": "module-name-too-long",
    "unreferenced-requirement": "unknown-requirement",
}

