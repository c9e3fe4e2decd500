"""The module's script file system (flat NVM, names up to 16 characters) and the AT parser on the
physical serial port (ASC0) while no script runs, which the deploy tool talks to.

#WSCRIPT takes exactly <size> raw bytes after the `>>> ` prompt; if the port then falls silent for
UPLOAD_SILENCE_S of clock time before they are all in, the upload is aborted (ERROR) and nothing stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field

from host.clock import Clock
from host.modem.cmd_scripts import HANDLERS
from host.modem.lineport import LinePort

UPLOAD_SILENCE_S = 5.0


class ScriptStore:
    """The flat script file system (NVM)."""

    def __init__(self, capacity: int = 2_000_000) -> None:
        self.capacity = capacity  # bytes
        self.files: dict[str, bytes] = {}
        self.hidden: set[str] = set()  # written with <hidden>=1: listed, never read back
        self.startup_script: str | None = None  # #ESCRIPT (not checked against files)
        self.startmode: tuple[int, int] = (0, 10)  # #STARTMODESCR <mode>, <timeout s>

    def used(self) -> int:
        return sum(len(data) for data in self.files.values())

    def free(self) -> int:
        return self.capacity - self.used()


@dataclass
class _Upload:
    name: str
    size: int
    hidden: bool
    last_t: float
    data: bytearray = field(default_factory=bytearray)


class PhysicalPort(LinePort):
    """The AT parser on the module's physical serial port (ASC0) while no script runs: used by deploy."""

    def __init__(
        self,
        store: ScriptStore,
        clock: Clock,
        *,
        on_exec: Callable[[], None] | None = None,
        on_reboot: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(clock, HANDLERS, [])
        self.store = store
        self.on_exec = on_exec
        self.on_reboot = on_reboot
        self.upload: _Upload | None = None
        self._after: list[Callable[[], None]] = []  # run once the current response is out

    def write(self, data: bytes) -> None:
        self.poll()
        now = self.clock.now()
        data = bytes(data)
        i = 0
        while i < len(data):
            if self.upload is None:
                i = self.feed_command(data, i)
                continue
            up = self.upload
            take = min(up.size - len(up.data), len(data) - i)
            up.data += data[i : i + take]
            up.last_t = now
            i += take
            if len(up.data) == up.size:
                self.upload = None
                self.store.files[up.name] = bytes(up.data)
                if up.hidden:
                    self.store.hidden.add(up.name)
                else:
                    self.store.hidden.discard(up.name)
                self.finish("OK")

    def poll(self) -> None:
        up = self.upload
        if up is not None and self.clock.now() >= up.last_t + UPLOAD_SILENCE_S:
            self.upload = None
            self.finish("ERROR")

    def next_deadline(self) -> float | None:
        return self.upload.last_t + UPLOAD_SILENCE_S if self.upload is not None else None

    def start_upload(self, name: str, size: int, hidden: bool) -> None:
        self.upload = _Upload(name, size, hidden, self.clock.now())
        self.out += b"\r\n>>> "

    def later(self, action: Callable[[], None] | None) -> None:
        """Run `action` right after this command's result has been sent."""
        if action is not None:
            self._after.append(action)

    def after_result(self) -> None:
        actions, self._after = self._after, []
        for action in actions:
            action()
