"""The `+++` escape sequence with guard times, watched on the firmware's data-mode byte stream.
Times are clock seconds; the guard is S12/50 s.
"""

# An escape is: >= guard of silence, then exactly three '+' each less than guard after the previous one,
# then >= guard of silence. The silence before counts from the last byte written in data mode, or from
# CONNECT (SELINT 2). '+' that might be an escape are held back; when the sequence fails they are
# released, in order, as ordinary data.

from __future__ import annotations

_PLUS = 0x2B


class EscapeDetector:
    def __init__(self) -> None:
        self.guard_s = 1.0
        self.count = 0  # '+' held back as a possible escape (0..3)
        self._last_t = 0.0  # time of the last data-mode byte (or of CONNECT)
        self._plus_t = 0.0  # time of the last held '+'

    def start(self, now: float, guard_s: float) -> None:
        """Data mode begins (CONNECT) now."""
        self.guard_s = guard_s
        self.count = 0
        self._last_t = now

    def feed(self, data: bytes, now: float) -> bytes:
        """Bytes written by the firmware at `now`; returns the part that is data (held '+' excluded)."""
        if not data:
            return b""
        if self.count == 0:
            if data[0] != _PLUS or now - self._last_t < self.guard_s:
                self._last_t = now
                return data
            self.count = 1
            self._plus_t = now
            start = 1
        else:
            start = 0
        self._last_t = now
        for i in range(start, len(data)):
            if data[i] == _PLUS and self.count < 3 and now - self._plus_t < self.guard_s:
                self.count += 1
                self._plus_t = now
                continue
            released = b"+" * self.count
            self.count = 0
            return released + data[i:]
        return b""

    def deadline(self) -> float | None:
        return self._plus_t + self.guard_s if self.count else None

    def expire(self, now: float) -> tuple[bool, bytes]:
        """At `now`: (True, b"") when the escape completed; else (False, '+' bytes released as data)."""
        if self.count == 0 or now < self._plus_t + self.guard_s:
            return False, b""
        count, self.count = self.count, 0
        if count == 3:
            return True, b""
        return False, b"+" * count
