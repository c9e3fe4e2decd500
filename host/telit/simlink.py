"""The link from the emulated Telit built-ins to the simulator; host/link.py owns the protocol.

Each call writes one request frame to the firmware process's standard output and reads one reply frame
from its standard input. The simulator starts the interpreter with PYTHONIOENCODING=latin-1, so one
character is one byte on 1.5.2, 2.7 and 3.x alike. sys.stdout is moved to sys.stderr at import so that a
stray write cannot corrupt the link: firmware diagnostics go to SER2 (the trace port) or to stderr.
"""

import sys

_in = sys.stdin
_out = sys.stdout
sys.stdout = sys.stderr

HEADER_LEN = 8
ERRORS = {'TypeError': TypeError, 'ValueError': ValueError, 'IOError': IOError}
COUNT_FLAG = '--simlink-count'  # on the firmware's command line: module speed is on (simspeed.py)

_counts = None  # simspeed.take while module speed is on: the counts each request starts with
if getattr(sys, 'argv', []).count(COUNT_FLAG):
    import simspeed
    _counts = simspeed.start()


def call(head, data):
    """One built-in call: `head` is the call name and its integer arguments ('MDM.send 50'), `data` the
    string argument ('' when none). Returns the reply's int, string or None, or raises its exception."""
    body = head + '\n' + data
    if _counts is not None:
        body = _counts() + body
    _out.write('%08d' % len(body))
    _out.write(body)
    _out.flush()
    size = _in.read(HEADER_LEN)
    if len(size) < HEADER_LEN:
        _lost()
    body = _in.read(int(size))
    kind = body[:1]
    if kind == 's':
        return body[1:]
    if kind == 'i':
        return int(body[1:])
    if kind == 'n':
        return None
    if kind == 'e':
        _raise(body[1:])
    _lost()


def _raise(text):
    """Raises the exception an `e` reply names: '<ExceptionName> <message>'."""
    i = 0
    while i < len(text) and text[i] != ' ':
        i = i + 1
    raise ERRORS.get(text[:i], RuntimeError)(text[i + 1:])


def _lost():
    raise SystemExit('simlink: the simulator closed the link or broke the protocol')
