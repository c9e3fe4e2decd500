"""`python -m fsm.py15 runtime generated host/telit`: check firmware files against the Python 1.5 subset."""

import sys

from fsm.py15.check import main

sys.exit(main())
