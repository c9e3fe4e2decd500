"""The firmware under test in the simulator: the gateway (runtime/main.py) or the copy loop, optionally
wrapped in the call-counting entry, with its serial pty, a loopback TCP server it dials, and /proc readings.
Driven like the end-to-end tests' gateway (tests/e2e/gateway.py), which it extends with what a benchmark needs.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fsm.interpreters import Interpreter
from host.clock import Clock
from host.clock import VirtualClock
from host.kindness import Kindness
from tests.e2e.gateway import FIRMWARE
from tests.e2e.gateway import Gateway
from tests.e2e.gateway import Server
from tests.support import LAYOUT

BENCH_FW = Path(__file__).parent / "firmware"  # the bench's own firmware: the copy loop, the call counter
WAIT_S = 60.0
TICK = os.sysconf("SC_CLK_TCK")
# The kindnesses of host/kindness.py the cost benchmarks ask for: they measure the firmware's cost per byte,
# so neither the serial line nor the GPRS link may be the bottleneck (instant_serial, instant_network,
# roomy_modem, roomy_serial_tx, serial_flow_control), and reads hand over whole chunks (whole_chunks,
# long_serial_reads), so that the gateway
# and the copy loop get the same chunks to count calls by. The class 10 benchmark (bench/class10.py) asks for
# none: the module as it is.
FIRMWARE_COST_ONLY = Kindness(whole_chunks=True, serial_flow_control=True, instant_serial=True,
                              instant_network=True, roomy_modem=True, roomy_serial_tx=True, long_serial_reads=True)


@dataclass(frozen=True)
class ProcStat:
    cpu_s: float  # user + system
    hwm_kib: int  # VmHWM
    rss_kib: int  # VmRSS


def proc_stat(pid: int) -> ProcStat:
    sched = Path(f"/proc/{pid}/schedstat")
    if sched.exists():  # nanoseconds on the CPU (the same time as utime + stime, without the 10 ms ticks)
        cpu = int(sched.read_text().split()[0]) / 1e9
    else:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14, 15 of proc(5))
    status = {k: v for k, _, v in (line.partition(":")
                                   for line in Path(f"/proc/{pid}/status").read_text().splitlines())}
    return ProcStat(cpu, int(status["VmHWM"].split()[0]), int(status["VmRSS"].split()[0]))


def payload(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


class Rig(Gateway):
    """One firmware process: `kind` is "gateway" or "copyloop"; `profiled` runs it under bench/firmware/profrun.py.
    It does not trace its transitions (that would cost it CPU); `server` is the loopback server it dials.
    `module_speed`: the firmware's computing costs clock time (host/README.md "Module speed"); None: free."""

    def __init__(self, kind: str, python: Interpreter, nvm: Path, *, profiled: bool = False,
                 clock: Clock | None = None, kindness: Kindness = FIRMWARE_COST_ONLY,
                 module_speed: int | None = None) -> None:
        self.kind = kind
        self.server = Server(self)
        module = "main" if kind == "gateway" else "copyloop"
        nvm.mkdir(parents=True, exist_ok=True)
        if kind == "copyloop":
            (nvm / "copyloop.cfg").write_text(f"127.0.0.1 {self.server.port}")
        path = [*FIRMWARE, BENCH_FW] if kind == "gateway" else [BENCH_FW, LAYOUT.emulated]
        if profiled:
            (nvm / "profrun.cfg").write_text(module)
            entry = BENCH_FW / "profrun.py"
        else:
            entry = LAYOUT.main if kind == "gateway" else BENCH_FW / "copyloop.py"
        try:
            super().__init__(python, nvm, wait_boot=False, entry=entry, path=path, clock=clock or VirtualClock(),
                             kind=kindness, trace=False, module_speed=module_speed)
        except BaseException:
            self.server.close()
            raise

    def close(self) -> None:
        self.server.close()
        super().close()

    def __enter__(self) -> Rig:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- time and observations
    def until(self, predicate: Callable[[], object], what: str, timeout_s: float = WAIT_S) -> None:
        super().until(predicate, what, timeout_s)  # the benchmarks' own patience, longer than a test's

    @property
    def pid(self) -> int:
        assert self.sim.process is not None
        assert self.sim.process.pid is not None
        return self.sim.process.pid

    def stat(self) -> ProcStat:
        return proc_stat(self.pid)

    # --- connection
    def connect(self, extra: str = "maintain", setup: tuple[str, ...] = ()) -> None:
        """Boots and brings the data connection to the bench's server up (`setup`: SMS commands first)."""
        if self.kind == "gateway":
            self.booted()
            for text in ("connect baud 115200", *setup):
                self.command(text)
            self.command(f"connect mode client 127.0.0.1 {self.server.port} {extra}")
        self.accept()
        settle = time.monotonic() + 0.3  # real time: the copy loop busy-polls, so virtual time stands still
        self.until(lambda: time.monotonic() > settle, "the connection to settle")

    def accept(self) -> None:
        self.server.accept("the firmware to connect to the bench server")

    # --- the server's side
    def offer_tcp(self, data: bytes) -> int:
        assert self.server.conn is not None
        try:
            return self.server.conn.send(data)
        except BlockingIOError:
            return 0

    def take_tcp(self) -> bytes:
        assert self.server.conn is not None
        try:
            return self.server.conn.recv(1 << 20)
        except BlockingIOError:
            return b""


@dataclass
class Moved:
    wall_s: float
    up_ok: bool
    down_ok: bool
    up_got: int
    down_got: int


def move_both_ways(rig: Rig, up: bytes, down: bytes, timeout_s: float) -> Moved:
    """Sends `up` into the serial port and `down` from the server at once, as fast as they are taken."""
    sent_up = sent_down = 0
    got_up = bytearray()
    got_down = bytearray()

    def moved() -> bool:
        nonlocal sent_up, sent_down
        if sent_up < len(up):
            sent_up += rig.offer_serial(up[sent_up:sent_up + 65536])
        if sent_down < len(down):
            sent_down += rig.offer_tcp(down[sent_down:sent_down + 65536])
        got_up.extend(rig.take_tcp())
        got_down.extend(rig.serial.read(1 << 20))
        return len(got_up) >= len(up) and len(got_down) >= len(down)

    started = time.monotonic()
    rig.until(moved, f"{len(up)} bytes each way", timeout_s)
    return Moved(time.monotonic() - started, bytes(got_up) == up, bytes(got_down) == down, len(got_up),
                 len(got_down))


def prof_lines(nvm: Path) -> list[list[int]]:
    path = nvm / "profrun.out"
    if not path.exists():
        return []
    return [[int(x) for x in line.split()] for line in path.read_text().splitlines() if line.strip()]
