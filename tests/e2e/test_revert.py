"""Settings that undo themselves, end to end through SMS: a `gprs` or `mode` change that does not reach its goal
within `revert` minutes is undone, the sender told; a good one stays and becomes the last that worked; `revert 0`
turns it off; a power cut keeps the trial's deadline (fsm/specs/trial.yaml, runtime/trialact.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fsm.interpreters import Interpreter
from host.modem import Modem
from tests.e2e.gateway import PHONE
from tests.e2e.gateway import Gateway
from tests.e2e.gateway import Server
from tests.runtime.fwunit import int_constants
from tests.support import LAYOUT
from tests.support import free_port

STEP_S = int_constants(LAYOUT.runtime / "trialact.py", "STEP_S")["STEP_S"]  # the time left is saved this often
SMS_S = 5  # clock seconds an SMS takes to be read, applied and answered (the round, the reply)
TICK_S = 1  # the module's clock counts whole seconds: a deadline may come up to one early against the simulator's
BOOT_S = 30  # clock seconds from power-up to the trial machine running again: generous (the boot is a few seconds)
LONG_S = 120.0  # real seconds a wait over a whole trial may take


def _errors(gw: Gateway, since: int) -> list[str]:
    return [text for _, text in gw.outbox[since:] if text.startswith("Error:")]


def _apn(gw: Gateway) -> str:
    return gw.sim.modem.settings["cgdcont"].get(1, ("", ""))[1]


def _gprs_up_with(gw: Gateway, apn: str) -> None:
    gw.until(lambda: gw.sim.modem.describe()["gprs"] and _apn(gw) == apn, f"GPRS up with APN {apn!r}")


def _serve(apns: set[str]):  # noqa: ANN202 - a prepare callback
    def prepare(modem: Modem) -> None:
        modem.network.apns = apns
    return prepare


@pytest.mark.req("OPS-REVERT", "NOTE-ERROR", "NOTE-CONFIRM")
def test_revert_limits_and_config_shows_it(gw: Gateway) -> None:
    assert "revert 10" in gw.config(), "the first-boot value, listed like the others"
    assert gw.replies(["connect revert -1", "connect revert 0", "connect revert 1440", "connect revert 1441",
                       "connect revert", "connect revert 5 5"]) == [
        "Error: minutes must be a number 0..1440", "Confirmed: revert 0", "Confirmed: revert 1440",
        "Error: minutes must be a number 0..1440", "Error: missing arguments; format: revert <minutes>",
        "Error: too many arguments; format: revert <minutes>"]
    assert "revert 1440" in gw.config()


@pytest.mark.req("OPS-REVERT-TRIAL", "OPS-REVERT-RESTORE", "OPS-REVERT-GOAL", "CMD-GPRS")
def test_a_bad_apn_is_reverted_after_the_revert_time(firmware_python: Interpreter, tmp_path: Path) -> None:
    gw = Gateway(firmware_python, tmp_path / "nvm", _serve({"internet"}))
    try:
        start = gw.sim.clock.now()
        mark = len(gw.outbox)
        assert gw.command("connect gprs wrong.apn") == "Confirmed: gprs wrong.apn ***"
        gw.until(lambda: _errors(gw, mark), "the revert", LONG_S)
        at = gw.sim.clock.now()
        assert _errors(gw, mark) == ["Error: gprs reverted: GPRS refused"]
        assert gw.outbox[-1][0] == PHONE, "to the sender of the change"
        assert start + 600 - TICK_S <= at <= start + 600 + SMS_S, "the default revert time, 10 minutes, from the change"
        _gprs_up_with(gw, "internet")
        assert "gprs internet" in gw.config()
        gw.run(STEP_S * 2)
        assert _errors(gw, mark) == ["Error: gprs reverted: GPRS refused"], "one revert, no more"
    finally:
        gw.close()


@pytest.mark.req("OPS-REVERT-TRIAL", "OPS-REVERT-RESTORE", "OPS-REVERT-GOAL", "GW-CLIENT-MAINTAIN")
def test_a_server_that_does_not_answer_is_reverted_to_the_one_that_did(gw: Gateway) -> None:
    server = Server(gw)
    try:
        assert gw.command("connect revert 2") == "Confirmed: revert 2"
        gw.command(f"connect mode client 127.0.0.1 {server.port} maintain")
        server.accept("the maintained connection")
        gw.until(lambda: gw.traced("trial: mode client reached its goal"), "the change to pass its trial")
        mark = len(gw.outbox)
        gw.sms(f"connect mode client 127.0.0.1 {free_port()} maintain")
        assert server.conn is not None
        server.conn.close()  # the SMS is read when the call ends
        server.conn = None
        gw.until(lambda: len(gw.outbox) > mark, "the confirmation")
        start = gw.sim.clock.now()
        gw.until(lambda: _errors(gw, mark), "the revert", LONG_S)
        assert _errors(gw, mark) == ["Error: mode client reverted: server did not answer"]
        assert gw.sim.clock.now() <= start + 120 + SMS_S
        server.accept("the gateway back on the server that worked")
    finally:
        server.close()


@pytest.mark.req("OPS-REVERT-GOAL", "OPS-REVERT-TRIAL", "OPS-REVERT-RESTORE")
def test_a_good_change_stays_and_is_the_one_a_later_bad_change_goes_back_to(
        firmware_python: Interpreter, tmp_path: Path) -> None:
    gw = Gateway(firmware_python, tmp_path / "nvm", _serve({"internet", "other.apn"}))
    try:
        assert gw.command("connect revert 1") == "Confirmed: revert 1"
        mark = len(gw.outbox)
        assert gw.command("connect gprs other.apn") == "Confirmed: gprs other.apn ***"
        _gprs_up_with(gw, "other.apn")
        gw.run(60 * 3)
        assert _errors(gw, mark) == [], "a change that reached its goal is not reverted"
        assert gw.traced("trial: gprs reached its goal")
        assert gw.command("connect gprs bad.apn") == "Confirmed: gprs bad.apn ***"
        gw.until(lambda: _errors(gw, mark), "the revert", LONG_S)
        assert _errors(gw, mark) == ["Error: gprs reverted: GPRS refused"]
        _gprs_up_with(gw, "other.apn")
    finally:
        gw.close()


@pytest.mark.req("OPS-REVERT", "OPS-REVERT-TRIAL")
def test_revert_0_leaves_a_bad_apn_in_place(firmware_python: Interpreter, tmp_path: Path) -> None:
    gw = Gateway(firmware_python, tmp_path / "nvm", _serve({"internet"}))
    try:
        mark = len(gw.outbox)
        assert gw.replies(["connect revert 0", "connect gprs wrong.apn"]) == [
            "Confirmed: revert 0", "Confirmed: gprs wrong.apn ***"]
        gw.run(60 * 12)
        assert _errors(gw, mark) == []
        assert _apn(gw) == "wrong.apn"
        assert not gw.sim.modem.describe()["gprs"]
        assert "gprs wrong.apn" in gw.config()
    finally:
        gw.close()


@pytest.mark.req("OPS-REVERT", "OPS-REVERT-TRIAL")
def test_revert_0_during_a_trial_ends_it(firmware_python: Interpreter, tmp_path: Path) -> None:
    gw = Gateway(firmware_python, tmp_path / "nvm", _serve({"internet"}))
    try:
        mark = len(gw.outbox)
        assert gw.command("connect gprs wrong.apn") == "Confirmed: gprs wrong.apn ***"
        assert gw.command("connect revert 0") == "Confirmed: revert 0"
        gw.run(60 * 12)
        assert _errors(gw, mark) == []
        assert _apn(gw) == "wrong.apn"
    finally:
        gw.close()


@pytest.mark.req("OPS-REVERT-TRIAL", "OPS-REVERT-RESTORE")
def test_a_second_change_restarts_the_trial_and_the_fallback_stays(
        firmware_python: Interpreter, tmp_path: Path) -> None:
    gw = Gateway(firmware_python, tmp_path / "nvm", _serve({"internet"}))
    try:
        assert gw.command("connect revert 2") == "Confirmed: revert 2"
        mark = len(gw.outbox)
        assert gw.command("connect gprs first.apn") == "Confirmed: gprs first.apn ***"
        gw.run(60)
        assert gw.command("connect baud 19200") == "Confirmed: baud 19200"  # not a trial command: the trial goes on
        gw.run(30)
        second = gw.sim.clock.now()
        assert gw.command("connect gprs second.apn", "+447700900002") == "Confirmed: gprs second.apn ***"
        gw.until(lambda: _errors(gw, mark), "the revert", LONG_S)
        assert gw.sim.clock.now() >= second + 120 - TICK_S, "the trial started again with the second change"
        assert gw.outbox[-1] == ("+447700900002", "Error: gprs reverted: GPRS refused"), "to the newest sender"
        _gprs_up_with(gw, "internet")
    finally:
        gw.close()


@pytest.mark.req("OPS-REVERT-FIRST")
def test_when_nothing_ever_worked_the_change_stays_and_the_sender_is_told(
        firmware_python: Interpreter, tmp_path: Path) -> None:
    gw = Gateway(firmware_python, tmp_path / "nvm", _serve({"only.this"}), wait_boot=False)
    try:
        gw.until(lambda: gw.traced("gateway: GPRS failed"), "the first-boot APN to fail")
        assert gw.command("connect revert 1") == "Confirmed: revert 1"
        mark = len(gw.outbox)
        assert gw.command("connect gprs still.wrong") == "Confirmed: gprs still.wrong ***"
        gw.until(lambda: _errors(gw, mark), "the end of the trial", LONG_S)
        assert _errors(gw, mark) == ["Error: gprs not reverted: GPRS refused; nothing worked before"]
        assert _apn(gw) == "still.wrong"
    finally:
        gw.close()


@pytest.mark.req("OPS-REVERT-POWER", "OPS-REVERT-RESTORE")
def test_a_power_cut_during_a_trial_keeps_its_deadline(firmware_python: Interpreter, tmp_path: Path) -> None:
    gw = Gateway(firmware_python, tmp_path / "nvm", _serve({"internet"}))
    try:
        mark = len(gw.outbox)
        start = gw.sim.clock.now()
        assert gw.command("connect gprs wrong.apn") == "Confirmed: gprs wrong.apn ***"
        gw.run(330 - (gw.sim.clock.now() - start))  # five and a half minutes into the ten
        cut = gw.sim.clock.now()
        gw.sim.power_cut(restart=True)
        gw.until(lambda: _errors(gw, mark), "the revert after the power cut", LONG_S)
        at = gw.sim.clock.now()
        assert _errors(gw, mark) == ["Error: gprs reverted: GPRS refused"]
        assert gw.outbox[-1][0] == PHONE
        # Not before the original deadline; after it by at most one save interval and the boot; never a whole
        # revert time after the power came back.
        assert start + 600 - TICK_S <= at <= start + 600 + SMS_S + STEP_S + BOOT_S
        assert at < cut + 600
        _gprs_up_with(gw, "internet")
    finally:
        gw.close()


@pytest.mark.req("OPS-REVERT-RESTORE", "NOTE-ERROR")
def test_a_revert_with_the_network_gone_is_told_when_it_returns(firmware_python: Interpreter, tmp_path: Path) -> None:
    """The network goes during the trial and stays away past its deadline: the revert happens then, and its
    SMS, which cannot go, is kept (across a power cut too) and sent once the network is back."""
    gw = Gateway(firmware_python, tmp_path / "nvm", _serve({"internet"}))
    try:
        mark = len(gw.outbox)
        assert gw.command("connect revert 1") == "Confirmed: revert 1"
        assert gw.command("connect gprs wrong.apn") == "Confirmed: gprs wrong.apn ***"
        gw.sim.modem.network.drop()
        gw.run(90)  # past the deadline, no network: the revert is made, its SMS cannot go
        assert gw.traced("trial: Error: gprs reverted: not registered")
        assert _errors(gw, mark) == []
        gw.sim.power_cut(restart=True)
        gw.run(BOOT_S)
        assert _errors(gw, mark) == []
        gw.sim.modem.network.restore()
        gw.until(lambda: _errors(gw, mark), "the revert's SMS once the network is back", LONG_S)
        assert _errors(gw, mark) == ["Error: gprs reverted: not registered"]
        assert gw.outbox[-1][0] == PHONE, "to the sender of the change"
        _gprs_up_with(gw, "internet")
        gw.run(STEP_S * 3)
        assert _errors(gw, mark) == ["Error: gprs reverted: not registered"], "told once"
    finally:
        gw.close()
