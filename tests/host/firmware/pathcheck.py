"""Reports which modules it can import: only its own directory and the stdlib should be reachable."""

import fwtest


def can_import(name):
    try:
        __import__(name)
    except ImportError:
        return 0
    return 1


for name in ('host', 'fsm', 'serial', 'pytest', 'runtime', 'tests', 'fwtest', 'MDM'):
    fwtest.report('import ' + name, can_import(name))
fwtest.report('done', 1)
