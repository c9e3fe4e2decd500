"""The module probe (probe/, host/probe.py): it runs in the simulator under every firmware interpreter and its report
round-trips (probe-check of the simulator's own report, from another seed, finds nothing); each kind of difference
a real module may show is found; `build.py probe` runs it on the simulated module over its physical port (a pty)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import build
from fsm.interpreters import Interpreter
from host import probe
from host.clock import VirtualClock
from host.firmware import FirmwareExit
from host.kindness import Kindness
from host.modem import ScriptStore
from host.simulator import Simulator
from tests.simseed import sim_seed

_REPORTS: dict[tuple[str, int, str], str] = {}


def sim_report(python: Interpreter, seed: int, mdm2: str = "on") -> str:
    """The probe's report from one run in the simulator (kept for the other tests of this file)."""
    key = (python.path, seed, mdm2)
    if key not in _REPORTS:
        _REPORTS[key] = probe.run_in_simulator(python.path, seed=seed, mdm2=mdm2)
    return _REPORTS[key]


@pytest.fixture
def report(firmware_python: Interpreter) -> dict[str, str]:
    return probe.parse(sim_report(firmware_python, sim_seed()))


def test_the_probe_runs_in_the_simulator_and_reports_every_part(report: dict[str, str]) -> None:
    assert report["probe"] == "1"
    assert report["probe.end"] == "complete"
    assert not [k for k in report if k.startswith("probe.failed")], report
    # the ranges and limits the firmware relies on, quoted as the simulated module answers them
    assert report["AT#PKTSZ=?"] == "#PKTSZ: (0,3-512) | OK"
    assert report["AT#PKTSZ=1"] == "ERROR"
    assert report['AT#USERID="abcdefghijklmnopqrstuvwxyz0123"'] == "OK"
    assert report['AT#USERID="abcdefghijklmnopqrstuvwxyz0123x"'] == "ERROR"
    assert report["AT+CSQ;+CREG?;+COPS?"].startswith("+CSQ: ")
    assert report["AT#SLED=?"].endswith("| OK")
    assert report["MDM2 import"] == "ok"
    assert report["MDM2 AT"] == "OK"
    assert report["file.write"] == "ok 1000 characters"
    assert report["file.append"] == "1010 characters after appending 10"
    # the device answered the prompt with more than SER's 4096-byte buffer holds: the largest read is the cap
    assert 0 < int(report["SER.read largest"]) <= 4096
    # computing takes no clock time in the simulator: every timed run reaches its largest count
    assert report["speed.loop"] == "2097152 iterations in 0 tenths of a second"
    assert report["speed.bytecodes_per_s"] == "at least 20971520"
    assert probe.parse(probe.from_serial(probe.BEGIN.encode() + b"\r\nprobe: 1\r\nx: y\r\n" + probe.END.encode())
                       or "") == {"probe": "1", "x": "y"}


def test_probe_check_of_the_simulator_s_own_report_has_no_findings(firmware_python: Interpreter,
                                                                     tmp_path: Path) -> None:
    """Two runs with different seeds (reads cut differently, the same module): nothing differs, speed is no
    finding, and `build.py probe-check` says so with exit code 0."""
    seed = sim_seed()
    first, second = sim_report(firmware_python, seed), sim_report(firmware_python, seed + 1)
    result = probe.compare(probe.parse(first), probe.parse(second))
    assert result.findings == []
    assert result.not_modelled == []
    (tmp_path / "module.txt").write_text(first)
    (tmp_path / "sim.txt").write_text(second)
    assert build.main(["probe-check", str(tmp_path / "module.txt"), "--against", str(tmp_path / "sim.txt")]) == 0


EDITS = {  # a kind of difference a module may show -> (key, the module's answer); None: the line is missing
    "a range": ("AT#PKTSZ=?", "#PKTSZ: (0-1500) | OK"),
    "a smaller limit": ('AT#USERID="abcdefghijklmnopqrstuvwxyz0123"', "ERROR"),
    "a missing command": ("AT#SLED=?", "ERROR"),
    "a missing line": ("AT#SKTD=?", None),
    "MDM2 absent": ("MDM2 import", "ImportError No module named MDM2"),
    "a different read cap": ("SER.read largest", "1023"),
    "file writes failing": ("file.write", "IOError [Errno 28] No space left on device"),
    "a different answer format": ("AT+CSQ;+CREG?;+COPS?", "+CSQ: 17,99 | +CREG: 0,5 | +COPS: 0 | OK"),
    "md5 missing": ("python.import md5", "ImportError No module named md5"),
}


@pytest.mark.parametrize("kind", list(EDITS))
def test_each_kind_of_difference_is_a_finding(firmware_python: Interpreter, tmp_path: Path, kind: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    sim = sim_report(firmware_python, sim_seed())
    key, answer = EDITS[kind]
    module = probe.parse(sim)
    if kind == "md5 missing" and module[key] != "ok":
        answer = "ok"  # an interpreter without md5 (CPython 3): the module that has it differs
    if kind == "a different read cap" and module[key] == answer:
        answer = "4096"  # a simulator with the 1023-byte cap: the module without one differs
    assert key in module
    if answer is None:
        del module[key]
    else:
        module[key] = answer
    result = probe.compare(module, probe.parse(sim))
    assert [f for f in result.findings if f.startswith(f"finding: {key}: ")] == result.findings != []
    text = "".join(f"{k}: {v}\r\n" for k, v in module.items())
    (tmp_path / "module.txt").write_text(text)
    (tmp_path / "sim.txt").write_text(sim)
    assert build.main(["probe-check", str(tmp_path / "module.txt"), "--against", str(tmp_path / "sim.txt")]) == 1
    assert f"finding: {key}: module says " in capsys.readouterr().out


def test_the_module_s_state_is_no_finding_but_its_form_is(firmware_python: Interpreter) -> None:
    """Signal, operator, free bytes and the like are the module's state: another value of the same form is no
    finding; nothing sent to the probe's read is "not measured"; a speed is the figure for the speed option."""
    sim = probe.parse(sim_report(firmware_python, sim_seed()))
    module = dict(sim)
    module["AT+CSQ;+CREG?;+COPS?"] = '+CSQ: 7,99 | +CREG: 0,5 | +COPS: 0,0,"vodafone UK" | OK'
    module["AT+COPS?"] = '+COPS: 1,0,"O2 - UK"'
    module["SER.read largest"] = "none: nothing was sent"
    module["python.version"] = "1.5.2+ (#0, Jan 1 2008) [Telit]"
    module["speed.bytecodes_per_s"] = "215000"
    module["AT#NEW=?"] = "#NEW: (0-1) | OK"
    result = probe.compare(module, sim)
    assert result.findings == [f"finding: AT+COPS?: module says +COPS: 1,0,\"O2 - UK\", simulator says "
                               f"{sim['AT+COPS?']}"]  # the final OK is part of the form
    assert result.speed == "215000"
    assert result.not_modelled == [
        "not measured: SER.read largest: nothing was sent to the module while the probe read",
        "not modelled: AT#NEW=?: module says #NEW: (0-1) | OK"]


def test_a_module_without_mdm2_is_found_by_its_real_report(firmware_python: Interpreter) -> None:
    seed = sim_seed()
    without = probe.parse(sim_report(firmware_python, seed, mdm2="absent"))
    assert without["MDM2 import"].startswith("ImportError")
    result = probe.compare(without, probe.parse(sim_report(firmware_python, seed)))
    keys = sorted(f.split(": ")[1] for f in result.findings)
    assert keys == ["AT+CMGF? on MDM after MDM2 set 1", "MDM2 AT", "MDM2 AT+CMGF=1", "MDM2 AT+CSQ;+CREG?;+COPS?",
                    "MDM2 import", "setup MDM2 ATE0V1"]


@pytest.fixture
def module(firmware_python: Interpreter, tmp_path: Path) -> Iterator[tuple[Simulator, ScriptStore]]:
    store = ScriptStore(write_rate=None)  # named kindness: flash speed is not what this test is about
    store.files["main.py"] = b"import SER\r\n"
    store.startup_script = "main.py"
    sim = Simulator(scripts=store, python=firmware_python.path, clock=VirtualClock(), nvm_dir=tmp_path / "nvm",
                    seed=sim_seed(), kind=Kindness(whole_chunks=True))
    sim.start()
    yield sim, store
    sim.stop()


def test_build_py_probe_runs_it_on_the_module_and_reads_the_report_back(
        module: tuple[Simulator, ScriptStore], firmware_python: Interpreter, tmp_path: Path) -> None:
    """Upload with deploy's uploader, #ESCRIPT and #EXECSCR, the prompt answered, #RSCRIPT after the run; the
    module is left as it was (the previous #ESCRIPT, none of the probe's files); the report matches the one
    probe-check makes in the simulator."""
    sim, store = module
    out = tmp_path / "probe.txt"
    said: list[str] = []
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(
        build.main(["probe", "--port", sim.serial_path, "--out", str(out)])), daemon=True)
    worker.start()
    for _ in range(3):  # the probe's end is a firmware exit: the loop goes on with the AT parser
        with contextlib.suppress(FirmwareExit):
            sim.run_until(lambda: bool(result), 300, "build.py probe to finish")
            break
    worker.join(10)
    assert result == [0], said
    facts = probe.parse(out.read_text(encoding="latin-1"))
    assert facts["probe.end"] == "complete"
    assert int(facts["SER.read largest"]) > 0, "build.py probe answered the probe's prompt"
    assert store.startup_script == "main.py"
    # the probe's files are gone; the module's own compiled copy of main.py (made at the probe's start by the
    # simulator's .pyo emulation, host/README.md) is the module's, not the probe's
    assert set(store.files) - {"main.pyo"} == {"main.py"}
    assert probe.compare(facts, probe.parse(sim_report(firmware_python, sim_seed()))).findings == []
