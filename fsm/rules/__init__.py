"""Validation rules: every check a loaded spec set must pass before anything is generated.

One registry (`fsm.spec.rulebook.SPEC_RULES`): a rule is a function registered with its id and sentence
(`machines`; `conversation`, the events runtime/ sends between machines; `commands`); ids reported while reading
YAML and the schema are declared where they are reported.
`check_specs` runs every rule; `rule_ids` lists every id a spec can fail with (validation report, meta-test).
"""

from __future__ import annotations

from fsm.findings import Finding
from fsm.rules import commands
from fsm.rules import conversation
from fsm.rules import machines
from fsm.spec.loader import Loaded
from fsm.spec.rulebook import SPEC_RULES

__all__ = ["check_specs", "rule_ids"]

RULE_MODULES = (machines, conversation, commands)  # imported for their registrations


def check_specs(loaded: Loaded) -> list[Finding]:
    """The findings of every rule function, each with its file, line and rule id (unsorted)."""
    found = []
    for rule in SPEC_RULES.checks:
        assert rule.check is not None
        found += [Finding(loc, rule.id, message) for loc, message in rule.check(loaded)]
    return found


def rule_ids() -> dict[str, str]:
    """Every rule id a spec can fail with, and its sentence."""
    return SPEC_RULES.sentences()
