"""Findings: one problem found in a spec or a firmware file, printed as `file:line:col: rule: message`.

A leaf module: it imports nothing from the rest of `fsm/`. Every checker (schema, validator, subset checker,
file-name rules) returns a list of these; the build prints them all, sorted, then fails.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Loc:
    """Where an element was written: path as given (repo-relative when possible), 1-based line and column."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line and self.col:
            return f"{self.file}:{self.line}:{self.col}"
        if self.line:
            return f"{self.file}:{self.line}"
        return self.file


@dataclass(frozen=True, order=True)
class Finding:
    loc: Loc
    rule: str  # kebab-case rule id, e.g. "unknown-guard", "py15-augassign"
    message: str

    def __str__(self) -> str:
        return f"{self.loc}: {self.rule}: {self.message}"
