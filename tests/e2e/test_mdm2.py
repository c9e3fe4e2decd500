"""SMS during a connection, read on MDM2 (the module's second AT instance): `config` answered at once, `drop`,
`reboot`, settings changes kept until the connection ends, and a module without MDM2."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fsm.interpreters import Interpreter
from tests.e2e.gateway import Gateway
from tests.e2e.gateway import Server
from tests.e2e.gateway import maintained_at_115200
from tests.support import free_port

LATER = " (applied when the connection ends)"


def _echo(gw: Gateway, server: Server, tag: bytes) -> None:
    """The call carries data both ways: the device's bytes reach the server and the server's the device."""
    assert server.conn is not None
    gw.write_serial(b"up-" + tag)
    assert server.read(3 + len(tag), f"{tag!r} from the device") == b"up-" + tag
    server.conn.sendall(b"down-" + tag)
    assert gw.read_serial(5 + len(tag), f"{tag!r} from the server") == b"down-" + tag


def _calls(gw: Gateway) -> int:
    return sum("session: online" in line for line in gw.sim.trace.lines())


@pytest.fixture
def served(gw: Gateway) -> Iterator[Server]:
    server = maintained_at_115200(gw)
    try:
        yield server
    finally:
        server.close()


@pytest.mark.req("OPS-MDM2-PROBE", "OPS-MDM2-READ", "OPS-MDM2-ANSWER", "OPS-DROP", "GW-CLIENT-MAINTAIN")
def test_config_and_drop_during_a_maintained_connection(gw: Gateway, served: Server) -> None:
    assert gw.traced("gateway: MDM2 answers")
    assert gw.sim.modem.settings["cnmi_port"] == "MDM2"  # +CMTI comes there: it set +CNMI last
    _echo(gw, served, b"before")
    config = gw.config()
    assert config.startswith("Confirmed: config mode client 127.0.0.1")
    assert "sms in calls off" not in config
    assert _calls(gw) == 1
    assert not gw.traced("session: call ended")
    _echo(gw, served, b"after-config")
    assert gw.command("connect drop") == "Confirmed: drop"
    assert gw.traced("session: dropping the call (SMS)")
    served.accept("the redial after the drop")
    lines = gw.sim.trace.lines()
    dropped = next(i for i, line in enumerate(lines) if "session: dropping the call (SMS)" in line)
    assert any("session: retry in" in line for line in lines[dropped:])  # redialled after its back-off
    gw.until(lambda: _calls(gw) == 2, "the second call online")  # the server accepts before CONNECT reaches it
    _echo(gw, served, b"second-call")


@pytest.mark.req("OPS-DEFER", "OPS-MDM2-READ", "NOTE-IDLE-ONLY", "CMD-BAUD", "CMD-CHARFORMAT")
def test_settings_changed_during_a_connection_take_effect_when_it_ends(gw: Gateway, served: Server) -> None:
    assert gw.command("connect baud 9600") == "Confirmed: baud 9600" + LATER
    assert gw.command("connect charformat 7E1") == "Confirmed: charformat 7E1" + LATER  # merged with the first
    assert gw.sim.status()["speed"].startswith("115200")  # in force: unchanged while the call is up
    assert "baud 115200, charformat 8N1" in gw.config()
    _echo(gw, served, b"still-up")
    assert _calls(gw) == 1
    assert served.conn is not None
    served.conn.close()  # the call ends: the kept settings take effect and the mode restarts with them
    served.accept("the redial after the settings changed")
    assert gw.sim.status()["speed"] == "9600 7E1"
    assert gw.traced("sms: settings kept during the call take effect")
    assert "baud 9600, charformat 7E1" in gw.config()


@pytest.mark.req("OPS-DEFER", "NOTE-PASSWORD-RESET")
def test_settings_kept_during_a_connection_were_persisted_at_once(firmware_python: Interpreter,
                                                                  tmp_path: Path) -> None:
    """A power cut during the call: the module boots with the kept settings (stored when they came)."""
    gw = Gateway(firmware_python, tmp_path / "nvm")
    server = maintained_at_115200(gw)
    try:
        assert gw.command("connect baud 19200") == "Confirmed: baud 19200" + LATER
        gw.sim.power_cut(restart=True)
        gw.booted()
        server.accept("the connection after the power cut")
        assert gw.sim.status()["speed"].startswith("19200")
    finally:
        server.close()
        gw.close()


@pytest.mark.req("OPS-REBOOT")
def test_reboot_during_a_connection_replies_deletes_then_reboots(gw: Gateway, served: Server) -> None:
    assert gw.command("connect reboot") == "Confirmed: reboot"
    gw.until(lambda: gw.sim.reboots == 1, "the module to reboot")
    gw.booted()
    served.accept("the connection after the reboot")
    assert gw.sim.reboots == 1  # the message was deleted before: it does not reboot the module again
    assert gw.sim.modem.sim_messages() == []


@pytest.mark.req("OPS-DROP", "OPS-REBOOT", "NOTE-ERROR")
def test_drop_and_reboot_without_a_connection_and_their_limits(gw: Gateway) -> None:
    replies = gw.replies(["connect drop", "connect drop now", "connect reboot now", "connect config x"])
    assert replies == ["Error: no connection to drop", "Error: too many arguments; format: drop",
                       "Error: too many arguments; format: reboot", "Error: too many arguments; format: config"]
    assert gw.sim.reboots == 0
    assert gw.command("connect reboot") == "Confirmed: reboot"
    gw.until(lambda: gw.sim.reboots == 1, "the module to reboot")
    gw.booted()


@pytest.mark.parametrize("how", ["absent", "silent"])
@pytest.mark.req("OPS-MDM2-PROBE", "NOTE-IDLE-ONLY", "CMD-CONFIG")
def test_a_module_without_mdm2_keeps_sms_for_the_end_of_the_call(firmware_python: Interpreter, tmp_path: Path,
                                                                 how: str) -> None:
    gw = Gateway(firmware_python, tmp_path / "nvm", mdm2=how)
    server = maintained_at_115200(gw)
    try:
        assert gw.traced("gateway: no MDM2" if how == "absent" else "gateway: MDM2 does not answer")
        before = len(gw.outbox)
        gw.sms("connect config")
        gw.sms("connect baud 9600")
        gw.run(90)
        assert len(gw.sim.modem.sim_messages()) == 2
        assert len(gw.outbox) == before
        _echo(gw, server, b"up")
        assert server.conn is not None
        server.conn.close()
        gw.until(lambda: gw.sim.modem.sim_messages() == [], "the SMS to be handled after the call")
        gw.run(2)
        *config, baud = [text for _, text in gw.outbox[before:]]
        assert config[0].startswith("Confirmed: config")
        assert config[-1].endswith("sms in calls off")
        assert all(len(part) <= 160 for part in config)  # the item may take the listing to a second part
        assert baud == "Confirmed: baud 9600"  # no call up any more: applied at once, as the manual says
        server.accept("the redial")
        assert gw.sim.status()["speed"].startswith("9600")
    finally:
        server.close()
        gw.close()


@pytest.mark.req("OPS-MDM2-READ", "OPS-MDM2-ANSWER", "GW-BRIDGE")
def test_sms_read_during_a_transfer_cost_the_data_path_nothing(gw: Gateway, served: Server) -> None:
    """200 kB each way while an SMS comes every 4 s: byte-exact, nothing dropped, every SMS answered during the
    transfer, and the uplink (the slower way, the link's bottleneck) still at least 90 % of the link's rate over
    the transfer (the bench measures the 95 % goal over 10 minutes: bench/RESULTS.md section 6)."""
    size = 200_000
    up, down = bytes(range(256)) * (size // 256 + 1), bytes(reversed(range(256))) * (size // 256 + 1)
    up, down = up[:size], down[:size]
    conn = served.conn
    assert conn is not None
    clock = gw.sim.clock
    start = clock.now()
    before = len(gw.outbox)
    sent_up = sent_down = asked = 0
    got_serial = b""
    done_up = 0.0

    def moved() -> bool:
        nonlocal sent_up, sent_down, got_serial, asked, done_up
        # An SMS every 4 s during the first half of the uplink: each has the second half (20 s) to be answered.
        if clock.now() - start >= 4 * (asked + 1) and len(served.received) < size // 2:
            gw.sms("connect config")
            asked += 1
        if sent_up < size:
            sent_up += gw.offer_serial(up[sent_up:sent_up + 65536])
        if sent_down < size:
            try:
                sent_down += conn.send(down[sent_down:sent_down + 65536])
            except BlockingIOError:
                pass
        try:
            served.received += conn.recv(1 << 20)
        except BlockingIOError:
            pass
        if len(served.received) >= size and not done_up:
            done_up = clock.now()
        got_serial += gw.serial.read(1 << 20)
        return len(served.received) >= size and len(got_serial) >= size

    gw.until(moved, "200 kB each way with SMS coming", timeout_s=240)
    answered = [text for _, text in gw.outbox[before:]]
    assert served.received == up
    assert got_serial == down
    assert asked >= 4
    firsts = [text for text in answered if text.startswith("Confirmed: config 1/")]
    assert len(firsts) == asked  # each answered (in numbered parts) before the transfer ended
    assert all(text.startswith("Confirmed: config 1/2 mode client") for text in firsts)
    assert all(text.startswith("Confirmed: config ") for text in answered)
    assert _calls(gw) == 1
    link = gw.sim.modem.network.up_bps
    assert size / (done_up - start) >= 0.9 * link, (size / (done_up - start), link)
    assert gw.config().endswith("dropped 0")


@pytest.mark.req("OPS-STATUS", "OPS-MDM2-ANSWER", "OPS-MDM2-READ", "GW-CLIENT-MAINTAIN")
def test_status_during_a_maintained_connection_is_answered_at_once_through_mdm2(gw: Gateway, served: Server) -> None:
    _echo(gw, served, b"before")
    parts = gw.replies(["connect status"])
    whole = " ".join(parts)
    assert parts[0].startswith("Confirmed: status"), parts
    assert all(len(p) <= 160 for p in parts), parts
    assert "signal -73dBm" in whole  # asked on MDM2 while MDM carries the call
    assert "net home" in whole
    assert "client online" in whole
    assert "calls 1, drops 0" in whole
    assert _calls(gw) == 1
    assert not gw.traced("session: call ended")
    _echo(gw, served, b"after-status")


@pytest.mark.req("OPS-DEFER", "OPS-REVERT-TRIAL", "OPS-REVERT-RESTORE", "GW-CLIENT-MAINTAIN")
def test_a_server_change_kept_during_a_connection_goes_on_trial_when_it_takes_effect(gw: Gateway,
                                                                                    served: Server) -> None:
    """A wrong server sent during a call is kept until the call ends; then it must reach its goal like any change,
    and is reverted to the server that worked when it does not (10 minutes, the first-boot revert time)."""
    dead = free_port()  # nothing listens there: every dial is refused
    change = f"connect mode client 127.0.0.1 {dead} maintain"
    assert gw.command(change) == f"Confirmed: mode client 127.0.0.1 {dead} maintain" + LATER
    before = len(gw.outbox)
    assert served.conn is not None
    served.conn.close()  # the call ends: the kept server takes effect and goes on trial
    gw.until(lambda: gw.traced(f'AT#SKTD=0,{dead},"127.0.0.1"'), "a dial to the kept server")
    gw.run(11 * 60)
    assert [t for _, t in gw.outbox[before:] if t.startswith("Error:")] == [
        "Error: mode client reverted: server did not answer"]
    served.accept("the redial to the server that worked")
    assert f"mode client 127.0.0.1 {served.port} maintain" in gw.config()


@pytest.mark.req("OPS-DEFER", "OPS-REVERT-POWER", "OPS-REVERT-RESTORE")
def test_a_bad_apn_kept_during_a_connection_is_reverted_when_a_power_cut_ends_the_call(firmware_python: Interpreter,
                                                                                       tmp_path: Path) -> None:
    """A kept change is saved at once, so a power cut (or `reboot`) before the call ends puts it in force at boot:
    it must be on trial then too, or a wrong APN sent during a call would cut the unit off for good."""
    gw = Gateway(firmware_python, tmp_path / "nvm", lambda modem: setattr(modem.network, "apns", {"internet"}))
    server = maintained_at_115200(gw)
    try:
        assert gw.command("connect gprs wrong.apn") == "Confirmed: gprs wrong.apn ***" + LATER
        mark = len(gw.outbox)
        start = gw.sim.clock.now()
        gw.sim.power_cut(restart=True)
        gw.until(lambda: any(t.startswith("Error:") for _, t in gw.outbox[mark:]), "the revert", timeout_s=120)
        assert [t for _, t in gw.outbox[mark:] if t.startswith("Error:")] == ["Error: gprs reverted: GPRS refused"]
        assert gw.sim.clock.now() - start <= 600 + 120  # the revert time, plus a save interval and the boot
        server.accept("the connection again, with the APN that worked")
        assert "gprs internet" in gw.config()
    finally:
        server.close()
        gw.close()


@pytest.mark.req("OPS-MDM2-READ", "GW-SMS-CONTROL")
def test_a_full_sim_during_a_connection_is_read_from_two_listings(gw: Gateway, served: Server) -> None:
    """A full SIM (20 messages) during a call is read on MDM2 from two listings, as between calls: the 20
    indications read there with the listings start no rounds of their own, and the call carries on."""
    mark = len(gw.sim.modem.at_log)
    before = len(gw.outbox)
    senders = [f"+4477009007{n:02d}" for n in range(20)]
    for sender in senders:
        assert gw.sim.modem.deliver_sms(sender, "connect allow") is not None
    gw.until(lambda: len(gw.outbox) - before >= len(senders), "a reply to every message")
    gw.run(5)
    assert [to for to, _ in gw.outbox[before:]] == senders
    listings = [c for c in gw.at_commands(mark) if c.startswith("AT+CMGL")]
    assert len(listings) == 2, listings
    assert _calls(gw) == 1
    _echo(gw, served, b"after-the-sim")
