"""Evaluates one Python expression per stdin line inside the firmware interpreter and prints its repr.

For unit tests of the firmware's pure logic under every interpreter (Python 1.5 subset). The modules to
import are named on the command line; a line that raises prints 'raised <exception>'.
"""

import sys

NAMES = {}
for _name in sys.argv[1:]:
    NAMES[_name] = __import__(_name)

while 1:
    line = sys.stdin.readline()
    if not line:
        break
    try:
        result = eval(line, NAMES)
        sys.stdout.write(repr(result) + '\n')
    except:  # noqa: E722 - report any failure of the expression
        sys.stdout.write('raised ' + str(sys.exc_info()[0]) + '\n')
    sys.stdout.flush()
