"""CSD (circuit-switched data) dial-in: the incoming call with its caller side, and ATA / ATH / ATO / +CRC.
Times are clock seconds (a RING every RING_PERIOD_S); the data path is not packetised.
The ranges, formats and error replies chosen for each command are listed in the comment below.
"""

# The call rings (RING, or +CRING: ASYNC after +CRC=1; RI pulses) until answered, rejected with ATH, or
# the caller hangs up; ATS0=n answers by itself after n rings. ATA answers `CONNECT 9600`, and `ERROR`
# when no call is ringing. `+++` gives OK and online command mode with the call held (DCD stays high);
# ATO resumes it (`CONNECT 9600`), ATH hangs up (OK). The caller hanging up or the network going gives
# NO CARRIER and DCD low.

from __future__ import annotations

from typing import TYPE_CHECKING

from host.modem.atport import Mode
from host.modem.parser import AtError
from host.modem.parser import Command
from host.modem.parser import int_arg

if TYPE_CHECKING:
    from host.modem.atport import AtPort
    from host.modem.modem import Modem

RING_PERIOD_S = 3.0
CONNECT_TEXT = "CONNECT 9600"


class CsdCall:
    """An incoming data call. The caller's side: send(), recv(), received, hangup(), answered, active."""

    kind = "csd"

    def __init__(self, modem: Modem, caller: str, now: float) -> None:
        self.modem = modem
        self.caller = caller
        self.answered = False  # ATA (or auto-answer) happened
        self.active = True  # ringing or connected; False once either side hung up
        self.rings = 0
        self.port: AtPort | None = None
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
    def answer(self, port: AtPort) -> None:
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

    def escape(self, port: AtPort, now: float) -> None:
        port.online_command()

    def poll(self, now: float) -> None:
        if self.active and not self.answered:
            while self.active and not self.answered and now >= self._next_ring:
                self._ring()
        self._deliver()

    def _ring(self) -> None:
        self.rings += 1
        self._next_ring += RING_PERIOD_S
        self.modem.ring_indication()
        s0 = self.modem.state.profile.s0
        port = self.modem.main
        if s0 and self.rings >= s0 and port.mode is Mode.COMMAND and port.call is None:
            self.answer(port)

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


def ata(port: AtPort, cmd: Command) -> list[str] | None:
    call = port.modem.incoming
    if call is None or not call.active or call.answered or port.call is not None:
        raise AtError()  # no call ringing (the module says ERROR when the call is gone)
    call.answer(port)
    return None


def ath(port: AtPort, cmd: Command) -> list[str]:
    if cmd.args not in ("", "0"):
        raise AtError()
    call = port.call
    if isinstance(call, CsdCall):
        call.local_hangup()
    elif port.modem.incoming is not None and not port.modem.incoming.answered:
        port.modem.incoming.local_hangup()  # reject the ringing call
    return []


def ato(port: AtPort, cmd: Command) -> list[str] | None:
    if cmd.args not in ("", "0"):
        raise AtError()
    if not isinstance(port.call, CsdCall):
        raise AtError("NO CARRIER")
    port.resume_data(CONNECT_TEXT)
    return None


def crc(port: AtPort, cmd: Command) -> list[str]:
    profile = port.modem.state.profile
    if cmd.op == "?":
        return [f"+CRC: {profile.crc}"]
    if cmd.op == "=?":
        return ["+CRC: (0,1)"]
    if cmd.op != "=":
        raise AtError()
    profile.crc = int_arg(cmd.args, 0, 1)
    return []


HANDLERS = {"A": ata, "H": ath, "O": ato, "+CRC": crc}
