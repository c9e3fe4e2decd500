"""The firmware process: a crash is reported with its traceback, the watchdog reboots, a power cut kills."""

from __future__ import annotations

from pathlib import Path

import pytest

from host.firmware import ExitReport
from host.firmware import FirmwareExit
from tests.host.conftest import MakeSim
from tests.host.conftest import reports
from tests.host.conftest import wait_report


def test_a_crash_raises_firmware_exit_with_the_traceback(make_sim: MakeSim) -> None:
    sim = make_sim("crasher.py")
    with pytest.raises(FirmwareExit) as info:
        sim.run_until(lambda: False, 30, "the crasher to crash")
    report = info.value.report
    assert report.exception.startswith("ZeroDivisionError")
    assert "crasher.py" in report.traceback
    assert "in fail" in report.traceback
    assert report.returncode == 1
    assert not report.killed
    assert sim.crash is report
    assert sim.state == "ended"
    assert reports(sim)["started"] == "1"
    assert "ZeroDivisionError" in str(info.value)


def test_waiting_for_the_crash_itself_does_not_raise(make_sim: MakeSim) -> None:
    sim = make_sim("crasher.py")
    sim.run_until(lambda: sim.crash is not None, 30, "the crash")
    assert sim.crash is not None
    assert sim.crash.exception.startswith("ZeroDivisionError")


def test_a_watchdog_not_reset_reboots_the_firmware(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = make_sim("wdog.py", nvm_dir=tmp_path)
    wait_report(sim, "boot")
    first_pid = sim.process.pid if sim.process else None
    sim.run_until(lambda: sim.reboots >= 2, 30, "two watchdog reboots")
    sim.run_until(lambda: reports(sim).get("boot") == "3", 30, "the third boot's report")
    assert sim.reboot_log == [(5.0, "watchdog"), (10.0, "watchdog")]  # MOD.watchdogEnable(5), virtual time
    assert sim.process is not None
    assert sim.process.pid != first_pid
    assert (tmp_path / "boots.cfg").read_text() == "3"  # the working directory survives a reboot
    assert [e.killed for e in sim.exits] == [True, True]
    assert sim.crash is None


def test_a_watchdog_that_is_reset_never_fires(make_sim: MakeSim, tmp_path: Path) -> None:
    (tmp_path / "kick.cfg").write_text("1")
    sim = make_sim("wdog.py", nvm_dir=tmp_path)
    sim.run_for(60)
    assert sim.reboots == 0
    assert reports(sim)["boot"] == "1"


def test_a_power_cut_kills_at_once_and_may_restart(make_sim: MakeSim) -> None:
    sim = make_sim("wdog.py")
    wait_report(sim, "boot")
    sim.power_cut()
    assert sim.state == "off"
    assert sim.process is None
    assert sim.exits[-1].killed
    sim.run_for(30)
    assert sim.reboots == 0  # no firmware, no watchdog
    sim.power_on()
    sim.run_until(lambda: reports(sim).get("boot") == "2", 30, "the boot after power on")
    sim.power_cut(restart=True)
    sim.run_until(lambda: reports(sim).get("boot") == "3", 30, "the boot after the power cut")
    assert [reason for _, reason in sim.reboot_log] == ["power on", "power cut"]


# stderr of a crash under CPython 1.5.2 (its traceback header and format), as the simulator captures it
STDERR_152 = """fwtest: started
Traceback (innermost last):
  File "/tmp/telit-fw-x/00-firmware/crasher.py", line 14, in ?
    fail()
  File "/tmp/telit-fw-x/00-firmware/crasher.py", line 10, in fail
    return 1 / zero
ZeroDivisionError: integer division or modulo
"""


def test_a_crash_under_python_152_is_read_from_its_traceback() -> None:
    report = ExitReport(1, STDERR_152, killed=False, time=3.0)
    assert report.traceback.startswith("Traceback (innermost last):")
    assert report.traceback.endswith("ZeroDivisionError: integer division or modulo")
    assert report.exception == "ZeroDivisionError: integer division or modulo"
    assert "in fail" in report.describe()


def test_the_last_traceback_wins_whatever_the_interpreter() -> None:
    both = "Traceback (most recent call last):\n  File \"a.py\", line 1\nKeyError: 1\n" + STDERR_152
    assert ExitReport(1, both, killed=False, time=0.0).exception.startswith("ZeroDivisionError")
    newer = STDERR_152 + "Traceback (most recent call last):\n  File \"a.py\", line 1\nKeyError: 1\n"
    assert ExitReport(1, newer, killed=False, time=0.0).exception == "KeyError: 1"
