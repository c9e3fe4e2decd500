"""Module speed: what the firmware's Python work costs in clock time on the module (host/README.md).

The firmware process counts its Python 'line' and 'call' events between two built-in calls (host/telit/
simspeed.py); each request carries them (host/link.py), and the simulator moves its virtual clock by their
price before it services the request, the world running meanwhile. Prices are in bytecode-equivalents of
CPython 1.5.2, from the PC measurements (valgrind, `-O`) of the project's research on the module's speed,
its section 4; the speed in bytecodes per second is the user's (the research's section 5 estimates 6e4 to
6e5 for the GM862 family; the probe measures a real module). host/README.md "Module speed" gives the figures: estimates,
not measurements of a module.
"""

from __future__ import annotations

from dataclasses import dataclass

# One Python statement ('line' event): `while i < n: i = i + 1` is 10 bytecodes for its 2 lines, and the
# simple statements of section 4 are 3 to 6 bytecodes each.
LINE_BYTECODES = 5
# Entering a Python function ('call' event), on top of its lines: `f(i)` costs 817 x86 instructions, about
# 8 bytecodes at the pystone average of 106 instructions per bytecode.
CALL_BYTECODES = 8
# One built-in call (one request to the simulator), on top of the line that holds it: `sys.getrefcount(i)`,
# the stand-in for `MDM.getDCD()`, costs 1,518 instructions, about 14 bytecodes. The built-in's own work
# inside the module's firmware is not in it (unknown).
BUILTIN_BYTECODES = 14

# Writing the module's flash (files the firmware writes: settings, an update's copies): the manufacturer's one
# published figure, `#WSCRIPT` "35 seconds for a 100 Kbyte file" (AT Commands Reference Guide 80000ST10025a
# Rev.5 section 3.2.4), about 2.9 kB/s. That the Python file API writes no faster is a guess (the harsher one).
FLASH_WRITE_BYTES_PER_S = 100_000 / 35

PRESETS = {
    "pessimistic": 60_000,  # the research's section 5, scenario A (ARM7 at 26 MHz, Thumb, CPI 3)
    "central": 200_000,  # scenario B, rounded (193,000)
    "optimistic": 600_000,  # scenario C, rounded (634,000)
}


def parse_speed(text: str) -> int:
    """A speed from the command line: bytecodes per second, or a preset name (ValueError otherwise)."""
    if text in PRESETS:
        return PRESETS[text]
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise ValueError(f"module speed must be bytecodes per second or one of {' '.join(PRESETS)}, "
                         f"got {text!r}") from None
    if value <= 0:
        raise ValueError(f"module speed must be positive, got {value}")
    return value


@dataclass
class ModuleSpeed:
    """The price of the firmware's computing at `bytecodes_per_s`, and what was charged so far."""

    bytecodes_per_s: int
    lines: int = 0  # totals over the simulator's life (every firmware process)
    calls: int = 0
    builtins: int = 0
    written: int = 0  # bytes written to files
    charged_s: float = 0.0  # clock seconds charged for computing and writing
    flash_s: float = 0.0  # of which for writing

    def __post_init__(self) -> None:
        if self.bytecodes_per_s <= 0:
            raise ValueError(f"module speed must be positive, got {self.bytecodes_per_s}")

    def bytecodes(self, lines: int, calls: int, builtins: int = 1) -> int:
        return lines * LINE_BYTECODES + calls * CALL_BYTECODES + builtins * BUILTIN_BYTECODES

    def charge(self, lines: int, calls: int, written: int = 0) -> float:
        """Clock seconds the module spends on `lines` and `calls`, writing `written` bytes to its flash, and then
        one built-in call; counted."""
        self.lines += lines
        self.calls += calls
        self.builtins += 1
        self.written += written
        flash = written / FLASH_WRITE_BYTES_PER_S
        seconds = self.bytecodes(lines, calls) / self.bytecodes_per_s + flash
        self.flash_s += flash
        self.charged_s += seconds
        return seconds
