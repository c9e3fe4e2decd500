"""Schema check: YAML node trees -> model objects, or findings naming file:line:col and the rule.

Rejects unknown keys (listing the allowed ones), wrong types and missing keys. Fills in no default that
the engineer did not write, except empty lists for optional callback lists.
"""

from __future__ import annotations

import re

from fsm.findings import Finding
from fsm.findings import Loc
from fsm.spec.rulebook import SPEC_RULES
from fsm.spec.yamlload import YMap
from fsm.spec.yamlload import YNode
from fsm.spec.yamlload import YScalar
from fsm.spec.yamlload import YSeq

IDENT = re.compile(r"[a-z][a-z0-9_]*\Z")

SCHEMA_UNKNOWN_KEY = SPEC_RULES.declare("schema-unknown-key", "only the keys of the spec language are used")
SCHEMA_MISSING = SPEC_RULES.declare("schema-missing", "required keys are present")
SCHEMA_TYPE = SPEC_RULES.declare("schema-type", "every value has the type its key needs")
SCHEMA_NAME = SPEC_RULES.declare("schema-name", "names are lower-case identifiers")


class Reader:
    """Typed accessors over YAML nodes that record findings instead of raising."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def err(self, loc: Loc, rule: str, message: str) -> None:
        self.findings.append(Finding(loc, rule, message))

    def mapping(self, node: YNode | None, what: str, allowed: tuple[str, ...],
                required: tuple[str, ...]) -> YMap | None:
        if not isinstance(node, YMap):
            if node is not None:
                self.err(node.loc, SCHEMA_TYPE, f"{what} must be a mapping with keys {', '.join(allowed)}")
            return None
        for key, kloc, _ in node.items:
            if key not in allowed:
                self.err(kloc, SCHEMA_UNKNOWN_KEY, f"unknown key '{key}' in {what}; allowed: {', '.join(allowed)}")
        for key in required:
            if node.get(key) is None and key not in node.keys():
                self.err(node.loc, SCHEMA_MISSING, f"{what} needs key '{key}'")
        return node

    def seq(self, node: YNode | None, what: str) -> tuple[YNode, ...]:
        if node is None:
            return ()
        if not isinstance(node, YSeq):
            self.err(node.loc, SCHEMA_TYPE, f"{what} must be a list")
            return ()
        return node.items

    def str_(self, node: YNode | None, what: str, default: str = "") -> str:
        if node is None:
            return default
        if not isinstance(node, YScalar) or not isinstance(node.value, str):
            self.err(node.loc, SCHEMA_TYPE, f"{what} must be text")
            return default
        return node.value

    def ident(self, node: YNode | None, what: str) -> str:
        """A name: lower-case letters, digits and '_', starting with a letter."""
        text = self.str_(node, what)
        if node is not None and text and not IDENT.match(text):
            self.err(node.loc, SCHEMA_NAME, f"{what} '{text}' must match [a-z][a-z0-9_]*")
        return text

    def int_(self, node: YNode | None, what: str) -> int | None:
        if node is None:
            return None
        if not isinstance(node, YScalar) or type(node.value) is not int:
            self.err(node.loc, SCHEMA_TYPE, f"{what} must be a whole number")
            return None
        return node.value

    def bool_(self, node: YNode | None, what: str) -> bool:
        if node is None:
            return False
        if not isinstance(node, YScalar) or type(node.value) is not bool:
            self.err(node.loc, SCHEMA_TYPE, f"{what} must be true or false")
            return False
        return node.value

    def names(self, node: YNode | None, what: str) -> tuple[str, ...]:
        """A name or a list of names (the transitions vocabulary accepts both)."""
        if node is None:
            return ()
        if isinstance(node, YScalar):
            return (self.ident(node, what),) if node.value is not None else ()
        return tuple(self.ident(n, what) for n in self.seq(node, what))

    def name_locs(self, node: YNode | None, what: str) -> tuple[tuple[str, Loc], ...]:
        if node is None:
            return ()
        if isinstance(node, YScalar):
            return ((self.ident(node, what), node.loc),)
        return tuple((self.ident(n, what), n.loc) for n in self.seq(node, what))
