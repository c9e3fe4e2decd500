"""The parties around the gateway in the stateful test, as the world records them: a far-end Peer (a TCP
client of server mode, a connection our TcpServer accepted in client mode, a CSD caller), the SMS Reply with
the byte ledger at that moment, and the simulator with an observer after every turn of its loop.
Times are virtual seconds, sizes bytes.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field

from host.modem.csd import CsdCall
from host.simulator import Simulator


@dataclass(frozen=True)
class Reply:
    """An SMS the gateway sent, with the byte ledger of the epoch at that moment."""

    at: float
    to: str
    text: str
    context_up: bool  # the modem's GPRS context was active
    epoch: int
    consumed: int  # device bytes the firmware had taken from its serial port (this epoch)
    delivered: int  # device bytes the peers had received (this epoch)
    lost: int  # device bytes the modem took and never sent (this epoch): World.lost_in_modem
    call_up: bool = False  # a call was up when it went


class ObservedSimulator(Simulator):
    """The simulator with an observer called after every turn of its loop (before each predicate test),
    so the recorder sees every change at the virtual time it happened."""

    observer: Callable[[], None] = staticmethod(lambda: None)

    def run_until(self, predicate: Callable[[], object], timeout_real_s: float, what: str) -> None:
        def observed() -> object:
            self.observer()
            return predicate()

        super().run_until(observed, timeout_real_s, what)


@dataclass(eq=False)
class Peer:
    """One party at the far end: a TCP client calling the gateway, a connection our server accepted from
    the gateway, or a CSD caller. `sent` is every byte it sent, `received` every byte it got."""

    name: str
    kind: str  # "client" (server mode), "server" (client mode), "csd"
    opened_at: float
    sock: socket.socket | None = None
    csd: CsdCall | None = None
    source: str = ""  # a client's source address
    port: int = 0  # the gateway port a client called, or our server's port the gateway dialled
    addr: tuple[str, int] | None = None  # the gateway sees this address at our end (client) / we see the modem's
    sent: bytearray = field(default_factory=bytearray)
    received: bytearray = field(default_factory=bytearray)
    queued: bytearray = field(default_factory=bytearray)  # to send once the socket takes it
    call: int | None = None  # index in World.calls once the modem connected it
    epoch: int = 0
    started_at: float | None = None  # the modem connected it (the call is up)
    ended_at: float | None = None  # the modem's call ended
    cause: str | None = None  # why the call ended: peer closed, socket timeout, network drop, power cut...
    closed_at: float | None = None  # this side closed (half-close: it still reads what is left)
    gone: bool = False  # nothing more can move (EOF or reset seen, or the call is over)
    complete: bool = False  # everything it sent must reach the device (it closed; nothing was cut)
    rx_log: list[tuple[float, int]] = field(default_factory=list)  # (time, bytes) chunks received

    @property
    def live(self) -> bool:
        return not self.gone and self.closed_at is None


class TcpServer:
    """A server the gateway dials in client mode: accepting (silent unless a step makes it send), accepting and
    closing every connection at once, refusing (nothing listens) or gone."""

    def __init__(self, name: str, port: int) -> None:
        self.name = name
        self.sock: socket.socket | None = None
        self.port = port
        self.accepting_since: float | None = None
        self.refusing_since = 0.0  # since when nothing listens (0 while it accepts)
        self.closes_at_once = False  # every connection it accepts it closes at once (a broken service)
        self.conns: list[Peer] = []
        self._listen(0.0)

    def _listen(self, now: float) -> None:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(8)
        s.setblocking(False)
        self.sock, self.port, self.accepting_since = s, s.getsockname()[1], now
        self.refusing_since = 0.0

    def accept(self, now: float, closes_at_once: bool = False) -> None:
        if self.accepting_since is None:
            self._listen(now)
        self.closes_at_once = closes_at_once

    def refuse(self, now: float = 0.0) -> None:
        if self.sock is not None:
            self.sock.close()
            self.refusing_since = now
        self.sock, self.accepting_since = None, None

    def close(self) -> None:
        self.refuse()
