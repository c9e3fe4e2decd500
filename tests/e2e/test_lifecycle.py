"""Settings across reboots, first-boot defaults, `config` in each mode, SMS held during a call."""

from __future__ import annotations

import pytest

from tests.e2e.gateway import Gateway
from tests.e2e.gateway import Server
from tests.e2e.gateway import free_port
from tests.e2e.gateway import listening_port


@pytest.mark.req("CMD-PASSWORD-DEFAULT", "CMD-CONFIG", "NOTE-PASSWORD-RESET")
def test_first_boot_uses_the_defaults(gw: Gateway) -> None:
    assert gw.traced("gateway: firmware started, settings defaults (save 0)")
    assert gw.command("connect config") == (
        "Confirmed: config mode none, gprs internet ***, baud 9600, charformat 8N1, socketting 300 10 0, "
        "dialin off, dropped 0")
    assert gw.sim.status()["speed"] == "9600 8N1"


@pytest.mark.req("CMD-CONFIG", "NOTE-FIXED-IP", "GW-SERVER")
def test_config_in_server_mode_shows_the_local_ip_and_never_a_password(gw: Gateway) -> None:
    gw.replies(["connect gprs apn.example user secretpass", "connect smspassword hidden1"])
    assert gw.command("hidden1 mode server 10.1.2.3 4000") == "Confirmed: mode server 10.1.2.3 4000"
    reply = gw.command("Hidden1 config")
    assert reply == ("Confirmed: config mode server 10.1.2.3 4000, ip 127.0.0.1, gprs apn.example user ***, "
                     "baud 9600, charformat 8N1, socketting 300 10 0, dialin off, dropped 0")
    assert "secretpass" not in reply
    assert "hidden1" not in reply


@pytest.mark.req("CMD-CONFIG", "GW-CLIENT")
def test_config_in_client_mode(gw: Gateway) -> None:
    gw.command("connect mode client 10.9.8.7 5000 maintain")
    assert gw.command("connect config").startswith("Confirmed: config mode client 10.9.8.7 5000 maintain, gprs internet")


@pytest.mark.req("NOTE-CONFIRM", "CMD-BAUD", "CMD-MODE-SERVER")
def test_settings_survive_a_reboot_and_take_effect_at_once(gw: Gateway) -> None:
    gw.replies(["connect baud 57600", "connect smspassword keep1"])
    port = _listen_with(gw, "keep1")
    gw.sim.power_cut(restart=True)
    gw.booted()
    assert gw.traced("settings stored (save 3)")
    assert gw.sim.status()["speed"] == "57600 8N1"
    gw.until(lambda: listening_port(gw) == port, "server mode again after the reboot")
    assert gw.command("keep1 config").startswith(f"Confirmed: config mode server any {port}")
    assert gw.sim.reboots == 1


def _listen_with(gw: Gateway, password: str) -> int:
    port = free_port()
    assert gw.command(f"{password} mode server any {port}") == f"Confirmed: mode server any {port}"
    gw.until(lambda: listening_port(gw) == port, "the gateway to listen")
    return port


@pytest.mark.req("NOTE-IDLE-ONLY", "GW-BRIDGE")
def test_sms_sent_during_a_connection_is_answered_after_it_ends(gw: Gateway) -> None:
    server = Server(gw)
    try:
        gw.command(f"connect mode client 127.0.0.1 {server.port} maintain")
        server.accept("the maintained connection")
        before = len(gw.outbox)
        gw.sms("connect baud 19200")
        gw.run(120)
        assert len(gw.outbox) == before, "no command is taken while the connection is up"
        assert gw.sim.status()["speed"] == "9600 8N1"
        server.conn.close()
        gw.until(lambda: len(gw.outbox) > before, "the reply once the call ended")
        assert gw.outbox[-1][1] == "Confirmed: baud 19200"
        server.accept("the re-dial with the new settings")
        assert gw.sim.status()["speed"] == "19200 8N1"
    finally:
        server.close()
