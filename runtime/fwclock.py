# The firmware's clock: MOD.secCounter() seconds without its jumps.
#
# The module's counter follows the clock the network sets, so it can leap forward or back (modemg guards
# against negative elapsed times). Every deadline is kept on this clock instead: each reading adds the
# time since the last one, but a step backwards, or forwards by more than MAX_STEP_S, is taken as a jump
# and adds nothing. The firmware reads the clock far more often than that (the main loop every pass,
# the data pump every few seconds, every wait kicks the watchdog of WATCHDOG_S), so a real step is never
# that long.

import MOD

MAX_STEP_S = 300   # a longer step between two readings is a jump of the counter, not time that passed

_last = None       # the counter at the last reading
_now = 0           # this clock's time


def now():
    global _last, _now
    c = MOD.secCounter()
    if _last is not None:
        step = c - _last
        if step > 0 and step <= MAX_STEP_S:
            _now = _now + step
    _last = c
    return _now
