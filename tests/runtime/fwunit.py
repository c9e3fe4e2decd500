"""Calls firmware functions inside a firmware interpreter process (unit tests of pure logic), and reads a
firmware file's constants without running it."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from fsm.interpreters import Interpreter
from tests.support import GENERATED
from tests.support import RUNTIME
from tests.support import STUBS
from tests.support import run_firmware

RUNNER = Path(__file__).parent / "firmware" / "fwcall.py"


def int_constants(path: Path, prefix: str) -> dict[str, int]:
    """The module-level `NAME = <int>` assignments of a firmware file whose name starts with prefix."""
    out = {}
    for node in ast.parse(path.read_text()).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id.startswith(prefix) and isinstance(node.value, ast.Constant)):
            out[node.targets[0].id] = node.value.value
    return out


def assigned(path: Path, name: str) -> ast.expr:
    """The expression a firmware file assigns to `name` at module level (a generated table)."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id == name:
            return node.value
    raise AssertionError(f"{path.name} assigns no {name}")


def evaluate(python: Interpreter, modules: list[str], expressions: list[str], cwd: Path | None = None) -> list[Any]:
    """The value of each expression, evaluated in order in one firmware process (run from copies of the
    modules, so that a 1.5.2 writes its .pyc files there, never into the source tree)."""
    proc = run_firmware(python, RUNNER, [RUNTIME, GENERATED, STUBS], args=tuple(modules),
                        stdin="\n".join(expressions) + "\n", cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(expressions), proc.stdout + proc.stderr
    out = []
    for expr, line in zip(expressions, lines, strict=True):
        assert not line.startswith("raised"), f"{expr} -> {line}"
        out.append(ast.literal_eval(line))
    return out
