"""SMS commands end to end: replies, stored settings and what the modem was told."""

from __future__ import annotations

import pytest

from fsm.pipeline import load_specs
from fsm.spec.model import Field
from tests.e2e.gateway import Gateway
from tests.e2e.gateway import listening_port
from tests.support import ROOT

TABLE = load_specs(ROOT / "fsm" / "specs", ROOT / "runtime", ROOT).specs.commands
assert TABLE is not None
TEXT_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-_.~!#$%&*+/=?@^"  # printable, no space or quote

COMMANDS = ("gprs baud charformat mode backup socketting smspassword dialin revert config status drop reboot allow "
            "update updatekey")


@pytest.mark.req("CMD-BAUD", "CMD-CHARFORMAT", "NOTE-CONFIRM", "NOTE-ERROR", "GW-SMS-CONTROL")
def test_baud_and_charformat_limits_and_the_serial_port_follows(gw: Gateway) -> None:
    replies = gw.replies([
        "connect baud 300", "connect baud 115200", "connect baud 230400", "connect baud 9600x",
        "connect charformat 7O1", "connect charformat 8n2", "connect charformat 7N1",
    ])
    assert replies == [
        "Confirmed: baud 300", "Confirmed: baud 115200",
        "Error: baud must be one of 300 1200 2400 4800 9600 19200 38400 57600 115200",
        "Error: baud must be one of 300 1200 2400 4800 9600 19200 38400 57600 115200",
        "Confirmed: charformat 7O1", "Confirmed: charformat 8N2",
        "Error: charformat must be one of 8N2 8E1 8O1 8N1 7E1 7O1",
    ]
    assert gw.sim.status()["speed"] == "115200 8N2"


@pytest.mark.req("CMD-SOCKETTING", "NET-SOCKET-TIMEOUT", "NOTE-ERROR")
def test_socketting_limits_reach_the_modem(gw: Gateway) -> None:
    mark = len(gw.sim.modem.at_log)
    replies = gw.replies([
        "connect socketting 65536 10 0", "connect socketting 0 256 0", "connect socketting 0 0 513",
        "connect socketting -1 0 0", "connect socketting 65535 255 512",
    ])
    assert replies == [
        "Error: socket_timeout must be a number 0..65535", "Error: send_timeout must be a number 0..255",
        "Error: packet_size must be a number 0..512", "Error: socket_timeout must be a number 0..65535",
        "Confirmed: socketting 65535 255 512",
    ]
    sent = gw.at_commands(mark)
    assert {"AT#SKTTO=65535", "AT#DSTO=255", "AT#PKTSZ=512"} <= set(sent)
    assert gw.command("connect socketting 0 0 0") == "Confirmed: socketting 0 0 0"
    assert gw.sim.modem.settings["skt_to"] == 0


@pytest.mark.req("CMD-SOCKETTING", "NOTE-CONFIRM")
def test_a_packet_size_below_the_modules_smallest_still_brings_gprs_up(gw: Gateway) -> None:
    """Found by the stateful soak: the manual allows packet sizes 1 and 2, a module may refuse them
    (`#PKTSZ` 3..512 on some), and GPRS set-up then failed for good after a `Confirmed:`. Sizes below 3 go
    to the modem as 3; the context comes up and the listing still shows the user's value."""
    assert gw.command("connect socketting 300 10 2") == "Confirmed: socketting 300 10 2"
    gw.until(lambda: gw.sim.modem.describe()["gprs"] and gw.sim.modem.settings["pkt_sz"] == 3,
             "GPRS up with packet size 3")
    assert "socketting 300 10 2" in gw.config()


@pytest.mark.req("CMD-GPRS", "NOTE-CONFIRM")
def test_gprs_sets_the_context_and_hides_the_password(gw: Gateway) -> None:
    mark = len(gw.sim.modem.at_log)
    assert gw.command("connect gprs orangeinternet user pass") == "Confirmed: gprs orangeinternet user ***"
    sent = gw.at_commands(mark)
    assert 'AT+CGDCONT=1,"IP","orangeinternet"' in sent
    assert 'AT#USERID="user"' in sent
    assert 'AT#PASSW="pass"' in sent
    assert sent.index('AT#PASSW="pass"') < sent.index("AT#GPRS=1")
    assert gw.command("connect gprs " + "a" * 60).startswith("Error: apn must be 1-59 characters")
    assert gw.command('connect gprs in"ternet') == "Error: apn must be 1-59 characters, no quotes"
    longest = "a" * 59
    ups = sum(1 for line in gw.sim.trace.lines() if "GPRS up" in line)
    assert gw.command(f"connect gprs {longest}") == f"Confirmed: gprs {longest} ***"
    gw.until(lambda: sum(1 for line in gw.sim.trace.lines() if "GPRS up" in line) > ups,
             "GPRS up again with the longest APN")
    assert gw.sim.modem.settings["cgdcont"].get(1) == ("IP", longest), "the modem's command line took it"


@pytest.mark.req("CMD-SMSPASSWORD", "CMD-PASSWORD-DEFAULT", "NOTE-BAD-PASSWORD")
def test_new_password_is_required_afterwards_and_a_wrong_one_gets_silence(gw: Gateway) -> None:
    assert gw.replies(["connect smspassword abc_1", "connect smspassword 1234567890123"]) == [
        "Error: new_password must be 1-12 characters of 0-9 a-z"] * 2
    assert gw.command("Connect smspassword Secret12") == "Confirmed: smspassword secret12"
    assert gw.replies(["connect config"], settle_s=5) == []
    assert gw.sim.modem.sim_messages() == [], "a message with a wrong password is deleted too"
    assert gw.command("SECRET12 baud 19200") == "Confirmed: baud 19200"


@pytest.mark.req("CMD-DIALIN", "NOTE-ERROR")
def test_dialin_on_off(gw: Gateway) -> None:
    assert gw.replies(["connect dialin ON", "connect dialin maybe", "connect dialin off"]) == [
        "Confirmed: dialin on", "Error: status must be one of on off", "Confirmed: dialin off"]


@pytest.mark.req("CMD-MODE-SERVER", "CMD-MODE-CLIENT", "NOTE-ERROR")
def test_mode_limits(gw: Gateway) -> None:
    replies = gw.replies([
        "connect mode server any 0", "connect mode server 192.168.0.256 1024", "connect mode server any",
        "connect mode client 10.0.0 1024", "connect mode client 10.0.0.1 65536", "connect mode client 10.0.0.1 80 keep",
        "connect mode", "connect mode server 192.168.0.1 65535", "connect mode client 10.0.0.1 1 Maintain",
    ])
    assert replies == [
        "Error: localport must be a number 1..65535",
        "Error: permitted_ip must be an IP address like 192.168.0.1, or 'any'",
        "Error: missing arguments; format: mode server <permitted_ip> <localport>",
        "Error: server must be an IP address like 192.168.0.100, or a host name of 1-40 characters of a-z 0-9 - .",
        "Error: server_port must be a number 1..65535",
        "Error: expected 'maintain', not 'keep'",
        "Error: mode must be followed by server or client",
        "Confirmed: mode server 192.168.0.1 65535",
        "Confirmed: mode client 10.0.0.1 1 maintain",
    ]


@pytest.mark.req("NOTE-BAD-PASSWORD", "NOTE-ERROR", "GW-SMS-CONTROL")
def test_wrong_password_unknown_command_and_missing_arguments(gw: Gateway) -> None:
    mark = len(gw.sim.modem.at_log)
    assert gw.replies(["letmein baud 1200", "", "connect2 config"], settle_s=5) == []
    assert not any(c.startswith("AT#SKTTO") or c.startswith("AT+CMGS") for c in gw.at_commands(mark))
    assert gw.sim.modem.sim_messages() == []
    assert gw.replies(["connect restart", "connect", "connect baud"]) == [
        "Error: unknown command 'restart'; "
        f"commands: {COMMANDS.removesuffix(' updatekey')} ...",  # what fits one SMS
        f"Error: no command; commands: {COMMANDS}",
        "Error: missing arguments; format: baud <baud>",
    ]
    assert gw.sim.status()["speed"] == "9600 8N1", "nothing changed"


def _at_max(f: Field, i: int) -> str:
    """The argument at the top of its range in the command table: the largest number, the longest text, the
    last value of a list."""
    if f.type == "int":
        return str(f.max)
    if f.type in ("text", "password"):
        chars = TEXT_CHARS if f.type == "text" else TEXT_CHARS[:36]
        return "".join(chars[(i + k) % len(chars)] for k in range(f.max or 0))
    if f.type == "host":
        return ("gw." + "a" * (f.max or 0))[:(f.max or 0) - 5] + ".test"
    if f.type == "ipv4_or_any":
        return "127.0.0.1"
    return f.values[-1] if f.values else "on"


@pytest.mark.req("CMD-GPRS", "CMD-SOCKETTING", "CMD-MODE-SERVER", "CMD-BAUD", "CMD-CHARFORMAT", "NOTE-CONFIRM")
def test_every_setting_at_the_top_of_its_range_is_taken_by_the_module(gw: Gateway) -> None:
    """Every value the firmware confirms is one the module accepts: each command of the table, every argument at
    its limit (from fsm/specs/commands.yaml, so a limit raised past the module's fails here), then GPRS must come
    up with all of them and the module must hold each one. Found by acceptance testing: a 31-character GPRS
    user name was confirmed, the module's #USERID takes 30, and GPRS never came up again."""
    texts, given = [], {}
    order = sorted((c for c in TABLE.commands if c.fields), key=lambda c: c.words == ("mode", "server"))
    for i, c in enumerate(order):
        if c.words in (("smspassword",), ("mode", "client"), ("allow",), ("update",)):
            continue  # the password (and an allow list) would lock this test out; client mode would leave server mode;
            # update sets nothing (its URL is fetched: tests/e2e/test_update.py)
        args = [_at_max(f, i) for f in c.fields]
        given.update({f.sets: a for f, a in zip(c.fields, args, strict=True) if f.sets})
        texts.append("connect " + " ".join([*c.words, *args]))
    ups = sum(1 for line in gw.sim.trace.lines() if "GPRS up" in line)
    replies = gw.replies(texts)
    assert all(r.startswith("Confirmed: ") for r in replies), replies
    gw.until(lambda: sum(1 for line in gw.sim.trace.lines() if "GPRS up" in line) > ups, "GPRS up with every maximum")
    gw.until(lambda: listening_port(gw) == int(given["local_port"]), "listening on the highest port")
    module = gw.sim.modem.settings
    assert module["cgdcont"][1] == ("IP", given["apn"])
    assert (module["userid"], module["passw"]) == (given["gprs_user"], given["gprs_pass"])
    assert (module["skt_to"], module["ds_to"], module["pkt_sz"]) == (
        int(given["sock_timeout_s"]), int(given["send_timeout"]), int(given["packet_size"]))
    assert gw.sim.status()["speed"] == f"{given['baud']} {given['charformat']}"


@pytest.mark.req("GW-SMS-CONTROL", "NOTE-CONFIRM")
def test_a_full_sim_is_answered_in_order_from_two_listings(gw: Gateway) -> None:
    """Every message of a full SIM (20, the simulated SIM's size) is answered, in the order they came. The SIM is
    listed once for them and once more for what came meanwhile, not once per message: at the module's speed a
    listing of a full SIM is kilobytes to parse. Their 20 indications, read on MDM2 after the round, are covered
    by its listings and start no further round (they did, under some chunkings of the line)."""
    gw.run(5)
    mark = len(gw.sim.modem.at_log)
    before = len(gw.outbox)
    senders = [f"+4477009005{n:02d}" for n in range(20)]
    for sender in senders:
        assert gw.sim.modem.deliver_sms(sender, "connect revert 10") is not None
    gw.until(lambda: len(gw.outbox) - before >= len(senders), "a reply to every message")
    gw.run(5)
    assert gw.outbox[before:] == [(s, "Confirmed: revert 10") for s in senders]
    listings = [c for c in gw.at_commands(mark) if c.startswith("AT+CMGL")]
    assert len(listings) == 2, listings
    assert gw.sim.modem.sms.used() == 0
