"""Hardening fixtures: `soak` (--soak, long runs) and `hgw_factory`. (The recovery-time table and
--recovery-report are in tests/conftest.py's summary.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fsm.interpreters import Interpreter
from tests.hardening import harness


@pytest.fixture
def soak(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--soak", default=False))


@pytest.fixture
def hgw_factory(firmware_python: Interpreter, tmp_path: Path) -> Iterator:
    made: list[harness.HGateway] = []

    def make(sms_capacity: int = 20, boot: bool = True, name: str = "nvm", mdm2: str = "on") -> harness.HGateway:
        g = harness.HGateway(firmware_python, tmp_path / name, sms_capacity=sms_capacity, boot=boot, mdm2=mdm2)
        made.append(g)
        return g

    try:
        yield make
    finally:
        for g in made:
            g.close()
