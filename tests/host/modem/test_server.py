"""#SKTL listening with the #FRWL firewall: permitted and refused sources, +CONN FROM:, one call per #SKTL."""

from __future__ import annotations

import errno
import socket

import pytest

from host.modem import Modem
from tests.host.modem.helpers import command
from tests.host.modem.helpers import gprs_up
from tests.host.modem.helpers import lines
from tests.host.modem.helpers import new_modem
from tests.host.modem.helpers import ok
from tests.host.modem.helpers import read_until
from tests.host.modem.helpers import recv_exactly
from tests.host.modem.helpers import track
from tests.host.modem.helpers import wait_for
from tests.support import free_port


def listening(modem: Modem) -> int:
    gprs_up(modem)
    port = free_port()
    ok(modem, f"AT#SKTL=1,0,{port}")
    assert modem.settings["listening"] == port
    return port


def call_from(source: str, port: int) -> socket.socket:
    """A client bound to `source` (any 127.x address) connecting to the modem's listener."""
    client = track(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
    client.bind((source, 0))
    client.connect(("127.0.0.1", port))  # the kernel completes the handshake; the modem accepts later
    client.setblocking(False)
    return client


def is_reset(modem: Modem, client: socket.socket) -> None:
    def closed() -> bool:
        try:
            return client.recv(100) == b""
        except BlockingIOError:
            return False
        except ConnectionResetError:
            return True

    wait_for(modem, closed, "the firewall to reset the connection")


def test_no_rules_means_every_connection_is_refused() -> None:
    _, modem = new_modem()
    port = listening(modem)
    client = call_from("127.0.0.2", port)
    is_reset(modem, client)
    assert modem.read() == b""
    assert modem.dcd() == 0
    assert modem.settings["listening"] == port  # still listening


def test_a_permitted_source_connects_and_a_refused_one_is_reset() -> None:
    clock, modem = new_modem()
    ok(modem, 'AT#FRWL=1,"127.0.0.2","255.255.255.255"')
    port = listening(modem)
    refused = call_from("127.0.0.3", port)
    is_reset(modem, refused)
    assert modem.read() == b""
    client = call_from("127.0.0.2", port)
    assert (
        read_until(modem, b"CONNECT\r\n", "the incoming call")
        == b"\r\n+CONN FROM: 127.0.0.2\r\n\r\nCONNECT\r\n"
    )
    assert modem.dcd() == 1
    assert modem.settings["listening"] is None  # the listener is gone once a call is accepted
    client.sendall(b"\x00hello+++\x1a")
    assert read_until(modem, b"\x1a", "the client's data") == b"\x00hello+++\x1a"
    modem.write(b"from the modem")
    clock.advance(5.0)  # #DSTO default: 5 s
    assert recv_exactly(modem, client, 14, "the modem's data") == b"from the modem"
    client.close()
    assert read_until(modem, b"NO CARRIER", "the end of the call") == b"\r\nNO CARRIER\r\n"
    assert modem.dcd() == 0
    # after the call nothing listens until #SKTL again
    late = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with late:
        assert late.connect_ex(("127.0.0.1", port)) == errno.ECONNREFUSED
    ok(modem, f"AT#SKTL=1,0,{port}")
    call_from("127.0.0.2", port)
    assert b"+CONN FROM: 127.0.0.2" in read_until(modem, b"CONNECT\r\n", "the second call")


def test_a_mask_admits_a_whole_subnet() -> None:
    _, modem = new_modem()
    ok(modem, 'AT#FRWL=1,"127.0.0.0","255.255.255.0"')
    port = listening(modem)
    client = call_from("127.0.0.77", port)
    assert b"+CONN FROM: 127.0.0.77" in read_until(modem, b"CONNECT\r\n", "the call from the subnet")
    modem.write(b"x" * 300)  # one full default packet
    assert recv_exactly(modem, client, 300, "the modem's data") == b"x" * 300


def test_accept_all_rule_and_frwl_listing() -> None:
    _, modem = new_modem()
    assert ok(modem, "AT#FRWL?") == []
    ok(modem, 'AT#FRWL=1,"0.0.0.0","0.0.0.0"')
    ok(modem, 'AT#FRWL=1,"10.0.0.1","255.255.255.255"')
    ok(modem, 'AT#FRWL=1,"10.0.0.1","255.255.255.255"')  # already there: no duplicate
    assert ok(modem, "AT#FRWL?") == ['#FRWL: "0.0.0.0","0.0.0.0"', '#FRWL: "10.0.0.1","255.255.255.255"']
    ok(modem, 'AT#FRWL=0,"0.0.0.0","0.0.0.0"')
    assert command(modem, 'AT#FRWL=0,"0.0.0.0","0.0.0.0"') == ["ERROR"]
    assert modem.settings["frwl"] == [("10.0.0.1", "255.255.255.255")]
    ok(modem, "AT#FRWL=2")
    assert ok(modem, "AT#FRWL?") == []


@pytest.mark.parametrize(
    "args",
    ['3,"1.2.3.4","255.255.255.255"', '1,"1.2.3","255.255.255.255"', '1,"1.2.3.4"', "1,1.2.3.4,255.0.0.0"],
)
def test_frwl_argument_errors(args: str) -> None:
    _, modem = new_modem()
    assert command(modem, f"AT#FRWL={args}") == ["ERROR"]


def test_sktl_needs_a_context_and_a_free_socket() -> None:
    _, modem = new_modem()
    port = free_port()
    assert command(modem, f"AT#SKTL=1,0,{port}") == ["ERROR"]
    gprs_up(modem)
    for bad in (
        "AT#SKTL=1,0,0",
        "AT#SKTL=1,0,65536",
        "AT#SKTL=1,1,1024",
        "AT#SKTL=2,0,1024",
        f"AT#SKTL=1,0,{port},1",
    ):
        assert command(modem, bad) == ["ERROR"], bad
    ok(modem, f"AT#SKTL=1,0,{port},255")
    assert command(modem, f"AT#SKTL=1,0,{port}") == ["ERROR"]  # already listening
    assert command(modem, f'AT#SKTD=0,{port},"127.0.0.1"') == ["ERROR"]  # the one socket is busy
    ok(modem, "AT#SKTL=0,0,1024,255")
    assert modem.settings["listening"] is None
    ok(modem, "AT#SKTL=0")


def test_gprs_0_stops_the_listener() -> None:
    _, modem = new_modem()
    port = listening(modem)
    ok(modem, "AT#GPRS=0")
    assert modem.settings["listening"] is None
    late = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with late:
        assert late.connect_ex(("127.0.0.1", port)) == errno.ECONNREFUSED


def test_a_call_arriving_during_a_command_waits_for_it() -> None:
    _, modem = new_modem()
    ok(modem, 'AT#FRWL=1,"127.0.0.2","255.255.255.255"')
    port = listening(modem)
    ok(modem, "AT+CMGF=1")
    modem.write(b'AT+CMGS="+4412"\r')
    assert modem.read() == b"\r\n> "
    call_from("127.0.0.2", port)
    for _ in range(20):
        modem.poll()
    assert modem.dcd() == 0
    modem.write(b"\x1b")
    assert lines(read_until(modem, b"CONNECT\r\n", "the call after the prompt")) == [
        "OK",
        "+CONN FROM: 127.0.0.2",
        "CONNECT",
    ]
