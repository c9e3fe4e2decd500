"""The `gw` fixture: a booted gateway (real firmware, simulator, virtual clock) under each interpreter.
(The session's transition coverage: tests/e2e/coverage.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fsm.interpreters import Interpreter
from tests.e2e.gateway import Gateway


@pytest.fixture
def gw(firmware_python: Interpreter, tmp_path: Path) -> Iterator[Gateway]:
    g = Gateway(firmware_python, tmp_path / "nvm")
    try:
        yield g
    finally:
        g.close()


@pytest.fixture
def gw_without_mdm2(firmware_python: Interpreter, tmp_path: Path) -> Iterator[Gateway]:
    """A booted gateway on a module without the second AT instance (MDM2): SMS wait in the SIM during a call."""
    g = Gateway(firmware_python, tmp_path / "nvm", mdm2="absent")
    try:
        yield g
    finally:
        g.close()
