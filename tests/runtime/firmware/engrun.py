"""Drives runtime/engine.py over a generated table from a script on stdin (Python 1.5 subset).

usage: python engrun.py <tables module>; stdin lines: `event <name> [arg]`, `set <ctx key> <int>`,
`value <setting> <int>`, `advance <seconds>`, `start`. Every trace line and callback record goes to stdout.
"""

import sys

import compat
import engine

CLOCK = [1000]


def clock():
    return CLOCK[0]


def on_trace(m, kind, value):
    name = engine.TRACE_KINDS[kind]
    if kind == engine.T_TRANSITION:
        text = str(value)
    elif kind == engine.T_EXIT or kind == engine.T_ENTER:
        text = m.t.STATES[value]
    else:
        text = m.t.EVENTS[value]
    m.ctx['log'].append(name + ' ' + text)


def index_of(names, name):
    i = 0
    while i < len(names):
        if names[i] == name:
            return i
        i = i + 1
    raise ValueError('unknown name ' + name)


def flush(ctx):
    for line in ctx['log']:
        sys.stdout.write(line + '\n')
    ctx['log'] = []


def run(tables):
    ctx = {'log': [], 'allowed': 1, 'jammed': 0, 'attempts': 0}
    m = engine.Machine(tables, ctx, clock, {'hold_open_s': 30})
    m.trace = on_trace
    while 1:
        line = sys.stdin.readline()
        if not line:
            break
        words = compat.split(line)
        if len(words) == 0:
            continue
        cmd = words[0]
        if cmd == 'start':
            engine.start(m)
        elif cmd == 'event':
            arg = None
            if len(words) > 2:
                arg = words[2]
            engine.dispatch(m, index_of(tables.EVENTS, words[1]), arg)
        elif cmd == 'set':
            ctx[words[1]] = int(words[2])
        elif cmd == 'value':
            m.values[words[1]] = int(words[2])
        elif cmd == 'advance':
            CLOCK[0] = CLOCK[0] + int(words[1])
            engine.poll(m)
        flush(ctx)
        sys.stdout.write('state ' + engine.state_name(m) + '\n')
    sys.stdout.flush()


run(__import__(sys.argv[1]))
