"""`status` and `allow` end to end, through SMS delivered to the emulated modem: what status reports from the
modem and the firmware's counters, senders outside the allow list ignored without a trace on anyone's lockout."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

import pytest

from host.modem import Modem
from tests.e2e.gateway import PHONE
from tests.e2e.gateway import Gateway
from tests.e2e.gateway import Server
from tests.runtime.fwunit import assigned
from tests.support import GENERATED

VERSION = ast.literal_eval(assigned(GENERATED / "fsm_commands.py", "VERSION"))
STRANGER = "+447700900002"


def _items(replies: list[str], head: str = "Confirmed: status") -> list[str]:
    """The items of a reply sent in one message or in numbered parts."""
    text = ", ".join(re.sub(rf"^{head}( \d+/\d+)? ", "", r) for r in replies)
    return text.split(", ")


def _status(gw: Gateway, sender: str = PHONE) -> list[str]:
    replies = gw.replies(["connect status"], sender)
    assert replies, "status got no reply"
    assert all(len(r) <= 160 for r in replies), replies
    if len(replies) > 1:
        assert [r.split()[2] for r in replies] == [f"{k}/{len(replies)}" for k in range(1, len(replies) + 1)]
    return _items(replies)


@pytest.fixture
def gw_vodafone(make_gateway: Callable[..., Gateway]) -> Gateway:
    def prepare(modem: Modem) -> None:
        modem.network.csq = 20
        modem.network.operator = "Vodafone UK"

    return make_gateway(prepare)


@pytest.mark.req("OPS-STATUS", "OPS-STATUS-SPLIT", "OPS-VERSION")
def test_status_outside_a_call_reports_the_modem_and_the_firmware(gw_vodafone: Gateway) -> None:
    gw = gw_vodafone
    mark = len(gw.sim.modem.at_log)
    items = _status(gw)
    assert items == ["signal -73dBm", "net home", "operator Vodafone UK", "ip 127.0.0.1", "none unconfigured",
                     items[5], "calls 0", "drops 0", "sent 0", "received 0", "dropped 0", "error none",
                     f"version {VERSION}"]
    assert re.fullmatch(r"up 0h0\dm", items[5]), items[5]
    assert "AT+CSQ;+CREG?;+COPS?" in gw.at_commands(mark), "one query line"
    gw.sim.modem.network.csq, gw.sim.modem.network.registered = 99, 5
    assert _status(gw)[:2] == ["signal ?", "net roaming"]
    gw.sim.modem.network.csq = 0
    assert _status(gw)[0] == "signal <=-113dBm"
    gw.sim.modem.network.csq = 31
    assert _status(gw)[0] == "signal >=-51dBm"
    assert f"version {VERSION}" in _items(gw.replies(["connect config"]), "Confirmed: config")


@pytest.mark.req("OPS-STATUS", "GW-CLIENT-ONDEMAND")
def test_status_after_a_call_counts_the_connection_and_its_bytes_each_way(gw: Gateway) -> None:
    server = Server(gw)
    try:
        assert gw.command(f"connect mode client 127.0.0.1 {server.port}").startswith("Confirmed: mode client")
        gw.write_serial(b"u" * 1000)
        server.accept("the on-demand dial")
        assert server.read(1000, "the device's bytes") == b"u" * 1000
        assert server.conn is not None
        server.conn.sendall(b"d" * 300)
        assert gw.read_serial(300, "the peer's bytes") == b"d" * 300
        server.conn.close()
        server.conn = None
        gw.until(lambda: gw.traced("session: call ended"), "the call to end")
        items = _status(gw)
    finally:
        server.close()
    assert items[4] == "client waiting"
    assert items[6:10] == ["calls 1", "drops 1", "sent 1000", "received 300"]
    assert items[11] == "error none"


@pytest.mark.req("OPS-STATUS")
def test_status_names_the_last_failure(gw: Gateway) -> None:
    gw.sim.modem.network.refuse_connections = True
    gw.command("connect mode client 127.0.0.1 9 maintain")
    gw.until(lambda: gw.traced("session: retry in"), "a refused dial")
    error = next(i for i in _status(gw) if i.startswith("error "))
    assert re.fullmatch(r"error dial failed 0h0\dm ago", error), error


@pytest.mark.req("OPS-ALLOW", "OPS-ALLOW-LIST", "OPS-ALLOW-ANY", "NOTE-ERROR")
def test_allow_limits_the_list_and_a_sender_that_leaves_itself_out(gw: Gateway) -> None:
    eight = " ".join(f"+4477009000{k:02d}" for k in range(1, 9))  # the first is PHONE
    replies = gw.replies([
        "connect allow", f"connect allow {eight} +447700900009", "connect allow 12", "connect allow 123456789012345",
        f"connect allow {eight}", "connect Allow",
    ])
    assert replies == [
        "Confirmed: allow any",
        "Error: too many arguments; format: allow [number ...] (at most 8)",
        "Error: number must be a phone number: an optional + then 3-14 digits",
        "Error: number must be a phone number: an optional + then 3-14 digits",
        f"Confirmed: allow {eight}",
        f"Confirmed: allow {eight}",
    ]
    assert f"allow {eight}" in _items(gw.replies(["connect config"]), "Confirmed: config")
    gw.sim.power_cut(restart=True)
    gw.booted()
    assert gw.command("connect allow") == f"Confirmed: allow {eight}", "the list is a stored setting"
    assert gw.command("connect allow 123") == "Confirmed: allow 123", "the sender leaves itself out: still answered"
    assert gw.replies(["connect allow any"], settle_s=5) == [], "and from then on ignored"
    assert gw.command("connect allow any", "123") == "Confirmed: allow any"


@pytest.mark.req("OPS-ALLOW", "OPS-ALLOW-IGNORED", "OPS-ALLOW-ANY", "NOTE-BAD-PASSWORD")
def test_a_sender_outside_the_allow_list_is_ignored_and_moves_no_lockout(gw: Gateway) -> None:
    assert gw.command("connect allow 07700900001") == "Confirmed: allow 07700900001"
    assert gw.replies(["wrong1", "wrong2", "wrong3", "wrong4"], settle_s=5) == [], "4 wrong passwords: one short"
    mark = len(gw.sim.modem.at_log)
    stranger = ["connect config", "connect baud 1200"] + [f"wrong{k}" for k in range(8)]
    assert gw.replies(stranger, STRANGER, settle_s=5) == []
    assert gw.sim.modem.sim_messages() == [], "its messages are deleted"
    assert not any(c.startswith("AT+CMGS") for c in gw.at_commands(mark)), "no reply at all"
    assert gw.sim.status()["speed"] == "9600 8N1", "nothing applied"
    assert gw.traced(f"sms: {STRANGER} is not allowed: ignored")
    assert gw.config().startswith("Confirmed: config"), "the allowed sender is not locked out"
    assert gw.command("connect allow any") == "Confirmed: allow any"
    assert gw.command("connect baud 1200", STRANGER) == "Confirmed: baud 1200", (
        "everyone again, and the stranger's wrong passwords counted towards no lockout of its own")
