"""Validation rules of the state machines: one small function per rule id, registered with its sentence.

Each check reads the loaded spec set and yields `(where, message)`; `fsm.rules.check_specs` adds the file,
line and rule id. A spec set is buildable only when every rule yields nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator

from fsm.findings import Loc
from fsm.findings import did_you_mean
from fsm.rules.modnames import collision_message
from fsm.rules.modnames import too_long_message
from fsm.rules.pynames import PYTHON_RESERVED
from fsm.spec.loader import Loaded
from fsm.spec.model import Event
from fsm.spec.model import Machine
from fsm.spec.model import State
from fsm.spec.model import Transition
from fsm.spec.rulebook import SPEC_RULES

Found = Iterator[tuple[Loc, str]]


def _declared_twice(m: Machine, kind: str, items: Iterable[State | Event]) -> Found:
    seen: dict[str, Loc] = {}
    for item in items:
        if item.name in seen:
            yield item.loc, f"{kind} '{item.name}' of '{m.name}' is already declared at line {seen[item.name].line}"
        seen.setdefault(item.name, item.loc)


@SPEC_RULES.rule("duplicate-state", "a state is declared once in its machine")
def check_duplicate_state(loaded: Loaded) -> Found:
    for m in loaded.specs.machines:
        yield from _declared_twice(m, "state", m.states)


@SPEC_RULES.rule("duplicate-event", "an event is declared once in its machine")
def check_duplicate_event(loaded: Loaded) -> Found:
    for m in loaded.specs.machines:
        yield from _declared_twice(m, "event", m.events)


@SPEC_RULES.rule("initial-state", "a machine has exactly one initial state")
def check_initial_state(loaded: Loaded) -> Found:
    for m in loaded.specs.machines:
        decls = loaded.initials.get(m.name, [])
        if not decls:
            yield m.loc, f"machine '{m.name}' has no initial state; add 'initial: <state>'"
        for name, loc in decls[1:]:
            yield loc, (f"machine '{m.name}' has a second initial state '{name}' "
                        f"(first: '{decls[0][0]}' at line {decls[0][1].line})")


@SPEC_RULES.rule("unknown-state", "every source, dest and initial names a declared state")
def check_unknown_state(loaded: Loaded) -> Found:
    for m in loaded.specs.machines:
        names = m.state_names
        for name, loc in loaded.initials.get(m.name, []):
            if name not in names:
                yield loc, f"initial state '{name}' is not a state of '{m.name}'{did_you_mean(name, names)}"
        for t in m.transitions:
            for role, s in (("source", t.source), ("dest", t.dest)):
                if s is not None and s not in names:
                    yield t.loc_of(role), (f"{role} '{s}' of '{t.trigger}' is not a state of '{m.name}'"
                                           f"{did_you_mean(s, names)}")


@SPEC_RULES.rule("unknown-event", "every trigger, ignored event and timeout event is declared in 'events'")
def check_unknown_event(loaded: Loaded) -> Found:
    for m in loaded.specs.machines:
        events = m.event_names
        for t in m.transitions:
            if t.trigger not in events:
                yield t.loc_of("trigger"), (f"trigger '{t.trigger}' is not an event of '{m.name}'"
                                            f"{did_you_mean(t.trigger, events)}")
        for s in m.states:
            for e, loc in zip(s.ignore, s.ignore_loc, strict=True):
                if e not in events:
                    yield loc, f"state '{s.name}' ignores '{e}', not an event of '{m.name}'{did_you_mean(e, events)}"
            if s.timeout and s.timeout.event not in events:
                yield s.timeout.loc, f"timeout of '{s.name}' raises '{s.timeout.event}', not an event of '{m.name}'"


def _check_callbacks(loaded: Loaded, kinds: tuple[str, ...]) -> Found:
    for m in loaded.specs.machines:
        for kind, name, loc in m.callbacks():
            if kind in kinds and not loaded.runtime.lookup(name):
                yield loc, (f"{kind} '{name}' of '{m.name}' is not a function defined in runtime/"
                            f"{did_you_mean(name, loaded.runtime.names)}")


@SPEC_RULES.rule("unknown-guard", "every guard (conditions, unless) is a function defined in runtime/")
def check_unknown_guard(loaded: Loaded) -> Found:
    return _check_callbacks(loaded, ("guard",))


@SPEC_RULES.rule("unknown-action", "every action (prepare, before, after, on_enter, on_exit, activity, command action) "
                                   "is a function defined in runtime/")
def check_unknown_action(loaded: Loaded) -> Found:
    yield from _check_callbacks(loaded, ("action", "activity"))
    table = loaded.specs.commands
    if table is not None:
        for c in table.commands:
            if c.action and not loaded.runtime.lookup(c.action):
                yield c.loc, (f"action '{c.action}' of command '{c.name}' is not a function defined in runtime/"
                              f"{did_you_mean(c.action, loaded.runtime.names)}")


@SPEC_RULES.rule("callback-signature", "each callback is defined once in runtime/ and takes exactly (m, arg)")
def check_callback_signature(loaded: Loaded) -> Found:
    names = {name for m in loaded.specs.machines for _, name, _ in m.callbacks()}
    if loaded.specs.commands is not None:
        names |= {c.action for c in loaded.specs.commands.commands if c.action}
    for name in sorted(names):
        found = loaded.runtime.lookup(name)
        if len(found) > 1:
            where = ", ".join(f"{f.module} (line {f.loc.line})" for f in found)
            yield found[1].loc, f"'{name}' is defined in several runtime modules: {where}; callbacks must be unique"
        for f in found[:1]:
            if len(f.params) != 2:
                yield f.loc, f"callback '{name}' must take exactly (m, arg), not ({', '.join(f.params)})"


@SPEC_RULES.rule("unreachable-state", "every state can be reached from the initial state")
def check_unreachable_state(loaded: Loaded) -> Found:
    for m in loaded.specs.machines:
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
                yield s.loc, f"state '{s.name}' of '{m.name}' cannot be reached from '{m.initial}'"


@SPEC_RULES.rule("trap-state", "every state has a way out, unless declared final")
def check_trap_state(loaded: Loaded) -> Found:
    for m in loaded.specs.machines:
        for s in m.states:
            leaves = any(t.dest not in (None, s.name) for t in m.transitions_from(s.name))
            if not leaves and not s.final:
                yield s.loc, (f"state '{s.name}' of '{m.name}' has no way out; "
                              "add a transition or declare it 'final: true'")


def _exclusive(a: Transition, b: Transition) -> bool:
    return bool(set(a.conditions) & set(b.unless) or set(a.unless) & set(b.conditions))


@SPEC_RULES.rule("nondeterminism", "two transitions for one state and event cannot both fire, "
                                   "unless the later one is a declared fallback")
def check_nondeterminism(loaded: Loaded) -> Found:
    for m in loaded.specs.machines:
        for s in m.state_names:
            for e in m.event_names:
                ts = m.transitions_from(s, e)
                for j, later in enumerate(ts):
                    for earlier in ts[:j]:
                        if _exclusive(earlier, later):
                            continue
                        if not earlier.guards:
                            yield later.loc, (f"'{e}' in '{s}': this transition can never fire, "
                                              f"the unguarded one at line {earlier.loc.line} always wins")
                        elif not later.fallback:
                            yield later.loc, (f"'{e}' in '{s}' can fire this transition and the one at line "
                                              f"{earlier.loc.line}: guards [{', '.join(later.guards)}] and "
                                              f"[{', '.join(earlier.guards)}] are not exclusive; use the same guard "
                                              "in 'conditions' and 'unless', or declare the order with "
                                              "'fallback: true'")


@SPEC_RULES.rule("incomplete", "every state handles or ignores every event of its machine, never both")
def check_incomplete(loaded: Loaded) -> Found:
    for m in loaded.specs.machines:
        for s in m.states:
            for e in m.event_names:
                handled = bool(m.transitions_from(s.name, e))
                if handled and e in s.ignore:
                    yield s.ignore_loc[s.ignore.index(e)], f"state '{s.name}' both handles and ignores '{e}'"
                elif not handled and e not in s.ignore:
                    yield s.loc, f"state '{s.name}' of '{m.name}' neither handles nor ignores event '{e}'"


def _names(m: Machine) -> Iterator[tuple[str, str, Loc]]:
    yield "machine", m.name, m.loc
    for s in m.states:
        yield "state", s.name, s.loc
    for e in m.events:
        yield "event", e.name, e.loc
    yield from m.callbacks()


@SPEC_RULES.rule("python-name", "no name is a Python keyword or built-in (1.5, 2.7 or 3.x)")
def check_python_name(loaded: Loaded) -> Found:
    items = [n for m in loaded.specs.machines for n in _names(m)]
    table = loaded.specs.commands
    if table is not None:
        items += [("setting", s.name, s.loc) for s in table.settings]
        items += [("argument", f.name, f.loc) for c in table.commands for f in c.fields]
    for kind, name, loc in items:
        if name in PYTHON_RESERVED:
            yield loc, f"{kind} name '{name}' is a Python keyword or built-in; choose another"


def _generated_modules(loaded: Loaded) -> list[tuple[str, Loc, str]]:
    """(module, where its spec names it, spec path) of every generated firmware module."""
    out = [(m.module, m.loc, m.path) for m in loaded.specs.machines]
    if loaded.specs.commands is not None:
        out.append((loaded.specs.commands.module, loaded.specs.commands.loc, loaded.specs.commands.path))
    return out


@SPEC_RULES.rule("generated-module-too-long", "generated module names fit the module's 16-character file names")
def check_module_name_length(loaded: Loaded) -> Found:
    for module, loc, _ in _generated_modules(loaded):
        problem = too_long_message(module)
        if problem:
            yield loc, f"generated {problem} (shorten the name)"


@SPEC_RULES.rule("generated-module-collision", "a generated module is named like no runtime module and no other spec's")
def check_module_name_collision(loaded: Loaded) -> Found:
    owners: dict[str, str] = {mod: "runtime/" + mod + ".py" for mod in loaded.runtime.modules}
    for module, loc, path in _generated_modules(loaded):
        if module in owners:
            yield loc, f"generated {collision_message(module, owners[module])}"
        owners.setdefault(module, path)


@SPEC_RULES.rule("unknown-requirement", "every requirement reference names an ID of requirements.yaml")
def check_unknown_requirement(loaded: Loaded) -> Found:
    reqs = loaded.specs.requirements
    if not reqs:
        return
    known = tuple(r.id for r in reqs)
    for rid, loc in _requirement_refs(loaded):
        if rid not in known:
            yield loc, f"requirement '{rid}' is not in requirements.yaml{did_you_mean(rid, known)}"


@SPEC_RULES.rule("duplicate-requirement", "each requirement ID is listed once in requirements.yaml")
def check_duplicate_requirement(loaded: Loaded) -> Found:
    seen: set[str] = set()
    for r in loaded.specs.requirements:
        if r.id in seen:
            yield r.loc, f"requirement '{r.id}' is listed twice"
        seen.add(r.id)


@SPEC_RULES.rule("unreferenced-requirement", "every requirement ID is referenced by a transition or a command")
def check_unreferenced_requirement(loaded: Loaded) -> Found:
    used = {rid for rid, _ in _requirement_refs(loaded)}
    for r in loaded.specs.requirements:
        if r.id not in used:
            yield r.loc, f"requirement '{r.id}' ({r.section}) is referenced by no transition or command"


def _requirement_refs(loaded: Loaded) -> list[tuple[str, Loc]]:
    refs = [(r, t.loc) for m in loaded.specs.machines for t in m.transitions for r in t.req]
    if loaded.specs.commands is not None:
        refs += [(r, c.loc) for c in loaded.specs.commands.commands for r in c.req]
    return refs
