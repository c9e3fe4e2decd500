"""The spec model: frozen dataclasses for machines, the command table and requirements.

Pure structure, in spec order (the first listed transition wins), each element carrying the `Loc` it was
written at. Imports nothing from yaml, jinja2, graphviz or transitions: loaders build it, outputs read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from fsm.findings import Loc


@dataclass(frozen=True)
class Event:
    name: str
    loc: Loc
    description: str = ""
    senders: tuple[str, ...] = ()  # `from:`: the other machines (or the main loop) that raise it
    sender_locs: tuple[Loc, ...] = ()


@dataclass(frozen=True)
class Timeout:
    """A state timeout: after `seconds` (a constant) or the value of context key `key`, raise `event`.

    With a key, a value of 0 means no timeout (as for the manual's socket timeout).
    """

    event: str
    loc: Loc
    seconds: int | None = None
    key: str | None = None

    @property
    def text(self) -> str:
        return f"{self.seconds} s" if self.seconds is not None else f"{self.key} s"


@dataclass(frozen=True)
class State:
    name: str
    loc: Loc
    description: str = ""
    label: str = ""
    on_enter: tuple[str, ...] = ()
    on_exit: tuple[str, ...] = ()
    timeout: Timeout | None = None
    ignore: tuple[str, ...] = ()
    ignore_loc: tuple[Loc, ...] = ()
    final: bool = False
    activity: str | None = None  # a runtime function run while in this state (the data pump: decisions.md §8)
    untestable: str = ""  # why the simulator cannot reach it (conformance coverage)
    tags: tuple[str, ...] = ()  # the state sets it belongs to (generated as IN_<TAG> for other machines)
    key_locs: tuple[tuple[str, Loc], ...] = ()  # where each key's value was written, for precise findings

    def loc_of(self, key: str) -> Loc:
        return dict(self.key_locs).get(key, self.loc)


@dataclass(frozen=True)
class Transition:
    trigger: str
    source: str  # one state; a spec line with several sources becomes several transitions
    dest: str | None  # None: internal (no exit/enter)
    loc: Loc
    index: int  # position in the machine's transition list (spec order), stable id in traces
    conditions: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    prepare: tuple[str, ...] = ()
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    req: tuple[str, ...] = ()
    fallback: bool = False  # declared to be tried after the earlier ones of its source and trigger
    label: str = ""
    description: str = ""
    untestable: str = ""
    key_locs: tuple[tuple[str, Loc], ...] = ()

    def loc_of(self, key: str) -> Loc:
        return dict(self.key_locs).get(key, self.loc)

    @property
    def guards(self) -> tuple[str, ...]:
        return self.conditions + tuple("!" + u for u in self.unless)

    @property
    def actions(self) -> tuple[str, ...]:
        return self.prepare + self.before + self.after

    @property
    def arrow(self) -> str:
        """`source --trigger--> dest` (or `(internal)`): how traces, reports and generated comments name it."""
        return f"{self.source} --{self.trigger}--> {self.dest or '(internal)'}"


@dataclass(frozen=True)
class Machine:
    name: str
    loc: Loc
    path: str  # spec file, repo-relative
    sha256: str
    module: str  # firmware module name of the generated table
    initial: str
    description: str
    states: tuple[State, ...]
    events: tuple[Event, ...]
    transitions: tuple[Transition, ...]
    initial_loc: Loc = field(default_factory=lambda: Loc(""))
    variables: tuple[Event, ...] = ()  # run-time values a timeout may read (set by actions in m.values)

    def state(self, name: str) -> State | None:
        for s in self.states:
            if s.name == name:
                return s
        return None

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states)

    @property
    def event_names(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.events)

    def event(self, name: str) -> Event | None:
        for e in self.events:
            if e.name == name:
                return e
        return None

    @property
    def state_sets(self) -> dict[str, tuple[str, ...]]:
        """Tag -> the states carrying it, in spec order; tags in the order they first appear."""
        out: dict[str, tuple[str, ...]] = {}
        for s in self.states:
            for tag in s.tags:
                out[tag] = out.get(tag, ()) + (s.name,)
        return out

    def transitions_from(self, state: str, trigger: str | None = None) -> tuple[Transition, ...]:
        return tuple(
            t for t in self.transitions if t.source == state and (trigger is None or t.trigger == trigger)
        )

    def callbacks(self) -> tuple[tuple[str, str, Loc], ...]:
        """Every (kind, name, loc) a runtime function must exist for: kind is 'guard', 'action' or 'activity'."""
        out: list[tuple[str, str, Loc]] = []
        for s in self.states:
            out += [("action", a, s.loc_of(k)) for k in ("on_enter", "on_exit") for a in getattr(s, k)]
            if s.activity:
                out.append(("activity", s.activity, s.loc_of("activity")))
        for t in self.transitions:
            out += [("guard", g, t.loc_of(k)) for k in ("conditions", "unless") for g in getattr(t, k)]
            out += [("action", a, t.loc_of(k)) for k in ("prepare", "before", "after") for a in getattr(t, k)]
        return tuple(out)


@dataclass(frozen=True)
class Field:
    """One argument of an SMS command, with its type and limits (the only place a limit is written)."""

    name: str
    loc: Loc
    type: str  # enum | int | host | ipv4_or_any | password | text | keyword | onoff | phone
    sets: str | None = None  # the setting it changes
    values: tuple[str, ...] = ()  # enum values; keyword: the keyword itself
    min: int | None = None  # int: value; password/text: length
    max: int | None = None
    optional: bool = False
    secret: bool = False  # shown as *** in the reply
    unit: str = ""
    description: str = ""
    repeat: int = 1  # the most words it takes (a list: the last argument only, its setting holds them space-separated)


@dataclass(frozen=True)
class Setting:
    name: str
    loc: Loc
    type: str  # int | str
    default: int | str
    description: str = ""
    secret: bool = False  # never in `config` replies or traces
    in_config: bool = True


@dataclass(frozen=True)
class Command:
    words: tuple[str, ...]  # ('mode', 'server')
    loc: Loc
    fields: tuple[Field, ...]
    req: tuple[str, ...]
    description: str = ""
    reply: str = ""  # what follows 'Confirmed: '; %(setting)s substitutions
    action: str | None = None  # runtime function applying the command (e.g. enter the mode again)
    assign: tuple[tuple[str, str], ...] = ()  # settings the command sets to a constant: (('mode', 'server'),)
    during_call: str = "answer"  # what it does while a connection is up: answer, act or defer (DURING_CALL)

    @property
    def name(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class CommandTable:
    name: str
    loc: Loc
    path: str
    sha256: str
    module: str
    description: str
    settings: tuple[Setting, ...]
    commands: tuple[Command, ...]

    def setting(self, name: str) -> Setting | None:
        for s in self.settings:
            if s.name == name:
                return s
        return None


@dataclass(frozen=True)
class Requirement:
    id: str
    loc: Loc
    section: str
    text: str


@dataclass(frozen=True)
class SpecSet:
    """Everything under fsm/specs/: the machines, the command table and the requirements."""

    machines: tuple[Machine, ...]
    commands: CommandTable | None
    requirements: tuple[Requirement, ...]
