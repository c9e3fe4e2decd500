"""Conformance runner: many paths through runtime/engine.py in one firmware process (Python 1.5 subset).

stdin lines: `machine <tables module>` (a fresh engine machine, clock at 1000), `value <name> <int>`,
`start`, `guards [<guard> <0|1> ...]` (what the recording guards of module rec answer in the next step),
`event <name>`, `wait <n>` (the clock runs n seconds, then `waited <n>` is written), `timeout <n>` (the
same for n-1 seconds, then 1 more second), `end`.
stdout: the trace (`event e`, `guard g`, `action a`, `transition i`, ...), `state s` after `start` and every
step, an `error ...` line if a step raised, and `end` (flushed) after each path.
"""

import sys

import compat
import engine
import rec

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
    rec.LOG.append(engine.TRACE_KINDS[kind] + ' ' + text)


def tables_of(name):
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


def flush():
    for line in rec.LOG:
        sys.stdout.write(line + '\n')
    del rec.LOG[:]


def step(m, index, words):
    cmd = words[0]
    if cmd == 'event':
        engine.dispatch(m, index[words[1]], None)
    elif cmd == 'timeout':
        CLOCK[0] = CLOCK[0] + int(words[1]) - 1
        engine.poll(m)
        rec.LOG.append('waited ' + str(int(words[1]) - 1))
        CLOCK[0] = CLOCK[0] + 1
        engine.poll(m)
    elif cmd == 'wait':
        CLOCK[0] = CLOCK[0] + int(words[1])
        engine.poll(m)
        rec.LOG.append('waited ' + words[1])
    elif cmd == 'start':
        engine.start(m)


def run():
    m = None
    index = None
    while 1:
        line = sys.stdin.readline()
        if not line:
            break
        words = compat.split(line)
        if len(words) == 0:
            continue
        cmd = words[0]
        if cmd == 'machine':
            found = tables_of(words[1])
            index = found[1]
            CLOCK[0] = 1000
            m = engine.Machine(found[0], {}, clock, {})
            m.trace = on_trace
        elif cmd == 'value':
            m.values[words[1]] = int(words[2])
        elif cmd == 'guards':
            rec.OUT.clear()
            i = 1
            while i + 1 < len(words):
                rec.OUT[words[i]] = int(words[i + 1])
                i = i + 2
        elif cmd == 'end':
            sys.stdout.write('end\n')
            sys.stdout.flush()
        else:
            try:
                step(m, index, words)
            except Exception:
                rec.LOG.append('error ' + str(sys.exc_info()[0]) + ' ' + str(sys.exc_info()[1]))
            flush()
            sys.stdout.write('state ' + engine.state_name(m) + '\n')


run()
