"""End to end through the real Modem: a test firmware brings GPRS up, dials a loopback TCP server with
#SKTD and copies SER<->MDM while DCD is high; bytes go through a real pty and real TCP."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest

from host.kindness import Kindness
from tests.host.conftest import MakeSim
from tests.host.conftest import reports

MB = 1 << 20
# bridge.py has no flow control of its own (it never lowers CTS, it drops nothing it cannot send): these
# tests are about byte transparency and #SKTTO, so the line, the buffer and the link are kind to it.
TRANSPARENT = Kindness(factory_profile=True, instant_serial=True, serial_flow_control=True, instant_network=True)
THREAD_JOIN_S = 10


@pytest.fixture
def server() -> Iterator[socket.socket]:
    """A loopback TCP listener on an ephemeral port."""
    sock = socket.create_server(("127.0.0.1", 0))
    sock.settimeout(30)
    yield sock
    sock.close()


def hostile(size: int) -> bytes:
    """Random bytes with the sequences a modem might act on in the middle (`+++` without guard times)."""
    middle = b"x+++y\r\nNO CARRIER\r\n\x1a\x00" + bytes(range(256)) + b"AT#SKTD\r\n+++"
    half = (size - len(middle)) // 2
    return os.urandom(half) + middle + os.urandom(size - half - len(middle) - 1) + b"z"


def start(make_sim: MakeSim, tmp_path: Path, port: int, sktto: int):
    (tmp_path / "bridge.cfg").write_text(f"{port} {sktto}")
    return make_sim("bridge.py", nvm_dir=tmp_path, kind=TRANSPARENT)


def in_thread(target: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def test_one_megabyte_each_way_is_byte_exact(make_sim: MakeSim, tmp_path: Path, server: socket.socket,
                                             open_pty: Callable) -> None:
    up, down = hostile(MB), hostile(MB)
    sim = start(make_sim, tmp_path, server.getsockname()[1], 0)
    pty = open_pty(sim.serial_path)
    pty.timeout = 1
    pty.write_timeout = 30
    accepted: list[socket.socket] = []
    thread = in_thread(lambda: accepted.append(server.accept()[0]))
    sim.run_until(lambda: "connected" in reports(sim) or "failed" in reports(sim), 30, "#SKTD to connect")
    assert "failed" not in reports(sim)
    thread.join(THREAD_JOIN_S)
    conn = accepted[0]
    got_up, got_down = bytearray(), bytearray()

    def tcp_recv() -> None:
        while len(got_up) < MB and (chunk := conn.recv(65536)):
            got_up.extend(chunk)

    def pty_read() -> None:
        while len(got_down) < MB and (chunk := pty.read(max(1, pty.in_waiting))):
            got_down.extend(chunk)

    workers = [in_thread(lambda: conn.sendall(down)), in_thread(lambda: pty.write(up)),
               in_thread(tcp_recv), in_thread(pty_read)]
    sim.run_until(lambda: len(got_up) >= MB and len(got_down) >= MB, 120,
                  f"1 MB each way (up {len(got_up)}, down {len(got_down)})")
    for worker in workers:
        worker.join(THREAD_JOIN_S)
    assert bytes(got_up) == up
    assert bytes(got_down) == down
    assert sim.modem.dcd() == 1
    conn.close()


def test_the_socket_timeout_passes_in_virtual_time(make_sim: MakeSim, tmp_path: Path,
                                                    server: socket.socket) -> None:
    sim = start(make_sim, tmp_path, server.getsockname()[1], 300)
    accepted: list[socket.socket] = []
    thread = in_thread(lambda: accepted.append(server.accept()[0]))
    sim.run_until(lambda: "connected" in reports(sim), 30, "#SKTD to connect")
    thread.join(THREAD_JOIN_S)
    connected = int(reports(sim)["connected"])
    sim.run_until(lambda: "closed" in reports(sim), 30, "the 300 s #SKTTO to close the socket")
    closed = int(reports(sim)["closed"])
    assert 299 <= closed - connected <= 301  # whole seconds; the CONNECT may reach the firmware 0.3 s late
    conn = accepted[0]
    conn.settimeout(10)
    assert conn.recv(100) == b""  # the modem closed the TCP connection
    assert sim.modem.dcd() == 0
    conn.close()
