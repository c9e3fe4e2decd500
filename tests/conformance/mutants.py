"""Mutants of a generated table module, to show the differential run has teeth.

Each mutant is the module's source with one edit made at the place `ast` finds it (the layout of the
template is not assumed): two adjacent transitions of a TABLE cell swapped, one action dropped from a
transition tuple, a transition's dest changed (an internal one made external), or a constant timeout made
one second longer (a setting-valued one replaced by its value plus one).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from fsm.spec.model import Machine

SLOTS = {1: "prepare", 4: "before", 5: "after"}  # action slots of a transition tuple (see machine.py.j2)
DEST = 6


@dataclass(frozen=True)
class Mutant:
    kind: str  # swap | drop-action | dest | timeout
    what: str
    transitions: tuple[int, ...]  # the transitions the edit touches (empty for a timeout)
    source: str


class _Text:
    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        for line in text.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def span(self, node: ast.expr) -> tuple[int, int]:
        assert node.end_lineno is not None
        assert node.end_col_offset is not None
        return (self.starts[node.lineno - 1] + node.col_offset, self.starts[node.end_lineno - 1] + node.end_col_offset)

    def seg(self, node: ast.expr) -> str:
        a, b = self.span(node)
        return self.text[a:b]

    def edit(self, *changes: tuple[ast.expr, str]) -> str:
        out = self.text
        for node, new in sorted(changes, key=lambda c: self.span(c[0]), reverse=True):
            a, b = self.span(node)
            out = out[:a] + new + out[b:]
        return out


def _tup(items: list[str]) -> str:
    return "()" if not items else "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _assigned(tree: ast.Module) -> dict[str, ast.expr]:
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            out[node.targets[0].id] = node.value
    return out


def _elts(node: ast.expr) -> list[ast.expr]:
    assert isinstance(node, ast.Tuple), ast.dump(node)
    return node.elts


def mutants(m: Machine, source: str, values: dict[str, int]) -> list[Mutant]:
    """Every mutant of the four kinds that the machine's tables allow."""
    text = _Text(source)
    names = _assigned(ast.parse(source))
    out: list[Mutant] = []
    for si, row in enumerate(_elts(names["TABLE"])):
        for ei, cell in enumerate(_elts(row)):
            if not isinstance(cell, ast.Tuple):
                continue
            ts = m.transitions_from(m.states[si].name, m.events[ei].name)
            for k in range(len(cell.elts) - 1):
                a, b = cell.elts[k], cell.elts[k + 1]
                out.append(Mutant("swap", f"{m.states[si].name} x {m.events[ei].name}: tried {ts[k + 1].index} "
                                  f"before {ts[k].index}", (ts[k].index, ts[k + 1].index),
                                  text.edit((a, text.seg(b)), (b, text.seg(a)))))
    for t in m.transitions:
        elts = _elts(names[f"T{t.index}"])
        for slot, slot_name in SLOTS.items():
            acts = _elts(elts[slot])
            for k in range(len(acts)):
                rest = [text.seg(x) for j, x in enumerate(acts) if j != k]
                out.append(Mutant("drop-action", f"transition {t.index}: {slot_name} action {k} dropped",
                                  (t.index,), text.edit((elts[slot], _tup(rest)))))
        states = m.state_names
        new = states.index(t.source) if t.dest is None else (states.index(t.dest) + 1) % len(states)
        out.append(Mutant("dest", f"transition {t.index}: dest {t.dest or '(internal)'} -> {states[new]}",
                          (t.index,), text.edit((elts[DEST], str(new)))))
    for si, spec in enumerate(_elts(names["TIMEOUT"])):
        if not isinstance(spec, ast.Tuple):
            continue
        s = m.states[si]
        assert s.timeout is not None
        secs = values[s.timeout.key] if s.timeout.key else (s.timeout.seconds or 0)
        new_spec = f"({secs + 1}, None, {text.seg(spec.elts[2])})"
        out.append(Mutant("timeout", f"{s.name}: timeout {secs} s -> {secs + 1} s", (), text.edit((spec, new_spec))))
    return out
