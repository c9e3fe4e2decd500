"""Every modem and socket a test opened through the helpers is closed afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.host.modem.helpers import close_all


@pytest.fixture(autouse=True)
def _close_everything() -> Iterator[None]:
    yield
    close_all()
