"""The emulated built-ins' signatures, return values and units, run inside the firmware interpreter."""

from __future__ import annotations

from pathlib import Path

import pytest

from host.simulator import Simulator
from tests.host.conftest import MakeSim
from tests.host.conftest import reports
from tests.host.conftest import wait_report
from tests.support import ROOT


@pytest.fixture
def api(make_sim: MakeSim) -> tuple[Simulator, dict[str, str], dict[str, float]]:
    """apicheck.py run to its end; its reports, and the clock time at each of its marks."""
    marks: dict[str, float] = {}
    sim = make_sim("apicheck.py")
    sim.trace.listeners.append(
        lambda data: marks.setdefault(data.decode()[5:].strip(), sim.clock.now()) if data[:5] == b"mark=" else None)
    wait_report(sim, "done")
    return sim, reports(sim), marks


def test_time_units_sec_counter_is_int_and_sleep_and_receive_take_tenths(api) -> None:
    _, rep, marks = api
    assert rep["sec_type"] == "int"
    assert marks["sleep1"] - marks["sleep0"] == 2.5  # MOD.sleep(25): exactly 2.5 s of virtual time
    assert marks["mdmrx"] - marks["sleep1"] == 3.0  # MDM.receive(30) with nothing to receive
    assert marks["serrx"] - marks["mdmrx"] == 1.5  # SER.receive(15)
    assert rep["mdm_receive"] == "str 0"
    assert rep["ser_receive"] == "str 0"
    assert rep["mod_sleep0"] == "None"


def test_nothing_to_read_gives_minus_one_or_empty(api) -> None:
    _, rep, _ = api
    assert rep["ser_readbyte"] == rep["mdm_readbyte"] == "-1"
    assert rep["ser_read"] == rep["mdm_read"] == "str 0"


def test_set_speed_accepts_the_module_values_and_rejects_the_rest(api) -> None:
    sim, rep, _ = api
    for good in ("9600/8N1", "115200/7E1", "300/8E2"):
        assert rep[f"speed {good}"] == "1"
    for bad in ("14400/8N1", "9600/9N1", "9600/8N3", "110/8N1", "9600 /8N1"):
        assert rep[f"speed {bad}"] == "-1", bad
    assert rep["speed default"] == "1"
    assert sim.serial.speed == ("19200", "8N1")
    assert rep["speed2"] == "1"
    assert sim.trace.speed == ("57600", "8N1")


def test_serial_calls_return_one_and_drive_the_handshake_lines(api) -> None:
    sim, rep, _ = api
    assert (rep["ser_send"], rep["ser_sendbyte"], rep["ser_sendbyte_bad"]) == ("1", "1", "-1")
    assert rep["set_ri"] == "None"
    assert sim.serial.lines_out == {"DCD": 1, "CTS": 0, "DSR": 1, "RI": 1}
    assert (rep["rts"], rep["dtr"]) == ("1", "1")


def test_mdm_and_mdm2_reach_the_modem_at_parser(api) -> None:
    sim, rep, _ = api
    assert rep["mdm_at"] == r"ATE0\x0d\x0d\x0aOK\x0d\x0a"  # echo still on for the ATE0 line itself
    assert rep["mdm_lines"] == "0 1 1 0"  # DCD CTS DSR RI in command mode
    assert rep["mdm_sendbyte"] == "1"
    assert rep["mdm_after_byte"] == r"\x0d\x0aOK\x0d\x0a"  # 'A', 'T' by sendbyte then CR
    assert rep["mdm_sendbyte_bad"] == "-1"
    assert rep["mdm2_at"] == r"AT+CSQ\x0d\x0d\x0a+CSQ: 20,0\x0d\x0a\x0d\x0aOK\x0d\x0a"  # MDM2 keeps its echo
    assert (sim.modem.main.dtr, sim.modem.main.rts) == (0, 0)
    assert [text for _, text in sim.modem.at_log] == ["ATE0", "AT", "AT+CSQ"]


def test_gpio_and_watchdog_calls(api) -> None:
    sim, rep, _ = api
    assert (rep["gpio_dir"], rep["gpio_dir_bad"], rep["gpio_set"], rep["gpio_get"]) == ("1", "-1", "1", "0")
    assert (rep["gpio_in"], rep["adc"]) == ("0", "0")
    assert rep["wd_disable"] == "None"
    assert sim.watchdog.deadline is None


def test_wrong_argument_types_raise_type_error_in_the_firmware(api) -> None:
    _, rep, _ = api
    assert rep["send_int"] == "TypeError"
    assert rep["sleep_str"] == "TypeError"


def test_only_the_given_directories_are_importable(make_sim: MakeSim) -> None:
    sim = make_sim("pathcheck.py")
    wait_report(sim, "done")
    rep = reports(sim)
    assert [rep[f"import {m}"] for m in ("host", "fsm", "serial", "pytest", "runtime", "tests")] == ["0"] * 6
    assert (rep["import fwtest"], rep["import MDM"]) == ("1", "1")


def test_the_firmware_runs_from_its_own_copies_never_from_the_source_tree(make_sim: MakeSim) -> None:
    """1.5.2 cannot be told not to write .pyc files: they must land beside copies, not in the repository."""
    sim = make_sim("pathcheck.py")
    wait_report(sim, "done")
    rep = reports(sim)
    for key in ("file main", "file fwtest", "file MDM", "cwd"):
        assert not Path(rep[key]).resolve().is_relative_to(ROOT), (key, rep[key])
    assert Path(rep["cwd"]).resolve() == sim.nvm_dir.resolve() if sim.nvm_dir else False
    staged = Path(rep["file fwtest"]).parent
    sim.stop()
    assert not staged.exists(), "the private copy is removed when the process ends"
