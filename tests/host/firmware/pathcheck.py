"""Reports which modules it can import (only its own directory and the stdlib should be reachable) and
where its modules and its working directory are (never in the source tree)."""

import fwtest
import MDM
import os
import sys


def can_import(name):
    try:
        __import__(name)
    except ImportError:
        return 0
    return 1


for name in ('host', 'fsm', 'serial', 'pytest', 'runtime', 'tests', 'fwtest', 'MDM'):
    fwtest.report('import ' + name, can_import(name))
fwtest.report('file main', sys.argv[0])
fwtest.report('file fwtest', fwtest.__file__)
fwtest.report('file MDM', MDM.__file__)
fwtest.report('cwd', os.getcwd())
fwtest.report('done', 1)
