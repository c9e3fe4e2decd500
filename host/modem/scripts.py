"""The module's script file system (flat NVM, names up to 16 characters) and the AT parser on the
physical serial port (ASC0) while no script runs, which the deploy tool talks to.

#WSCRIPT takes exactly <size> raw bytes after the `>>> ` prompt; if the port then falls silent for
UPLOAD_SILENCE_S of clock time before they are all in, the upload is aborted (ERROR) and nothing stored.
The bytes pass through an UPLOAD_BUFFER-byte buffer that the module empties into flash at
ScriptStore.write_rate bytes per second; OK comes when the last byte is written. Without hardware flow
control (the device side's RTS/CTS, asked through `flow_control`) the bytes that find the buffer full are
lost (`lost` counts them) and the upload waits for bytes that never come; with it, the module holds CTS
low and the device waits (the bytes are held here until there is room).

Sources: modemg's uploader "assumes no flow control lines connected; therefore uses delays as a
workaround": 4000-byte writes, 1 s after the first and 2 s after each later one (kmertol/modemg
tools/README.md, tools/upload.py); kzar's: "AT#WSCRIPT command starts loosing bytes after about 7kb but a
10 second pause helps" (kzar/telit-862-python-tools telit-send-python.py). The buffer size (4096, as SER's
receive buffer, docs/design/telit.md §2.2) and the write rate (4000 B/s: modemg's 1 s per 4000 bytes is just enough)
are guesses that fit both reports: 4 KB back to back fill the buffer, the 5th KB is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Protocol

from host.clock import Clock
from host.modem.lineport import Handler
from host.modem.lineport import LinePort

UPLOAD_SILENCE_S = 5.0
UPLOAD_BUFFER = 4096  # bytes between the serial port and flash during #WSCRIPT (a guess, see above)
WRITE_RATE = 4000  # bytes per second the module writes an upload to flash (a guess, see above)


class ScriptStore:
    """The flat script file system (NVM)."""

    def __init__(self, capacity: int = 2_000_000, write_rate: float | None = WRITE_RATE) -> None:
        self.capacity = capacity  # bytes
        self.write_rate = write_rate  # bytes/s into flash during #WSCRIPT; None: at once (a kindness tests name)
        self.files: dict[str, bytes] = {}
        self.hidden: set[str] = set()  # written with <hidden>=1: listed, never read back
        self.startup_script: str | None = None  # #ESCRIPT (not checked against files)
        self.startmode: tuple[int, int] = (0, 10)  # #STARTMODESCR <mode>, <timeout s>

    def used(self) -> int:
        return sum(len(data) for data in self.files.values())

    def free(self) -> int:
        return self.capacity - self.used()


class ScriptFiles(Protocol):
    """The file system as a running script's AT commands see it (host/nvm.py LiveFiles): the files the
    firmware has now, not the store as it was when the script started."""

    startup_script: str | None  # #ESCRIPT

    def listing(self) -> dict[str, int]: ...  # name -> size, in name order

    def free(self) -> int: ...

    def delete(self, name: str) -> bool: ...  # False: no such file


@dataclass
class _Upload:
    name: str
    size: int
    hidden: bool
    last_t: float  # clock time of the last byte that arrived (the silence limit counts from it)
    data: bytearray = field(default_factory=bytearray)  # taken into the buffer
    written: float = 0.0  # bytes of `data` already in flash
    flash_t: float = 0.0  # clock time `written` was brought up to

    def level(self) -> int:
        """Bytes waiting in the buffer for flash."""
        return len(self.data) - int(self.written)


class PhysicalPort(LinePort):
    """The AT parser on the module's physical serial port (ASC0) while no script runs: used by deploy.
    `table`: the commands it answers (commands.PHYSICAL_TABLE)."""

    def __init__(
        self,
        store: ScriptStore,
        clock: Clock,
        table: Mapping[str, Handler],
        *,
        on_exec: Callable[[], None] | None = None,
        on_reboot: Callable[[], None] | None = None,
        flow_control: Callable[[], bool] | None = None,
    ) -> None:
        super().__init__(clock, table, [])
        self.store = store
        self.on_exec = on_exec
        self.on_reboot = on_reboot
        self.flow_control = flow_control or (lambda: False)  # the device side uses RTS/CTS
        self.upload: _Upload | None = None
        self.lost = 0  # upload bytes that found the buffer full (no flow control)
        self._held = bytearray()  # bytes the device has sent but may not yet deliver (CTS low, or OK pending)
        self._after: list[Callable[[], None]] = []  # run once the current response is out

    def write(self, data: bytes) -> None:
        self._held += data
        self.poll()

    def _deliver(self) -> None:
        """Takes held bytes as far as the command parser and the upload buffer allow."""
        while self._held:
            up = self.upload
            if up is None:
                data, self._held = bytes(self._held), bytearray()
                i = self.feed_command(data, 0)
                self._held[:0] = data[i:]  # an upload started inside the chunk: the rest is its data
                continue
            need = up.size - len(up.data)
            if need == 0:
                return  # all in; what follows waits for OK (the upload is written to flash first)
            self._flash(up)
            room = UPLOAD_BUFFER - up.level() if self.store.write_rate is not None else need
            take = min(need, room, len(self._held))
            up.data += self._held[:take]
            del self._held[:take]
            up.last_t = self.clock.now()
            if not self._held or len(up.data) == up.size:
                continue
            if self.flow_control():
                return  # the buffer is full and CTS low: the device waits
            self.lost += len(self._held)  # the buffer is full: what the device sends now is gone
            self._held.clear()

    def _flash(self, up: _Upload) -> None:
        now = self.clock.now()
        rate = self.store.write_rate
        if rate is None:
            up.written = float(len(up.data))
        else:
            up.written = min(float(len(up.data)), up.written + rate * max(0.0, now - up.flash_t))
        up.flash_t = now

    def poll(self) -> None:
        self._deliver()
        up = self.upload
        if up is None:
            return
        self._flash(up)
        if len(up.data) == up.size and up.written >= up.size:
            self.upload = None
            self.store.files[up.name] = bytes(up.data)
            if up.hidden:
                self.store.hidden.add(up.name)
            else:
                self.store.hidden.discard(up.name)
            self.finish("OK")
            self._deliver()
        elif len(up.data) < up.size and self.clock.now() >= up.last_t + UPLOAD_SILENCE_S:
            self.upload = None
            self._held.clear()
            self.finish("ERROR")

    def next_deadline(self) -> float | None:
        up = self.upload
        if up is None:
            return None
        rate = self.store.write_rate
        flushed = up.flash_t + (len(up.data) - up.written) / rate if rate else self.clock.now()
        if len(up.data) == up.size or self._held:
            return flushed  # OK once flash has it all, or room for the held bytes
        return up.last_t + UPLOAD_SILENCE_S

    def start_upload(self, name: str, size: int, hidden: bool) -> None:
        now = self.clock.now()
        self.upload = _Upload(name, size, hidden, now, flash_t=now)
        self.out += b"\r\n>>> "

    def later(self, action: Callable[[], None] | None) -> None:
        """Run `action` right after this command's result has been sent."""
        if action is not None:
            self._after.append(action)

    def after_result(self) -> None:
        actions, self._after = self._after, []
        for action in actions:
            action()
