# Table engine: runs the generated tables with the semantics of `transitions` 0.9 (docs/design/decisions.md section 2).
#
# For an event, the state's transitions are tried in spec order: prepare, then conditions (all true) and
# unless (all false); the first that passes runs before -> on_exit -> state change -> on_enter -> after
# (internal transitions, dest -1, skip exit/enter). Events raised by callbacks are queued and run after the
# current one, as Machine(queued=True) does. State timeouts count whole seconds of the injected clock
# (fwclock.now on the module: MOD.secCounter without its jumps). Python 1.5 subset: no True/False, no string methods,
# no nested scopes.

INTERNAL = -1  # dest of an internal transition in the generated tables

# The columns of the generated tables' rows are named here, where they are read; the tables do not repeat
# them, and tests/runtime/test_engine.py checks every generated row against these names.
# A transition row (TRANSITIONS, TABLE):
TR_INDEX = 0       # the transition's number in spec order
TR_PREPARE = 1     # functions run before the guards
TR_CONDITIONS = 2  # guards that must all be true
TR_UNLESS = 3      # guards that must all be false
TR_BEFORE = 4      # actions before the state change
TR_AFTER = 5       # actions after it
TR_DEST = 6        # destination state, or INTERNAL
# A state's timeout (TIMEOUT), or None for none:
TO_SECONDS = 0     # after this many seconds ...
TO_SETTING = 1     # ... or, when not None, the seconds of this setting (m.values; 0 = no timeout)
TO_EVENT = 2       # the event it raises

# Trace kinds passed to the trace hook as trace(m, kind, value); value is an event, state or transition index.
T_EVENT = 0
T_IGNORED = 1
T_UNHANDLED = 2
T_NO_TRANSITION = 3  # handled, but every guard said no
T_TRANSITION = 4
T_EXIT = 5
T_ENTER = 6
T_TIMEOUT = 7
TRACE_KINDS = ('event', 'ignored', 'unhandled', 'no-transition', 'transition', 'exit', 'enter', 'timeout')


class Machine:
    # One running machine: its tables (a generated module), state, queue and timeout deadline.

    def __init__(self, tables, ctx, clock, values):
        self.t = tables
        self.ctx = ctx        # whatever the callbacks share (the firmware's context object)
        self.clock = clock    # function returning whole seconds (fwclock.now)
        self.values = values  # settings by name, for timeouts given as a setting (0 = no timeout)
        self.state = tables.INITIAL
        self.trace = None     # None, or a function trace(m, kind, value): costs one test per event when off
        self.queue = []
        self.busy = 0
        self.deadline = -1    # clock value at which the state's timeout fires, -1 for none
        self.unhandled = 0    # events the tables do not handle (the validator makes this impossible)


def start(m):
    # Arms the initial state's timeout. Like transitions, entering the initial state runs no callbacks.
    arm_timeout(m)


def state_name(m):
    return m.t.STATES[m.state]


def activity(m):
    # The function to run while in the current state (the data pump), or None.
    return m.t.ACTIVITY[m.state]


def arm_timeout(m):
    spec = m.t.TIMEOUT[m.state]
    if spec is None:
        m.deadline = -1
        return
    seconds = spec[TO_SECONDS]
    if spec[TO_SETTING] is not None:
        seconds = m.values[spec[TO_SETTING]]
    if seconds > 0:
        m.deadline = m.clock() + seconds
    else:
        m.deadline = -1


def poll(m):
    # Raises the current state's timeout event when its time has come; returns 1 if it did.
    if m.deadline < 0 or m.clock() < m.deadline:
        return 0
    m.deadline = -1
    event = m.t.TIMEOUT[m.state][TO_EVENT]
    if m.trace is not None:
        m.trace(m, T_TIMEOUT, event)
    dispatch(m, event, None)
    return 1


def dispatch(m, event, arg):
    # Queues an event and, unless a callback of this machine is running, processes the queue.
    m.queue.append((event, arg))
    if m.busy:
        return
    m.busy = 1
    try:
        while len(m.queue) > 0:
            queued, queued_arg = m.queue.pop(0)
            _fire(m, queued, queued_arg)
    finally:
        # A callback that raised leaves nothing queued behind it, as in transitions.
        m.busy = 0
        m.queue = []


def _passes(m, t, arg):
    for f in t[TR_PREPARE]:
        f(m, arg)
    for f in t[TR_CONDITIONS]:
        if not f(m, arg):
            return 0
    for f in t[TR_UNLESS]:
        if f(m, arg):
            return 0
    return 1


def _fire(m, event, arg):
    trace = m.trace
    if trace is not None:
        trace(m, T_EVENT, event)
    row = m.t.TABLE[m.state][event]
    if row is None:
        m.unhandled = m.unhandled + 1
        if trace is not None:
            trace(m, T_UNHANDLED, event)
        return
    if len(row) == 0:
        if trace is not None:
            trace(m, T_IGNORED, event)
        return
    for t in row:
        if _passes(m, t, arg):
            _take(m, t, arg)
            return
    if trace is not None:
        trace(m, T_NO_TRANSITION, event)


def _take(m, t, arg):
    trace = m.trace
    if trace is not None:
        trace(m, T_TRANSITION, t[TR_INDEX])
    for f in t[TR_BEFORE]:
        f(m, arg)
    dest = t[TR_DEST]
    if dest != INTERNAL:
        if trace is not None:
            trace(m, T_EXIT, m.state)
        for f in m.t.ON_EXIT[m.state]:
            f(m, arg)
        m.state = dest
        if trace is not None:
            trace(m, T_ENTER, dest)
        for f in m.t.ON_ENTER[dest]:
            f(m, arg)
        # Armed after the entry actions, so one of them may set a timeout read from m.values (back-off).
        arm_timeout(m)
    for f in t[TR_AFTER]:
        f(m, arg)
