"""The Python 1.5 subset checker (docs/design/py15.md): `python -m fsm.py15 runtime generated host/telit`."""

from fsm.py15.check import SUBSET_RULES
from fsm.py15.check import check_paths
from fsm.py15.check import check_source

__all__ = ["SUBSET_RULES", "check_paths", "check_source"]
