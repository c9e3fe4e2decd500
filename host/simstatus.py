"""What the simulator reports about itself: the console's `status` and the message of a run_until() timeout.

Read-only views of a Simulator; times are clock seconds except where `real` is said.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from host.simulator import Simulator


def status(sim: Simulator) -> dict[str, Any]:
    serial = sim.serial
    crash = sim.crash
    return {
        "state": sim.state,
        "pid": sim.process.pid if sim.process is not None else None,
        "blocked_in": sim.blocked_in,
        "clock_s": round(sim.clock.now(), 3),
        "sec_counter": max(0, int(sim.clock.now()) + sim.sec_offset),
        "virtual": sim.clock.virtual,
        "seed": sim.seed,
        "kindness": " ".join(sim.kind.given()) or "none (as hard as the module)",
        "reboots": sim.reboots,
        "watchdog_s": sim.watchdog.period_s,
        "calls": sim.calls,
        "serial": serial.path if serial is not None else None,
        "speed": " ".join(serial.speed) if serial is not None else None,
        "lines": dict(serial.lines_out) if serial is not None else {},
        "serial_lost": serial.lost if serial is not None else 0,  # arrived while SER's buffer was full
        "serial_waiting": serial.waiting_out() if serial is not None else 0,  # sent by SER, not yet on the line
        "modem": sim.modem.describe(),
        "saved_profile": sim.modem.state.saved_profile.as_text(),
        "crash": (crash.exception or f"status {crash.returncode}") if crash is not None else None,
    }


def timeout_message(sim: Simulator, what: str, timeout_real_s: float) -> str:
    s = status(sim)
    lines = "\n  ".join(sim.trace.tail(8)) or "(none)"
    crash = f"; last exit: {sim.crash.describe()}" if sim.crash else ""
    return (f"timed out after {timeout_real_s:g} s (real) waiting for {what}; seed {sim.seed}, clock {s['clock_s']} s, "
            f"firmware {s['state']}, blocked in {s['blocked_in']}, modem {s['modem']['mode']}{crash}"
            f"\nlast trace lines:\n  {lines}")
