"""What a call (a TCP socket, a CSD call) or a connect in progress sees of the AT port it is attached to,
and of the modem behind it: the port's mode and the few things a call tells it. tcp.py and csd.py depend
on these Protocols only, so the port (atport.py) can name the calls without a circle; AtPort implements
CallPort, the Modem implements CallContext.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING
from typing import Protocol

if TYPE_CHECKING:
    from host.kindness import Kindness
    from host.modem.faults import Faults
    from host.modem.network import Network


class Mode(enum.Enum):
    COMMAND = "command"
    BUSY = "busy"  # a command is still running (connection set-up); input waits
    PROMPT = "prompt"  # text after a '> ' prompt (+CMGS)
    DATA = "data"


class Call(Protocol):
    """A data connection attached to a port (socket or CSD)."""

    kind: str

    def from_te(self, data: bytes, now: float) -> None: ...

    def escape(self, port: CallPort, now: float) -> None: ...

    def poll(self, now: float) -> None: ...

    def deadline(self) -> float | None: ...

    def backlog(self) -> int: ...

    def fds(self) -> list[int]: ...

    def wfds(self) -> list[int]: ...

    def describe(self) -> dict[str, object]: ...

    def drop(self) -> None: ...

    def release(self) -> None: ...


class CallContext(Protocol):
    """What a call reads of the modem: the network (link rates), the kindnesses, the injected faults."""

    network: Network
    kind: Kindness
    faults: Faults


class CallPort(Protocol):
    """What a call or a connect in progress sees of its AT port (AtPort)."""

    mode: Mode
    call: Call | None
    out: bytearray  # towards the firmware, not yet read

    @property
    def shared(self) -> CallContext: ...

    def to_te(self, data: bytes) -> None: ...

    def connect(self, call: Call, text: str) -> None: ...

    def fail_pending(self, final: str) -> None: ...

    def online_command(self) -> None: ...

    def call_ended(self, call: Call, text: str = "NO CARRIER") -> None: ...
