"""Driving the emulated modem from tests: AT lines with bounded waits, and real loopback TCP peers."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from typing import Protocol
from typing import TypeVar

from host.clock import VirtualClock
from host.kindness import Kindness
from host.modem import Modem
from tests.support import wait_until

T = TypeVar("T")
FINAL = re.compile(r"^(OK|ERROR|NO CARRIER|CONNECT( \d+)?|\+CME ERROR: .*|\+CMS ERROR: .*)$")
WAIT_S = 5.0  # real seconds any single wait may take
OPEN: list[Modem | socket.socket] = []  # closed after each test by the autouse fixture in conftest.py
# These tests check the AT behaviour, not the GPRS rate (tests/host/test_strict_network.py does): the data
# they move must cross without the clock moving.
MODEM_TESTS_KIND = Kindness(instant_network=True)


def track(thing: T) -> T:
    OPEN.append(thing)  # type: ignore[arg-type]
    return thing


def close_all() -> None:
    while OPEN:
        OPEN.pop().close()


class Port(Protocol):
    def write(self, data: bytes) -> None: ...

    def read(self, limit: int = 4096) -> bytes: ...


def lines(data: bytes) -> list[str]:
    return [line for line in data.decode("latin-1").split("\r\n") if line]


def wait_for(modem: Modem, done: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    """poll() until done() holds, failing with `what` after `timeout` real seconds."""
    wait_until(done, what, timeout, step=modem.poll)


def command(modem: Modem, line: str, port: Port | None = None, timeout: float = WAIT_S) -> list[str]:
    """Send one command line and return the response lines up to and including the final result code."""
    port = port if port is not None else modem
    port.write(line.encode("latin-1") + b"\r")
    got = bytearray()

    def final() -> bool:
        got.extend(port.read())
        return any(FINAL.match(x) for x in lines(bytes(got)))

    wait_for(modem, final, f"a final result code after {line!r} (so far {bytes(got)!r})", timeout)
    return lines(bytes(got))


def ok(modem: Modem, line: str, port: Port | None = None) -> list[str]:
    """A command that must succeed: its information lines."""
    reply = command(modem, line, port)
    assert reply[-1] == "OK", f"{line!r} answered {reply!r}"
    return reply[:-1]


def new_modem(**kwargs: object) -> tuple[VirtualClock, Modem]:
    """A modem with echo off (as the firmware sets it)."""
    clock = VirtualClock()
    kwargs.setdefault("kind", MODEM_TESTS_KIND)
    modem = track(Modem(clock, **kwargs))  # type: ignore[arg-type]
    modem.write(b"ATE0\r")
    assert modem.read() == b"ATE0\r\r\nOK\r\n"
    return clock, modem


def gprs_up(modem: Modem) -> None:
    ok(modem, 'AT+CGDCONT=1,"IP","internet"')
    assert ok(modem, "AT#GPRS=1") == ["+IP: 127.0.0.1"]


def server(host: str = "127.0.0.1") -> socket.socket:
    """A listening TCP socket on `host` (of 127.0.0.0/8), ephemeral port."""
    srv = track(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
    srv.bind((host, 0))
    srv.listen(4)
    srv.setblocking(False)
    return srv


def accept(modem: Modem, srv: socket.socket) -> socket.socket:
    box: list[socket.socket] = []

    def got() -> bool:
        try:
            conn, _ = srv.accept()
        except BlockingIOError:
            return False
        conn.setblocking(False)
        box.append(track(conn))
        return True

    wait_for(modem, got, "the modem's connection to the test server")
    return box[0]


def dial(modem: Modem, srv: socket.socket, extra: str = "") -> socket.socket:
    """#SKTD to `srv` up to CONNECT; returns the server side of the connection."""
    reply = command(modem, f'AT#SKTD=0,{srv.getsockname()[1]},"127.0.0.1"{extra}')
    assert reply == ["CONNECT"], reply
    assert modem.dcd() == 1
    return accept(modem, srv)


def recv_exactly(modem: Modem, sock: socket.socket, n: int, what: str = "peer data") -> bytes:
    got = bytearray()

    def enough() -> bool:
        try:
            chunk = sock.recv(1 << 20)
        except BlockingIOError:
            chunk = b""
        got.extend(chunk)
        return len(got) >= n

    wait_for(modem, enough, f"{n} bytes of {what} (have {len(got)})")
    return bytes(got)


def recv_now(sock: socket.socket) -> bytes:
    """What the peer can read at once (after the modem's sends have been made; loopback is immediate)."""
    got = bytearray()
    while True:
        try:
            chunk = sock.recv(1 << 20)
        except BlockingIOError:
            return bytes(got)
        if not chunk:
            return bytes(got)
        got.extend(chunk)


def read_until(modem: Modem, needle: bytes, what: str, port: Port | None = None) -> bytes:
    port = port if port is not None else modem
    got = bytearray()

    def found() -> bool:
        got.extend(port.read())
        return needle in got

    wait_for(modem, found, f"{what} (so far {bytes(got[-200:])!r})")
    return bytes(got)
