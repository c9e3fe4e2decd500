"""The `gw` fixture: a booted gateway (real firmware, simulator, virtual clock) under each interpreter;
and the end-to-end transition coverage: written to build/e2e-coverage.json and summarised per machine."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from fsm.pipeline import load_specs
from host.interpreters import Interpreter
from tests.e2e.gateway import COVERAGE
from tests.e2e.gateway import Gateway
from tests.support import ROOT

COVERAGE_FILE = ROOT / "build" / "e2e-coverage.json"


@pytest.fixture
def gw(firmware_python: Interpreter, tmp_path: Path) -> Iterator[Gateway]:
    g = Gateway(firmware_python, tmp_path / "nvm")
    try:
        yield g
    finally:
        g.close()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if COVERAGE:
        COVERAGE_FILE.parent.mkdir(exist_ok=True)
        data = {m: {str(i): n for i, n in sorted(by.items())} for m, by in sorted(COVERAGE.items())}
        COVERAGE_FILE.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not COVERAGE:
        return
    specs = load_specs(ROOT / "fsm" / "specs", ROOT / "runtime", ROOT).specs
    terminalreporter.section("end-to-end transition coverage")
    for m in specs.machines:
        taken = COVERAGE.get(m.name, {})
        missing = [t for t in m.transitions if t.index not in taken and not t.untestable]
        testable = sum(1 for t in m.transitions if not t.untestable)
        covered = sum(1 for t in m.transitions if t.index in taken and not t.untestable)
        terminalreporter.write_line(f"{m.name}: {covered}/{testable} transitions "
                                    f"({len(m.transitions) - testable} untestable)")
        for t in missing:
            terminalreporter.write_line(f"  not covered: T{t.index} {t.arrow} ({t.loc})")
