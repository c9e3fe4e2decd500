"""State where people look for it: DCD towards the device follows the call, the module's status LED shows
not registered / registered / GPRS up (/ connected, which needs MDM2), and a module without AT#SLED works.

A pty carries no modem lines, so DCD is read from what the simulator recorded of SER.setDCD
(`serial.lines_out`, `serial.line_log`); the LED from what the emulated modem recorded of AT#SLED
(`modem.led`). The modem powers up with the worst saved profile (&C0): its DCD is high until the firmware
drives it (host/README.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fsm.interpreters import Interpreter
from host.kindness import WORST_PROFILE
from host.modem import Modem
from host.modem.profile import profile_from_text
from tests.e2e.gateway import Gateway
from tests.e2e.gateway import Server
from tests.e2e.gateway import connect_to_gateway
from tests.e2e.gateway import listen_on_free_port
from tests.e2e.gateway import listening_port
from tests.e2e.gateway import read_socket

OFF = "off"
REGISTERED = "blink 0.2 s on 2.8 s off"
GPRS_UP = "blink 0.5 s on 0.5 s off"
CONNECTED = "on"
BOOT_PATTERNS = [OFF, REGISTERED, GPRS_UP]


def dcd(gw: Gateway) -> int:
    return gw.sim.serial.lines_out["DCD"]


def dcd_calls(gw: Gateway) -> list[int]:
    return gw.sim.serial.line_values("DCD")


def sled_commands(gw: Gateway) -> list[str]:
    return [c for c in gw.at_commands() if c.startswith("AT#SLED")]




@pytest.mark.req("OPS-DCD-BOOT", "OPS-DCD-CALL", "GW-CLIENT-MAINTAIN")
def test_dcd_is_low_before_a_maintained_call_high_during_it_and_low_after(gw: Gateway) -> None:
    assert dcd_calls(gw) == [0], "DCD driven low once at start, and only then"
    assert dcd(gw) == 0
    server = Server(gw)
    try:
        gw.command(f"connect mode client 127.0.0.1 {server.port} maintain")
        server.accept("the maintained connection")
        gw.until(lambda: dcd(gw) == 1, "DCD up with the call")
        assert server.conn is not None
        server.conn.sendall(b"hello")
        assert gw.read_serial(5, "the peer's bytes") == b"hello"
        gw.write_serial(b"world")
        assert server.read(5, "the device's bytes") == b"world"
        assert dcd(gw) == 1, "DCD stays up while the call carries data"
        server.conn.close()
        server.conn = None
        gw.until(lambda: dcd(gw) == 0, "DCD down when the server ended the call")
        server.accept("the redial after the back-off")
        gw.until(lambda: dcd(gw) == 1, "DCD up with the next call")
        assert dcd_calls(gw) == [0, 1, 0, 1], "SER.setDCD only on a change"
    finally:
        server.close()


@pytest.mark.req("OPS-DCD-CALL", "GW-SERVER")
def test_dcd_follows_a_server_mode_call(gw: Gateway) -> None:
    port = listen_on_free_port(gw)
    assert dcd(gw) == 0
    client = connect_to_gateway(gw, port)
    try:
        gw.until(lambda: dcd(gw) == 1, "DCD up once the client's call is up")
        gw.write_serial(b"ping")
        assert read_socket(gw, client, 4, "the device's bytes at the client") == b"ping"
        assert dcd(gw) == 1
    finally:
        client.close()
    gw.until(lambda: dcd(gw) == 0, "DCD down when the client hung up")
    gw.until(lambda: listening_port(gw) == port, "listening again")
    assert dcd(gw) == 0
    assert dcd_calls(gw) == [0, 1, 0]


@pytest.mark.req("OPS-DCD-BOOT")
def test_a_reboot_during_a_call_leaves_dcd_low_until_the_next_call(gw: Gateway) -> None:
    """The module powers up with DCD high (a saved &C0): the firmware drives it low before it even boots the
    modem, so a device never takes the reboot for the old link. (The firmware saves &C1 as the power-up profile
    at its first start; the test puts the harsh profile back, as on a module that did not keep it.)"""
    server = Server(gw)
    try:
        gw.command(f"connect mode client 127.0.0.1 {server.port} maintain")
        server.accept("the maintained connection")
        gw.until(lambda: dcd(gw) == 1, "DCD up with the call")
        boots = sum(1 for line in gw.sim.trace.lines() if line.startswith("gateway: modem boot ok"))
        gw.sim.power_cut()
        gw.sim.modem.state.saved_profile = profile_from_text(WORST_PROFILE)
        gw.sim.power_on()
        assert dcd(gw) == 1, "the simulator's module powers up with DCD high (&C0): the test needs it"
        gw.until(lambda: sum(1 for line in gw.sim.trace.lines() if line.startswith("gateway: modem boot ok")) > boots,
                 "the modem boot after the power cut")
        assert dcd(gw) == 0, "DCD low from the firmware's start"
        server.accept("the connection after the reboot")
        gw.until(lambda: dcd(gw) == 1, "DCD up with the new call")
    finally:
        server.close()


@pytest.mark.req("OPS-LED-REGISTRATION", "OPS-LED-GPRS", "OPS-LED-OPTIONAL")
def test_the_led_shows_not_registered_registered_and_gprs_up_one_command_a_change(gw: Gateway) -> None:
    assert gw.sim.modem.led.patterns() == BOOT_PATTERNS
    assert len(sled_commands(gw)) == 3, "one AT#SLED a change (registering polls +CREG every 3 s)"
    gw.sim.modem.network.drop()
    gw.run(90)
    assert gw.sim.modem.led.describe() == OFF, "not registered while the network is gone"
    gw.sim.modem.network.restore()
    gw.until(lambda: gw.sim.modem.led.describe() == GPRS_UP, "GPRS up again", timeout_s=60)
    assert gw.sim.modem.led.patterns() == BOOT_PATTERNS * 2
    assert len(sled_commands(gw)) == 6


@pytest.mark.req("OPS-LED-CONNECTED", "OPS-LED-GPRS")
def test_with_mdm2_the_led_is_steady_on_during_a_call_and_blinks_again_after_it(gw: Gateway) -> None:
    """During a call the LED command goes through MDM2: the connected pattern shows while data flows, and the
    data path carries the peer's bytes unchanged (nothing of the command reaches it)."""
    port = listen_on_free_port(gw)
    client = connect_to_gateway(gw, port)
    try:
        gw.until(lambda: dcd(gw) == 1, "the call")
        gw.until(lambda: gw.sim.modem.led.describe() == CONNECTED, "the connected pattern")
        client.sendall(b"data AT#SLED=0\r")
        assert gw.read_serial(15, "the peer's bytes unchanged") == b"data AT#SLED=0\r"
        assert gw.sim.modem.led.describe() == CONNECTED
    finally:
        client.close()
    gw.until(lambda: listening_port(gw) == port, "listening again")
    gw.until(lambda: gw.sim.modem.led.describe() == GPRS_UP, "the GPRS-up pattern after the call")
    assert gw.sim.modem.led.patterns()[-3:] == [GPRS_UP, CONNECTED, GPRS_UP]


@pytest.mark.req("OPS-LED-CONNECTED", "OPS-LED-GPRS")
def test_without_mdm2_a_call_leaves_the_led_at_gprs_up_and_sends_nothing_during_it(
        gw_without_mdm2: Gateway) -> None:
    """MDM carries the call's data: AT#SLED can go only through MDM2. Without it the connected pattern is not
    shown, and no command reaches the data path."""
    gw = gw_without_mdm2
    port = listen_on_free_port(gw)
    before = len(gw.at_commands())
    client = connect_to_gateway(gw, port)
    try:
        gw.until(lambda: dcd(gw) == 1, "the call")
        client.sendall(b"data AT#SLED=1\r")
        assert gw.read_serial(15, "the peer's bytes unchanged") == b"data AT#SLED=1\r"
        assert sled_commands(gw)[-1] == "AT#SLED=3,5,5"
        assert gw.sim.modem.led.describe() == GPRS_UP
    finally:
        client.close()
    gw.until(lambda: listening_port(gw) == port, "listening again")
    assert [c for c in gw.at_commands()[before:] if c.startswith("AT#SLED")] == []
    assert gw.sim.modem.led.describe() == GPRS_UP


def _no_sled(modem: Modem) -> None:
    modem.led.supported = False


@pytest.mark.req("OPS-LED-OPTIONAL", "GW-SERVER")
def test_a_module_without_sled_gets_the_command_once_and_works(firmware_python: Interpreter, tmp_path: Path) -> None:
    gw = Gateway(firmware_python, tmp_path / "nvm", _no_sled)
    try:
        assert gw.traced("gateway: AT#SLED refused")
        port = listen_on_free_port(gw)
        client = connect_to_gateway(gw, port)
        try:
            gw.until(lambda: dcd(gw) == 1, "the call")
            gw.write_serial(b"ping")
            assert read_socket(gw, client, 4, "the device's bytes at the client") == b"ping"
        finally:
            client.close()
        gw.until(lambda: listening_port(gw) == port, "listening again")
        gw.sim.modem.network.drop()
        gw.run(90)
        gw.sim.modem.network.restore()
        gw.until(lambda: listening_port(gw) == port, "listening once the network is back", timeout_s=60)
        assert sled_commands(gw) == ["AT#SLED=0"], "sent once in the whole run"
        assert gw.sim.modem.led.log == []
    finally:
        gw.close()
