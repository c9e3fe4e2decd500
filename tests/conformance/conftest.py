"""Fixtures of the conformance suite: every machine of fsm/specs/ and of the fixture specs, each spec set's
recording firmware, and one long-lived runner process per spec set and firmware interpreter."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import pytest

from fsm.interpreters import Interpreter
from fsm.spec.loader import Loaded
from fsm.spec.model import Machine
from tests.conformance.harness import SPEC_SETS
from tests.conformance.harness import Firmware
from tests.conformance.harness import Suite
from tests.conformance.harness import load_set


@cache
def _loaded(name: str) -> Loaded:
    return load_set(name)


def machine_refs() -> list[str]:
    """`set:machine` for every machine, or `set:invalid` when a spec set does not validate."""
    refs = []
    for name in SPEC_SETS:
        loaded = _loaded(name)
        if loaded.findings:
            refs.append(f"{name}:invalid")
        else:
            refs += [f"{name}:{m.name}" for m in loaded.specs.machines]
    return refs


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "machine_ref" in metafunc.fixturenames:
        metafunc.parametrize("machine_ref", machine_refs())


@dataclass
class Case:
    suite: Suite
    machine: Machine


class Pool:
    """Suites (generated once per session) and runner processes, created on first use, closed at the end."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.suites: dict[str, Suite] = {}
        self.runners: dict[tuple[str, str], Firmware] = {}

    def suite(self, name: str) -> Suite:
        if name not in self.suites:
            loaded = _loaded(name)
            if loaded.findings:
                pytest.fail(f"spec set '{name}' does not validate:\n" + "\n".join(map(str, loaded.findings)))
            self.suites[name] = Suite(name, loaded, self.factory.mktemp(f"conformance-{name}"))
        return self.suites[name]

    def firmware(self, python: Interpreter, suite: Suite) -> Firmware:
        key = (python.id, suite.name)
        if key not in self.runners:
            self.runners[key] = Firmware(python, suite.gen_dir)
        return self.runners[key]

    def close(self) -> None:
        for fw in self.runners.values():
            fw.close()


@pytest.fixture(scope="session")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pool]:
    p = Pool(tmp_path_factory)
    yield p
    p.close()


@pytest.fixture
def case(machine_ref: str, pool: Pool) -> Case:
    set_name, machine = machine_ref.split(":")
    suite = pool.suite(set_name)
    return Case(suite, suite.machines[machine])


@pytest.fixture
def firmware(firmware_python: Interpreter, case: Case, pool: Pool) -> Firmware:
    return pool.firmware(firmware_python, case.suite)
