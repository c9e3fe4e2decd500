"""host/ has no import cycle: its module-level imports form a graph without loops (imports under
`if TYPE_CHECKING:` are for annotations only and never run)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support import ROOT

HOST = ROOT / "host"


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(body: list[ast.stmt], known: set[str]) -> set[str]:
    out: set[str] = set()
    for node in body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            out |= {f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known else node.module
                    for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.If | ast.Try):
            out |= _imports([*node.body, *node.orelse, *getattr(node, "finalbody", [])], known)
    return out & known


def import_graph(folder: Path) -> dict[str, set[str]]:
    """Module -> the modules of the same tree it imports when it is imported (the firmware stubs in
    host/telit/ run in the firmware's own process and are left out)."""
    paths = {_name(p): p for p in folder.rglob("*.py") if "telit" not in p.parts}
    known = set(paths)
    return {m: _imports(ast.parse(p.read_text()).body, known) - {m} for m, p in paths.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import loop as [a, b, ..., a], or [] when there is none."""
    done: set[str] = set()

    def visit(node: str, stack: list[str]) -> list[str]:
        if node in stack:
            return [*stack[stack.index(node):], node]
        if node in done:
            return []
        for dep in sorted(graph[node]):
            if found := visit(dep, [*stack, node]):
                return found
        done.add(node)
        return []

    for start in sorted(graph):
        if found := visit(start, []):
            return found
    return []


def test_host_has_no_import_cycle() -> None:
    graph = import_graph(HOST)
    assert "host.modem.cmd_csd" in graph["host.modem.commands"]
    assert find_cycle(graph) == []


def test_the_cycle_finder_finds_a_loop() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []
