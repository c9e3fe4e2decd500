"""The registry of every rule a spec can fail (`SPEC_RULES`): its id, its sentence and, for a rule function,
the check that reports it.

The YAML reader and the schema declare the ids they report where they report them (`SPEC_RULES.declare`);
the validation rules of `fsm/rules/` register themselves with `@SPEC_RULES.rule(id, sentence)`. Importing
`fsm.rules` registers them all; the validation report and the test that gives every rule a bad spec read
this one table.
"""

from __future__ import annotations

from typing import Any

from fsm.findings import RuleSet

__all__ = ["SPEC_RULES"]

SPEC_RULES: RuleSet[Any] = RuleSet()  # checks read a `fsm.spec.loader.Loaded`
