"""Reports that it started, then fails with an uncaught ZeroDivisionError."""

import fwtest


def fail(n):
    return divmod(1, n)


fwtest.report('started', 1)
fail(0)
