"""Every machine runs the same paths through the transitions host model and through its generated tables
under runtime/engine.py, in every firmware interpreter; the traces must be identical line by line."""

from __future__ import annotations

from pathlib import Path

from fsm.modeltest import covering_paths
from fsm.modeltest import random_walks
from fsm.py15.check import check_source
from tests.conformance.conftest import Case
from tests.conformance.harness import Divergence
from tests.conformance.harness import Firmware
from tests.support import TABLE_RUNNER

WALK_SEED = 20240611
WALKS = 200
WALK_LENGTH = 40


def _report(found: list[Divergence]) -> str:
    return f"{len(found)} path(s) diverge; the first, shrunk:\n" + found[0].message() if found else ""


def test_covering_paths_give_the_same_trace_in_engine_and_host_model(case: Case, firmware: Firmware) -> None:
    found = case.suite.divergences(firmware, case.machine, covering_paths(case.machine))
    assert not found, _report(found)


def test_random_walks_give_the_same_trace_in_engine_and_host_model(case: Case, firmware: Firmware) -> None:
    walks = random_walks(case.machine, WALK_SEED, WALKS, WALK_LENGTH)
    found = case.suite.divergences(firmware, case.machine, walks)
    assert not found, _report(found)


def test_traces_show_guards_actions_and_timeouts(case: Case, firmware: Firmware) -> None:
    """The comparison is not vacuous: the engine's traces carry every kind of line the host model writes."""
    paths = covering_paths(case.machine)
    outs = firmware.run([case.suite.script(case.machine, p) for p in paths])
    kinds = {line.split()[0] for out in outs for line in out}
    expected = {"state", "event", "transition", "ignored"}
    if any(s.timeout for s in case.machine.states):
        expected.add("timeout")
    if any(t.guards for t in case.machine.transitions):
        expected.add("guard")
    if any(t.dest for t in case.machine.transitions):
        expected |= {"exit", "enter"}
    assert expected <= kinds
    assert "error" not in kinds


def test_runner_and_recording_module_are_in_the_firmware_subset(case: Case) -> None:
    rec = case.suite.gen_dir / "rec.py"
    tables = case.suite.gen_dir / f"{case.machine.module}.py"
    local = ("engine", "compat", "rec", case.machine.module)
    findings = []
    for path in (TABLE_RUNNER, rec, tables):
        findings += check_source(Path(path).read_text(), str(path), local_modules=local)
    assert not findings, "\n".join(map(str, findings))
