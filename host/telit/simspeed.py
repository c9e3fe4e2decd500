"""Module speed in the simulator: counts the firmware's Python work between two built-in calls.

Used only when the simulator runs with a module speed (host/README.md "Module speed"): simlink then starts
it, and every request carries `#<lines>,<calls>,<written> `, the Python 'line' and 'call' events the firmware
ran since its previous request and the bytes it wrote to files meanwhile (the module's flash). The simulator
prices them (host/speed.py) and moves its clock by that much before it answers. The emulated built-ins
themselves (this directory) are the module's C code: their frames are not counted, and neither are the import
machinery's frames of CPython 3 ('<frozen ...>'), which the module's C import does not have. Without module
speed nothing here runs: no trace function, no wrapped open(), no cost.
"""

import sys

lines = 0  # 'line' events since the last take()
calls = 0  # 'call' events (firmware frames entered) since the last take()
written = 0  # bytes written to files since the last take()
_here = ''  # the directory of the emulated built-ins (this file's), as their code objects name it
_skip = {}  # file name -> 1 when its frames are not counted, 0 when they are


def _skipped(name):
    skip = _skip.get(name, -1)
    if skip < 0:
        skip = 0
        if name[:1] == '<' or name[:len(_here)] == _here:
            skip = 1
        _skip[name] = skip
    return skip


def _global(frame, event, arg):
    global calls
    if _skipped(frame.f_code.co_filename):
        return None
    calls = calls + 1
    return _local


def _local(frame, event, arg):
    global lines
    if event == 'line':
        lines = lines + 1
    return _local


def take():
    """The counts since the last take as the request's prefix, and starts counting again."""
    global lines, calls, written
    text = '#%d,%d,%d ' % (lines, calls, written)
    lines = 0
    calls = 0
    written = 0
    return text


class _Written:
    """A file the firmware opened for writing: what it writes is counted (the flash's time, host/speed.py)."""

    def __init__(self, f):
        self.f = f

    def write(self, text):
        global written
        written = written + len(text)
        return self.f.write(text)

    def close(self):
        return self.f.close()

    def flush(self):
        return self.f.flush()

    def read(self, size=-1):
        return self.f.read(size)

    def seek(self, offset, whence=0):
        return self.f.seek(offset, whence)

    def tell(self):
        return self.f.tell()


_open = None  # the interpreter's open()


def _opened(name, mode='r', buffering=-1, encoding=None, errors=None, newline=None):
    # open() as the firmware calls it: with three arguments (1.5.2, 2.7) or six (3.x: a 2.7 open refuses them
    # with TypeError, as it would without the wrapper, which runtime/fwboot.py relies on).
    if encoding is None and errors is None and newline is None:
        f = _open(name, mode, buffering)
    else:
        f = _open(name, mode, buffering, encoding, errors, newline)
    if mode[:1] == 'w' or mode[:1] == 'a':
        return _Written(f)
    return f


def _count_writes():
    global _open
    where = sys.modules.get('__builtin__')  # 1.5.2 and 2.7
    if where is None:
        where = sys.modules['builtins']
    _open = where.open
    where.open = _opened


def _directory(path):
    i = len(path)
    while i > 0 and path[i - 1] != '/':
        i = i - 1
    return path[:i]


def start():
    """Counts from now on: the trace function for new frames, and the frames already running (the
    firmware's modules that are importing the built-ins) get the line counter too. Returns take."""
    global _here
    _here = _directory(__file__)
    try:
        raise ValueError('frames')
    except ValueError:
        kind, value, tb = sys.exc_info()
    frame = tb.tb_frame.f_back
    del kind, value, tb
    while frame is not None:
        if not _skipped(frame.f_code.co_filename):
            frame.f_trace = _local
        frame = frame.f_back
    _count_writes()
    sys.settrace(_global)
    return take
