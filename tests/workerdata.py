"""Pytest plugin: records that tests keep in the process that runs them (the end-to-end transition
coverage, the recovery times of the hardening suite) reach the session's summary also when pytest-xdist
runs the tests in worker processes. A test appends a JSON-able record under a name (`record`); each worker
sends its records to the controller when it finishes, which appends them to its own (`records`).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

_RECORDS: dict[str, list[Any]] = {}  # name -> records made in this process (and, on the controller, its workers')


def record(name: str, item: Any) -> None:
    _RECORDS.setdefault(name, []).append(item)


def records(name: str) -> list[Any]:
    return _RECORDS.get(name, [])


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["records"] = json.dumps(_RECORDS)  # type: ignore[attr-defined]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """A worker finished (xdist): its records join the controller's."""
    for name, items in json.loads(getattr(node, "workeroutput", {}).get("records", "{}")).items():
        _RECORDS.setdefault(name, []).extend(items)
