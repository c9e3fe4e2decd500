"""Model-based test paths: step sequences from the initial state that cover a machine's transitions.

A step raises an event, the state's timeout (only while its timer is armed: from entering the state until
it fired), or waits (the clock moves, nothing may fire), and says what every guard it evaluates answers.
Guards are tried as docs/design/decisions.md §2 pins: a state's transitions for the event in spec order, conditions then
unless, short-circuit. Steps predict their outcome, so a path knows what it covers. Reads the model only;
setting-valued timeouts are assumed positive (0 disables them).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from fsm.spec.model import Machine
from fsm.spec.model import State
from fsm.spec.model import Transition

MAX_OUTCOMES = 4096  # guard-outcome classes of one (state, event) cell; more means a spec too odd to enumerate

Item = tuple[str, ...]  # ('transition', '3'), ('ignore', s, e), ('timeout', s), ('timer', '3'), ('blocked', s, e)
OFF, ARMED, WAITED = "off", "armed", "waited"  # a state's timer: none left, full time left, one second left


class Node(NamedTuple):
    state: str
    phase: str  # OFF, ARMED or WAITED
    moved: bool  # the clock moved since the last state entry (or the start)
    entered_by: int | None  # the transition that entered `state` and armed its timer after the clock moved


@dataclass(frozen=True)
class Step:
    """One step: an event, the state's timeout, or a wait (the clock moves, nothing may fire).

    A wait with the timer armed runs the clock to one second before the deadline (phase WAITED), else
    one second; a timeout runs it to the deadline, one second before it first when the phase is ARMED.
    """

    event: str  # the event raised ('' for a wait)
    outcomes: tuple[tuple[str, bool], ...] = ()  # guard -> answer, in order of first evaluation
    timeout: bool = False  # raised by the state's timeout (engine: the clock; host model: fire_timeout())
    wait: bool = False
    source: str = ""  # predicted state before the step
    phase: str = OFF  # the source state's timer before the step
    fired: int | None = None  # predicted transition index; None: ignored, no transition, or a wait
    ignored: bool = False
    timer: int | None = None  # a timeout step: the transition whose entry armed this timer after time passed

    @property
    def guards(self) -> dict[str, bool]:
        return dict(self.outcomes)

    @property
    def items(self) -> tuple[Item, ...]:
        if self.wait:
            return ()
        out: list[Item] = []
        if self.timeout:
            out.append(("timeout", self.source))
            if self.timer is not None:
                out.append(("timer", str(self.timer)))
        if self.fired is not None:
            out.append(("transition", str(self.fired)))
        elif self.ignored:
            out.append(("ignore", self.source, self.event))
        else:
            out.append(("blocked", self.source, self.event))
        return tuple(out)

    @property
    def text(self) -> str:
        if self.wait:
            return "wait(to 1 s before the timeout)" if self.phase == ARMED else "wait(1 s)"
        head = f"timeout({self.event})" if self.timeout else self.event
        if not self.outcomes:
            return head
        return head + " [" + " ".join(f"{g}={int(v)}" for g, v in self.outcomes) + "]"


@dataclass(frozen=True)
class EventPath:
    machine: str
    steps: tuple[Step, ...]

    def prefix(self, n: int) -> EventPath:
        return EventPath(self.machine, self.steps[:n])

    @property
    def items(self) -> frozenset[Item]:
        return frozenset(i for s in self.steps for i in s.items)

    @property
    def transitions(self) -> frozenset[int]:
        return frozenset(s.fired for s in self.steps if s.fired is not None)

    @property
    def ignores(self) -> frozenset[tuple[str, str]]:
        return frozenset((s.source, s.event) for s in self.steps if s.ignored)

    @property
    def timeouts(self) -> frozenset[str]:
        return frozenset(s.source for s in self.steps if s.timeout)

    @property
    def text(self) -> str:
        return "; ".join(s.text for s in self.steps) or "(no steps)"


def _checks(t: Transition) -> list[tuple[str, bool]]:
    return [(g, True) for g in t.conditions] + [(g, False) for g in t.unless]


@cache
def outcome_classes(cell: tuple[Transition, ...]) -> tuple[tuple[int | None, tuple[tuple[str, bool], ...]], ...]:
    """Every way the guards of one cell can answer, as (transition fired or None, guard answers).

    A depth-first walk of the evaluation: each guard not yet answered in this step branches (pass first),
    an answered one is reused (a guard is a predicate: one answer per step, however often it is called).
    """
    leaves: list[tuple[int | None, tuple[tuple[str, bool], ...]]] = []
    stack: list[tuple[int, int, tuple[tuple[str, bool], ...]]] = [(0, 0, ())]
    while stack:
        i, j, answers = stack.pop()
        while True:
            if i == len(cell):
                leaves.append((None, answers))
                break
            checks = _checks(cell[i])
            if j == len(checks):
                leaves.append((cell[i].index, answers))
                break
            guard, want = checks[j]
            known = dict(answers).get(guard)
            if known is None:
                stack.append((i, j, (*answers, (guard, not want))))
                answers = (*answers, (guard, want))
                j += 1
            elif known == want:
                j += 1
            else:
                i, j = i + 1, 0
        if len(leaves) > MAX_OUTCOMES:
            raise ValueError(f"more than {MAX_OUTCOMES} guard outcomes for one state and event")
    return tuple(leaves)


def arms(s: State) -> bool:
    """Whether entering the state arms a timeout (a setting-valued one is taken as positive)."""
    return s.timeout is not None and (s.timeout.key is not None or (s.timeout.seconds or 0) > 0)


class Graph:
    """The machine as a graph of nodes (state, its timer, clock history) whose edges are steps."""

    def __init__(self, m: Machine) -> None:
        self.m = m
        self.states = {s.name: s for s in m.states}
        self.start = Node(m.initial, ARMED if arms(self.states[m.initial]) else OFF, False, None)
        self._memo: dict[Node, tuple[tuple[Step, ...], ...]] = {}

    def _cell_steps(self, node: Node, event: str, timeout: bool) -> tuple[Step, ...]:
        state = self.states[node.state]
        cell = self.m.transitions_from(state.name, event)
        timer = node.entered_by if timeout else None
        if not cell:
            return (Step(event, (), timeout, False, state.name, node.phase, None, event in state.ignore, timer),)
        return tuple(Step(event, answers, timeout, False, state.name, node.phase, fired, False, timer)
                     for fired, answers in outcome_classes(cell))

    def groups(self, node: Node) -> tuple[tuple[Step, ...], ...]:
        """The steps possible from a node, one group per event, the timeout (while armed) and a wait."""
        if node not in self._memo:
            timeout = self.states[node.state].timeout
            out = []
            if node.phase != OFF and timeout is not None:  # first, so a timeout event is covered by its timer
                out.append(self._cell_steps(node, timeout.event, True))
            out += [self._cell_steps(node, e, False) for e in self.m.event_names]
            if node.phase != WAITED:
                out.append((Step("", (), False, True, node.state, node.phase),))
            self._memo[node] = tuple(out)
        return self._memo[node]

    def after(self, node: Node, step: Step) -> Node:
        moved = node.moved or step.wait or step.timeout
        if step.fired is not None:
            dest = self.m.transitions[step.fired].dest
            if dest is not None:  # entered: the engine arms the dest's timer now
                if arms(self.states[dest]):
                    return Node(dest, ARMED, False, step.fired if moved else None)
                return Node(dest, OFF, False, None)
        if step.timeout:
            return Node(node.state, OFF, moved, None)
        if step.wait and node.phase == ARMED:
            return Node(node.state, WAITED, moved, node.entered_by)
        return Node(node.state, node.phase, moved, node.entered_by)

    def shortest(self) -> dict[Item, tuple[Step, ...]]:
        """Breadth-first from the start: the shortest path ending with each reachable coverage item."""
        parent: dict[Node, tuple[Node, Step] | None] = {self.start: None}
        found: dict[Item, tuple[Step, ...]] = {}
        queue = deque([self.start])
        while queue:
            node = queue.popleft()
            for group in self.groups(node):
                for step in group:
                    for item in step.items:
                        if item not in found:
                            found[item] = (*_route(parent, node), step)
                    nxt = self.after(node, step)
                    if nxt not in parent:
                        parent[nxt] = (node, step)
                        queue.append(nxt)
        return found


def _route(parent: dict[Node, tuple[Node, Step] | None], node: Node) -> tuple[Step, ...]:
    steps: list[Step] = []
    link = parent[node]
    while link is not None:
        steps.append(link[1])
        link = parent[link[0]]
    return tuple(reversed(steps))


def covering_paths(m: Machine) -> list[EventPath]:
    """Shortest paths that together fire every transition, hit every ignore, raise every timeout, raise
    each timer armed by each transition entering a timed state after the clock moved (so a timer that is
    not restarted on entry shows), and, where the guards allow it, every 'no transition'. A path that is
    a prefix of another is dropped."""
    found = Graph(m).shortest()
    ordered = sorted(found.items(), key=lambda kv: (_KIND_ORDER[kv[0][0]], _item_key(m, kv[0])))
    paths: list[tuple[Step, ...]] = []
    for _, steps in ordered:
        if steps not in paths:
            paths.append(steps)
    kept = [p for p in paths if not any(len(q) > len(p) and q[:len(p)] == p for q in paths)]
    return [EventPath(m.name, p) for p in kept]


_KIND_ORDER = {"transition": 0, "ignore": 1, "timeout": 2, "timer": 3, "blocked": 4}


def _item_key(m: Machine, item: Item) -> tuple[int, int]:
    if item[0] in ("transition", "timer"):
        return (int(item[1]), 0)
    events = m.event_names
    return (m.state_names.index(item[1]), events.index(item[2]) if len(item) > 2 else 0)


def path_from_choices(m: Machine, choices: Iterable[tuple[int, int]], graph: Graph | None = None) -> EventPath:
    """Decodes (group, outcome) numbers, taken modulo what is possible, into a path (property-based tests)."""
    g = graph or Graph(m)
    node = g.start
    steps: list[Step] = []
    for a, b in choices:
        groups = g.groups(node)
        group = groups[a % len(groups)]
        step = group[b % len(group)]
        steps.append(step)
        node = g.after(node, step)
    return EventPath(m.name, tuple(steps))


def random_walks(m: Machine, seed: int, count: int, length: int) -> list[EventPath]:
    """`count` walks of `length` steps: an event, the timeout or a wait at random, then one of its guard
    outcomes at random. Deterministic for a given seed."""
    rng = random.Random(seed)
    g = Graph(m)
    walks = []
    for _ in range(count):
        choices = [(rng.randrange(1 << 16), rng.randrange(1 << 16)) for _ in range(length)]
        walks.append(path_from_choices(m, choices, g))
    return walks


@dataclass(frozen=True)
class Coverage:
    machine: str
    transitions: tuple[int, int]  # (covered, total)
    ignores: tuple[int, int]
    timeouts: tuple[int, int]
    timers: tuple[int, int]  # transitions entering a timed state, each followed by that state's timeout
    blocked: int  # (state, event) cells where every guard failing was exercised ('no-transition')
    missing: tuple[str, ...]  # 'file:line: what' for every item not covered

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def line(self) -> str:
        def frac(p: tuple[int, int]) -> str:
            pct = 100.0 if p[1] == 0 else 100.0 * p[0] / p[1]
            return f"{p[0]}/{p[1]} ({pct:.0f}%)"
        return (f"{self.machine}: transitions {frac(self.transitions)}, ignores {frac(self.ignores)}, "
                f"timeouts {frac(self.timeouts)}, timer restarts {frac(self.timers)}, "
                f"no-transition cells {self.blocked}")


def coverage(m: Machine, paths: Iterable[EventPath]) -> Coverage:
    """What the paths cover of the machine's transitions, ignores, timeouts and timer restarts."""
    items: set[Item] = set()
    for p in paths:
        items |= p.items
    missing = [f"{t.loc}: transition {t.index} ({t.arrow})"
               for t in m.transitions if ("transition", str(t.index)) not in items]
    ign = [(s, e) for s in m.states for e in s.ignore]
    missing += [f"{s.loc_of('ignore')}: ignore of '{e}' in '{s.name}'" for s, e in ign
                if ("ignore", s.name, e) not in items]
    timed = [s for s in m.states if arms(s)]
    missing += [f"{s.loc_of('timeout')}: timeout of '{s.name}'" for s in timed if ("timeout", s.name) not in items]
    states = {s.name: s for s in m.states}
    entering = [t for t in m.transitions if t.dest is not None and arms(states[t.dest])]
    missing += [f"{t.loc}: timer of '{t.dest}' restarted by transition {t.index}" for t in entering
                if ("timer", str(t.index)) not in items]
    return Coverage(
        m.name,
        (sum(("transition", str(t.index)) in items for t in m.transitions), len(m.transitions)),
        (sum(("ignore", s.name, e) in items for s, e in ign), len(ign)),
        (sum(("timeout", s.name) in items for s in timed), len(timed)),
        (sum(("timer", str(t.index)) in items for t in entering), len(entering)),
        sum(1 for i in items if i[0] == "blocked"),
        tuple(missing),
    )


def report(machines: Iterable[Machine]) -> str:
    """One line per machine for the covering paths, then every item they miss."""
    lines = []
    for m in machines:
        cov = coverage(m, covering_paths(m))
        lines.append(cov.line)
        lines += ["  missing: " + what for what in cov.missing]
    return "\n".join(lines) + "\n"
