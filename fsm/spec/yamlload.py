"""Strict YAML loading that keeps the file, line and column of every node.

Only the shapes specs need: mappings with string keys, sequences, and scalars that are int, bool
(`true`/`false` only), null (`null`/`~`) or str. `on`/`off`/`yes`/`no` stay strings (YAML 1.1 would make
them booleans). A duplicate key in one mapping is a finding, never "the last one wins".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from fsm.findings import Finding
from fsm.findings import Loc
from fsm.spec.rulebook import SPEC_RULES

_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)\Z")

YAML_SYNTAX = SPEC_RULES.declare("yaml-syntax", "the file is valid YAML, without merge keys")
DUPLICATE_KEY = SPEC_RULES.declare("duplicate-key", "no key appears twice in one mapping")
SCHEMA_KEY = SPEC_RULES.declare("schema-key", "mapping keys are plain words, not lists or mappings")


@dataclass(frozen=True)
class YScalar:
    value: int | bool | str | None
    loc: Loc


@dataclass(frozen=True)
class YSeq:
    items: tuple[YNode, ...]
    loc: Loc


@dataclass(frozen=True)
class YMap:
    items: tuple[tuple[str, Loc, YNode], ...]  # (key, where the key is, value)
    loc: Loc

    def get(self, key: str) -> YNode | None:
        for k, _, v in self.items:
            if k == key:
                return v
        return None

    def keys(self) -> tuple[str, ...]:
        return tuple(k for k, _, _ in self.items)


YNode = YScalar | YSeq | YMap


def _loc(path: str, node: yaml.Node) -> Loc:
    return Loc(path, node.start_mark.line + 1, node.start_mark.column + 1)


def _scalar(node: yaml.ScalarNode) -> int | bool | str | None:
    text = node.value
    if node.style:  # quoted or block: always a string
        return text
    if _INT.match(text):
        return int(text)
    if text in ("true", "false"):
        return text == "true"
    if text in ("null", "~", ""):
        return None
    return text


def _convert(path: str, node: yaml.Node, findings: list[Finding]) -> YNode:
    loc = _loc(path, node)
    if isinstance(node, yaml.ScalarNode):
        return YScalar(_scalar(node), loc)
    if isinstance(node, yaml.SequenceNode):
        return YSeq(tuple(_convert(path, n, findings) for n in node.value), loc)
    items: list[tuple[str, Loc, YNode]] = []
    seen: dict[str, Loc] = {}
    for knode, vnode in node.value:
        kloc = _loc(path, knode)
        if not isinstance(knode, yaml.ScalarNode):
            findings.append(Finding(kloc, SCHEMA_KEY, "mapping keys must be plain words"))
            continue
        key = str(knode.value)
        if key in seen:
            findings.append(Finding(kloc, DUPLICATE_KEY, f"key '{key}' already given at line {seen[key].line}"))
            continue
        seen[key] = kloc
        items.append((key, kloc, _convert(path, vnode, findings)))
    return YMap(tuple(items), loc)


def load(text: str, path: str) -> tuple[YNode | None, list[Finding]]:
    """Parse one YAML document; returns the node tree (None when unparseable) and the findings."""
    findings: list[Finding] = []
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Loc(path, mark.line + 1, mark.column + 1) if mark else Loc(path)
        findings.append(Finding(loc, YAML_SYNTAX, str(exc.problem or exc).strip()))
        return None, findings
    if root is None:
        findings.append(Finding(Loc(path, 1, 1), YAML_SYNTAX, "the file is empty"))
        return None, findings
    if any(isinstance(n, yaml.Node) and n.tag == "tag:yaml.org,2002:merge" for n in _walk(root)):
        findings.append(Finding(_loc(path, root), YAML_SYNTAX, "merge keys (<<) are not allowed in specs"))
    return _convert(path, root, findings), findings


def _walk(node: yaml.Node):  # noqa: ANN202 - tiny generator over the composed tree
    yield node
    if isinstance(node, yaml.SequenceNode):
        for n in node.value:
            yield from _walk(n)
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            yield k
            yield from _walk(v)
