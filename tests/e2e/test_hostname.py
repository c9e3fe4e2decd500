"""Client mode by host name and the backup server, end to end: the real firmware, the simulator's DNS table
(host/modem/network.py `dns`), real loopback servers on several addresses of 127.0.0.0/8."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from fsm.interpreters import Interpreter
from tests.e2e.gateway import Gateway
from tests.e2e.gateway import Server

NAME40 = "gw-1." + "a" * 30 + ".test"  # 40 characters
SKTD = re.compile(r'AT#SKTD=0,(\d+),"([^"]*)",0,0')


def dials(gw: Gateway, since: int = 0) -> list[tuple[str, int]]:
    """(host, port) of every #SKTD the firmware sent since `since` (an index of the AT log)."""
    return [(m.group(2), int(m.group(1))) for c in gw.at_commands(since) if (m := SKTD.fullmatch(c))]


@pytest.fixture
def servers(gw: Gateway) -> Iterator[list[Server]]:
    made: list[Server] = []
    yield made
    for s in made:
        s.close()


def _server(gw: Gateway, made: list[Server], port: int = 0, host: str = "127.0.0.1") -> Server:
    s = Server(gw, port, host)
    made.append(s)
    return s


@pytest.mark.req("OPS-HOST-NAME", "GW-CLIENT-MAINTAIN", "CMD-MODE-CLIENT")
def test_maintain_by_host_name_reaches_the_server_the_dns_names_and_follows_it_at_the_next_dial(
        gw: Gateway, servers: list[Server]) -> None:
    first = _server(gw, servers, host="127.0.0.2")
    second = _server(gw, servers, first.port, host="127.0.0.3")  # the same port, another address
    dns = gw.sim.modem.network.dns
    dns["gw.example.test"] = "127.0.0.2"
    assert gw.command(f"connect mode client GW.Example.Test {first.port} maintain") == (
        f"Confirmed: mode client gw.example.test {first.port} maintain")
    first.accept("the dial to the address the name had")
    gw.write_serial(b"one")
    assert first.read(3, "data over the first address") == b"one"
    dns["gw.example.test"] = "127.0.0.3"  # dynamic DNS: the server moved
    assert first.conn is not None
    first.conn.close()
    second.accept("the re-dial to the address the name has now")
    gw.write_serial(b"two")
    assert second.read(3, "data over the second address") == b"two"
    assert {host for host, _ in dials(gw)} == {"gw.example.test"}, "the module resolves, not the firmware"


@pytest.mark.req("OPS-HOST-UNRESOLVED", "GW-CLIENT-MAINTAIN")
def test_a_name_that_does_not_resolve_backs_off_and_keeps_gprs_up(gw: Gateway) -> None:
    mark = len(gw.sim.modem.at_log)
    assert gw.command("connect mode client nowhere.test 4000 maintain").startswith("Confirmed")
    gw.run(120)
    sent = gw.at_commands(mark)
    assert len(dials(gw, mark)) >= 5
    assert "AT#GPRS?" in sent, "the firmware asked whether the context was still up"
    assert gw.sim.modem.describe()["gprs"], "the context stayed up"
    setups = [c for c in sent if c == "AT#GPRS=1"]
    assert len(setups) == 1, "GPRS set up once, for the new mode; an unknown name never set it up again"
    waits = [line.split("retry in ")[1].split(" s")[0] for line in gw.sim.trace.lines() if "retry in" in line]
    assert waits[:6] == ["1", "2", "4", "8", "16", "32"]


@pytest.mark.req("OPS-BACKUP-FAILOVER", "OPS-BACKUP-RETURN", "OPS-BACKUP-CMD", "GW-CLIENT-MAINTAIN")
def test_failover_to_the_backup_after_3_failed_dials_and_back_to_the_server_after_its_call(
        gw: Gateway, servers: list[Server]) -> None:
    primary = _server(gw, servers)
    port = primary.port
    primary.close()  # the server is down: refused
    backup = _server(gw, servers, host="127.0.0.2")
    gw.sim.modem.network.dns["backup.example.test"] = "127.0.0.2"
    assert gw.command(f"connect backup Backup.Example.Test {backup.port}") == (
        f"Confirmed: backup backup.example.test {backup.port}")
    mark = len(gw.sim.modem.at_log)
    assert gw.command(f"connect mode client 127.0.0.1 {port} maintain").startswith("Confirmed")
    backup.accept("the dial to the backup")
    server = ("127.0.0.1", port)
    assert dials(gw, mark) == [server] * 3 + [("backup.example.test", backup.port)]
    gw.write_serial(b"via backup")
    assert backup.read(10, "data over the backup") == b"via backup"
    primary = _server(gw, servers, port)  # the server is back
    assert backup.conn is not None
    backup.conn.close()  # the backup's call ends: the next dial goes to the server
    primary.accept("the dial back to the server")
    assert dials(gw, mark)[4:] == [server]
    assert primary.conn is not None
    primary.conn.close()  # SMS wait for the end of a call
    config = " ".join(gw.replies(["connect config"]))
    assert f"mode client 127.0.0.1 {port} maintain" in config
    assert f"backup backup.example.test {backup.port}" in config


@pytest.mark.req("OPS-BACKUP-FAILOVER", "GW-CLIENT-MAINTAIN")
def test_with_both_down_the_dials_alternate_in_series_of_3_and_the_back_off_keeps_growing(gw: Gateway) -> None:
    # A port held bound and never listening: every dial to it is refused, and no other test's gateway can listen
    # there (a fixed low port could be one the SMS fuzz makes its gateway listen on: the dial then connects).
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        dead = held.getsockname()[1]
        mark = len(gw.sim.modem.at_log)
        assert gw.command(f"connect backup 127.0.0.1 {dead}").startswith("Confirmed")
        assert gw.command("connect mode client nowhere.test 2 maintain").startswith("Confirmed")
        gw.run(400)
    got = dials(gw, mark)[:10]
    primary, backup = ("nowhere.test", 2), ("127.0.0.1", dead)
    assert got == [primary] * 3 + [backup] * 3 + [primary] * 3 + [backup]
    waits = [line.split("retry in ")[1].split(" s")[0] for line in gw.sim.trace.lines() if "retry in" in line]
    assert waits[:8] == ["1", "2", "4", "8", "16", "32", "60", "60"]


@pytest.mark.req("OPS-BACKUP-FAILOVER", "OPS-BACKUP-RETURN", "GW-CLIENT-ONDEMAND")
def test_on_demand_uses_the_backup_too_and_a_given_up_dial_starts_again_with_the_server(
        gw: Gateway, servers: list[Server]) -> None:
    backup = _server(gw, servers, host="127.0.0.2")
    assert gw.command(f"connect backup 127.0.0.2 {backup.port}").startswith("Confirmed")
    assert gw.command("connect mode client nowhere.test 2").startswith("Confirmed")
    mark = len(gw.sim.modem.at_log)
    gw.write_serial(b"for the backup")
    backup.accept("the on-demand dial to the backup")
    assert backup.read(14, "the triggering bytes over the backup") == b"for the backup"
    assert dials(gw, mark) == [("nowhere.test", 2)] * 3 + [("127.0.0.2", backup.port)]
    backup.close()  # the call ends; now nothing answers at all
    gw.until(lambda: gw.traced("session: call ended"), "the end of the backup's call")
    mark = len(gw.sim.modem.at_log)
    gw.write_serial(b"x")
    gw.until(lambda: gw.traced("dial given up"), "the on-demand dial to be given up")
    assert dials(gw, mark) == [("nowhere.test", 2)] * 3 + [("127.0.0.2", backup.port)] * 2
    mark = len(gw.sim.modem.at_log)
    gw.write_serial(b"y")
    gw.until(lambda: len(dials(gw, mark)) >= 1, "a new dial")
    assert dials(gw, mark)[0] == ("nowhere.test", 2), "a new series starts with the server"


@pytest.mark.req("OPS-BACKUP-CMD", "GW-CLIENT-MAINTAIN")
def test_backup_off_dials_only_the_server(gw: Gateway, servers: list[Server]) -> None:
    backup = _server(gw, servers)
    assert gw.replies([f"connect backup 127.0.0.1 {backup.port}", "connect backup off"]) == [
        f"Confirmed: backup 127.0.0.1 {backup.port}", "Confirmed: backup off"]
    assert "backup off" in gw.config()
    mark = len(gw.sim.modem.at_log)
    assert gw.command("connect mode client nowhere.test 2 maintain").startswith("Confirmed")
    gw.run(200)
    got = dials(gw, mark)
    assert len(got) >= 6
    assert set(got) == {("nowhere.test", 2)}
    assert backup.conn is None


@pytest.mark.req("OPS-HOST-NAME", "OPS-BACKUP-CMD", "CMD-MODE-CLIENT", "NOTE-ERROR")
def test_host_name_and_port_limits(gw: Gateway) -> None:
    assert len(NAME40) == 40
    name_error = "must be an IP address like 192.168.0.100, or a host name of 1-40 characters of a-z 0-9 - ."
    replies = gw.replies([
        f"connect mode client {NAME40} 1", f"connect mode client {NAME40}x 1", "connect mode client a 65535",
        "connect mode client gw_1.example.test 80", "connect mode client -gw.test 80",
        "connect mode client gw..test 80",
        "connect mode client 10.0.0.256 80", "connect mode client gw.test 0",
        "connect mode client gw.test 65536", f"connect backup {NAME40.upper()} 65535", f"connect backup x{NAME40} 1",
        "connect backup gw.test 0",
        "connect backup gw.test 65536", "connect backup b@d.test 1", "connect backup 010.000.000.001 1",
        "connect backup", "connect backup off now", "connect backup OFF",
    ])
    assert replies == [
        f"Confirmed: mode client {NAME40} 1", f"Error: server {name_error}", "Confirmed: mode client a 65535",
        f"Error: server {name_error}", f"Error: server {name_error}", f"Error: server {name_error}",
        f"Error: server {name_error}", "Error: server_port must be a number 1..65535",
        "Error: server_port must be a number 1..65535",
        f"Confirmed: backup {NAME40} 65535", f"Error: host {name_error}", "Error: port must be a number 1..65535",
        "Error: port must be a number 1..65535", f"Error: host {name_error}", "Confirmed: backup 10.0.0.1 1",
        "Error: missing arguments; format: backup <host> <port>", "Error: too many arguments; format: backup off",
        "Confirmed: backup off",
    ]
    assert all(len(r) <= 160 for r in replies)


@pytest.mark.req("OPS-HOST-NAME", "OPS-BACKUP-CMD", "CMD-CONFIG")
def test_config_with_the_longest_names_fits_its_parts(gw: Gateway) -> None:
    assert gw.replies([f"connect backup {NAME40} 65535", f"connect mode client {NAME40} 65535 maintain"]) == [
        f"Confirmed: backup {NAME40} 65535", f"Confirmed: mode client {NAME40} 65535 maintain"]
    parts = gw.replies(["connect config"])  # the name does not resolve: no call keeps the SMS waiting
    assert len(parts) >= 2
    assert all(p.startswith(f"Confirmed: config {k}/{len(parts)} ") for k, p in enumerate(parts, 1)), parts
    assert all(len(p) <= 160 for p in parts), parts
    whole = " ".join(parts)
    assert f"mode client {NAME40} 65535 maintain" in whole
    assert f"backup {NAME40} 65535" in whole
    # The longest dial fits the module's 80-character command line (an over-long line answers ERROR at once):
    # the name resolves, and the module dials (nothing listens there: NO CARRIER, or CONNECT if something does).
    line = f'AT#SKTD=0,65535,"{NAME40}",0,0'
    assert len(line) + 1 <= 80
    gw.sim.modem.network.dns[NAME40] = "127.0.0.1"
    gw.until(lambda: gw.traced(f"session: {line} -> NO CARRIER") or gw.traced(f"session: {line} -> CONNECT"),
             "the longest dial, taken by the module")


def _fletcher16(text: str) -> int:
    """runtime/cfgstore.py checksum."""
    a = b = 0
    for ch in text:
        a = (a + ord(ch)) % 255
        b = (b + a) % 255
    return (b << 8) | a


@pytest.mark.req("OPS-HOST-NAME", "GW-CLIENT-MAINTAIN")
def test_a_unit_updated_in_the_field_keeps_its_server_saved_as_server_ip(firmware_python: Interpreter,
                                                                        tmp_path: Path) -> None:
    """The previous firmware saved the server as `server_ip`: after the update the gateway dials it at boot."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        body = ("password=connect\napn=internet\ngprs_user=\ngprs_pass=\nbaud=9600\ncharformat=8N1\nmode=client\n"
                f"server_ip=127.0.0.1\nserver_port={port}\nmaintain=maintain\npermit_ip=any\nlocal_port=1024\n"
                "sock_timeout_s=300\nsend_timeout=10\npacket_size=0\ndialin=off\n")
        nvm = tmp_path / "nvm"
        nvm.mkdir()
        (nvm / "gwcfg_a.txt").write_text(f"3\n{_fletcher16(body)}\n{body}")
        gw = Gateway(firmware_python, nvm, wait_boot=False)
        try:
            conns: list[socket.socket] = []

            def accepted() -> bool:
                try:
                    conns.append(listener.accept()[0])
                except BlockingIOError:
                    return False
                return True

            gw.until(accepted, "the dial at boot to the server saved as server_ip")
            gw.until(lambda: gw.traced(f'AT#SKTD=0,{port},"127.0.0.1",0,0 -> CONNECT'), "the dial's CONNECT")
            conns[0].close()
        finally:
            gw.close()
