"""As hard as the module, the clock: `fault clock +S / -S` (Simulator.jump_clock) moves what MOD.secCounter() says, as
when the network sets the module's clock; the simulator's own timers keep to its clock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fsm.interpreters import Interpreter
from tests.host.conftest import Probe
from tests.host.test_console import FIRMWARE
from tests.host.test_console import simulate

STEPS = ["sec", "mark a", "sleep 20", "sec", "mark b", "sleep 20", "sec", "mark c", "sleep 20", "sec"]


def test_sec_counter_jumps_both_ways_and_sleeps_keep_their_length(probe: Callable[..., Probe]) -> None:
    p = probe(STEPS)
    p.wait("mark", "a")
    p.sim.jump_clock(1000)  # while the firmware sleeps
    p.wait("mark", "b")
    p.sim.jump_clock(-500)
    p.wait("mark", "c")
    p.sim.jump_clock(-10_000)  # far back: the counter stops at 0
    p.wait("done")
    assert [int(v) for v in p.values("sec")] == [0, 1002, 504, 0]
    assert p.when("mark", "b") - p.when("mark", "a") == pytest.approx(2.0)  # MOD.sleep(20) on the clock
    assert p.when("mark", "c") - p.when("mark", "b") == pytest.approx(2.0)
    assert p.sim.status()["sec_counter"] == 0
    assert p.sim.status()["clock_s"] == pytest.approx(6.0)


def test_the_console_jumps_the_counter_with_fault_clock(firmware_python: Interpreter, tmp_path: Path) -> None:
    args = ["--virtual", "--python", firmware_python.path, "--entry", str(FIRMWARE / "smsecho.py"), "--path",
            str(FIRMWARE), "--nvm", str(tmp_path)]
    proc = simulate(args, "wait 1\nfault clock +100\nstatus\nfault clock -50\nstatus\nfault clock soon\n")
    assert proc.returncode == 0, proc.stderr
    assert [line for line in proc.stdout.splitlines() if line.startswith("sec_counter:")] == [
        "sec_counter: 101", "sec_counter: 51"]
    assert "fault: clock +100: ok" in proc.stdout
    assert proc.stderr.splitlines() == ["error: fault: unknown fault 'clock soon'; see help"]
