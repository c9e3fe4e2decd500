"""The `gw` fixture: a booted gateway (real firmware, simulator, virtual clock) under each interpreter, and
`make_gateway`, which boots one with other options (a module speed, no MDM2, a device ignoring CTS...).
(The session's transition coverage: tests/e2e/coverage.py.)"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fsm.interpreters import Interpreter
from tests.e2e.gateway import Gateway


@pytest.fixture
def make_gateway(firmware_python: Interpreter, tmp_path: Path) -> Iterator[Callable[..., Gateway]]:
    """Boots a gateway under the test's interpreter, with Gateway's other arguments; closed after the test."""
    made: list[Gateway] = []

    def make(*args: Any, **kwargs: Any) -> Gateway:
        made.append(Gateway(firmware_python, tmp_path / "nvm", *args, **kwargs))
        return made[-1]

    try:
        yield make
    finally:
        for g in made:
            g.close()


@pytest.fixture
def gw(make_gateway: Callable[..., Gateway]) -> Gateway:
    return make_gateway()


@pytest.fixture
def gw_without_mdm2(make_gateway: Callable[..., Gateway]) -> Gateway:
    """A booted gateway on a module without the second AT instance (MDM2): SMS wait in the SIM during a call."""
    return make_gateway(mdm2="absent")
