"""The differential run has teeth: every mutant of a machine's generated tables is caught by its covering
paths, with the spec lines of the mutated transitions in the report."""

from __future__ import annotations

from collections import Counter

from fsm.modeltest import covering_paths
from tests.conformance.conftest import Case
from tests.conformance.harness import Firmware


def _expected_kinds(case: Case) -> Counter[str]:
    m = case.machine
    cells = [m.transitions_from(s.name, e.name) for s in m.states for e in m.events]
    return Counter({
        "swap": sum(len(c) - 1 for c in cells if len(c) > 1),
        "drop-action": sum(len(t.actions) for t in m.transitions),
        "dest": len(m.transitions),
        "timeout": sum(1 for s in m.states if s.timeout is not None),
    })


def test_every_possible_mutation_is_made(case: Case) -> None:
    made = Counter(mu.kind for _, mu in case.suite.mutants[case.machine.name])
    assert +made == +_expected_kinds(case)


def test_every_mutant_is_caught_by_the_covering_paths(case: Case, firmware: Firmware) -> None:
    m = case.machine
    paths = covering_paths(m)
    survivors = []
    unlocated = []
    for module, mu in case.suite.mutants[m.name]:
        found = case.suite.divergences(firmware, m, paths, module, limit=1)
        if not found:
            survivors.append(f"{module}: {mu.kind}: {mu.what}")
            continue
        report = found[0].message()
        if any(str(m.transitions[i].loc) not in report for i in mu.transitions):
            unlocated.append(f"{module}: {mu.what}\n{report}")
    assert not survivors, "mutants the differential run did not catch:\n" + "\n".join(survivors)
    assert not unlocated, "reports without the mutated transitions' spec lines:\n" + "\n".join(unlocated)
