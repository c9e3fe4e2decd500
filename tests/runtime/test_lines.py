"""The status LED's choices (runtime/lines.py), unit by unit inside a firmware interpreter: the connected
pattern through MDM2 during a call (end to end the MDM2 boot probe is not in this tree's tests yet), nothing
without MDM2, one AT#SLED a change, a refusal ends it for the run, a silent module is tried again."""

from __future__ import annotations

import pytest

from fsm.interpreters import Interpreter
from tests.runtime.fwunit import evaluate

OFF, REG, GPRS, CONN = "'not registered'", "'registered'", "'gprs up'", "'connected'"


def _steps(python: Interpreter, results: list[str], at2: list[str] | None, plan: list[tuple[str, int]]) -> tuple:
    text = "[" + ", ".join(f"({name}, {call})" for name, call in plan) + "]"
    return evaluate(python, ["ledcheck"], [f"ledcheck.steps({results!r}, {at2!r}, {text})"])[0]


@pytest.mark.req("OPS-LED-CONNECTED")
def test_the_connected_pattern_goes_through_mdm2_during_a_call(firmware_python: Interpreter) -> None:
    mdm, mdm2, shown, works = _steps(firmware_python, [], [], [(GPRS, 0), (CONN, 1), (GPRS, 0)])
    assert mdm == ["AT#SLED=3,5,5", "AT#SLED=3,5,5"]
    assert mdm2 == ["AT#SLED=1"]
    assert (shown, works) == ("gprs up", 1)


@pytest.mark.req("OPS-LED-CONNECTED")
def test_without_mdm2_nothing_goes_out_during_a_call_and_the_led_keeps_its_pattern(
        firmware_python: Interpreter) -> None:
    mdm, mdm2, shown, works = _steps(firmware_python, [], None, [(GPRS, 0), (CONN, 1), (GPRS, 0)])
    assert mdm == ["AT#SLED=3,5,5"], "nothing on MDM during the call, nothing after it (no change)"
    assert (mdm2, shown, works) == ([], "gprs up", 1)


@pytest.mark.req("OPS-LED-OPTIONAL")
def test_one_command_a_change(firmware_python: Interpreter) -> None:
    mdm, _, shown, _ = _steps(firmware_python, [], None, [(OFF, 0), (OFF, 0), (REG, 0), (REG, 0), (GPRS, 0)])
    assert mdm == ["AT#SLED=0", "AT#SLED=3,2,28", "AT#SLED=3,5,5"]
    assert shown == "gprs up"


@pytest.mark.req("OPS-LED-OPTIONAL")
@pytest.mark.parametrize("refusal", ["ERROR", "+CME ERROR: 4"])
def test_a_refusal_stops_the_led_for_the_run(firmware_python: Interpreter, refusal: str) -> None:
    mdm, _, shown, works = _steps(firmware_python, [refusal], [], [(OFF, 0), (REG, 0), (CONN, 1), (GPRS, 0)])
    assert mdm == ["AT#SLED=0"]
    assert (shown, works) == ("", 0)


@pytest.mark.req("OPS-LED-OPTIONAL")
def test_no_answer_leaves_the_pattern_to_the_next_change(firmware_python: Interpreter) -> None:
    mdm, _, shown, works = _steps(firmware_python, [""], None, [(OFF, 0), (OFF, 0), (REG, 0)])
    assert mdm == ["AT#SLED=0", "AT#SLED=0", "AT#SLED=3,2,28"]
    assert (shown, works) == ("registered", 1)
