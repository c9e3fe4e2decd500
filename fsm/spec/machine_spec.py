"""Machine specs: the `transitions` vocabulary plus timeout / ignore / req / description / label.

Turns one YAML mapping into a `Machine`. A transition listing several sources (or '*') becomes one
`Transition` per source, in spec order, all pointing at the same line.
"""

from __future__ import annotations

import hashlib

from fsm.findings import Loc
from fsm.spec.model import Event
from fsm.spec.model import Machine
from fsm.spec.model import State
from fsm.spec.model import Timeout
from fsm.spec.model import Transition
from fsm.spec.schema import IDENT
from fsm.spec.schema import SCHEMA_TYPE
from fsm.spec.schema import Reader
from fsm.spec.yamlload import YMap
from fsm.spec.yamlload import YNode
from fsm.spec.yamlload import YScalar

MACHINE_KEYS = ("name", "description", "initial", "events", "variables", "states", "transitions")
STATE_KEYS = (
    "name", "description", "label", "initial", "final", "on_enter", "on_exit", "timeout", "ignore",
    "activity", "untestable", "tags",
)
EVENT_KEYS = ("name", "description", "from")
VARIABLE_KEYS = ("name", "description")
TIMEOUT_KEYS = ("after", "event")
TRANSITION_KEYS = (
    "trigger", "source", "dest", "conditions", "unless", "prepare", "before", "after", "req", "fallback",
    "label", "description", "untestable",
)
MODULE_PREFIX = "fsm_"
MAIN_LOOP = "loop"  # in an event's `from:`, the firmware's main loop (it turns modem URCs and serial bytes into events)
# How the generated tables name a machine's parts (runtime code names them so: the runtime scan reads them back).
STATE_PREFIX = "S_"
EVENT_PREFIX = "E_"
STATE_SET_PREFIX = "IN_"


def module_for(machine_name: str) -> str:
    """The firmware module a machine's tables are generated into."""
    return MODULE_PREFIX + machine_name


def const_name(prefix: str, name: str) -> str:
    """The generated constant of a state (S_), event (E_) or state set (IN_): `E_NET_LOST`."""
    return prefix + name.upper()


def _key_locs(m: YMap) -> tuple[tuple[str, Loc], ...]:
    return tuple((k, v.loc) for k, _, v in m.items)


def _timeout(r: Reader, node: YNode | None) -> Timeout | None:
    m = r.mapping(node, "timeout", TIMEOUT_KEYS, TIMEOUT_KEYS)
    if m is None:
        return None
    after = m.get("after")
    event = r.ident(m.get("event"), "timeout event")
    if isinstance(after, YScalar) and type(after.value) is int:
        if after.value <= 0:
            r.err(after.loc, SCHEMA_TYPE, "timeout 'after' must be a positive number of seconds or a setting name")
        return Timeout(event, m.loc, seconds=after.value)
    if isinstance(after, YScalar) and isinstance(after.value, str) and IDENT.match(after.value):
        return Timeout(event, m.loc, key=after.value)
    r.err(m.loc if after is None else after.loc, SCHEMA_TYPE,
          "timeout 'after' must be a positive number of seconds or a setting name")
    return None


def _state(r: Reader, node: YNode) -> tuple[State | None, bool, Loc]:
    """Returns the state, whether it says `initial: true`, and where."""
    if isinstance(node, YScalar):
        return State(r.ident(node, "state name"), node.loc), False, node.loc
    m = r.mapping(node, "state", STATE_KEYS, ("name",))
    if m is None:
        return None, False, node.loc
    ignore = r.name_locs(m.get("ignore"), "ignored event")
    activity = m.get("activity")
    state = State(
        name=r.ident(m.get("name"), "state name"),
        loc=m.loc,
        description=r.str_(m.get("description"), "description"),
        label=r.str_(m.get("label"), "label"),
        on_enter=r.names(m.get("on_enter"), "on_enter action"),
        on_exit=r.names(m.get("on_exit"), "on_exit action"),
        timeout=_timeout(r, m.get("timeout")) if m.get("timeout") is not None else None,
        ignore=tuple(n for n, _ in ignore),
        ignore_loc=tuple(loc for _, loc in ignore),
        final=r.bool_(m.get("final"), "final"),
        activity=r.ident(activity, "activity") if activity is not None else None,
        untestable=r.str_(m.get("untestable"), "untestable"),
        tags=r.names(m.get("tags"), "state tag"),
        key_locs=_key_locs(m),
    )
    initial = m.get("initial")
    return state, r.bool_(initial, "initial"), initial.loc if initial is not None else m.loc


def _transitions(r: Reader, node: YNode, index: int, all_states: tuple[str, ...]) -> list[Transition]:
    m = r.mapping(node, "transition", TRANSITION_KEYS, ("trigger", "source"))
    if m is None:
        return []
    src_node = m.get("source")
    if isinstance(src_node, YScalar) and src_node.value == "*":
        sources = all_states
    else:
        sources = r.names(src_node, "source state")
    dest_node = m.get("dest")
    dest = (None if dest_node is None or (isinstance(dest_node, YScalar) and dest_node.value is None)
            else r.str_(dest_node, "dest"))
    common = {
        "trigger": r.ident(m.get("trigger"), "trigger"),
        "loc": m.loc,
        "conditions": r.names(m.get("conditions"), "condition"),
        "unless": r.names(m.get("unless"), "unless guard"),
        "prepare": r.names(m.get("prepare"), "prepare action"),
        "before": r.names(m.get("before"), "before action"),
        "after": r.names(m.get("after"), "after action"),
        "req": tuple(r.str_(n, "requirement id") for n in r.seq(m.get("req"), "req")),
        "fallback": r.bool_(m.get("fallback"), "fallback"),
        "label": r.str_(m.get("label"), "label"),
        "description": r.str_(m.get("description"), "description"),
        "untestable": r.str_(m.get("untestable"), "untestable"),
        "key_locs": _key_locs(m),
    }
    out = []
    for i, src in enumerate(sources):
        # `dest: '='` is transitions' reflexive transition: leave and re-enter the source.
        out.append(Transition(source=src, dest=src if dest == "=" else dest, index=index + i, **common))
    return out


def build_machine(root: YNode, path: str, text: str, r: Reader) -> tuple[Machine | None, list[tuple[str, Loc]]]:
    """Build a Machine; also returns every initial declaration (state name, where) for the validator."""
    m = r.mapping(root, "machine spec", MACHINE_KEYS, ("name", "states", "events", "transitions"))
    if not isinstance(m, YMap):
        return None, []
    name = r.ident(m.get("name"), "machine name")
    events = _events(r, m.get("events"), "event", EVENT_KEYS)
    variables = _events(r, m.get("variables"), "variable", VARIABLE_KEYS)
    states: list[State] = []
    initials: list[tuple[str, Loc]] = []
    top_initial = m.get("initial")
    if top_initial is not None:
        initials.append((r.ident(top_initial, "initial state"), top_initial.loc))
    for n in r.seq(m.get("states"), "states"):
        state, is_initial, loc = _state(r, n)
        if state is not None:
            states.append(state)
            if is_initial:
                initials.append((state.name, loc))
    names = tuple(s.name for s in states)
    transitions: list[Transition] = []
    for n in r.seq(m.get("transitions"), "transitions"):
        transitions += _transitions(r, n, len(transitions), names)
    machine = Machine(
        name=name,
        loc=m.loc,
        path=path,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        module=module_for(name),
        initial=initials[0][0] if initials else "",
        initial_loc=initials[0][1] if initials else m.loc,
        description=r.str_(m.get("description"), "description"),
        states=tuple(states),
        events=tuple(events),
        transitions=tuple(transitions),
        variables=tuple(variables),
    )
    return machine, initials


def _events(r: Reader, node: YNode | None, what: str, keys: tuple[str, ...]) -> list[Event]:
    """A list of names, or of {name, description[, from]} mappings (events and variables)."""
    out = []
    for n in r.seq(node, what + "s"):
        if isinstance(n, YScalar):
            out.append(Event(r.ident(n, what + " name"), n.loc))
        else:
            em = r.mapping(n, what, keys, ("name",))
            if em is not None:
                senders = r.name_locs(em.get("from"), "sender")
                out.append(Event(r.ident(em.get("name"), what + " name"), em.loc,
                                 r.str_(em.get("description"), "description"),
                                 tuple(s for s, _ in senders), tuple(loc for _, loc in senders)))
    return out
