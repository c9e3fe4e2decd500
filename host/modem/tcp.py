"""Real TCP behind #SKTD / #SKTL: the non-blocking connect, the listener with its firewall, and the data
pump. Times are clock seconds, sizes bytes. #DSTO (x 100 ms) counts from the FIRST unsent byte: a partial
packet leaves at most ds_to x 100 ms after its first byte was written (0 = only full #PKTSZ packets).
#SKTTO (s) closes the socket after that long without data in either direction (0 = never).
"""

# #SKTTO activity = firmware writes in data mode and bytes received from the peer. Towards the firmware
# at most RX_LIMIT bytes wait; beyond that the socket is not read and TCP flow control holds the peer
# back (nothing is dropped). The parameters in force are those when the call started.
# The GPRS link has a rate each way (network.up_bps / down_bps, host/wire.py): packets cross the uplink
# at its rate and only then reach the peer; the peer's bytes cross the downlink before the firmware can
# read them (the socket is read at most DOWN_AHEAD_S ahead of the link). Kindness.instant_network: no rate.
# The bytes of a socket closed gracefully (+++, #SKTTO) that were still in the modem leave at once.
# network.uplink_stalled (fault stall): the uplink carries nothing and banks no time until it is cleared.

from __future__ import annotations

import contextlib
import select
import socket
import struct
from collections.abc import Callable

from host.modem.calls import CallPort
from host.modem.calls import Mode
from host.modem.state import SocketParams
from host.wire import Wire

RX_LIMIT = 64 * 1024  # bytes waiting for the firmware before the socket is no longer read
AUTO_PKT_SZ = 300  # #PKTSZ=0: the size the module chooses
_SEND_MAX = 256 * 1024  # bytes handed to one send() call
DOWN_AHEAD_S = 0.5  # the socket is read at most this much link time ahead of the downlink
DOWN_GRAIN = 512  # bytes the downlink delivers per step of virtual time (at most)


class Packetiser:
    """Firmware bytes -> TCP packets by #PKTSZ and #DSTO."""

    def __init__(self, pkt_sz: int, ds_to: int) -> None:
        self.size = pkt_sz or AUTO_PKT_SZ
        self.timeout_s = ds_to / 10
        self.buf = bytearray()
        self.first_t = 0.0  # when the first byte of buf was written

    def add(self, data: bytes, now: float) -> bytes:
        """Returns the full packets now ready (possibly several, concatenated)."""
        if not self.buf:
            self.first_t = now
        self.buf += data
        ready = len(self.buf) // self.size * self.size
        if not ready:
            return b""
        out = bytes(self.buf[:ready])
        del self.buf[:ready]
        self.first_t = now  # what remains came in this write: the older bytes were < one packet
        return out

    def deadline(self) -> float | None:
        if self.buf and self.timeout_s > 0:
            return self.first_t + self.timeout_s
        return None

    def expire(self, now: float) -> bytes:
        due = self.deadline()
        if due is None or now < due:
            return b""
        return self.drain()

    def drain(self) -> bytes:
        out = bytes(self.buf)
        self.buf.clear()
        return out


def _reset(sock: socket.socket) -> None:
    """Close so that the peer sees a reset."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class Closer:
    """A socket the firmware is done with: what is left to send goes out, then the socket is closed."""

    def __init__(self, sock: socket.socket, tx: bytes) -> None:
        self.sock = sock
        self.tx = bytearray(tx)
        self.done = False
        self.poll()

    def poll(self) -> None:
        while self.tx and not self.done:
            try:
                n = self.sock.send(self.tx[:_SEND_MAX])
            except BlockingIOError:
                return
            except OSError:
                self.tx.clear()
                break
            del self.tx[:n]
        if not self.done:
            self.done = True
            with contextlib.suppress(OSError):
                while self.sock.recv(65536):  # unread input would turn the close into a reset
                    pass
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_WR)
            self.sock.close()

    def fd(self) -> int:
        return -1 if self.done else self.sock.fileno()

    def release(self) -> None:
        self.done = True
        self.sock.close()


class SocketCall:
    """A connected #SKTD / #SKTL socket in data mode."""

    kind = "socket"

    def __init__(
        self,
        port: CallPort,
        sock: socket.socket,
        direction: str,
        closure: int,
        params: SocketParams,
        now: float,
        on_close: Callable[[Closer], None],
    ) -> None:
        sock.setblocking(False)
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.port = port
        self.sock = sock
        self.peer = sock.getpeername()
        self.direction = direction  # "out" (#SKTD) or "in" (#SKTL)
        self.closure = closure  # 0: end when the peer closes; 255: stay until +++ / #SKTTO
        self.skt_to = params.skt_to
        self.pkt = Packetiser(params.pkt_sz, params.ds_to)
        network, kind = port.shared.network, port.shared.kind
        self.network = network
        self.up = Wire(None if kind.instant_network else network.up_bps)  # whole packets on the uplink
        self.down = Wire(None if kind.instant_network else network.down_bps)  # peer bytes on the downlink
        self._down_backlog = False  # the peer had more when we last stopped reading it
        self.tx = bytearray()  # packets that crossed the uplink, not yet taken by the kernel
        self.last_t = now  # last data in either direction
        self.eof = False
        self.closed = False
        self.bytes_in = 0
        self.bytes_out = 0
        self._on_close = on_close

    # --- from the firmware
    def from_te(self, data: bytes, now: float) -> None:
        if self.closed or not data:
            return
        self.up.put(self.pkt.expire(now), now)
        self.last_t = now
        self.up.put(self.pkt.add(data, now), now)
        self._send(now)

    def _send(self, now: float) -> None:
        if self.network.uplink_stalled:
            self.up.stall(now)
        else:
            self.tx += self.up.take(now)
        while self.tx and not self.closed:
            try:
                n = self.sock.send(memoryview(self.tx)[:_SEND_MAX])
            except BlockingIOError:
                return
            except OSError:
                self._end(graceful=False)
                return
            del self.tx[:n]
            self.bytes_out += n

    def backlog(self) -> int:
        """Bytes the firmware handed over that have not reached the peer's kernel yet."""
        return len(self.tx) + len(self.up.queue) + len(self.pkt.buf)

    # --- from the peer
    def _recv(self, now: float) -> None:
        arrived = self.down.take(now)
        if arrived:
            self.port.to_te(arrived)
        while not self.eof and not self.closed and self._down_room() > 0:
            try:
                data = self.sock.recv(self._down_room())
            except BlockingIOError:
                self._down_backlog = False
                break
            except OSError:
                self._end(graceful=False)
                return
            if not data:
                self.eof = True
                break
            self.last_t = now
            self.bytes_in += len(data)
            self.down.put(data, now, self.down.busy_until() if self._down_backlog else None)
            self._down_backlog = True
            arrived = self.down.take(now)
            if arrived:
                self.port.to_te(arrived)
        if self.eof and self.closure == 0 and not self.closed and not self.down.queue:
            self._end(graceful=True)

    def _down_room(self) -> int:
        """How many more peer bytes may be read from the socket now."""
        room = RX_LIMIT - len(self.port.out) - len(self.down.queue)
        if self.down.rate is not None:
            room = min(room, max(DOWN_GRAIN, int(self.down.rate * DOWN_AHEAD_S)) - len(self.down.queue))
        return room

    # --- time
    def poll(self, now: float) -> None:
        if self.closed:
            return
        self.up.put(self.pkt.expire(now), now)
        self._send(now)
        self._recv(now)
        if not self.closed and self.skt_to and now >= self.last_t + self.skt_to:
            self._end(graceful=True)

    def deadline(self) -> float | None:
        up = None if self.network.uplink_stalled else self.up.next_time(self.pkt.size)
        times = [self.pkt.deadline(), self.last_t + self.skt_to if self.skt_to else None, up,
                 self.down.next_time(DOWN_GRAIN)]
        return min((t for t in times if t is not None), default=None)

    def fds(self) -> list[int]:
        if self.closed or self.eof or self._down_room() <= 0:
            return []
        return [self.sock.fileno()]

    def wfds(self) -> list[int]:
        return [self.sock.fileno()] if self.tx and not self.closed else []

    # --- the end
    def escape(self, port: CallPort, now: float) -> None:
        """Telit: +++ closes an #SKTD socket (the context stays) and answers NO CARRIER."""
        self._end(graceful=True)

    def drop(self) -> None:
        """The network is gone: nothing more leaves; the peer is reset."""
        if self.closed:
            return
        self.closed = True
        _reset(self.sock)
        self.port.call_ended(self)

    def release(self) -> None:
        self.closed = True
        self.sock.close()

    def _end(self, *, graceful: bool) -> None:
        if self.closed:
            return
        self.closed = True
        if graceful:
            self._on_close(Closer(self.sock, bytes(self.tx) + bytes(self.up.queue) + self.pkt.drain()))
        else:
            _reset(self.sock)
        self.port.call_ended(self)

    def describe(self) -> dict[str, object]:
        return {
            "peer": f"{self.peer[0]}:{self.peer[1]}",
            "direction": self.direction,
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
        }


class Connecting:
    """#SKTD in progress: CONNECT when the non-blocking connect completes, NO CARRIER on refusal or after
    #SKTCT x 100 ms."""

    def __init__(
        self,
        port: CallPort,
        sock: socket.socket,
        closure: int,
        params: SocketParams,
        deadline: float,
        on_close: Callable[[Closer], None],
    ) -> None:
        self.port = port
        self.sock = sock
        self.closure = closure
        self.params = params
        self._deadline = deadline
        self._on_close = on_close

    def poll(self, now: float) -> None:
        error = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if error:
            self._fail()
            return
        _, writable, _ = select.select([], [self.sock], [], 0)
        if writable:
            try:
                self.sock.getpeername()
            except OSError:
                self._fail()
                return
            call = SocketCall(self.port, self.sock, "out", self.closure, self.params, now, self._on_close)
            self.port.connect(call, "CONNECT")
        elif now >= self._deadline:
            self._fail()

    def _fail(self) -> None:
        self.sock.close()
        self.port.fail_pending("NO CARRIER")

    def deadline(self) -> float | None:
        return self._deadline

    def fds(self) -> list[int]:
        return [self.sock.fileno()]

    def wfds(self) -> list[int]:
        return [self.sock.fileno()]

    def drop(self) -> None:
        self.sock.close()


class Listener:
    """#SKTL: a real listening socket; one permitted connection is accepted, then the listener is gone."""

    def __init__(
        self,
        port: CallPort,
        sock: socket.socket,
        closure: int,
        permits: Callable[[str], bool],
        on_accept: Callable[[socket.socket, str], None],
    ) -> None:
        sock.setblocking(False)
        self.port = port
        self.sock = sock
        self.lport = sock.getsockname()[1]
        self.closure = closure
        self.refused = 0  # connections the firewall reset
        self._permits = permits
        self._on_accept = on_accept

    def poll(self, now: float) -> None:
        if not self.port.shared.faults.holds_calls():
            self.accept_waiting()

    def accept_waiting(self) -> None:
        """Accepts the first waiting client the firewall permits (refusing the others before it)."""
        while self.sock.fileno() >= 0 and self.port.mode is Mode.COMMAND and self.port.call is None:
            try:
                conn, addr = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            if not self._permits(addr[0]):
                self.refused += 1
                _reset(conn)
                continue
            self._on_accept(conn, addr[0])
            return

    def close(self) -> None:
        self.sock.close()

    def fds(self) -> list[int]:
        idle = self.port.mode is Mode.COMMAND and self.port.call is None and not self.port.shared.faults.holds_calls()
        return [self.sock.fileno()] if idle and self.sock.fileno() >= 0 else []
