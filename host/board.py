"""The small parts of the emulated module that the built-ins act on besides the modem and the serial port:
the watchdog (periods in seconds, deadlines in clock seconds), the GPIO pins and ADC, and the trace port
(SER2), whose output is the firmware's trace log. No I/O and no timers here; the simulator asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

GPIO_PINS = range(1, 14)  # GPIO1..GPIO13 (GM862 family)
ADC_CHANNELS = range(1, 4)  # ADC1..ADC3, millivolts
TRACE_KEEP = 1 << 20  # bytes of trace kept (older ones are dropped and counted)


class Watchdog:
    """MOD.watchdogEnable(s): reboot unless reset within s seconds of clock time."""

    def __init__(self) -> None:
        self.period_s: int | None = None
        self.deadline: float | None = None
        self.kicked_at: float | None = None  # the last enable or reset while enabled
        self.longest_gap_s = 0.0  # the longest time between two kicks (the bench's "longest watchdog gap")

    def enable(self, period_s: int, now: float) -> None:
        if period_s <= 0:
            self.disable()
            return
        self.period_s = period_s
        self._kick(now)

    def reset(self, now: float) -> None:
        if self.period_s is not None:
            self._kick(now)

    def _kick(self, now: float) -> None:
        assert self.period_s is not None
        if self.kicked_at is not None:
            self.longest_gap_s = max(self.longest_gap_s, now - self.kicked_at)
        self.kicked_at = now
        self.deadline = now + self.period_s

    def disable(self) -> None:
        self.period_s = None
        self.deadline = None
        self.kicked_at = None

    def expired(self, now: float) -> bool:
        return self.deadline is not None and now >= self.deadline


@dataclass
class Gpio:
    """Pin directions and output values the firmware set; input levels and ADC readings tests set."""

    directions: dict[int, int] = field(default_factory=dict)  # pin -> 0 input, 1 output, 2 alternate
    outputs: dict[int, int] = field(default_factory=dict)  # pin -> level the firmware drives
    inputs: dict[int, int] = field(default_factory=dict)  # pin -> level the outside world drives (default 0)
    adc_mv: dict[int, int] = field(default_factory=dict)  # channel -> millivolts (default 0)

    def set_dir(self, pin: int, value: int, direction: int) -> int:
        if pin not in GPIO_PINS or direction not in (0, 1, 2) or value not in (0, 1):
            return -1
        self.directions[pin] = direction
        if direction == 1:
            self.outputs[pin] = value
        return 1

    def set_value(self, pin: int, value: int) -> int:
        if pin not in GPIO_PINS or value not in (0, 1):
            return -1
        self.outputs[pin] = value
        return 1

    def get_value(self, pin: int) -> int:
        if pin not in GPIO_PINS:
            return -1
        if self.directions.get(pin, 0) == 1:
            return self.outputs.get(pin, 0)
        return self.inputs.get(pin, 0)

    def get_dir(self, pin: int) -> int:
        return self.directions.get(pin, 0) if pin in GPIO_PINS else -1

    def get_adc(self, channel: int) -> int:
        return self.adc_mv.get(channel, 0) if channel in ADC_CHANNELS else -1


class Trace:
    """SER2, the trace port: what the firmware sends is kept (the trace log); tests may feed it input."""

    def __init__(self) -> None:
        self.data = bytearray()  # the most recent TRACE_KEEP bytes the firmware sent
        self.dropped = 0  # older trace bytes no longer kept
        self.rx = bytearray()  # bytes for SER2.receive/read
        self.speed = ("115200", "8N1")
        self.lines_out: dict[str, int] = {"DCD": 0, "CTS": 1, "DSR": 1, "RI": 0}
        self.listeners: list = []  # callables given each chunk of trace output (the console's live trace)

    def write(self, data: bytes) -> None:
        self.data += data
        if len(self.data) > TRACE_KEEP:
            cut = len(self.data) - TRACE_KEEP
            del self.data[:cut]
            self.dropped += cut
        for listener in self.listeners:
            listener(data)

    def feed(self, data: bytes) -> None:
        """Bytes arriving on the trace port towards the firmware."""
        self.rx += data

    @property
    def text(self) -> str:
        return self.data.decode("latin-1")

    def lines(self) -> list[str]:
        """Complete trace lines (CR LF or LF ended), oldest first."""
        text = self.text.replace("\r\n", "\n").replace("\r", "\n")
        return text.split("\n")[:-1]

    def tail(self, n: int) -> list[str]:
        return self.lines()[-n:] if n > 0 else []

    def __contains__(self, needle: str) -> bool:
        return needle in self.text
