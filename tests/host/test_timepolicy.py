"""The time policy on plain facts: virtual time jumps to the earliest deadline only when the firmware does not
compute and real I/O has been quiet; real time is waited for, never pushed."""

from __future__ import annotations

import time

import pytest

from host.clock import RealClock
from host.clock import VirtualClock
from host.timepolicy import POLL_CAP_S
from host.timepolicy import plan_wait

QUIET = 0.01


def _plan(clock: VirtualClock | RealClock, deadlines: list[float | None], *, computing: bool = False,
          last_io: float = 0.0, selectable: bool = True) -> float:
    return plan_wait(clock, deadlines, 0.5, selectable=selectable, computing=computing, quiet_s=QUIET,
                     last_io=last_io)


def test_a_quiet_blocked_firmware_lets_virtual_time_jump_to_the_earliest_deadline() -> None:
    clock = VirtualClock(1.0)
    assert _plan(clock, [None, 7.0, 3.0]) == 0.0
    assert clock.now() == 3.0


def test_virtual_time_stands_still_while_the_firmware_computes_or_real_io_is_recent() -> None:
    clock = VirtualClock(1.0)
    assert _plan(clock, [3.0], computing=True) == 0.5
    assert 0 < _plan(clock, [3.0], last_io=time.monotonic()) <= QUIET
    assert clock.now() == 1.0


def test_a_due_deadline_means_no_wait_and_nothing_due_means_the_budget() -> None:
    clock = VirtualClock(5.0)
    assert _plan(clock, [5.0]) == 0.0
    assert _plan(clock, [None]) == 0.5
    assert _plan(clock, [None], selectable=False) == POLL_CAP_S
    assert clock.now() == 5.0


def test_real_time_is_waited_for_up_to_the_deadline() -> None:
    clock = RealClock()
    assert _plan(clock, [clock.now() + 0.1]) == pytest.approx(0.1, abs=0.05)
    assert _plan(clock, [clock.now() + 60]) == 0.5
