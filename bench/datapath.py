"""1. Data-path overhead: the gateway against the hand-written copy loop, same emulation and interpreter.

CPU seconds of the firmware process per MB forwarded and Python-level calls per forwarded chunk (counted
by bench/firmware/profrun.py in a second, profiled run), and the ratio gateway / copy loop. Goal <= 1.10.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.report import Section
from bench.report import Table
from bench.report import verdict
from bench.rig import Rig
from bench.rig import move_both_ways
from bench.rig import payload
from bench.rig import prof_lines
from fsm.interpreters import Interpreter
from host.speed import PRESETS
from host.speed import ModuleSpeed

GOAL = 1.10
PACKET = 300  # the modem's automatic #PKTSZ: a whole number of packets leaves no tail waiting for #DSTO
MB = 3495 * PACKET  # 1,048,500 bytes
KINDS = ("gateway", "copyloop")
SPEEDS = ("pessimistic", "central")  # the module-time rows (host/README.md "Module speed")


@dataclass
class Cost:
    mb_each_way: int
    wall_s: float
    cpu_per_mb: float  # firmware CPU seconds per MB forwarded (both directions counted)
    exact: bool
    chunk_bytes: float = 0.0
    fw_calls: float = 0.0  # per chunk
    api_calls: float = 0.0
    c_calls: float = 0.0

    @property
    def calls(self) -> float:
        return self.fw_calls + self.api_calls + self.c_calls


def _cpu_run(kind: str, python: Interpreter, mb: int, reps: int, work: Path) -> Cost:
    best: Cost | None = None
    with Rig(kind, python, work / f"{kind}-{python.id}") as rig:
        rig.connect()
        for rep in range(reps):
            up, down = payload(2 * rep + 1, mb * MB), payload(2 * rep + 2, mb * MB)
            before = rig.stat().cpu_s
            moved = move_both_ways(rig, up, down, timeout_s=60 + 20 * mb)
            cpu = rig.stat().cpu_s - before
            cost = Cost(mb, moved.wall_s, cpu / (2 * mb), moved.up_ok and moved.down_ok)
            if best is None or cost.cpu_per_mb < best.cpu_per_mb:
                best = cost
    assert best is not None
    return best


def _profile_run(kind: str, python: Interpreter, mb: int, work: Path, cost: Cost) -> None:
    nvm = work / f"{kind}-{python.id}-prof"
    with Rig(kind, python, nvm, profiled=True) as rig:
        rig.connect()
        first = len(prof_lines(nvm))
        move_both_ways(rig, payload(7, mb * MB), payload(8, mb * MB), timeout_s=60 + 30 * mb)
        lines = prof_lines(nvm)
    if len(lines) < first + 2:
        return
    a, b = lines[first], lines[-1]
    chunks = b[0] - a[0]
    cost.chunk_bytes = (b[1] - a[1]) / chunks
    cost.fw_calls, cost.api_calls, cost.c_calls = ((b[i] - a[i]) / chunks for i in (2, 3, 4))


@dataclass
class ModuleTime:
    size: int  # bytes each way
    module_s: float  # clock seconds the transfer took: only the firmware's computing moves the clock here
    exact: bool
    lines: int  # Python line events over the transfer (host/telit/simspeed.py)
    calls: int
    builtins: int


def _module_time_run(python: Interpreter, speed: str, size: int, work: Path) -> ModuleTime:
    """The gateway forwards `size` bytes each way with the line and the link instant: the clock time it takes
    is the firmware's computing at the module's speed, so size / time is the pump's ceiling on the module."""
    with Rig("gateway", python, work / f"speed-{speed}-{python.id}", module_speed=PRESETS[speed]) as rig:
        rig.connect()
        sim = rig.sim
        assert sim.speed is not None
        t0, lines, calls, builtins = sim.clock.now(), sim.speed.lines, sim.speed.calls, sim.speed.builtins
        moved = move_both_ways(rig, payload(31, size), payload(32, size), timeout_s=600)
        return ModuleTime(size, sim.clock.now() - t0, moved.up_ok and moved.down_ok, sim.speed.lines - lines,
                          sim.speed.calls - calls, sim.speed.builtins - builtins)


def run(pythons: list[Interpreter], quick: bool) -> Section:
    mb = 2 if quick else 24
    reps = 1 if quick else 3
    costs: dict[tuple[str, str], Cost] = {}
    module_times: dict[tuple[str, str], ModuleTime] = {}
    with tempfile.TemporaryDirectory(prefix="bench-datapath-") as tmp:
        work = Path(tmp)
        for python in pythons:
            for kind in KINDS:
                cost = _cpu_run(kind, python, mb, reps, work)
                _profile_run(kind, python, max(1, mb // 4), work, cost)
                costs[(python.id, kind)] = cost
            for speed in SPEEDS:
                module_times[(python.id, speed)] = _module_time_run(python, speed, MB // 4 if quick else 2 * MB,
                                                                    work)
    section = _section(pythons, costs, mb, reps)
    table = Table(["interp", "module speed", "bytes each way", "module s", "kB/s each way", "byte-exact",
                   "bytecode-eq. per kB", "lines/calls/built-ins per kB"])
    for python in pythons:
        for speed in SPEEDS:
            m = module_times[(python.id, speed)]
            kb = 2 * m.size / 1000
            bytecodes = ModuleSpeed(PRESETS[speed]).bytecodes(m.lines, m.calls, m.builtins)
            table.add(python.id, f"{speed} ({PRESETS[speed]:,} bytecodes/s)", m.size, m.module_s,
                      m.size / m.module_s / 1000, "yes" if m.exact else "**NO**", bytecodes / kb,
                      f"{m.lines / kb:.1f} / {m.calls / kb:.1f} / {m.builtins / kb:.1f}")
    section.tables.append(("At the module's speed (line and link instant: the pump's computing ceiling)", table))
    section.notes.append(
        "At the module's speed: the same transfer with the firmware's computing charged at the research's "
        "pessimistic and central estimates (host/README.md \"Module speed\"); with the line and the link "
        "instant only that computing moves the clock, so kB/s each way is what the pump could forward on such a "
        "module if nothing else limited it (both ways at once). Per kB counts both directions.")
    return section



def _section(pythons: list[Interpreter], costs: dict[tuple[str, str], Cost], mb: int, reps: int) -> Section:
    section = Section(
        "1. Data-path overhead: gateway vs minimal copy loop",
        f"The firmware in the simulator (virtual clock), client mode `maintain` to a loopback server, forwarding "
        f"{mb} MB each way (here 1 MB = {MB:,} bytes, a whole number of 300-byte packets, so no tail waits for the "
        f"send timeout) at once as fast as it goes; the "
        f"baseline is `bench/firmware/copyloop.py` under the same emulation and interpreter. CPU is the firmware "
        f"process's own (`/proc/<pid>/schedstat`, the same time as utime+stime in ns), best of {reps}, per MB "
        f"forwarded counting both directions. Calls per chunk come from a separate run under "
        f"`bench/firmware/profrun.py` (`sys.setprofile`); a chunk is one non-empty `SER`/`MDM` read.",
    )
    detail = Table(["interp", "firmware", "wall s", "MB/s each way", "CPU ms/MB", "byte-exact", "bytes/chunk",
                    "fw calls/chunk", "built-in calls/chunk", "C calls/chunk", "all calls/chunk"])
    ratios = Table(["interp", "CPU/MB gateway/copy", "calls/chunk gateway/copy", "goal", "CPU verdict",
                    "calls verdict"])
    for python in pythons:
        for kind in KINDS:
            c = costs[(python.id, kind)]
            detail.add(python.id, kind, c.wall_s, c.mb_each_way / c.wall_s, c.cpu_per_mb * 1000,
                       "yes" if c.exact else "**NO**", c.chunk_bytes, c.fw_calls, c.api_calls, c.c_calls, c.calls)
        gw, cp = costs[(python.id, "gateway")], costs[(python.id, "copyloop")]
        cpu_ratio = gw.cpu_per_mb / cp.cpu_per_mb if cp.cpu_per_mb else float("nan")
        call_ratio = gw.calls / cp.calls if cp.calls else float("nan")
        ratios.add(python.id, cpu_ratio, call_ratio, f"<= {GOAL}", verdict(cpu_ratio <= GOAL),
                   verdict(call_ratio <= GOAL))
        if cpu_ratio > GOAL:
            section.missed.append(f"{python.id}: the gateway costs {cpu_ratio:.2f}x the copy loop's CPU per MB "
                                  f"(goal <= {GOAL}).")
        if call_ratio > GOAL:
            section.missed.append(f"{python.id}: the gateway makes {call_ratio:.2f}x the copy loop's calls per "
                                  f"chunk (goal <= {GOAL}).")
    section.tables += [("Per firmware", detail), ("Ratios (goal <= 1.10)", ratios)]
    section.notes += [
        "Built-in calls are `MDM`/`SER`/`MOD` calls; each is a round trip to the simulator here (a C call on "
        "the module), so they dominate the firmware's CPU on the PC.",
        "C calls (`len`, ...) are reported by the 2.7/3 profilers only.",
        "Why the gateway costs more than the copy loop (runtime/pump.py): the copy loop forwards whole "
        "chunks and nothing else, and on the module as it is it loses bytes (SER's 4096-byte buffer overflows "
        "while `MDM.send` waits for a slow link; the class 10 section measures the gateway there). The pump "
        "asks DCD (data or end-of-call text), the modem's CTS before a send and the device's RTS, raises CTS "
        "only after reads in a row found SER empty, and reads the clock after each pass that sent (watchdog). "
        "While CTS is low (the device is stopped, as whenever the backlog is high) it sends uplink pieces of "
        "2048 bytes and whole chunks to the device; with CTS high, uplink pieces stay small enough that a "
        "send's wait on a 2 kB/s link cannot overfill SER (260 bytes at 115200). The goal was set for a pump "
        "without flow control; with it the gap was about 14x (CPU) and 28x (calls) while every piece was "
        "small, and is the ratio above since pieces are large while CTS is low.",
        "Chunk sizes differ between the two firmwares (they poll at different rates), so compare CPU per MB "
        "first; calls per chunk explain where it goes.",
    ]
    return section
