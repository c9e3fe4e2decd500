"""Simulator fixtures: start a Simulator on a test firmware (stopped afterwards), open its pty with pyserial,
and read the test firmwares' `key=value` report lines from the trace."""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import pytest
import serial

from fsm.interpreters import Interpreter
from host.clock import VirtualClock
from host.kindness import Kindness
from host.simulator import Simulator
from tests.simseed import sim_seed
from tests.support import IN_PROCESS_QUIET_S
from tests.support import LAYOUT

FIRMWARE = Path(__file__).parent / "firmware"

MakeSim = Callable[..., Simulator]
# The test firmwares (tests/host/firmware) expect a factory-fresh module (verbose result codes, DCD that
# follows the call); everything else is as hard as the module. A test may pass its own `kind`.
FIRMWARE_KINDNESS = Kindness(factory_profile=True)


@pytest.fixture
def make_sim(firmware_python: Interpreter, tmp_path: Path) -> Iterator[MakeSim]:
    """make_sim('apicheck.py', **Simulator kwargs): a started simulator on a test firmware (virtual clock,
    NVM directory under tmp_path unless given), stopped at the end of the test."""
    started: list[Simulator] = []

    def make(entry: str | None = None, **kwargs: Any) -> Simulator:
        kwargs.setdefault("python", firmware_python.path)
        kwargs.setdefault("clock", VirtualClock())
        kwargs.setdefault("kind", FIRMWARE_KINDNESS)
        kwargs.setdefault("seed", sim_seed())
        kwargs.setdefault("quiet_s", IN_PROCESS_QUIET_S)  # the test plays every peer in the simulator's thread
        kwargs.setdefault("nvm_dir", tmp_path / f"nvm{len(started)}")
        path = kwargs.pop("path_dirs", [FIRMWARE, LAYOUT.emulated])
        sim = Simulator(FIRMWARE / entry if entry else None, path, **kwargs)
        started.append(sim)
        return sim.start()

    yield make
    for sim in started:
        sim.stop()


def reports(sim: Simulator) -> dict[str, str]:
    """The firmware's `key=value` lines (the last value of each key)."""
    out = {}
    for line in sim.trace.lines():
        key, sep, value = line.partition("=")
        if sep:
            out[key] = value
    return out


def wait_report(sim: Simulator, key: str, timeout_real_s: float = 30) -> str:
    sim.run_until(lambda: key in reports(sim), timeout_real_s, f"the firmware to report {key!r}")
    return reports(sim)[key]


@pytest.fixture
def open_pty() -> Iterator[Callable[[str], serial.Serial]]:
    """Opens a simulator's serial path with pyserial (closed afterwards)."""
    ports: list[serial.Serial] = []

    def opener(path: str) -> serial.Serial:
        port = serial.serial_for_url(path, baudrate=115200, timeout=0, write_timeout=0)  # never blocks the test
        ports.append(port)
        return port

    yield opener
    for port in ports:
        port.close()


def unescape(text: str) -> bytes:
    """The bytes behind fwtest.escape(): `\\xNN` back to the byte."""
    return re.sub(r"\\x([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), text).encode("latin-1")


@dataclass
class Probe:
    """tests/host/firmware/probe.py in a simulator: its reports as (clock time, key, value), in order."""

    sim: Simulator
    reports: list[tuple[float, str, str]] = field(default_factory=list)
    _partial: bytearray = field(default_factory=bytearray)

    def heard(self, data: bytes) -> None:
        self._partial += data
        while b"\r\n" in self._partial:
            line, _, rest = bytes(self._partial).partition(b"\r\n")
            self._partial[:] = rest
            key, _, value = line.decode("latin-1").partition("=")
            self.reports.append((self.sim.clock.now(), key, value))

    def values(self, key: str) -> list[str]:
        return [v for _, k, v in self.reports if k == key]

    def when(self, key: str, value: str) -> float:
        """The clock time of the first report key=value."""
        return next(t for t, k, v in self.reports if k == key and v == value)

    def wait(self, key: str, value: str | None = None, timeout_real_s: float = 30) -> None:
        self.sim.run_until(lambda: any(k == key and value in (None, v) for _, k, v in self.reports),
                           timeout_real_s, f"the probe to report {key}={value or '...'}")


@pytest.fixture
def probe(make_sim: MakeSim, tmp_path: Path) -> Callable[..., Probe]:
    """probe(steps, **Simulator kwargs): probe.py running `steps` (tests/host/firmware/probe.py)."""

    def run(steps: list[str], **kwargs: Any) -> Probe:
        nvm = kwargs.setdefault("nvm_dir", tmp_path / f"probe{len(list(tmp_path.glob('probe*')))}")
        Path(nvm).mkdir(parents=True, exist_ok=True)
        (Path(nvm) / "probe.cfg").write_text("\n".join(steps) + "\n")
        sim = make_sim("probe.py", **kwargs)
        p = Probe(sim)
        sim.trace.listeners.append(p.heard)
        return p

    return run
