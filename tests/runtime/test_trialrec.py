"""The trial record (runtime/trialact.py): the settings a trial covers, and a power cut at any byte of any of its
writes leaves the record before or after that write, never a mix and never nothing (like the settings store)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fsm.interpreters import Interpreter
from tests.runtime.fwunit import evaluate

SENDER = "+447700900001"


def test_a_trial_covers_what_gprs_and_mode_set_and_nothing_else(firmware_python: Interpreter) -> None:
    assert evaluate(firmware_python, ["trialact", "fsm_commands"], ["trialact.trial_settings(fsm_commands)"]) == [
        ("apn", "gprs_user", "gprs_pass", "mode", "server", "server_port", "maintain", "permit_ip", "local_port")]


@pytest.mark.req("OPS-REVERT-POWER")
def test_a_cut_at_every_byte_of_every_write_leaves_the_old_or_the_new_record(
        firmware_python: Interpreter, tmp_path: Path) -> None:
    """The writes of a trial's life: the settings work (no trial), a change goes on trial, its time left is saved
    twice, it ends. After each, every prefix of the file just written (what a power cut during that write leaves)
    loads as the record before it or the record it holds."""
    writes = [
        ("internet", 0, "", "", ""),
        ("internet", 600, SENDER, "gprs", ""),
        ("internet", 540, SENDER, "gprs", "GPRS refused"),
        ("internet", 480, SENDER, "gprs", "GPRS refused"),
        ("internet", 0, SENDER, "gprs", "GPRS refused"),
    ]
    before = (None, 0, "", "", "")  # a new unit: nothing worked, no trial
    for i, write in enumerate(writes):
        assert evaluate(firmware_python, ["trialcheck"], [f"trialcheck.save{write!r}"], cwd=tmp_path) == [1]
        newest = ("gwtrial_a.txt", "gwtrial_b.txt")[i % 2]
        assert evaluate(firmware_python, ["trialcheck"], ["trialcheck.state(trialcheck.record())"],
                        cwd=tmp_path) == [write]
        full = (tmp_path / newest).read_text()
        got = evaluate(firmware_python, ["trialcheck"], [f"trialcheck.every_cut({newest!r})"], cwd=tmp_path)[0]
        assert set(got) == {before, write}, f"write {i + 1}"
        (tmp_path / newest).write_text(full)  # the write completed after all
        before = write


def test_nothing_worked_is_saved_as_such(firmware_python: Interpreter, tmp_path: Path) -> None:
    assert evaluate(firmware_python, ["trialcheck"], [
        "trialcheck.state(trialcheck.record())",
        f"trialcheck.save(None, 600, {SENDER!r}, 'mode client', '')",
        "trialcheck.state(trialcheck.record())",
    ], cwd=tmp_path) == [(None, 0, "", "", ""), 1, (None, 600, SENDER, "mode client", "")]
