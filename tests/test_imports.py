"""The PC-side packages form layers without circles: `fsm` (the toolchain) -> `host` (the simulator and the
deploy tool) -> `tests` and `bench`. A module imports only from its own layer or a lower one, and no import
cycle exists anywhere in them.

The import graph is built statically (ast) from every import statement: those inside functions (a lazy import
hides a cycle, it does not remove it) and those under `if TYPE_CHECKING:` (a cycle in the types is still two
modules that know each other). A module is a file reached from a package through folders that all have an
`__init__.py`: the firmware, its stubs and the bad fixtures, which the PC never imports, are not in it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support import ROOT

LAYERS = {"fsm": 0, "host": 1, "tests": 2, "bench": 2}  # a module may import its own layer or a lower one


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules(root: Path, package: str) -> list[Path]:
    """The package's importable modules: files whose folders, from the package down, all have an __init__.py."""
    top = root / package
    out = []
    for path in sorted(top.rglob("*.py")):
        folders = [path.parent, *path.parent.parents]
        if all((d / "__init__.py").is_file() for d in folders[: folders.index(top) + 1]):
            out.append(path)
    return out


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The dotted names an import statement loads (`from a import b`: `a.b`, the module `a` when b is not one)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        anchor = module.split(".") if is_package else module.split(".")[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    return [f"{base}.{alias.name}" for alias in node.names]  # a submodule, else an attribute of `base`


def import_graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    """Module -> the modules of `packages` it imports (every import statement, TYPE_CHECKING ones included)."""
    files = {module_name(p, root): p for pkg in packages for p in _modules(root, pkg)}
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges: set[str] = set()
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for name in _imported(node, module, path.name == "__init__.py"):
                while name and name not in files:  # `import a.b.c` of a function or a missing name: its module
                    name = name.rpartition(".")[0]
                if name and name != module:
                    edges.add(name)
        graph[module] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (`a, b, ..., a`), or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def upward_imports(graph: dict[str, set[str]], layers: dict[str, int]) -> list[str]:
    """Every `a -> b` where b's package sits on a higher layer than a's (the toolchain importing the simulator)."""
    def layer(module: str) -> int:
        return layers[module.partition(".")[0]]

    return [f"{a} -> {b}" for a in sorted(graph) for b in sorted(graph[a]) if layer(b) > layer(a)]


def test_the_packages_have_no_import_cycle_even_in_their_types() -> None:
    graph = import_graph(ROOT, tuple(LAYERS))
    assert "fsm.cert.pack" in graph["fsm.cert"]
    assert "fsm.spec.model" in graph["fsm.rules.machines"]
    assert "host.modem.atport" in graph["host.modem.cmd_csd"], "a TYPE_CHECKING import is an edge"
    assert "tests.runtime.firmware.tablerun" not in graph, "the firmware is no PC module"
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_each_package_imports_only_its_own_layer_or_a_lower_one() -> None:
    graph = import_graph(ROOT, tuple(LAYERS))
    assert any(b.startswith("fsm.") for b in graph["host.deploy"])
    assert upward_imports(graph, LAYERS) == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        for folder in (path.parent, *path.parent.parents):
            if folder == tmp_path:
                break
            (folder / "__init__.py").touch()
        path.write_text(text)
    return tmp_path


@pytest.mark.parametrize("how", ["top-level", "inside-a-function", "type-checking"])
def test_a_cycle_is_found(tmp_path: Path, how: str) -> None:
    back = {"top-level": "from pkg import a\n",
            "inside-a-function": "def h():\n    from pkg import a\n",
            "type-checking": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from pkg.a import A\n"}[how]
    root = _tree(tmp_path, {"pkg/a.py": "from pkg.b import g\n\n\nclass A:\n    pass\n",
                            "pkg/b.py": back + "\n\ndef g():\n    return 1\n"})
    assert find_cycle(import_graph(root, ("pkg",))) == ["pkg.a", "pkg.b", "pkg.a"]


def test_an_import_of_a_higher_layer_is_found(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"fsm/cert/evidence.py": "def versions():\n    from host.interpreters import found\n",
                            "host/interpreters.py": "def found():\n    return []\n",
                            "host/sim.py": "from fsm.cert import evidence\n",
                            "fsm/firmware/main.py": "import host.sim\n"})  # no __init__.py there: not a module
    (root / "fsm" / "firmware" / "__init__.py").unlink()
    graph = import_graph(root, ("fsm", "host"))
    assert "fsm.firmware.main" not in graph
    assert find_cycle(graph) is None
    assert upward_imports(graph, {"fsm": 0, "host": 1}) == ["fsm.cert.evidence -> host.interpreters"]
