"""Calls firmware functions inside a firmware interpreter process (unit tests of pure logic)."""

from __future__ import annotations

import ast
import os
import subprocess
from pathlib import Path
from typing import Any

from host.interpreters import Interpreter

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).parent / "firmware" / "fwcall.py"
STUBS = Path(__file__).parent / "stubs"


def evaluate(python: Interpreter, modules: list[str], expressions: list[str], cwd: Path | None = None) -> list[Any]:
    """The value of each expression, evaluated in order in one firmware process."""
    path = os.pathsep.join(str(p) for p in (ROOT / "runtime", ROOT / "generated", STUBS, RUNNER.parent))
    env = {"PYTHONPATH": path, "PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([python.path, str(RUNNER), *modules], input="\n".join(expressions) + "\n",
                          capture_output=True, text=True, timeout=60, env=env, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(expressions), proc.stdout + proc.stderr
    out = []
    for expr, line in zip(expressions, lines, strict=True):
        assert not line.startswith("raised"), f"{expr} -> {line}"
        out.append(ast.literal_eval(line))
    return out
