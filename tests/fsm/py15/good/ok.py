"""Allowed constructs of the Python 1.5 subset: the checker finds nothing here, and the file prints the
same lines under CPython 2.7 and 3 (run with runtime/ on the path, for compat).
"""

import sys

import compat

COUNT = 0
MASK = 0x7fffffff
MISSING = []
SETTINGS = {'port': 8080}
BANNER = 'SMS gateway ' + \
    'for Telit ' 'modules'
PATTERN = r'\d+'
double = lambda x: x * 2


class Base:
    """A class without parentheses."""

    def __init__(self, name):
        self.name = name

    def describe(self):
        return 'base %s' % self.name


class Port(Base):
    def __init__(self, name, number):
        Base.__init__(self, name)
        self.number = number

    def describe(self):
        return Base.describe(self) + ' port %d' % self.number


class Empty:
    pass


def bump():
    global COUNT
    COUNT = COUNT + 1
    return COUNT


def parse(s):
    try:
        n = int(s)
    except ValueError:
        return -1
    else:
        return n


def guarded(f, arg):
    """try/finally around try/except: the nested form of try/except/finally."""
    try:
        try:
            return f(arg)
        except KeyError:
            return -2
    finally:
        bump()


def lookup(d, key):
    if d.get(key, MISSING) is MISSING:
        raise KeyError(key)
    return d[key]


def setting(key):
    return lookup(SETTINGS, key)


def total(words):
    n = 0
    for w in words:
        try:
            v = parse(w)
            if v < 0:
                raise ValueError(w)
        except ValueError:
            continue
        if v > 100:
            break
        n = n + v
    return n


def count_positive(rows):
    """A loop entirely inside the try body may continue."""
    found = 0
    try:
        for row in rows:
            if row <= 0:
                continue
            found = found + 1
    except TypeError:
        found = -1
    return found


def checksum(data):
    acc = 0
    i = 0
    while 1:
        if i >= len(data):
            break
        acc = (acc + ord(data[i])) & 0xffff
        i = i + 1
    return acc


def pair(a, b):
    return '%s+%s' % (a, b)


def call(f, args):
    """apply() where it exists (1.5, 2.7); 3 has none, so spell the two arguments out there."""
    try:
        fn = apply
    except NameError:
        return f(args[0], args[1])
    return fn(f, args)


def varargs(*args, **kw):
    return len(args) + len(kw)


def error_text():
    try:
        raise ValueError('bad port')
    except ValueError:
        return str(sys.exc_info()[1])


def run():
    lines = []
    lines.append(BANNER)
    lines.append('%s %d %02x' % ('fmt', 7, 255))
    lines.append('%(name)s=%(value)d' % {'name': 'port', 'value': 8080})
    lines.append(compat.join(compat.split('a b  c'), ','))
    lines.append('%d %d' % (compat.startswith('AT+CREG', 'AT'), compat.endswith('AT', 'X')))
    lines.append(str(total(['1', 'x', '2', '300', '4'])))
    lines.append(str(count_positive([1, -2, 3])))
    lines.append(str(checksum('ABC')))
    lines.append(call(pair, ('x', 'y')))
    lines.append(str(varargs(1, 2, k=3)))
    lines.append(str(guarded(setting, 'missing')) + ' ' + str(guarded(setting, 'port')) + ' ' + str(COUNT))
    lines.append(Port('ser', 1).describe())
    lines.append(str(double(21)) + ' ' + str(MASK))
    lines.append(str(divmod(17, 5)) + ' ' + str(17 >> 1))
    lines.append(error_text())
    d = {'b': 2, 'a': 1}
    keys = list(d.keys())
    keys.sort()
    lines.append(compat.join(keys, ''))
    if 'x' in 'xyz' and type(BANNER) == type('') and Empty is not None:
        lines.append(BANNER[:3] + BANNER[-7:] + PATTERN)
    sys.stdout.write(compat.join(lines, '\n') + '\n')


if __name__ == '__main__':
    run()
