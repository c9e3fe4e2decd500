"""Pytest plugin: `--req-report PATH` writes every test's node id, outcome and requirement ids as JSON.

Tests declare what they cover with `@pytest.mark.req("CMD-BAUD", "NOTE-ERROR")` (on a function, a class or
a module's `pytestmark`; ids from fsm/specs/requirements.yaml). `python build.py cert` reads the report to
fill the requirement -> spec element -> test trace matrix. A property-based test also names the invariants
it checks, `@pytest.mark.properties(name="what it says", ...)`; they are written as `"properties": {name:
text}` (only for tests that have any) and listed by cert as properties tested. Writes nothing without the
option. Outcomes: passed, failed, skipped, xfailed, xpassed, error (setup or teardown failed) and not-run
(collected, never run). In a parallel run (pytest-xdist) the workers collect and send their entries to the
controller, which gets every outcome through the forwarded reports and writes the file alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

FORMAT = 1  # bump when the JSON layout changes; fsm/cert/evidence.py checks it


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("reqtrace").addoption(
        "--req-report", metavar="PATH", default=None,
        help="write each test's node id, outcome and @pytest.mark.req ids to PATH as JSON (build.py cert)")


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("req_report")
    if path:
        config.pluginmanager.register(ReqReport(Path(path)), "reqtrace-report")


def requirement_ids(item: pytest.Item) -> list[str]:
    """The ids of every `req` marker on the item (function, class, module), sorted, without duplicates."""
    ids: set[str] = set()
    for mark in item.iter_markers("req"):
        for arg in mark.args:
            if not isinstance(arg, str):
                raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.req takes requirement ids as strings, "
                                        f"not {arg!r}")
            ids.add(arg)
    return sorted(ids)


def properties_of(item: pytest.Item) -> dict[str, str]:
    """The invariants named by `properties` markers on the item: {name: what it says}, in their order."""
    out: dict[str, str] = {}
    for mark in item.iter_markers("properties"):
        if mark.args or not all(isinstance(v, str) for v in mark.kwargs.values()):
            raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.properties takes name=\"what it says\" "
                                    f"keywords only, not {mark.args!r} {mark.kwargs!r}")
        out.update(mark.kwargs)
    return out


def outcome_of(report: pytest.TestReport) -> str | None:
    """The test's outcome as far as this phase tells, or None when the phase changes nothing."""
    xfail = hasattr(report, "wasxfail")
    if report.when == "call":
        if xfail:
            return "xfailed" if report.skipped else "xpassed"
        return report.outcome
    if report.skipped:  # a skip in setup (skip marker, fixture skip); xfail(run=False) too
        return "xfailed" if xfail else "skipped"
    if report.failed:
        return "error"
    return None


class ReqReport:
    """Collects one entry per test in collection order and writes them when the session ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tests: dict[str, dict[str, object]] = {}

    def _entry(self, nodeid: str) -> dict[str, object]:
        return self.tests.setdefault(nodeid, {"nodeid": nodeid, "outcome": "not-run", "req": []})

    @pytest.hookimpl(trylast=True)  # after deselection (-k, -m): only the tests that will run
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            entry = self._entry(item.nodeid)
            entry["req"] = requirement_ids(item)
            props = properties_of(item)
            if props:
                entry["properties"] = props

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcome = outcome_of(report)
        entry = self._entry(report.nodeid)
        if outcome is not None and entry["outcome"] != "error":  # a teardown error outranks the call's outcome
            entry["outcome"] = outcome

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        """A worker finished (xdist): the requirement ids of what it collected join the controller's entries."""
        for sent in json.loads(getattr(node, "workeroutput", {}).get("reqtrace", "[]")):
            entry = self._entry(sent["nodeid"])
            entry["req"] = sent["req"]
            if "properties" in sent:
                entry["properties"] = sent["properties"]

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None:  # a worker: the controller writes the report
            workeroutput["reqtrace"] = json.dumps(list(self.tests.values()))
            return
        data = {"format": FORMAT, "exitstatus": int(exitstatus), "tests": list(self.tests.values())}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
