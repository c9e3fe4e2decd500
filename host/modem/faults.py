"""Injected AT faults: the next N command lines matching a regex get another reply, none, a URC inside, or
a call accepted as they run.

Matching is re.search on the whole command line as logged in at_log (e.g. 'AT#GPRS=1'); the first armed
rule that matches is used and counts down; at zero it disarms. No timers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass
class FaultRule:
    kind: str  # "error" (reply instead of running), "silence" (no answer, not run), "interleave", "call"
    pattern: re.Pattern[str]
    count: int
    text: str  # the reply for "error", the URC for "interleave"


class Faults:
    def __init__(self) -> None:
        self.rules: list[FaultRule] = []

    def error_next(self, pattern: str, count: int = 1, reply: str = "ERROR") -> None:
        """The next `count` matching commands are not run and answer `reply` (any text) instead."""
        self._arm("error", pattern, count, reply)

    def silence_next(self, pattern: str, count: int = 1) -> None:
        """The next `count` matching commands are not run and get no answer at all."""
        self._arm("silence", pattern, count, "")

    def interleave(self, pattern: str, urc: str, count: int = 1) -> None:
        """The next `count` matching commands run normally with `urc` inserted among their response lines."""
        self._arm("interleave", pattern, count, urc)

    def call_during(self, pattern: str, count: int = 1) -> None:
        """A client waiting at the #SKTL listener is accepted as the next `count` matching commands run: the
        command runs, its answer is lost in the switch to data mode, `+CONN FROM:` and `CONNECT` follow.
        Until then the listener accepts nobody by itself, so a test's client waits for that moment. (The
        manuals do not say what becomes of the answer of a command that a self-accepting #SKTL interrupts:
        lost is the harsher reading.)"""
        self._arm("call", pattern, count, "")

    def holds_calls(self) -> bool:
        """Whether the listener must leave a waiting client to a `call_during` command."""
        return any(rule.kind == "call" for rule in self.rules)

    def clear(self) -> None:
        self.rules.clear()

    def take(self, line: str) -> FaultRule | None:
        """The rule that applies to this command line (consuming one use of it), or None."""
        for rule in self.rules:
            if rule.pattern.search(line):
                rule.count -= 1
                if rule.count <= 0:
                    self.rules.remove(rule)
                return rule
        return None

    def _arm(self, kind: str, pattern: str, count: int, text: str) -> None:
        if count < 1:
            raise ValueError(f"fault count must be >= 1, got {count}")
        self.rules.append(FaultRule(kind, re.compile(pattern), count, text))
