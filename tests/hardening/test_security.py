"""Security: 10,000 wrong-password messages get no reply and change nothing; the wrong-password lockout
(5 within 10 minutes -> ignored for 30 minutes, even with the right password); a permitted-IP server
passes no byte from another address; no password in any reply, trace or log except the smspassword
confirmation to its sender; commands during a connection change nothing until it ends.
"""

from __future__ import annotations

from tests.e2e.gateway import Server
from tests.e2e.gateway import connect_to_gateway
from tests.e2e.gateway import listening_port
from tests.hardening import corpus
from tests.hardening.harness import newest_settings
from tests.support import free_port

SECRET = "zq9secret"
WRONG = 10_000
PER_SIM = 20  # the simulated SIM's default capacity (host/modem/modem.py): a full SIM, as a real one fills


def test_ten_thousand_wrong_passwords(hgw_factory, soak: bool) -> None:
    gw = hgw_factory(sms_capacity=PER_SIM)
    assert gw.command(f"connect smspassword {SECRET}") == f"Confirmed: smspassword {SECRET}"
    stored = newest_settings(gw.nvm)
    before = len(gw.outbox)
    import random

    rnd = random.Random(5)
    n = 0
    while n < WRONG * (5 if soak else 1):
        msgs = []
        for _ in range(PER_SIM):
            text = corpus.message(rnd, password="connect")  # the old password and every kind of noise
            msgs.append((corpus.sender(rnd, n % 700), text))
            n += 1
        gw.deliver(msgs)
        gw.handle_all(f"{n} wrong-password messages handled")
    gw.run(5)
    assert gw.outbox[before:] == [], gw.outbox[before:][:5]
    assert newest_settings(gw.nvm) == stored
    gw.assert_alive()
    assert gw.sim.reboots == 0
    for where, text in (("trace", gw.sim.trace.text), ("AT commands", " ".join(c for _, c in gw.sim.modem.at_log))):
        assert SECRET not in text, f"the password appears in the {where}"
    assert gw.config(SECRET, sender="+447700900555").startswith("Confirmed: config mode none")


def test_lockout_after_five_wrong_passwords(hgw_factory) -> None:
    gw = hgw_factory()
    a, b = "+447700900111", "+447700900222"
    assert gw.replies(["letmein config"] * 4, sender=a) == []
    assert gw.command("connect baud 1200", sender=a) == "Confirmed: baud 1200", "4 wrong: not locked"
    assert gw.replies(["letmein config"], sender=a) == []  # the 5th within 10 minutes
    mark = len(gw.sim.modem.at_log)
    assert gw.replies(["connect baud 2400", "connect config"], sender=a) == [], "ignored"
    assert not any(c.startswith("AT+CMGS") for c in gw.at_commands(mark))
    assert gw.config(sender=b).startswith("Confirmed: config"), "others are not locked out"
    assert gw.sim.status()["speed"] == "1200 8N1"
    gw.run(1700)
    assert gw.replies(["connect baud 2400"], sender=a) == [], "still within 30 minutes"
    gw.run(120)
    assert gw.command("connect baud 2400", sender=a) == "Confirmed: baud 2400", "30 minutes later"
    # Failures spread over more than 10 minutes do not lock out.
    for _ in range(4):
        assert gw.replies(["nope config"], sender=b) == []
    gw.run(700)
    assert gw.replies(["nope config"], sender=b) == []
    assert gw.command("connect baud 4800", sender=b) == "Confirmed: baud 4800"
    # The table is bounded: many senders locking themselves out do not break it.
    for i in range(40):
        gw.replies(["bad x"] * 5, sender=f"+4477001{i:05d}")
    assert gw.config(sender="+447700999999").startswith("Confirmed")
    gw.assert_alive()


def test_permitted_ip_server_passes_no_foreign_byte(hgw_factory) -> None:
    gw = hgw_factory()
    port = free_port()
    assert gw.command(f"connect mode server 127.0.0.2 {port}") == f"Confirmed: mode server 127.0.0.2 {port}"
    gw.until(lambda: listening_port(gw) == port, "the gateway to listen")
    for source in ("127.0.0.3", "127.0.0.1", "127.1.2.3") * 3:
        s = connect_to_gateway(gw, port, source)
        try:
            gw.run(1)
            try:
                s.send(b"FOREIGN" * 100)
            except OSError:
                pass
            gw.run(3)
        finally:
            s.close()
    gw.run(5)
    assert b"FOREIGN" not in gw.drain_serial()
    gw.until(lambda: listening_port(gw) == port, "still listening")
    good = connect_to_gateway(gw, port, "127.0.0.2")
    try:
        gw.until(lambda: gw.sim.modem.describe()["socket"] is not None, "the permitted peer connected")
        gw.run(1)
        good.send(b"permitted")
        assert gw.read_serial(9, "the permitted bytes") == b"permitted"
        assert b"FOREIGN" not in gw.received
    finally:
        good.close()


def test_commands_during_a_connection_change_nothing_until_it_ends(hgw_factory) -> None:
    """On a module without MDM2 the commands wait in the SIM for the call's end (tests/e2e/test_mdm2.py: with MDM2
    they are answered at once and the changes still wait for the end)."""
    gw = hgw_factory(mdm2="absent")
    server = Server(gw)
    try:
        gw.command(f"connect mode client 127.0.0.1 {server.port} maintain")
        server.accept("the maintained connection")
        stored = newest_settings(gw.nvm)
        before = len(gw.outbox)
        for text in ("connect baud 19200", f"connect smspassword {SECRET}", "connect mode server any 5000",
                     "connect config"):
            gw.sms(text)
        gw.run(200)  # under the 300 s socket timeout
        assert len(gw.outbox) == before
        assert newest_settings(gw.nvm) == stored
        assert gw.sim.status()["speed"] == "9600 8N1"
        server.conn.close()
        gw.until(lambda: gw.sim.modem.sim_messages() == [], "the commands handled once the call ended")
        gw.run(2)
        got = [t for _, t in gw.outbox[before:]]
        assert got[:2] == ["Confirmed: baud 19200", f"Confirmed: smspassword {SECRET}"]
        assert SECRET not in gw.sim.trace.text
        assert sum(SECRET in t for t in got) == 1, "only the smspassword confirmation shows it"
    finally:
        server.close()
