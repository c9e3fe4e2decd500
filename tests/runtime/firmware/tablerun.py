"""Drives runtime/engine.py over generated tables from a script on stdin (Python 1.5 subset): the one
firmware runner of the engine tests (tests/runtime/enginehelp.py) and the conformance tests.

stdin lines:
  machine <tables module>   a fresh machine, clock at 1000, empty log and guard answers
  set <ctx key> <int>       m.ctx[key] (the fixture's callbacks read their answers there)
  guards [<guard> <0|1> ...]  the answers of the recording guards (m.ctx['out']) from now on
  value <setting> <int>     m.values[setting] (timeouts read settings)
  start                     arms the initial state's timeout
  event <name> [arg]        dispatches the event
  advance <n>               the clock runs n seconds, then a poll
  wait <n>                  the same, then `waited <n>` is logged
  timeout <n>               the clock runs n-1 seconds (poll, `waited <n-1>`), then 1 more (poll)
  end                       writes `end` and flushes
After each of start/event/advance/wait/timeout: the log (trace lines, `guard g` and `action a` from the
callbacks, an `error ...` line if the step raised) and `state <s>`.
"""

import sys

import compat
import engine

CLOCK = [1000]
MODULES = {}


def clock():
    return CLOCK[0]


def on_trace(m, kind, value):
    if kind == engine.T_TRANSITION:
        text = str(value)
    elif kind == engine.T_EXIT or kind == engine.T_ENTER:
        text = m.t.STATES[value]
    else:
        text = m.t.EVENTS[value]
    m.ctx['log'].append(engine.TRACE_KINDS[kind] + ' ' + text)


def tables_of(name):
    """The tables module and its event index by name (imported once per process)."""
    found = MODULES.get(name)
    if found is None:
        module = __import__(name)
        index = {}
        i = 0
        while i < len(module.EVENTS):
            index[module.EVENTS[i]] = i
            i = i + 1
        found = (module, index)
        MODULES[name] = found
    return found


def new_machine(name):
    found = tables_of(name)
    CLOCK[0] = 1000
    m = engine.Machine(found[0], {'log': [], 'out': {}}, clock, {})
    m.trace = on_trace
    m.events = found[1]
    return m


def run_clock(m, seconds):
    CLOCK[0] = CLOCK[0] + seconds
    engine.poll(m)


def step(m, words):
    cmd = words[0]
    if cmd == 'start':
        engine.start(m)
    elif cmd == 'event':
        arg = None
        if len(words) > 2:
            arg = words[2]
        engine.dispatch(m, m.events[words[1]], arg)
    elif cmd == 'advance':
        run_clock(m, int(words[1]))
    elif cmd == 'wait':
        run_clock(m, int(words[1]))
        m.ctx['log'].append('waited ' + words[1])
    elif cmd == 'timeout':
        run_clock(m, int(words[1]) - 1)
        m.ctx['log'].append('waited ' + str(int(words[1]) - 1))
        run_clock(m, 1)
    else:
        raise ValueError('unknown command ' + cmd)


def flush(m):
    for line in m.ctx['log']:
        sys.stdout.write(line + '\n')
    m.ctx['log'] = []


def setup(m, words):
    """The commands that only prepare a step; returns 0 for a step."""
    cmd = words[0]
    if cmd == 'set':
        m.ctx[words[1]] = int(words[2])
    elif cmd == 'value':
        m.values[words[1]] = int(words[2])
    elif cmd == 'guards':
        out = {}
        i = 1
        while i + 1 < len(words):
            out[words[i]] = int(words[i + 1])
            i = i + 2
        m.ctx['out'] = out
    else:
        return 0
    return 1


def run():
    m = None
    while 1:
        line = sys.stdin.readline()
        if not line:
            break
        words = compat.split(line)
        if len(words) == 0:
            continue
        if words[0] == 'machine':
            m = new_machine(words[1])
        elif words[0] == 'end':
            sys.stdout.write('end\n')
            sys.stdout.flush()
        elif not setup(m, words):
            try:
                step(m, words)
            except Exception:
                m.ctx['log'].append('error ' + str(sys.exc_info()[0]) + ' ' + str(sys.exc_info()[1]))
            flush(m)
            sys.stdout.write('state ' + engine.state_name(m) + '\n')
    sys.stdout.flush()


run()
