"""Clocks for the simulator: real time, or virtual time that tests (and the simulator loop) move forward.

Times are float seconds since the clock was made. MOD.secCounter() is int(now()); MDM/SER timeouts in
tenths of a second are converted by the simulator, never here.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    virtual: bool

    def now(self) -> float: ...

    def advance_to(self, t: float) -> None: ...


class RealClock:
    virtual = False

    def __init__(self) -> None:
        self._start = time.monotonic()

    def now(self) -> float:
        return time.monotonic() - self._start

    def advance_to(self, t: float) -> None:
        # Real time cannot be pushed; the caller waits instead.
        pass


class VirtualClock:
    """Time stands still until someone advances it; it never goes backwards."""

    virtual = True

    def __init__(self, start: float = 0.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance_to(self, t: float) -> None:
        if t > self._now:
            self._now = t

    def advance(self, dt: float) -> None:
        self.advance_to(self._now + dt)
