"""The module's status LED (the STAT_LED pin) as `AT#SLED` sets it, with a log of its changes for tests and the
console. Times on/off in tenths of a second, log times clock seconds. The pin belongs to the module, not to an
AT instance: MDM and MDM2 set the same LED.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

POWER_ON = (0, 10, 10)  # mode, on, off at power-on: off (the factory value as later Telit guides give it; a guess)


@dataclass
class StatusLed:
    supported: bool = True  # False: a module without AT#SLED (it answers ERROR, as to any command it lacks)
    mode: int = POWER_ON[0]  # 0 off (pin low), 1 on (pin high), 2 the module's own pattern, 3 blinking
    on: int = POWER_ON[1]  # tenths of a second on while blinking
    off: int = POWER_ON[2]  # tenths of a second off while blinking
    log: list[tuple[float, str]] = field(default_factory=list)  # (clock time, describe()) of every AT#SLED set

    def set(self, now: float, mode: int, on: int, off: int) -> None:
        self.mode, self.on, self.off = mode, on, off
        self.log.append((now, self.describe()))

    def power_on(self) -> None:
        """The module (re)boots: the setting is not kept (no #SLEDSAV); the log and `supported` are."""
        self.mode, self.on, self.off = POWER_ON

    def describe(self) -> str:
        if self.mode == 0:
            return "off"
        if self.mode == 1:
            return "on"
        if self.mode == 2:
            return "module"
        return f"blink {self.on / 10:g} s on {self.off / 10:g} s off"

    def patterns(self) -> list[str]:
        """The patterns set so far, in order, without repeats of the same pattern in a row."""
        out: list[str] = []
        for _, text in self.log:
            if not out or out[-1] != text:
                out.append(text)
        return out
