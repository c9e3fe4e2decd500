"""A link that carries bytes at a fixed rate in clock time (the serial line, the GPRS uplink and downlink).

Bytes put on the wire arrive in order; byte k of a busy stretch arrives (k + 1) / rate seconds after the
stretch began. An idle wire banks no time: a byte put on an empty wire starts when it is put (or at the
time given, if the sender had it waiting). rate None = instant. Times are clock seconds, rates bytes/s.
"""

from __future__ import annotations

_EPS = 1e-9


def bits_per_char(fmt: str) -> int:
    """Start bit + data bits + parity bit + stop bits of a SER.set_speed format ('8N1' -> 10, '7E2' -> 10)."""
    data, parity, stop = int(fmt[0]), fmt[1], int(fmt[2])
    return 1 + data + (0 if parity == "N" else 1) + stop


def line_rate(speed: str, fmt: str) -> float:
    """Bytes per second of a serial line: 115200 8N1 -> 11520."""
    return int(speed) / bits_per_char(fmt)


class Wire:
    def __init__(self, rate: float | None) -> None:
        self.rate = rate
        self.queue = bytearray()  # on the wire, not yet arrived
        self.start = 0.0  # when the first byte of `queue` began (its predecessors took the time before)

    def put(self, data: bytes, now: float, since: float | None = None) -> None:
        """`data` enters the wire at `now` (or, when the sender had it waiting, right after what is on the
        wire but not before `since`)."""
        if not data:
            return
        if not self.queue:
            begin = now if since is None else since
            self.start = max(self.start, begin)
        self.queue += data

    def due(self, now: float) -> int:
        """How many queued bytes have arrived by `now`."""
        if self.rate is None:
            return len(self.queue)
        return max(0, min(len(self.queue), int((now - self.start) * self.rate + _EPS)))

    def take(self, now: float, limit: int | None = None) -> bytes:
        """The bytes that have arrived by `now` (at most `limit`), removed from the wire."""
        n = self.due(now)
        if limit is not None:
            n = min(n, limit)
        if n <= 0:
            return b""
        data = bytes(self.queue[:n])
        del self.queue[:n]
        if self.rate is not None:
            self.start += n / self.rate
        return data

    def stall(self, now: float) -> None:
        """The receiver cannot take bytes now (full, or its handshake line is low): no time is banked."""
        self.start = max(self.start, now)

    def next_time(self, grain: int = 1) -> float | None:
        """When the next `grain` queued bytes (or all, if fewer) will have arrived; None when empty/instant."""
        if not self.queue or self.rate is None:
            return None
        return self.start + min(grain, len(self.queue)) / self.rate

    def recall(self, keep: int) -> bytes:
        """Takes back all but the first `keep` queued bytes (the sender had not started them yet)."""
        back = bytes(self.queue[keep:])
        del self.queue[keep:]
        return back

    def busy_until(self) -> float:
        """When the last queued byte will have arrived (start when empty)."""
        if self.rate is None or not self.queue:
            return self.start
        return self.start + len(self.queue) / self.rate
