"""The firmware's clock: MOD.secCounter's steps count, its jumps (the network set the clock) do not."""

from __future__ import annotations

from fsm.interpreters import Interpreter
from tests.runtime.fwunit import evaluate


def _readings(python: Interpreter, counts: list[int]) -> list[int]:
    return evaluate(python, ["clockcheck"], [f"clockcheck.readings({counts!r})"])[0]


def test_steps_count_and_a_jump_forward_adds_nothing(firmware_python: Interpreter) -> None:
    assert _readings(firmware_python, [100, 101, 103, 3703, 3704, 3710]) == [0, 1, 3, 3, 4, 10]


def test_a_jump_back_adds_nothing_and_time_goes_on_from_there(firmware_python: Interpreter) -> None:
    assert _readings(firmware_python, [5000, 5002, 1000, 1001, 1001, 1061]) == [0, 2, 2, 3, 3, 63]


def test_a_long_wait_between_readings_still_counts_up_to_the_limit(firmware_python: Interpreter) -> None:
    assert _readings(firmware_python, [0, 300, 601]) == [0, 300, 300]
