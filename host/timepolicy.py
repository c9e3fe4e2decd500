"""The simulator loop's time policy (host/README.md "Clock policy"): the next clock deadline of anything
the simulator times, and how long one select() may wait, which is where virtual time jumps.

A part of Simulator kept apart: it reads the simulator's state and changes nothing but the virtual clock.
Clock times are float seconds; real waits are time.monotonic() seconds.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from host.simulator import Simulator

POLL_CAP_S = 0.005  # longest select() wait when the serial side has no descriptor to select on (loop://)


def next_deadline(sim: Simulator) -> float | None:
    """The earliest clock time at which something the simulator times is due (None: nothing is)."""
    serial = sim.serial
    assert serial is not None
    times = [sim.modem.next_deadline(), sim.watchdog.deadline, *sim._targets, serial.tx_deadline()]
    blocked = sim._blocked
    if blocked is not None:
        times.append(blocked.deadline)
        if blocked.serial_input:
            times.append(serial.rx_deadline())  # the call wakes when bytes have crossed the line
    if sim.physical is not None:
        times += [sim.physical.next_deadline(), serial.rx_deadline()]
    return min((t for t in times if t is not None), default=None)


def plan_wait(sim: Simulator, budget_s: float) -> float:
    """How long the next select() may wait; in virtual time, once the firmware is blocked (or not running)
    and real I/O has been quiet for sim.quiet_s, the clock jumps to the next deadline and 0 is returned."""
    serial = sim.serial
    assert serial is not None
    cap = budget_s if serial.fileno() is not None else min(budget_s, POLL_CAP_S)
    nxt = next_deadline(sim)
    now = sim.clock.now()
    if nxt is not None and nxt <= now:
        return 0.0
    if not sim.clock.virtual:
        return max(0.0, min(cap, nxt - now)) if nxt is not None else cap
    if sim.process is not None and sim._blocked is None:
        return cap  # virtual time stands still while the firmware computes
    quiet_left = sim.quiet_s - (time.monotonic() - sim._last_io)
    if quiet_left > 0:
        return min(cap, quiet_left)
    if nxt is None:
        return cap
    sim.clock.advance_to(nxt)
    return 0.0
