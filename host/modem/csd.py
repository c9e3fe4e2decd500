"""CSD (circuit-switched data) dial-in: the incoming call, with its caller's side and the modem's.
Times are clock seconds (a RING every RING_PERIOD_S); the data path is not packetised. Its AT commands
(ATA, ATH, ATO, +CRC) are in cmd_csd.py.
"""

# The call rings (RING, or +CRING: ASYNC after +CRC=1; RI pulses) until answered, rejected with ATH, or
# the caller hangs up; ATS0=n answers by itself after n rings. The caller hanging up or the network going
# gives NO CARRIER and DCD low.

from __future__ import annotations

from collections.abc import Callable

from host.modem.calls import CallPort
from host.modem.calls import Mode

RING_PERIOD_S = 3.0
CONNECT_TEXT = "CONNECT 9600"


class CsdCall:
    """An incoming data call. The caller's side: send(), recv(), received, hangup(), answered, active.
    `on_ring` is called at each ring until the call is answered (the modem indicates it and may answer)."""

    kind = "csd"

    def __init__(self, caller: str, now: float, on_ring: Callable[[CsdCall], None]) -> None:
        self.on_ring = on_ring
        self.caller = caller
        self.answered = False  # ATA (or auto-answer) happened
        self.active = True  # ringing or connected; False once either side hung up
        self.rings = 0
        self.port: CallPort | None = None
        self._next_ring = now
        self._to_te = bytearray()  # from the caller, not yet given to the firmware (call held)
        self._to_caller = bytearray()  # from the firmware, not yet taken by recv()
        self._received = bytearray()  # everything the caller ever received

    # --- the caller's side
    def send(self, data: bytes) -> int:
        """Bytes from the caller; returns how many were taken (0 unless the call is connected)."""
        if not (self.answered and self.active):
            return 0
        self._to_te += data
        self._deliver()
        return len(data)

    def recv(self) -> bytes:
        """What the caller received since the last recv() (consumed)."""
        data = bytes(self._to_caller)
        self._to_caller.clear()
        return data

    @property
    def received(self) -> bytes:
        """Everything the caller received during the call (not consumed)."""
        return bytes(self._received)

    def hangup(self) -> None:
        """The caller hangs up: NO CARRIER if connected; a ringing call just stops ringing."""
        if not self.active:
            return
        self.active = False
        if self.port is not None:
            self.port.call_ended(self)

    # --- the modem's side
    def answer(self, port: CallPort) -> None:
        self.answered = True
        self.port = port
        port.connect(self, CONNECT_TEXT)

    def local_hangup(self) -> None:
        """ATH from the firmware: the call ends without a NO CARRIER."""
        self.active = False
        if self.port is not None:
            self.port.call_ended(self, "")

    def drop(self) -> None:
        self.hangup()

    def release(self) -> None:
        self.active = False

    def from_te(self, data: bytes, now: float) -> None:
        self._to_caller += data
        self._received += data

    def escape(self, port: CallPort, now: float) -> None:
        port.online_command()

    def poll(self, now: float) -> None:
        if self.active and not self.answered:
            while self.active and not self.answered and now >= self._next_ring:
                self._ring()
        self._deliver()

    def _ring(self) -> None:
        self.rings += 1
        self._next_ring += RING_PERIOD_S
        self.on_ring(self)

    def _deliver(self) -> None:
        if self._to_te and self.port is not None and self.port.mode is Mode.DATA and self.port.call is self:
            self.port.to_te(bytes(self._to_te))
            self._to_te.clear()

    def deadline(self) -> float | None:
        return self._next_ring if self.active and not self.answered else None

    def backlog(self) -> int:
        return 0

    def fds(self) -> list[int]:
        return []

    def wfds(self) -> list[int]:
        return []

    def describe(self) -> dict[str, object]:
        return {"caller": self.caller, "answered": self.answered, "active": self.active, "rings": self.rings}
