"""Runs the steps of probe.cfg (one per line) and reports what each built-in call gave, for the tests of the
strict simulator. Python 1.5 subset. Steps (counts in bytes, timeouts in tenths):

  mdm <text>             MDM.send(text + CR, 10)
  mrecv <t>              report mchunk=<what one MDM.receive(t) gave>
  mcollect <text> <t>    MDM.receive(t) until <text> came (or a receive gave nothing): mchunk=<each chunk>
  mread                  report mread=<MDM.read()>
  msend <n> <t>          MDM.send(<n bytes of the pattern>, t): report msend=<result>
  mcts | dcd             report mcts=<MDM.getCTS()> | dcd=<MDM.getDCD()>
  srecv <n> <t>          SER.receive(t) until <n> bytes came (or one gave nothing): schunk=<size> each, stotal
  sdrain                 SER.read() until empty: report sdrain=<bytes>
  ssend <n>              SER.send(<n bytes of the pattern>): report ssend=<result>
  speed <baud> <format>  SER.set_speed: report speed=<result>
  cts <0|1>              SER.setCTS
  sleep <t>              MOD.sleep(t)
  sec                    report sec=<MOD.secCounter()>
  mark <name>            report mark=<name>
Every step ends with a report step=<index>; the end with done=1.
"""

import MDM
import MOD
import SER

import fwtest

r = fwtest.report
PATTERN = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'


def pattern(n):
    text = ''
    while len(text) < n:
        text = text + PATTERN
    return text[:n]


def words(line):
    """The first word and the rest of the line."""
    i = fwtest.find(line, ' ')
    if i < 0:
        return line, ''
    return line[:i], line[i + 1:]


def mcollect(rest):
    text, t = words(rest)
    got = ''
    while fwtest.find(got, text) < 0:
        chunk = MDM.receive(int(t))
        if len(chunk) == 0:
            return
        r('mchunk', chunk)
        got = got + chunk


def srecv(rest):
    n, t = words(rest)
    total = 0
    while total < int(n):
        chunk = SER.receive(int(t))
        if len(chunk) == 0:
            break
        r('schunk', len(chunk))
        total = total + len(chunk)
    r('stotal', total)


def sdrain():
    """Reads until three reads in a row find nothing (a read may find nothing while data waits)."""
    total = 0
    empty = 0
    while empty < 3:
        chunk = SER.read()
        if len(chunk) > 0:
            total = total + len(chunk)
            empty = 0
        else:
            empty = empty + 1
    r('sdrain', total)


def step(name, rest):
    if name == 'mdm':
        MDM.send(rest + '\r', 10)
    elif name == 'mrecv':
        r('mchunk', MDM.receive(int(rest)))
    elif name == 'mcollect':
        mcollect(rest)
    elif name == 'mread':
        r('mread', MDM.read())
    elif name == 'msend':
        n, t = words(rest)
        r('msend', MDM.send(pattern(int(n)), int(t)))
    elif name == 'mcts':
        r('mcts', MDM.getCTS())
    elif name == 'dcd':
        r('dcd', MDM.getDCD())
    elif name == 'srecv':
        srecv(rest)
    elif name == 'sdrain':
        sdrain()
    elif name == 'ssend':
        r('ssend', SER.send(pattern(int(rest))))
    elif name == 'speed':
        baud, fmt = words(rest)
        r('speed', SER.set_speed(baud, fmt))
    elif name == 'cts':
        SER.setCTS(int(rest))
    elif name == 'sleep':
        MOD.sleep(int(rest))
    elif name == 'sec':
        r('sec', MOD.secCounter())
    elif name == 'mark':
        r('mark', rest)


def lines(text):
    out = []
    while len(text) > 0:
        i = fwtest.find(text, '\n')
        if i < 0:
            i = len(text)
        line = text[:i]
        if len(line) > 0 and line[-1] == '\r':
            line = line[:-1]
        if len(line) > 0:
            out.append(line)
        text = text[i + 1:]
    return out


f = open('probe.cfg', 'r')
steps = lines(f.read())
f.close()
i = 0
while i < len(steps):
    name, rest = words(steps[i])
    step(name, rest)
    r('step', i)
    i = i + 1
r('done', 1)
while 1:
    MOD.sleep(100)
