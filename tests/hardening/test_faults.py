"""Modem faults at every AT step of boot, listen, dial and SMS handling: ERROR, +CME ERROR, +CMS ERROR, no
answer, garbage, a URC inside the response; network lost, connections refused. Each fault stays armed for
FAULT_S virtual seconds (the firmware must survive it), then clears; the gateway must be working in its
configured mode again within RECOVER_S virtual seconds. The recovery time is recorded per fault class
(printed at the end; --recovery-report writes tests/hardening/RECOVERY.md); reboots are counted.
"""

from __future__ import annotations

import pytest

from tests.e2e.gateway import Server
from tests.e2e.gateway import listening_port
from tests.hardening.harness import HGateway
from tests.hardening.harness import record_recovery
from tests.support import free_port

FAULT_S = 90        # virtual seconds a fault stays armed
RECOVER_S = 900     # virtual seconds allowed to work again once it cleared
FOREVER = 10 ** 6   # count for a fault that lasts until cleared

KINDS = {
    "ERROR": ("error", "ERROR"),
    "+CME ERROR": ("error", "+CME ERROR: 100"),
    "+CMS ERROR": ("error", "+CMS ERROR: 500"),
    "no answer": ("silence", ""),
    "garbage": ("error", "\x00\xff#$%garbage\x1a\r\nOK?"),
    "URC inside": ("interleave", '+CMTI: "SM",7'),
}
BOOT_STEPS = [r"^AT$", r"^ATE0", r"^AT#SELINT", r"^AT\+CPIN", r"^AT\+CMGF", r"^AT\+CPMS", r"^AT\+CNMI",
              r"^AT\+CREG", r"^AT#GPRS=0", r"^AT\+CGDCONT", r"^AT#USERID", r"^AT#SKTTO", r"^AT#GPRS=1"]
LISTEN_STEPS = [r"^AT#FRWL=2", r"^AT#FRWL=1", r"^AT#SKTL=1"]
SMS_STEPS = [r"^AT\+CMGL", r"^AT\+CMGS", r"^AT\+CMGD"]


def arm(gw: HGateway, kind: str, pattern: str) -> None:
    how, text = KINDS[kind]
    f = gw.sim.modem.faults
    if how == "error":
        f.error_next(pattern, FOREVER, text)
    elif how == "silence":
        f.silence_next(pattern, FOREVER)
    else:
        f.interleave(pattern, text, FOREVER)


def server_mode(gw: HGateway) -> int:
    port = free_port()
    assert gw.command(f"connect mode server any {port}") == f"Confirmed: mode server any {port}"
    gw.until(lambda: listening_port(gw) == port, "the gateway to listen")
    return port


def measure(gw: HGateway, working, what: str) -> float:
    """Virtual seconds from now until working(); the firmware must never end meanwhile."""
    t0 = gw.sim.clock.now()
    gw.until(lambda: working() and gw.sim.clock.now() >= t0, what, timeout_s=60)
    took = gw.sim.clock.now() - t0
    assert took <= RECOVER_S, f"{what}: {took:.0f} virtual s"
    return took


def survive(gw: HGateway) -> None:
    gw.run(FAULT_S)
    assert gw.sim.crash is None, gw.sim.crash
    assert gw.sim.state == "running"


@pytest.mark.parametrize("kind", list(KINDS))
def test_fault_at_every_boot_listen_and_sms_step(hgw_factory, firmware_python, kind: str) -> None:
    gw = hgw_factory()
    port = server_mode(gw)
    worst = 0.0
    reboots0 = gw.sim.reboots
    for step in BOOT_STEPS:
        arm(gw, kind, step)
        gw.sim.power_cut(restart=True)
        survive(gw)
        gw.sim.modem.faults.clear()
        worst = max(worst, measure(gw, lambda: listening_port(gw) == port, f"listening again after {kind} at {step}"))
    record_recovery(firmware_python, f"boot step: {kind}", worst, gw.sim.reboots - reboots0 - len(BOOT_STEPS))
    reboots0 = gw.sim.reboots
    worst = 0.0
    for step in LISTEN_STEPS:
        arm(gw, kind, step)
        gw.network.drop()     # the listener goes; listening again needs the faulty step
        gw.run(5)
        gw.network.restore()
        survive(gw)
        gw.sim.modem.faults.clear()
        worst = max(worst, measure(gw, lambda: listening_port(gw) == port, f"listening again after {kind} at {step}"))
    record_recovery(firmware_python, f"listen step: {kind}", worst, gw.sim.reboots - reboots0)
    reboots0 = gw.sim.reboots
    worst = 0.0
    for i, step in enumerate(SMS_STEPS):
        arm(gw, kind, step)
        before = len(gw.outbox)
        gw.sms(f"connect dialin {('on', 'off')[i % 2]}")
        survive(gw)
        gw.sim.modem.faults.clear()
        sent = gw.sim.modem.sim_messages()
        worst = max(worst, measure(gw, lambda: gw.sim.modem.sim_messages() == [] and listening_port(gw) == port,
                                   f"the SMS handled after {kind} at {step}"))
        # A reply once; none twice (a lost reply is allowed while +CMGS fails).
        texts = [t for _, t in gw.outbox[before:]]
        assert len(texts) <= 1 or (step == r"^AT\+CMGD" and kind != "URC inside"), (step, texts, sent)
    record_recovery(firmware_python, f"SMS step: {kind}", worst, gw.sim.reboots - reboots0)
    gw.assert_alive()
    assert gw.config().startswith("Confirmed: config mode server")


@pytest.mark.parametrize("kind", list(KINDS))
def test_fault_at_dial(hgw_factory, firmware_python, kind: str) -> None:
    gw = hgw_factory()
    server = Server(gw)
    try:
        assert gw.command(f"connect mode client 127.0.0.1 {server.port} maintain").startswith("Confirmed")
        server.accept("the maintained connection")
        arm(gw, kind, r"^AT#SKTD")
        server.conn.close()
        server.conn = None
        survive(gw)
        gw.sim.modem.faults.clear()
        took = measure(gw, lambda: _accepted(server), f"the re-dial after {kind} at #SKTD")
        record_recovery(firmware_python, f"dial: {kind}", took, gw.sim.reboots)
        gw.assert_alive()
    finally:
        server.close()


def _accepted(server: Server) -> bool:
    try:
        conn, _ = server.sock.accept()
    except BlockingIOError:
        return False
    if server.conn is not None:
        server.conn.close()
    server.conn = conn
    return True


def test_network_lost_mid_call_and_refused_connections(hgw_factory, firmware_python) -> None:
    gw = hgw_factory()
    server = Server(gw)
    try:
        assert gw.command(f"connect mode client 127.0.0.1 {server.port} maintain").startswith("Confirmed")
        server.accept("the maintained connection")
        gw.network.drop()
        survive(gw)
        gw.network.restore()
        took = measure(gw, lambda: _accepted(server), "the re-dial after the network came back")
        record_recovery(firmware_python, "network lost mid-call", took, gw.sim.reboots)
        server.conn.close()
        server.conn = None
        gw.network.refuse_connections = True
        survive(gw)
        gw.network.refuse_connections = False
        took = measure(gw, lambda: _accepted(server), "the re-dial once connections are accepted")
        record_recovery(firmware_python, "connection refused", took, gw.sim.reboots)
        gw.assert_alive()
    finally:
        server.close()


def test_sms_store_full(hgw_factory, firmware_python) -> None:
    gw = hgw_factory(sms_capacity=5)
    port = server_mode(gw)
    gw.sim.modem.faults.error_next(r"^AT\+CMGD", FOREVER, "+CMS ERROR: 500")  # nothing can be deleted
    for i in range(5):
        gw.sms(f"connect baud {('9600', '19200')[i % 2]}", sender=f"+44770090{i:04d}")
    assert gw.sim.modem.deliver_sms("+447700900099", "connect config") is None, "the store is full"
    survive(gw)
    gw.sim.modem.faults.clear()
    took = measure(gw, lambda: gw.sim.modem.sim_messages() == [], "the full store emptied")
    record_recovery(firmware_python, "SMS store full", took, gw.sim.reboots)
    assert gw.config().startswith(f"Confirmed: config mode server any {port}")
    gw.assert_alive()
