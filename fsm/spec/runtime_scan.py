"""Index of the functions `runtime/` defines, found by parsing its sources (never importing them).

Guards, actions and activities named in the specs must be top-level functions of some runtime module,
taking exactly (m, arg): the engine's machine and the event's argument.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from fsm.findings import Loc


@dataclass(frozen=True)
class RuntimeFunction:
    name: str
    module: str
    loc: Loc
    params: tuple[str, ...]
    not_implemented: bool  # the body raises NotImplementedError: a placeholder for a later issue


@dataclass(frozen=True)
class RuntimeIndex:
    functions: tuple[RuntimeFunction, ...]
    modules: tuple[str, ...]

    def lookup(self, name: str) -> tuple[RuntimeFunction, ...]:
        return tuple(f for f in self.functions if f.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted({f.name for f in self.functions}))


def _raises_not_implemented(fn: ast.FunctionDef) -> bool:
    for node in ast.walk(fn):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(target, ast.Name) and target.id == "NotImplementedError":
                return True
    return False


def scan_runtime(runtime_dir: Path, root: Path) -> RuntimeIndex:
    functions = []
    modules = []
    for path in sorted(runtime_dir.glob("*.py")):
        modules.append(path.stem)
        rel = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        except SyntaxError:
            continue  # the subset checker reports it
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                functions.append(RuntimeFunction(
                    name=node.name,
                    module=path.stem,
                    loc=Loc(rel, node.lineno, node.col_offset + 1),
                    params=tuple(a.arg for a in node.args.args),
                    not_implemented=_raises_not_implemented(node),
                ))
    return RuntimeIndex(tuple(functions), tuple(modules))
