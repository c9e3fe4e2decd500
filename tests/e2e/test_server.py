"""Server mode end to end: any source or one permitted IP, socket timeout, re-listening, CSD dial-in."""

from __future__ import annotations

import socket

import pytest

from host.modem.csd import CsdCall
from tests.e2e.gateway import Gateway
from tests.e2e.gateway import connect_to_gateway
from tests.e2e.gateway import listen_on_free_port
from tests.e2e.gateway import listening_port
from tests.e2e.gateway import read_socket


def _a_call_brings(gw: Gateway, port: int, data: bytes, what: str, source: str = "127.0.0.1") -> None:
    """A client calls from `source`, sends `data` once the call is up, which the device must get; it hangs up."""
    client = connect_to_gateway(gw, port, source)
    try:
        gw.until(lambda: gw.sim.modem.describe()["socket"] is not None, f"{what}: the call")
        client.sendall(data)
        assert gw.read_serial(len(data), f"{what}: the bytes") == data
    finally:
        client.close()


def _closed(s: socket.socket) -> bool:
    try:
        return s.recv(65536) == b""
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True


@pytest.mark.req("GW-SERVER", "GW-BRIDGE", "CMD-MODE-SERVER", "NET-SOCKET-TIMEOUT")
def test_server_any_bridges_and_listens_again_after_each_call(gw: Gateway) -> None:
    port = listen_on_free_port(gw)
    client = connect_to_gateway(gw, port, "127.0.0.5")
    gw.until(lambda: gw.traced("session: online"), "the call to be accepted")
    client.sendall(b"to the device")
    assert gw.read_serial(13, "the client's bytes on the serial port") == b"to the device"
    gw.write_serial(b"to the client")
    assert read_socket(gw, client, 13, "the device's bytes at the client") == b"to the client"
    client.close()
    gw.until(lambda: listening_port(gw) == port, "#SKTL re-armed after the call")
    again = connect_to_gateway(gw, port, "127.0.0.6")
    gw.until(lambda: gw.sim.trace.lines().count("session: online") == 2, "a second call")
    again.close()


@pytest.mark.req("GW-SERVER-PERMIT", "CMD-MODE-SERVER")
def test_only_the_permitted_ip_gets_through(gw: Gateway) -> None:
    port = listen_on_free_port(gw, "127.0.0.2")
    sent = gw.at_commands()
    assert (sent.index("AT#FRWL=2") < sent.index('AT#FRWL=1,"127.0.0.2","255.255.255.255"')
            < sent.index(f"AT#SKTL=1,0,{port},0"))
    intruder = connect_to_gateway(gw, port, "127.0.0.3")
    gw.until(lambda: _closed(intruder), "the refused caller to be cut off")
    intruder.close()
    gw.run(5)
    assert not gw.traced("session: online")
    assert gw.drain_serial() == b"", "not one byte from another address reaches the serial port"
    friend = connect_to_gateway(gw, port, "127.0.0.2")
    gw.until(lambda: gw.traced("session: online"), "the permitted caller to be accepted")
    friend.sendall(b"hello")
    assert gw.read_serial(5, "the permitted caller's bytes") == b"hello"
    friend.close()


@pytest.mark.req("NET-SOCKET-TIMEOUT", "CMD-SOCKETTING")
def test_socket_timeout_closes_an_idle_call_and_the_gateway_listens_again(gw: Gateway) -> None:
    assert gw.command("connect socketting 120 10 0") == "Confirmed: socketting 120 10 0"
    port = listen_on_free_port(gw)
    client = connect_to_gateway(gw, port)
    gw.until(lambda: gw.traced("session: online"), "the call")
    start = gw.sim.clock.now()
    gw.until(lambda: _closed(client), "the idle call to be closed by the socket timeout", timeout_s=30)
    client.close()
    assert 119 <= gw.sim.clock.now() - start <= 125
    gw.until(lambda: listening_port(gw) == port, "listening again")


@pytest.mark.req("CMD-DIALIN", "GW-SERVER")
def test_dialin_is_answered_only_when_on_and_in_server_mode(gw: Gateway) -> None:
    call = gw.sim.modem.ring()
    gw.run(20)
    assert not call.answered, "not in server mode: no answer"
    call.hangup()
    port = listen_on_free_port(gw)
    call = gw.sim.modem.ring()
    gw.run(20)
    assert not call.answered, "dialin off: no answer"
    call.hangup()
    assert gw.command("connect dialin on") == "Confirmed: dialin on"
    gw.until(lambda: listening_port(gw) == port, "listening again")
    call = gw.sim.modem.ring()
    gw.until(lambda: call.answered and gw.traced("session: online"), "the CSD call to be answered")
    assert "ATA" in gw.at_commands()
    call.send(b"over csd")
    assert gw.read_serial(8, "CSD data on the serial port") == b"over csd"
    gw.write_serial(b"back")
    gw.until(lambda: call.received.endswith(b"back"), "serial data to the caller")
    assert gw.sim.status()["speed"] == "9600 8N1", "the serial port keeps its configured speed"
    call.hangup()
    gw.until(lambda: listening_port(gw) == port, "listening again after the CSD call")


@pytest.mark.req("GW-BRIDGE", "GW-SERVER", "NOTE-IDLE-ONLY")
def test_only_the_peers_bytes_reach_the_device_when_an_sms_arrives_during_the_call(gw: Gateway) -> None:
    """NO CARRIER and the +CMTI held during the call must not reach the device (they once did)."""
    port = listen_on_free_port(gw)
    client = connect_to_gateway(gw, port)
    gw.until(lambda: gw.traced("session: online"), "the call")
    client.sendall(b"peer-0;")
    assert gw.read_serial(7, "the peer's bytes") == b"peer-0;"
    gw.sms("connect config", "+15550001")
    gw.run(2)
    client.close()
    gw.until(lambda: any(n == "+15550001" for n, _ in gw.outbox), "the SMS answered after the call")
    gw.until(lambda: listening_port(gw) == port, "listening again")
    gw.run(5)
    assert gw.drain_serial() == b"peer-0;", "only the peer's bytes reach the device"


def _in_a_csd_call(gw: Gateway) -> tuple[int, CsdCall]:
    """Server mode with dial-in on, a CSD call answered, and the caller's first bytes `csd-1;` on the device."""
    port = listen_on_free_port(gw)
    assert gw.command("connect dialin on") == "Confirmed: dialin on"
    gw.until(lambda: listening_port(gw) == port, "listening again")
    call = gw.sim.modem.ring()
    gw.until(lambda: gw.traced("session: online"), "the CSD call to be answered")
    call.send(b"csd-1;")
    assert gw.read_serial(6, "the caller's bytes") == b"csd-1;"
    return port, call


@pytest.mark.req("CMD-DIALIN", "GW-BRIDGE")
def test_only_the_callers_bytes_reach_the_device_when_a_csd_call_ends(gw: Gateway) -> None:
    port, call = _in_a_csd_call(gw)
    gw.sms("connect config", "+15550002")
    gw.run(2)
    call.hangup()
    gw.until(lambda: any(n == "+15550002" for n, _ in gw.outbox), "the SMS answered after the call")
    gw.until(lambda: listening_port(gw) == port, "listening again")
    gw.run(5)
    assert gw.drain_serial() == b"csd-1;", "only the caller's bytes reach the device"


@pytest.mark.req("GW-SERVER", "GW-BRIDGE", "CMD-DIALIN")
def test_a_client_calling_during_a_csd_call_puts_no_modem_text_on_the_device(gw: Gateway) -> None:
    """Found by the stateful soak (py3): a TCP client that called during a CSD call was accepted by the
    still-open listener the moment the CSD call ended; its `+CONN FROM:` and `CONNECT` came right after the
    call's NO CARRIER, with DCD up again, and the device got all of it as data. One call at a time: the
    listener is stopped before a CSD call is answered, and opened again after it."""
    port, call = _in_a_csd_call(gw)
    client = None
    try:
        client = socket.create_connection(("127.0.0.1", port), timeout=2, source_address=("127.0.0.2", 0))
        client.sendall(b"tcp-1;")
    except ConnectionRefusedError:
        client = None  # no listener during the CSD call: the client may try again after it
    try:
        gw.run(2)
        call.hangup()
        gw.until(lambda: listening_port(gw) == port, "listening again after the CSD call")
        gw.run(5)
        assert gw.drain_serial() == b"csd-1;", "only the caller's bytes reach the device"
    finally:
        if client is not None:
            client.close()
    _a_call_brings(gw, port, b"tcp-2;", "a client after the CSD call", "127.0.0.2")


@pytest.mark.req("GW-SERVER", "GW-BRIDGE")
def test_a_client_that_connects_and_closes_at_once_after_each_call_never_makes_the_server_deaf(gw: Gateway) -> None:
    """A second client connecting within milliseconds of the re-listen and closing at once (a health
    check, a port scanner) once left the gateway listening on nothing, forever."""
    port = listen_on_free_port(gw)
    for n in range(20):
        a = connect_to_gateway(gw, port)
        gw.until(lambda: gw.sim.modem.describe()["socket"] is not None, f"round {n}: client A's call")
        a.sendall(b"A%d;" % n)
        gw.read_serial(len(b"A%d;" % n), f"round {n}: client A's bytes")
        a.close()
        gw.until(lambda: listening_port(gw) == port, f"round {n}: listening again after A")
        b = connect_to_gateway(gw, port)  # the moment the port accepts again
        gw.sim.run_for(0.001)
        b.close()
        gw.run(1.5)
    gw.until(lambda: listening_port(gw) == port, "listening after the last round", timeout_s=60)
    last = connect_to_gateway(gw, port)
    gw.until(lambda: gw.sim.modem.describe()["socket"] is not None, "a call after all the rounds")
    last.sendall(b"still here")
    received = gw.read_serial(10, "the last caller's bytes")
    last.close()
    assert received == b"still here"
    expected = b"".join(b"A%d;" % n for n in range(20)) + b"still here"
    assert gw.drain_serial() == expected, "only callers' bytes reach the device, no NO CARRIER"


@pytest.mark.req("GW-SERVER", "GW-BRIDGE")
def test_a_client_accepted_as_the_watch_asks_for_the_context_is_bridged_and_the_server_listens_again(
        gw: Gateway) -> None:
    """Seen once in acceptance testing after many quick reconnects: `gateway: GPRS context lost (None)`, then
    the server was deaf for over a minute. The watch's `AT#GPRS?` got no answer because a client was accepted
    as it went out (the module accepts by itself); no answer was taken for a lost context, and the gateway
    set GPRS up again with the call's CONNECT still held by the AT driver, which then refused every command."""
    port = listen_on_free_port(gw)
    gw.sim.modem.faults.call_during(r"^AT#GPRS\?$")
    client = connect_to_gateway(gw, port)  # waits at the listener until the watch asks for the context
    try:
        gw.until(lambda: gw.sim.modem.describe()["socket"] is not None, "the call, accepted as AT#GPRS? went out",
                 timeout_s=60)
        client.sendall(b"hello")
        assert gw.read_serial(5, "the client's bytes") == b"hello"
        gw.write_serial(b"back")
        assert read_socket(gw, client, 4, "the device's bytes") == b"back"
    finally:
        client.close()
    gw.until(lambda: listening_port(gw) == port, "listening again after the call")
    assert not gw.traced("GPRS context lost"), "the context was up all along"
    _a_call_brings(gw, port, b"next", "the next client")
    assert gw.drain_serial() == b"hellonext", "only callers' bytes reach the device"
