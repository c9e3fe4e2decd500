"""One AT instance of the modem (MDM, or MDM2 which shares the modem's state): command mode, deferred
results, the SMS text prompt, data mode with the +++ escape, URC queueing, and the DCD/CTS/DSR/RI lines.

Bytes in and out; times are clock seconds. The port owns at most one call (a TCP socket or a CSD call);
the call object moves the data and tells the port when it ends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Protocol

from host.modem.calls import Call
from host.modem.calls import CallContext
from host.modem.calls import Mode
from host.modem.escape import EscapeDetector
from host.modem.lineport import Handler
from host.modem.lineport import LinePort
from host.modem.parser import frame

if TYPE_CHECKING:
    from host.clock import Clock
    from host.modem.csd import CsdCall
    from host.modem.firewall import Firewall
    from host.modem.scripts import ScriptFiles
    from host.modem.smsstore import SmsStore
    from host.modem.state import ModemState
    from host.modem.statled import StatusLed
    from host.modem.tcp import Closer
    from host.modem.tcp import Listener

TX_LIMIT = 4096  # the modem's buffer towards the network: MDM.send waits while it is full, CTS low (guess)
ROOMY_LIMIT = 64 * 1024  # Kindness.roomy_modem: CTS low above this much waiting; every send taken whole
_UNLIMITED = 1 << 30


class Pending(Protocol):
    """A command whose final result comes later (a TCP connect in progress)."""

    def poll(self, now: float) -> None: ...

    def deadline(self) -> float | None: ...

    def fds(self) -> list[int]: ...

    def wfds(self) -> list[int]: ...

    def drop(self) -> None: ...


class Prompt(Protocol):
    def feed(self, port: AtPort, data: bytes, i: int) -> int: ...


class Shared(CallContext, Protocol):
    """What the two AT instances share, and what their commands act on besides their own port: the modem's
    settings, the network, the SIM store, the single socket (listener, closing sockets) and the CSD call.
    The Modem is it; a port and its handlers see it only through this (`port.shared`)."""

    clock: Clock
    at_log: list[tuple[float, str]]  # (clock time, command line) of every line either instance ran
    state: ModemState
    sms: SmsStore
    outbox: list[tuple[str, str]]  # (number, text) of every message sent
    firewall: Firewall
    listener: Listener | None
    incoming: CsdCall | None  # the CSD call ringing or up
    urc_port: AtPort  # where +CMTI goes: the instance that last set +CNMI
    led: StatusLed  # the status LED (AT#SLED)
    files: ScriptFiles | None  # the file system while a script runs (#LSCRIPT, #DSCRIPT, #ESCRIPT); None: ERROR

    def ri(self) -> int: ...

    def socket_busy(self) -> bool: ...

    def add_closer(self, closer: Closer) -> None: ...

    def stop_listening(self) -> None: ...

    def deactivate_context(self) -> None: ...


class AtPort(LinePort):
    def __init__(self, shared: Shared, name: str, table: Mapping[str, Handler]) -> None:
        super().__init__(shared.clock, table, shared.at_log)
        self.shared = shared
        self.name = name
        self.mode = Mode.COMMAND
        self.call: Call | None = None
        self.pending: Pending | None = None
        self.prompt: Prompt | None = None
        self.escape = EscapeDetector()
        self.escape_lost = 0  # '+' held as a possible escape when a call ended: never sent (for the tests' ledgers)
        self.dtr = 1
        self.rts = 1
        self._held_input = bytearray()  # written while BUSY
        self._urcs: list[str] = []  # waiting for command mode
        self.cmgf = 0  # +CMGF and +CSDH are per instance (docs/design/telit.md section 2.1: a guess, the harsher one)
        self.csdh = 0
        self.silent = False  # a module whose MDM2 never answers (Modem(mdm2="silent")): what is written is lost

    # --- firmware side
    def write(self, data: bytes) -> None:
        if not data or self.silent:
            return
        now = self.clock.now()
        self._escape_timer(now)
        self._feed(bytes(data), now)

    def dcd(self) -> int:
        """&C1 (factory): high while a call is up; &C0: always high; &C2 behaves as &C1 here."""
        if self.shared.state.profile.amp_c == 0:
            return 1
        return 1 if self.call is not None else 0

    def room(self) -> int:
        """Bytes a write may hand over now: in data mode what the buffer towards the network has left."""
        if self.mode is not Mode.DATA or self.call is None:
            return _UNLIMITED
        backlog = self.call.backlog()
        if self.shared.kind.roomy_modem:
            return _UNLIMITED if backlog <= ROOMY_LIMIT else 0
        return max(0, TX_LIMIT - backlog)

    def cts(self) -> int:
        """Low while the buffer towards the network is full."""
        return 1 if self.room() > 0 else 0

    def dsr(self) -> int:
        return 1

    def ri(self) -> int:
        return self.shared.ri()

    def set_dtr(self, v: int) -> None:
        self.dtr = 1 if v else 0  # recorded only (&D0 behaviour: DTR does not hang up)

    def set_rts(self, v: int) -> None:
        self.rts = 1 if v else 0  # recorded only: the modem never stops sending to the firmware

    # --- input by mode
    def _feed(self, data: bytes, now: float) -> None:
        i = 0
        while i < len(data):
            if self.mode is Mode.COMMAND:
                i = self.feed_command(data, i)
            elif self.mode is Mode.BUSY:
                self._held_input += data[i:]
                return
            elif self.mode is Mode.PROMPT:
                assert self.prompt is not None
                i = self.prompt.feed(self, data, i)
            else:
                passed = self.escape.feed(data[i:] if i else data, now)
                if passed and self.call is not None:
                    self.call.from_te(passed, now)
                return

    def _escape_timer(self, now: float) -> None:
        if self.mode is not Mode.DATA or self.call is None:
            return
        escaped, released = self.escape.expire(now)
        if released:
            self.call.from_te(released, now)
        if escaped:
            self.call.escape(self, now)

    def intercept(self, text: str) -> bool:
        rule = self.shared.faults.take(text)
        if rule is None:
            return False
        if rule.kind == "error":
            self.result([], rule.text)
        elif rule.kind == "interleave":
            self._interleave = rule.text
            return False
        elif rule.kind == "call":
            answered = len(self.out)
            self.execute(text)
            del self.out[answered:]  # lost in the switch to data mode
            if self.shared.listener is not None:
                self.shared.listener.accept_waiting()
        return True

    def cmee(self) -> int:
        return self.shared.state.profile.cmee

    # --- mode changes used by handlers and calls
    def busy(self, pending: Pending) -> None:
        self.mode = Mode.BUSY
        self.pending = pending

    def start_prompt(self, prompt: Prompt, text: bytes) -> None:
        self.mode = Mode.PROMPT
        self.prompt = prompt
        self.out += text

    def end_prompt(self, final: str, info: list[str] | None = None) -> None:
        self.mode = Mode.COMMAND
        self.prompt = None
        self.finish(final, info)

    def fail_pending(self, final: str) -> None:
        """A deferred command ends without a call (NO CARRIER, ERROR)."""
        self.pending = None
        self.mode = Mode.COMMAND
        self.finish(final)
        self._resume()

    def connect(self, call: Call, text: str) -> None:
        """A command (#SKTD, ATA, ATO) brought a call up: its result code, then data mode."""
        self._enter_data(call)
        self.finish(text)
        self._resume()

    def connect_unsolicited(self, call: Call, urc: str, text: str) -> None:
        """A call came in by itself (#SKTL): the URC, the CONNECT, then data mode."""
        self._enter_data(call)
        self.out += frame([], urc, None, self.verbose) + frame([], text, None, self.verbose)

    def _enter_data(self, call: Call) -> None:
        self.discard_line()
        self.pending = None
        self.call = call
        self.mode = Mode.DATA
        self.escape.start(self.clock.now(), self.shared.state.profile.s12 / 50)

    def online_command(self) -> None:
        """Escape from a call that stays up (CSD): OK, command mode, DCD stays high."""
        self.mode = Mode.COMMAND
        self.escape.count = 0
        self.result([], "OK")

    def resume_data(self, text: str) -> None:
        """ATO: back to data mode on the held call."""
        assert self.call is not None
        self._enter_data(self.call)
        self.finish(text)

    def to_te(self, data: bytes) -> None:
        """Call data towards the firmware."""
        self.out += data

    def call_ended(self, call: Call, text: str = "NO CARRIER") -> None:
        """The call is over (remote close, timeout, escape, hang-up, network loss): DCD low, result code."""
        if self.call is not call:
            return
        self.call = None
        if self.mode is Mode.DATA and self.escape.count < 3:  # three are the firmware's own escape (hang-up)
            self.escape_lost += self.escape.count  # the call ended inside the guard time: they are not data
        self.escape.count = 0
        if self.mode is Mode.DATA:
            self.mode = Mode.COMMAND
        if text:
            self.out += frame([], text, None, self.verbose)
        if self.mode is Mode.COMMAND:
            self._flush_urcs()

    def _resume(self) -> None:
        if self.mode is Mode.BUSY or not self._held_input:
            return
        data = bytes(self._held_input)
        self._held_input.clear()
        self._feed(data, self.clock.now())

    # --- URCs
    def urc(self, text: str) -> None:
        """An unsolicited result code: now in command mode, else when the port gets back to it."""
        if self.mode is Mode.COMMAND:
            self.out += frame([], text, None, self.verbose)
        else:
            self._urcs.append(text)

    def queue_urc(self, text: str) -> None:
        self._urcs.append(text)

    def after_result(self) -> None:
        if self.mode is Mode.COMMAND:
            self._flush_urcs()

    def _flush_urcs(self) -> None:
        while self._urcs and self.mode is Mode.COMMAND:
            self.out += frame([], self._urcs.pop(0), None, self.verbose)

    # --- time and real I/O
    def poll(self, now: float) -> None:
        self._escape_timer(now)
        if self.pending is not None:
            self.pending.poll(now)
        if self.call is not None:
            self.call.poll(now)
        if self.mode is Mode.COMMAND:
            self._flush_urcs()

    def deadline(self) -> float | None:
        times = [self.escape.deadline() if self.mode is Mode.DATA else None]
        if self.pending is not None:
            times.append(self.pending.deadline())
        if self.call is not None:
            times.append(self.call.deadline())
        return min((t for t in times if t is not None), default=None)

    def fds(self) -> list[int]:
        return (self.pending.fds() if self.pending else []) + (self.call.fds() if self.call else [])

    def wfds(self) -> list[int]:
        return (self.pending.wfds() if self.pending else []) + (self.call.wfds() if self.call else [])

    def release(self) -> None:
        """Power off: real sockets closed, no result codes."""
        if self.pending is not None:
            self.pending.drop()
            self.pending = None
        if self.call is not None:
            self.call.release()
            self.call = None
        self.mode = Mode.COMMAND

    def network_lost(self) -> None:
        """network.drop(): a connect in progress fails, the call ends."""
        if self.pending is not None:
            self.pending.drop()
            self.fail_pending("NO CARRIER")
        if self.call is not None:
            self.call.drop()
