"""Path generation (fsm/modeltest.py): covering paths reach 100% of every machine's transitions, ignores and
timeouts, the host model does what each step predicts, and random walks are reproducible."""

from __future__ import annotations

import dataclasses

from fsm.modeltest import ARMED
from fsm.modeltest import OFF
from fsm.modeltest import WAITED
from fsm.modeltest import EventPath
from fsm.modeltest import Graph
from fsm.modeltest import Node
from fsm.modeltest import coverage
from fsm.modeltest import covering_paths
from fsm.modeltest import outcome_classes
from fsm.modeltest import random_walks
from fsm.modeltest import report
from fsm.spec.model import Machine
from tests.conformance.conftest import Case
from tests.conformance.harness import load_set


def _door() -> Machine:
    loaded = load_set("fixture")
    return next(m for m in loaded.specs.machines if m.name == "door")


def _by_step(trace: list[str]) -> list[list[str]]:
    """Host trace lines of each step (the lines up to and including the step's `state` line)."""
    steps: list[list[str]] = []
    current: list[str] = []
    for line in trace[1:]:
        current.append(line)
        if line.startswith("state "):
            steps.append(current)
            current = []
    return steps


def test_covering_paths_reach_every_transition_ignore_and_timeout(case: Case) -> None:
    cov = coverage(case.machine, covering_paths(case.machine))
    assert cov.complete, cov.line + "\n" + "\n".join(cov.missing)
    assert cov.transitions[0] == len(case.machine.transitions)


def test_the_host_model_does_what_every_step_predicts(case: Case) -> None:
    m = case.machine
    paths = covering_paths(m) + random_walks(m, 7, 30, 40)
    for path in paths:
        state = m.initial
        for step, lines in zip(path.steps, _by_step(case.suite.host_trace(m, path)), strict=True):
            where = f"{m.name}: '{path.text}' at '{step.text}'"
            assert step.source == state, where
            if step.wait:
                assert [x.split()[0] for x in lines] == ["waited", "state"], where
                continue
            fired = [int(x.split()[1]) for x in lines if x.startswith("transition ")]
            assert fired == ([] if step.fired is None else [step.fired]), where
            assert (f"ignored {step.event}" in lines) == step.ignored, where
            blocked = step.fired is None and not step.ignored
            assert (f"no-transition {step.event}" in lines) == blocked, where
            assert (f"timeout {step.event}" in lines) == step.timeout, where
            state = lines[-1].split()[1]


def test_random_walks_are_reproducible_for_a_seed(case: Case) -> None:
    m = case.machine
    assert random_walks(m, 11, 5, 20) == random_walks(m, 11, 5, 20)
    assert random_walks(m, 11, 5, 20) != random_walks(m, 12, 5, 20)
    assert all(len(p.steps) == 20 for p in random_walks(m, 11, 5, 20))


def test_guard_outcomes_follow_spec_order_and_short_circuit() -> None:
    door = _door()
    cell = door.transitions_from("closed", "open_req")
    assert [(fired, dict(answers)) for fired, answers in outcome_classes(cell)] == [
        (1, {"is_allowed": True, "is_jammed": False}),  # T1: conditions is_allowed, unless is_jammed
        (3, {"is_allowed": True, "is_jammed": True}),  # T2 (unless is_allowed) fails, fallback T3 fires
        (2, {"is_allowed": False}),  # T1 stops at is_allowed; T2 fires without asking is_jammed
    ]


def test_a_cell_whose_guards_can_all_fail_gets_a_no_transition_path() -> None:
    door = _door()
    kept = [t for t in door.transitions if not (t.source == "closed" and t.trigger == "open_req" and t.index == 2)]
    reindexed = tuple(dataclasses.replace(t, index=i) for i, t in enumerate(kept))
    m = dataclasses.replace(door, transitions=reindexed)
    paths = covering_paths(m)
    blocked = [p for p in paths if ("blocked", "closed", "open_req") in p.items]
    assert blocked
    assert blocked[0].steps[-1].guards == {"is_allowed": False, "is_jammed": False}
    assert coverage(m, paths).blocked == 1


def test_a_timeout_is_a_step_only_while_armed_and_a_wait_only_while_it_cannot_fire() -> None:
    g = Graph(_door())
    armed = g.groups(Node("opened", ARMED, False, None))
    waited = g.groups(Node("opened", WAITED, True, None))
    fired = g.groups(Node("opened", OFF, True, None))
    events = len(_door().events)
    assert (len(armed), len(waited), len(fired)) == (events + 2, events + 1, events + 1)
    assert all(s.timeout and s.event == "auto_close" for s in armed[0])
    assert not any(s.timeout for group in fired for s in group)
    assert [s.wait for s in armed[-1]] == [True]
    assert not any(s.wait for group in waited for s in group)
    # auto_close leaves 'opened' for 'closing', whose timer is armed on entry, after the clock moved
    assert g.after(Node("opened", ARMED, False, None), armed[0][0]) == Node("closing", ARMED, False, 5)
    # a wait runs the clock to one second before the deadline; an ignored event leaves the timer alone
    near = g.after(Node("opened", ARMED, False, None), armed[-1][0])
    assert near == Node("opened", WAITED, True, None)
    ignored = next(group[0] for group in waited if group[0].ignored)
    assert g.after(near, ignored) == near


def test_a_reflexive_transition_after_a_wait_is_followed_by_the_restarted_timeout() -> None:
    door = _door()
    path = EventPath(door.name, Graph(door).shortest()[("timer", "6")])  # lock_req: opened -> opened
    assert path.text == ("power; open_req [is_allowed=1 is_jammed=0]; wait(to 1 s before the timeout); "
                         "lock_req; timeout(auto_close)")


def test_steps_name_what_they_cover() -> None:
    door = _door()
    path = EventPath(door.name, Graph(door).shortest()[("transition", "5")])  # auto_close: by its timer
    assert path.transitions == {0, 1, 5}
    assert path.steps[-1].timeout
    assert ("timeout", "opened") in path.items
    assert path.text == "power; open_req [is_allowed=1 is_jammed=0]; timeout(auto_close)"


def test_report_gives_one_line_per_machine() -> None:
    text = report([_door()])
    assert text == ("door: transitions 16/16 (100%), ignores 34/34 (100%), timeouts 2/2 (100%), "
                    "timer restarts 5/5 (100%), no-transition cells 0\n")
