"""The gateway recovers by itself: a modem that fails at boot, a network that comes late or goes away."""

from __future__ import annotations

from pathlib import Path

import pytest

from fsm.interpreters import Interpreter
from host.modem import Modem
from tests.e2e.gateway import Gateway
from tests.e2e.gateway import listening_port
from tests.support import free_port


def _gateway(python: Interpreter, tmp_path: Path, prepare) -> Gateway:  # noqa: ANN001
    return Gateway(python, tmp_path / "nvm", prepare=prepare)


@pytest.mark.req("GW-SMS-CONTROL")
def test_a_modem_that_fails_at_boot_is_booted_again_then_the_module_rebooted(
        firmware_python: Interpreter, tmp_path: Path) -> None:
    def sim_not_ready(modem: Modem) -> None:
        modem.faults.error_next(r"^AT\+CPIN\?", count=10 * 6, reply="+CME ERROR: 10")

    gw = _gateway(firmware_python, tmp_path, sim_not_ready)
    try:
        assert gw.sim.reboots == 1, "five failed boots in a row reboot the module"
        assert gw.sim.reboot_log[0][1] == "watchdog"
        assert gw.config().startswith("Confirmed: config mode none")
    finally:
        gw.close()


@pytest.mark.req("GW-BRIDGE")
def test_registration_is_polled_then_the_modem_booted_again_when_it_takes_too_long(
        firmware_python: Interpreter, tmp_path: Path) -> None:
    def no_network(modem: Modem) -> None:
        modem.network.registered = 2

    gw = Gateway(firmware_python, tmp_path / "nvm", prepare=no_network, wait_boot=False)
    try:
        gw.run(200)
        gw.sim.modem.network.registered = 1
        gw.booted()
        boots = sum(1 for line in gw.sim.trace.lines() if line == "gateway: modem boot ok")
        assert boots >= 2, "after 180 s without registration the modem is booted again"
        assert gw.config().startswith("Confirmed: config mode none")
    finally:
        gw.close()


@pytest.mark.req("CMD-GPRS")
def test_a_context_that_cannot_be_activated_is_retried(firmware_python: Interpreter, tmp_path: Path) -> None:
    def refuse_gprs(modem: Modem) -> None:
        modem.faults.error_next(r"^AT#GPRS=1", count=2)

    gw = _gateway(firmware_python, tmp_path, refuse_gprs)
    try:
        tries = [c for c in gw.at_commands() if c == "AT#GPRS=1"]
        assert len(tries) == 3
    finally:
        gw.close()


@pytest.mark.req("GW-SERVER", "GW-BRIDGE")
def test_a_network_lost_while_listening_is_noticed_and_listening_resumes(gw: Gateway) -> None:
    port = free_port()
    gw.command(f"connect mode server any {port}")
    gw.until(lambda: listening_port(gw) == port, "listening")
    gw.sim.modem.network.drop()
    gw.run(90)
    assert gw.traced("gateway: GPRS context lost")
    gw.sim.modem.network.restore()
    gw.until(lambda: listening_port(gw) == port, "listening again once the network is back", timeout_s=60)


@pytest.mark.req("GW-BRIDGE", "GW-CLIENT-ONDEMAND", "GW-CLIENT-MAINTAIN")
@pytest.mark.parametrize("mode", ["connect baud 9600", "connect mode client 127.0.0.1 9",
                                  "connect mode client 127.0.0.1 9 maintain"])
def test_a_network_lost_in_any_mode_brings_gprs_back(gw: Gateway, mode: str) -> None:
    gw.command(mode)
    ups = sum(1 for line in gw.sim.trace.lines() if line.startswith("gateway: GPRS up"))
    gw.sim.modem.network.drop()
    gw.run(90)
    gw.sim.modem.network.restore()
    gw.until(lambda: sum(1 for line in gw.sim.trace.lines() if line.startswith("gateway: GPRS up")) > ups,
             "GPRS up again once the network is back", timeout_s=60)


@pytest.mark.req("GW-SERVER")
def test_a_listen_that_fails_is_retried_after_a_pause(gw: Gateway) -> None:
    port = free_port()
    gw.sim.modem.faults.error_next(r"^AT#SKTL=1", count=3)  # the driver tries each command 3 times
    gw.command(f"connect mode server any {port}")
    gw.until(lambda: listening_port(gw) == port, "listening after the retry")
    assert not gw.traced("GPRS context lost"), "the context was fine: no GPRS set-up again"


@pytest.mark.req("GW-CLIENT-ONDEMAND", "NOTE-CONFIRM")
def test_a_settings_change_in_on_demand_mode_restarts_the_mode(gw: Gateway) -> None:
    gw.command("connect mode client 127.0.0.1 9")
    mark = len(gw.sim.modem.at_log)
    assert gw.command("connect socketting 100 5 0") == "Confirmed: socketting 100 5 0"
    sent = gw.at_commands(mark)
    assert "AT#SKTTO=100" in sent
    assert "AT#GPRS=1" in sent


@pytest.mark.req("CMD-DIALIN")
def test_a_csd_call_that_cannot_be_answered_leaves_the_gateway_listening(gw: Gateway) -> None:
    port = free_port()
    gw.replies(["connect dialin on", f"connect mode server any {port}"])
    gw.until(lambda: listening_port(gw) == port, "listening")
    gw.sim.modem.faults.error_next(r"^ATA", count=1)
    call = gw.sim.modem.ring()
    gw.until(lambda: gw.traced("session: ATA -> ERROR"), "the failed answer")
    call.hangup()
    gw.until(lambda: gw.sim.trace.lines().count(f"session: listening on {port} for any") == 2,
             "listening again after the failed answer")
    assert listening_port(gw) == port


@pytest.mark.req("GW-SERVER", "GW-BRIDGE")
def test_a_listen_that_fails_without_a_context_sets_gprs_up_again(gw: Gateway) -> None:
    port = free_port()
    gw.sim.modem.faults.error_next(r"^AT#SKTL=1", count=3)
    gw.sim.modem.faults.error_next(r"^AT#GPRS\?", count=2)
    ups = sum(1 for line in gw.sim.trace.lines() if line.startswith("gateway: GPRS up"))
    gw.command(f"connect mode server any {port}")
    gw.until(lambda: listening_port(gw) == port, "listening once GPRS was set up again")
    assert sum(1 for line in gw.sim.trace.lines() if line.startswith("gateway: GPRS up")) >= ups + 2


@pytest.mark.req("GW-SMS-CONTROL")
def test_a_module_that_fails_to_import_is_traced_and_the_module_rebooted(
        firmware_python: Interpreter, tmp_path: Path) -> None:
    """main.py enables the watchdog first and imports the rest inside its catch-all, so a
    half-written module (a cut upload, a full file system) reboots the module instead of ending the
    script for good."""
    import shutil

    from host.clock import VirtualClock
    from host.simulator import Simulator
    from tests.e2e.gateway import FIRMWARE
    from tests.support import ROOT

    broken = tmp_path / "runtime"
    shutil.copytree(ROOT / "runtime", broken, ignore=shutil.ignore_patterns("*.pyc", "__pycache__"))
    text = (broken / "smsio.py").read_text()
    (broken / "smsio.py").write_text(text[: len(text) // 2] + "\ndef cut_here(:\n")  # cut mid-file
    sim = Simulator(broken / "main.py", [broken, *FIRMWARE[1:]], python=firmware_python.path,
                    clock=VirtualClock(), nvm_dir=tmp_path / "nvm")
    with sim:
        sim.run_until(lambda: sim.reboots >= 2, 30, "two watchdog reboots")
        assert sim.crash is None, "the script never ended by itself"
        assert [reason for _, reason in sim.reboot_log] == ["watchdog", "watchdog"]
        errors = [line for line in sim.trace.lines() if line.startswith("gateway: unexpected error, rebooting")]
        assert len(errors) >= 2, sim.trace.tail(10)
        assert "SyntaxError" in errors[0], errors[0]


@pytest.mark.req("GW-SMS-CONTROL")
def test_a_module_in_another_interface_style_is_switched_to_selint_2_and_restarted_once(
        firmware_python: Interpreter, tmp_path: Path) -> None:
    """AT#SELINT=2 takes a restart of the module to be in force; the firmware sets it, stores
    the profile and reboots once, then works."""

    def selint_0(modem: Modem) -> None:
        modem.state.selint = 0

    gw = _gateway(firmware_python, tmp_path, selint_0)
    try:
        assert gw.traced("gateway: SELINT 2 set, restarting the module")
        assert gw.sim.reboots == 1
        assert [reason for _, reason in gw.sim.reboot_log] == ["watchdog"]
        assert (tmp_path / "nvm" / "selint.rst").read_text() == "0"
        assert gw.config().startswith("Confirmed: config mode none")
    finally:
        gw.close()
