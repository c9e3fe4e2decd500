"""The wrong-password lockout's table, read through the names smsguard owns (L_*), under every interpreter."""

from __future__ import annotations

from fsm.interpreters import Interpreter
from tests.runtime.fwunit import evaluate

# A guard after five wrong passwords from one sender at times 100..104 (LOCK_FAILS is 5): its one entry.
ENTRY = "(lambda g: [g.failed('+4477', t) for t in range(100, 105)] and g.entries[0])(smsguard.Guard())"


def test_a_lockout_entry_is_read_by_its_names(firmware_python: Interpreter) -> None:
    got = evaluate(firmware_python, ["smsguard"], [
        f"{ENTRY}[smsguard.{n}]" for n in ("L_SENDER", "L_FIRST_S", "L_FAILS", "L_UNTIL_S")] + ["smsguard.LOCK_S"])
    sender, first, fails, until, lock_s = got
    assert (sender, first, fails, until) == ("+4477", 100, 5, 104 + lock_s)
