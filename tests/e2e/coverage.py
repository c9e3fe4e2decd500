"""The end-to-end transition coverage of a test session: the transitions the firmware took (recorded by
tests/e2e/gateway.py from its traces), written to build/e2e-coverage.json for `build.py cert` and
summarised per machine at the end of the run (hooks in tests/conftest.py, so that they run on the
controller of a parallel run too)."""

from __future__ import annotations

import json
from collections import Counter

from fsm.pipeline import load_specs
from tests import workerdata
from tests.e2e.gateway import COVERAGE_RECORDS
from tests.support import ROOT

COVERAGE_FILE = ROOT / "build" / "e2e-coverage.json"


def taken() -> dict[str, dict[int, int]]:
    """{machine: {transition index: times taken}} over every test of the session."""
    counts = Counter((m, i) for m, i in workerdata.records(COVERAGE_RECORDS))
    out: dict[str, dict[int, int]] = {}
    for (machine, index), n in sorted(counts.items()):
        out.setdefault(machine, {})[index] = n
    return out


def write_file() -> None:
    data = taken()
    if data:
        COVERAGE_FILE.parent.mkdir(exist_ok=True)
        text = {m: {str(i): n for i, n in by.items()} for m, by in data.items()}
        COVERAGE_FILE.write_text(json.dumps(text, indent=1, sort_keys=True) + "\n")


def summary() -> list[str]:
    """Covered/testable transitions per machine, and each testable one no test took."""
    data = taken()
    if not data:
        return []
    lines = []
    specs = load_specs(ROOT / "fsm" / "specs", ROOT / "runtime", ROOT).specs
    for m in specs.machines:
        got = data.get(m.name, {})
        testable = [t for t in m.transitions if not t.untestable]
        covered = sum(1 for t in testable if t.index in got)
        lines.append(f"{m.name}: {covered}/{len(testable)} transitions "
                     f"({len(m.transitions) - len(testable)} untestable)")
        lines += [f"  not covered: T{t.index} {t.arrow} ({t.loc})" for t in testable if t.index not in got]
    return lines
