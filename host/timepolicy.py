"""The simulator loop's time policy (host/README.md "Clock policy"): how long one select() may wait, and
when virtual time jumps to the next deadline.

A pure policy: the simulator hands it the facts (its deadlines, whether the firmware computes, when real
I/O last happened), and it changes nothing but the virtual clock. Clock times are float seconds; real
waits and `last_io` are time.monotonic() seconds.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from host.clock import Clock

POLL_CAP_S = 0.005  # longest select() wait when the serial side has no descriptor to select on (loop://)


def plan_wait(clock: Clock, deadlines: Iterable[float | None], budget_s: float, *, selectable: bool,
              computing: bool, quiet_s: float, last_io: float) -> float:
    """How long the next select() may wait. `deadlines`: the clock times at which something the simulator
    times is due (None: that part waits for nothing); `selectable`: the serial side has a descriptor;
    `computing`: the firmware runs and is not blocked in a call. In virtual time, once the firmware does not
    compute and real I/O has been quiet for `quiet_s`, the clock jumps to the next deadline and 0 is
    returned."""
    cap = budget_s if selectable else min(budget_s, POLL_CAP_S)
    nxt = min((t for t in deadlines if t is not None), default=None)
    now = clock.now()
    if nxt is not None and nxt <= now:
        return 0.0
    if not clock.virtual:
        return max(0.0, min(cap, nxt - now)) if nxt is not None else cap
    if computing:
        return cap  # virtual time stands still while the firmware computes
    quiet_left = quiet_s - (time.monotonic() - last_io)
    if quiet_left > 0:
        return min(cap, quiet_left)
    if nxt is None:
        return cap
    clock.advance_to(nxt)
    return 0.0
