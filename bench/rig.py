"""The firmware under test in the simulator: the gateway (runtime/main.py) or the copy loop, optionally
wrapped in the call-counting entry, with its serial pty, a loopback TCP server it dials, and /proc readings.
"""

from __future__ import annotations

import os
import random
import select
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import serial

from host.clock import Clock
from host.clock import VirtualClock
from host.interpreters import Interpreter
from host.kindness import Kindness
from host.simulator import TELIT_DIR
from host.simulator import Simulator

ROOT = Path(__file__).resolve().parents[1]
BENCH_FW = ROOT / "bench" / "firmware"
GATEWAY_PATH = [ROOT / "runtime", ROOT / "generated", Path(TELIT_DIR)]
PHONE = "+447700900001"
WAIT_S = 60.0
TICK = os.sysconf("SC_CLK_TCK")
# The kindnesses of host/kindness.py the cost benchmarks ask for: they measure the firmware's cost per byte,
# so neither the serial line nor the GPRS link may be the bottleneck (instant_serial, instant_network,
# roomy_modem, roomy_serial_tx, serial_flow_control), and reads hand over whole chunks, so that the gateway
# and the copy loop get the same chunks to count calls by. The class 10 benchmark (bench/class10.py) asks for
# none: the module as it is.
FIRMWARE_COST_ONLY = Kindness(whole_chunks=True, serial_flow_control=True, instant_serial=True,
                              instant_network=True, roomy_modem=True, roomy_serial_tx=True)


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


class Rig:
    """One firmware process: `kind` is "gateway" or "copyloop"; `profiled` runs it under bench/firmware/profrun.py."""

    def __init__(self, kind: str, python: Interpreter, nvm: Path, *, profiled: bool = False,
                 clock: Clock | None = None, kindness: Kindness = FIRMWARE_COST_ONLY) -> None:
        self.kind = kind
        self.nvm = nvm
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.listener.setblocking(False)
        self.port = self.listener.getsockname()[1]
        self.conn: socket.socket | None = None
        module = "main" if kind == "gateway" else "copyloop"
        nvm.mkdir(parents=True, exist_ok=True)
        if kind == "copyloop":
            (nvm / "copyloop.cfg").write_text(f"127.0.0.1 {self.port}")
        path = [*GATEWAY_PATH, BENCH_FW] if kind == "gateway" else [BENCH_FW, Path(TELIT_DIR)]
        if profiled:
            (nvm / "profrun.cfg").write_text(module)
            entry = BENCH_FW / "profrun.py"
        else:
            entry = ROOT / "runtime" / "main.py" if kind == "gateway" else BENCH_FW / "copyloop.py"
        self.sim = Simulator(entry, path, python=python.path, clock=clock or VirtualClock(), nvm_dir=nvm,
                             kind=kindness)
        self.sim.start()
        self.serial = serial.serial_for_url(self.sim.serial_path, timeout=0, write_timeout=0)

    def close(self) -> None:
        self.serial.close()
        if self.conn is not None:
            self.conn.close()
        self.listener.close()
        self.sim.stop()

    def __enter__(self) -> Rig:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- time and observations
    def until(self, predicate: Callable[[], object], what: str, timeout_s: float = WAIT_S) -> None:
        self.sim.run_until(predicate, timeout_s, what)

    @property
    def pid(self) -> int:
        assert self.sim.process is not None
        assert self.sim.process.pid is not None
        return self.sim.process.pid

    def stat(self) -> ProcStat:
        return proc_stat(self.pid)

    def traced(self, text: str) -> bool:
        return any(text in line for line in self.sim.trace.lines())

    # --- SMS
    def command(self, text: str) -> str:
        before = len(self.sim.modem.outbox)
        self.sim.modem.deliver_sms(PHONE, text)
        self.until(lambda: len(self.sim.modem.outbox) > before, f"the reply to {text!r}")
        self.sim.run_for(2)
        return self.sim.modem.outbox[before][1]

    # --- connection
    def connect(self, extra: str = "maintain", setup: tuple[str, ...] = ()) -> None:
        """Boots and brings the data connection to the bench's server up (`setup`: SMS commands first)."""
        if self.kind == "gateway":
            self.until(lambda: self.traced("gateway: GPRS up"), "the gateway to bring GPRS up")
            self.sim.run_for(1)
            for text in ("connect baud 115200", *setup):
                self.command(text)
            self.command(f"connect mode client 127.0.0.1 {self.port} {extra}")
        self.accept()
        settle = time.monotonic() + 0.3  # real time: the copy loop busy-polls, so virtual time stands still
        self.until(lambda: time.monotonic() > settle, "the connection to settle")

    def accept(self) -> None:
        def accepted() -> bool:
            try:
                self.conn, _ = self.listener.accept()
            except BlockingIOError:
                return False
            self.conn.setblocking(False)
            return True

        self.until(accepted, "the firmware to connect to the bench server")

    # --- serial side
    def offer_serial(self, data: bytes) -> int:
        """Writes what the pty takes now without blocking (small pieces, only while select() says writable)."""
        sent = 0
        fd = self.serial.fileno()
        while sent < len(data) and select.select([], [fd], [], 0)[1]:
            sent += self.serial.write(data[sent:sent + 256]) or 0
        return sent

    def offer_tcp(self, data: bytes) -> int:
        assert self.conn is not None
        try:
            return self.conn.send(data)
        except BlockingIOError:
            return 0

    def take_tcp(self) -> bytes:
        assert self.conn is not None
        try:
            return self.conn.recv(1 << 20)
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
