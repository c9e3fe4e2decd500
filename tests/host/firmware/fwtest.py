"""Reporting for the simulator's test firmwares: one `key=value` line per result on SER2 (the trace).

Python 1.5 subset. The tests read the lines back from Simulator.trace.
"""

import SER2
import sys


def report(key, value):
    SER2.send('%s=%s\r\n' % (key, escape(str(value))))


def escape(text):
    """Control and non-ASCII characters as \\xNN, so that a report stays on one line."""
    out = ''
    for c in text:
        if ord(c) < 32 or ord(c) > 126 or c == '\\':
            out = out + '\\x%02x' % ord(c)
        else:
            out = out + c
    return out


def typename(x):
    if type(x) == type(0):  # noqa: E721 - docs/design/py15.md section 2: 1.5 has no isinstance on built-in types
        return 'int'
    if type(x) == type(''):  # noqa: E721
        return 'str'
    if x is None:
        return 'None'
    return 'other'


def raised():
    """The name of the exception being handled."""
    return sys.exc_info()[0].__name__


def until(text, tail):
    """1 when `text` ends with `tail`."""
    n = len(tail)
    return len(text) >= n and text[-n:] == tail


def find(text, sub):
    """Index of `sub` in `text`, or -1 (1.5's str has no methods)."""
    n = len(sub)
    i = 0
    while i + n <= len(text):
        if text[i:i + n] == sub:
            return i
        i = i + 1
    return -1


def at(mdm, cmd, tenths):
    """Sends an AT command on `mdm` (MDM or MDM2); returns what came back up to a final result code
    (OK, ERROR, CONNECT, NO CARRIER) or '' after `tenths` of silence."""
    mdm.send(cmd + '\r', 10)
    got = ''
    while 1:
        chunk = mdm.receive(tenths)
        if len(chunk) == 0:
            return got
        got = got + chunk
        for final in ('OK\r\n', 'ERROR\r\n', 'NO CARRIER\r\n'):
            if until(got, final):
                return got
        if find(got, 'CONNECT') >= 0 and until(got, '\r\n'):
            return got
