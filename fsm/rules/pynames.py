"""Names a spec must not give a state, event, callback, setting or argument: keywords and built-ins of
Python 1.5.2, 2.7 and 3.x (`PYTHON_RESERVED`; the module names firmware files must avoid are in modnames.py)."""

from __future__ import annotations

import builtins
import keyword

# Python 1.5.2's keywords and built-in names (from its reference manual), then those of today's Python.
_PY15_KEYWORDS = (
    "and assert break class continue def del elif else except exec finally for from global if import in is "
    "lambda not or pass print raise return try while"
).split()
_PY15_BUILTINS = (
    "abs apply buffer callable chr cmp coerce compile complex delattr dir divmod eval execfile filter float "
    "getattr globals hasattr hash hex id input int intern isinstance issubclass len list locals long map max "
    "min oct open ord pow range raw_input reduce reload repr round setattr slice str tuple type vars xrange"
).split()
_PY27_EXTRA = "unicode unichr basestring file bytes bool object".split()

PYTHON_RESERVED: frozenset[str] = frozenset(
    [*_PY15_KEYWORDS, *_PY15_BUILTINS, *_PY27_EXTRA, *keyword.kwlist, *keyword.softkwlist]
    + [n for n in dir(builtins) if not n.startswith("_")]
)
