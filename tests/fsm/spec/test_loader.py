"""Strict YAML loading: locations on every element, no YAML 1.1 booleans, no silent duplicate keys."""

from __future__ import annotations

from fsm.spec.yamlload import YMap
from fsm.spec.yamlload import YScalar
from fsm.spec.yamlload import YSeq
from fsm.spec.yamlload import load


def test_on_off_yes_no_stay_words_and_true_false_are_booleans() -> None:
    node, findings = load("a: on\nb: off\nc: yes\nd: no\ne: true\nf: 12\ng: '12'\nh: null\n", "x.yaml")
    assert findings == []
    assert isinstance(node, YMap)
    values = {k: v.value for k, _, v in node.items if isinstance(v, YScalar)}
    assert values == {"a": "on", "b": "off", "c": "yes", "d": "no", "e": True, "f": 12, "g": "12", "h": None}


def test_every_node_keeps_file_line_and_column() -> None:
    node, _ = load("states:\n  - name: dark\n  - lit\n", "specs/lamp.yaml")
    assert isinstance(node, YMap)
    states = node.get("states")
    assert isinstance(states, YSeq)
    first, second = states.items
    assert str(first.loc) == "specs/lamp.yaml:2:5"
    assert str(second.loc) == "specs/lamp.yaml:3:5"


def test_duplicate_key_is_a_finding_not_last_one_wins() -> None:
    node, findings = load("a: 1\nb: 2\na: 3\n", "d.yaml")
    assert [str(f) for f in findings] == ["d.yaml:3:1: duplicate-key: key 'a' already given at line 1"]
    assert isinstance(node, YMap)
    assert node.get("a") == YScalar(1, node.get("a").loc)


def test_empty_file_is_a_finding() -> None:
    node, findings = load("", "e.yaml")
    assert node is None
    assert [f.rule for f in findings] == ["yaml-syntax"]
