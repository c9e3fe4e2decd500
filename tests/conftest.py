"""Shared fixtures: the firmware interpreters (py3 / py27 / py152) every firmware test runs under."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from host.interpreters import Interpreter
from host.interpreters import firmware_pythons
from tests import simseed

pytest_plugins = ["tests.reqtrace"]

_FOUND = firmware_pythons()
_IDS = {i.id: i for i in _FOUND}
# py3 and py27 are always expected; py152 only when FIRMWARE_PYTHONS names one.
_WANTED = ["py3", "py27"] + [i for i in _IDS if i not in ("py3", "py27")]


@pytest.fixture(params=_WANTED)
def firmware_python(request: pytest.FixtureRequest) -> Interpreter:
    """Each interpreter the firmware must run under; a missing 2.7 skips, or fails when REQUIRE_PY27=1."""
    interp = _IDS.get(request.param)
    if interp is None:
        reason = f"no {request.param} interpreter found (set FIRMWARE_PYTHONS or install it with pyenv)"
        if request.param == "py27" and os.environ.get("REQUIRE_PY27") == "1":
            pytest.fail(reason + "; REQUIRE_PY27=1 makes this a failure")
        pytest.skip(reason)
    return interp


# Options of the hardening suite, here so that they work from any run (a sub-folder conftest is loaded too late).
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hardening")
    group.addoption("--soak", action="store_true", default=False,
                    help="hardening: long soaks (more fuzz examples, hours of virtual time)")
    group.addoption("--recovery-report", action="store_true", default=False,
                    help="hardening: write tests/hardening/RECOVERY.md with the measured recovery times")
    parser.getgroup("simulator").addoption(
        "--sim-seed", type=int, default=None, metavar="N",
        help=f"seed of the simulators' chunking (default ${simseed.ENV}, else random; printed with failures)")
    parser.getgroup("simulator").addoption(
        "--sim-kindness", default=None, metavar="NAMES",
        help="kindness names separated by commas (or 'none', the default): the firmware suites' simulators")


def pytest_configure(config: pytest.Config) -> None:
    simseed.configure(config.getoption("--sim-seed", default=None))
    simseed.configure_kindness(config.getoption("--sim-kindness", default=None))


def pytest_report_header(config: pytest.Config) -> list[str]:
    kind = simseed.kindness()
    return [simseed.how_to_repeat(), f"firmware suites' kindness: {' '.join(kind.given()) or 'none'}"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        report.sections.append(("simulator seed", simseed.how_to_repeat()))


@pytest.fixture
def sim_seed() -> int:
    """The seed of this session's simulators (tests.simseed)."""
    return simseed.sim_seed()
