"""Findings: one problem found in a spec or a firmware file, printed as `file:line:col: rule: message`; and the
rule registry every checker keeps (`RuleSet`: a rule is a function registered with its id and sentence).

A leaf module: it imports nothing from the rest of `fsm/`. Every checker (schema, validator, subset checker,
file-name rules) returns a list of findings; the build prints them all, sorted, then fails.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any
from typing import Generic
from typing import TypeVar

__all__ = ["Finding", "Loc", "Rule", "RuleSet", "did_you_mean", "rel_path"]


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


def rel_path(path: Path, root: Path) -> str:
    """`path` as findings and reports name it: relative to `root` with `/`, or as given when outside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the closest known name, or '' when none is close."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


C = TypeVar("C")  # what a rule's check reads: a loaded spec set, a parsed firmware file
RuleCheck = Callable[[C], Iterable[tuple[Any, str]]]  # yields (where, message); the registry adds the rule id


@dataclass(frozen=True)
class Rule(Generic[C]):
    id: str  # kebab-case, one meaning: e.g. "unknown-guard", "py15-augassign"
    sentence: str  # what holds when the rule passes (validation report, --list-rules)
    check: RuleCheck[C] | None = None  # None: reported where it is declared (the YAML reader, the schema)


@dataclass
class RuleSet(Generic[C]):
    """An ordered registry of rules. `@rules.rule(id, sentence)` registers a check function; `declare(id,
    sentence)` registers an id reported by code that is not a rule function and returns the id to report."""

    rules: list[Rule[C]] = field(default_factory=list)

    def rule(self, rule_id: str, sentence: str) -> Callable[[RuleCheck[C]], RuleCheck[C]]:
        def register(check: RuleCheck[C]) -> RuleCheck[C]:
            self._add(Rule(rule_id, sentence, check))
            return check

        return register

    def declare(self, rule_id: str, sentence: str) -> str:
        self._add(Rule(rule_id, sentence))
        return rule_id

    def _add(self, rule: Rule[C]) -> None:
        if any(r.id == rule.id for r in self.rules):
            raise ValueError(f"rule id '{rule.id}' is registered twice")
        self.rules.append(rule)

    def __contains__(self, rule_id: object) -> bool:
        return any(r.id == rule_id for r in self.rules)

    @property
    def checks(self) -> list[Rule[C]]:
        """The rules that are functions, in registration order."""
        return [r for r in self.rules if r.check is not None]

    def sentences(self) -> dict[str, str]:
        """Rule id -> sentence, in registration order."""
        return {r.id: r.sentence for r in self.rules}
