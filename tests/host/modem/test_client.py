"""#SKTD: real TCP connections from the modem to a loopback server, and data mode both ways."""

from __future__ import annotations

import random
import socket

import pytest

from host.modem import Network
from tests.host.modem.helpers import accept
from tests.host.modem.helpers import command
from tests.host.modem.helpers import dial
from tests.host.modem.helpers import gprs_up
from tests.host.modem.helpers import lines
from tests.host.modem.helpers import new_modem
from tests.host.modem.helpers import ok
from tests.host.modem.helpers import read_until
from tests.host.modem.helpers import recv_exactly
from tests.host.modem.helpers import server
from tests.host.modem.helpers import track
from tests.host.modem.helpers import wait_for


def hostile_payload(size: int, seed: int) -> bytes:
    """Every byte value, the strings a naive pump would act on, and random blocks."""
    rnd = random.Random(seed)
    head = bytes(range(256)) + b"+++" + b"\r\nNO CARRIER\r\n" + b"\x1a\x00\x1b" + b"\r\nOK\r\nCONNECT\r\n+++"
    body = bytearray(head)
    while len(body) < size:
        body += rnd.randbytes(rnd.randint(1, 4096)) + b"+++"
    return bytes(body[:size])


def test_sktd_needs_an_active_context() -> None:
    _, modem = new_modem()
    srv = server()
    assert command(modem, f'AT#SKTD=0,{srv.getsockname()[1]},"127.0.0.1"') == ["ERROR"]
    assert modem.dcd() == 0


def test_sktd_to_a_closed_port_gives_no_carrier() -> None:
    _, modem = new_modem()
    gprs_up(modem)
    srv = server()
    port = srv.getsockname()[1]
    srv.close()
    assert command(modem, f'AT#SKTD=0,{port},"127.0.0.1"') == ["NO CARRIER"]
    assert modem.dcd() == 0
    assert ok(modem, "AT#GPRS?") == ["#GPRS: 1"]


def test_refuse_connections_gives_no_carrier_even_when_the_server_is_up() -> None:
    network = Network()
    _, modem = new_modem(network=network)
    gprs_up(modem)
    srv = server()
    network.refuse_connections = True
    assert command(modem, f'AT#SKTD=0,{srv.getsockname()[1]},"127.0.0.1"') == ["NO CARRIER"]
    with pytest.raises(BlockingIOError):
        srv.accept()


def test_sktd_resolves_a_name_from_the_dns_table_at_every_dial_in_any_case() -> None:
    network = Network()
    _, modem = new_modem(network=network)
    gprs_up(modem)
    first, second = server(), server()
    network.dns["gw.example.test"] = "127.0.0.1"
    for srv in (first, second):  # the same name, another port: resolved again each time
        reply = command(modem, f'AT#SKTD=0,{srv.getsockname()[1]},"GW.Example.Test"')
        assert reply == ["CONNECT"], reply
        accept(modem, srv).close()
        wait_for(modem, lambda: modem.dcd() == 0, "the call to end when the server closes")
        read_until(modem, b"NO CARRIER", "the end of the call")
    network.dns["gw.example.test"] = "127.0.0.2"  # the name moves: the next dial follows it
    moved = server(host="127.0.0.2")
    assert command(modem, f'AT#SKTD=0,{moved.getsockname()[1]},"gw.example.test"') == ["CONNECT"]
    assert accept(modem, moved).getpeername()[0] == "127.0.0.1"  # the modem's own address: listen_host


def test_sktd_to_a_name_the_dns_does_not_know_answers_error_later_and_keeps_the_context() -> None:
    """Never the PC's resolver: `localhost` is not in the table. The lookup takes network.dns_fail_s (a guess),
    then ERROR; the context stays up (the firmware must not take it for a lost one)."""
    network = Network()
    clock, modem = new_modem(network=network)
    gprs_up(modem)
    srv = server()
    modem.write(f'AT#SKTD=0,{srv.getsockname()[1]},"localhost"\r'.encode())
    clock.advance(network.dns_fail_s - 0.01)
    modem.poll()
    assert modem.read() == b"", "no answer while the lookup runs"
    clock.advance(0.01)
    modem.poll()
    assert lines(modem.read()) == ["ERROR"]
    assert ok(modem, "AT#GPRS?") == ["#GPRS: 1"]
    with pytest.raises(BlockingIOError):
        srv.accept()
    network.dns_fail_s = 0
    assert command(modem, f'AT#SKTD=0,{srv.getsockname()[1]},"nowhere.test"') == ["ERROR"]


@pytest.mark.parametrize(
    "args",
    [
        '1,80,"127.0.0.1"',
        '0,0,"127.0.0.1"',
        '0,65536,"127.0.0.1"',
        '0,80,"127.0.0.1",1',
        "0,80,127.0.0.1",
        "0,80",
    ],
)
def test_sktd_argument_errors(args: str) -> None:
    _, modem = new_modem()
    gprs_up(modem)
    assert command(modem, f"AT#SKTD={args}") == ["ERROR"]


def test_one_megabyte_each_way_passes_byte_exact() -> None:
    clock, modem = new_modem()
    gprs_up(modem)
    ok(modem, "AT#PKTSZ=512;#DSTO=1;#SKTTO=0")
    srv = server()
    peer = dial(modem, srv)
    up = hostile_payload(1 << 20, 1)
    down = hostile_payload(1 << 20, 2)

    # firmware -> peer, written in uneven pieces; the tail leaves after #DSTO
    pos = 0
    rnd = random.Random(3)
    while pos < len(up):
        n = rnd.randint(1, 70000)
        modem.write(up[pos : pos + n])
        pos += n
        modem.poll()
    clock.advance(0.1)
    assert recv_exactly(modem, peer, len(up), "the upload") == up

    # peer -> firmware, while the firmware reads slowly (the modem buffers, TCP holds the rest back)
    got = bytearray()
    sent = 0

    def all_in() -> bool:
        nonlocal sent
        if sent < len(down):
            try:
                sent += peer.send(down[sent : sent + 65536])
            except BlockingIOError:
                pass
        assert len(modem.main.out) <= 64 * 1024  # the bound towards the firmware holds
        got.extend(modem.read(3000))
        return len(got) >= len(down)

    wait_for(modem, all_in, "the download")
    assert bytes(got) == down
    assert modem.dcd() == 1
    assert modem.describe()["mode"] == "data"


def test_remote_close_gives_the_remaining_data_then_no_carrier() -> None:
    _, modem = new_modem()
    gprs_up(modem)
    srv = server()
    peer = dial(modem, srv)
    peer.sendall(b"last words NO CARRIER")
    peer.close()
    got = read_until(modem, b"\r\nNO CARRIER\r\n", "NO CARRIER after the remote close")
    assert got == b"last words NO CARRIER\r\nNO CARRIER\r\n"
    assert modem.dcd() == 0
    assert modem.describe()["mode"] == "command"
    assert ok(modem, "AT#GPRS?") == ["#GPRS: 1"]  # the context stays


def test_closure_255_keeps_the_call_after_the_remote_closes() -> None:
    clock, modem = new_modem()
    gprs_up(modem)
    srv = server()
    peer = dial(modem, srv, ",255")
    peer.sendall(b"bye")
    peer.shutdown(socket.SHUT_WR)
    assert read_until(modem, b"bye", "the data before the close") == b"bye"
    for _ in range(20):
        modem.poll()
    assert modem.dcd() == 1
    clock.advance(1)
    modem.write(b"+++")
    clock.advance(1)
    modem.poll()
    assert lines(modem.read()) == ["NO CARRIER"]


def test_connect_timeout_by_sktct() -> None:
    clock, modem = new_modem()
    gprs_up(modem)
    ok(modem, "AT#SKTCT=10")
    # A listener whose accept queue is full drops further SYNs, so a connect to it hangs.
    srv = track(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
    srv.bind(("127.0.0.1", 0))
    srv.listen(0)
    fillers = []
    for _ in range(3):
        s = track(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
        s.setblocking(False)
        s.connect_ex(srv.getsockname())
        fillers.append(s)
    modem.write(f'AT#SKTD=0,{srv.getsockname()[1]},"127.0.0.1"\r'.encode())
    modem.poll()
    if modem.dcd():
        pytest.skip("this kernel accepted the connection despite the full queue")
    clock.advance(0.99)
    modem.poll()
    assert modem.read() == b""
    assert modem.describe()["mode"] == "busy"
    clock.advance(0.01)
    modem.poll()
    assert lines(modem.read()) == ["NO CARRIER"]
    assert modem.dcd() == 0


def test_bytes_written_with_the_sktd_line_become_data_once_connected() -> None:
    clock, modem = new_modem()
    gprs_up(modem)
    srv = server()
    modem.write(f'AT#SKTD=0,{srv.getsockname()[1]},"127.0.0.1"\rearly bytes'.encode())
    assert read_until(modem, b"CONNECT\r\n", "CONNECT") == b"\r\nCONNECT\r\n"
    peer = accept(modem, srv)
    clock.advance(5.0)  # #DSTO default 50 x 100 ms
    assert recv_exactly(modem, peer, 11, "the early bytes") == b"early bytes"
