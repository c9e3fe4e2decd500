"""Calls firmware functions inside a firmware interpreter process (unit tests of pure logic)."""

from __future__ import annotations

import ast
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from host.firmware import stage_dirs
from host.interpreters import Interpreter

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).parent / "firmware" / "fwcall.py"
STUBS = Path(__file__).parent / "stubs"


def evaluate(python: Interpreter, modules: list[str], expressions: list[str], cwd: Path | None = None) -> list[Any]:
    """The value of each expression, evaluated in order in one firmware process (run from copies of the
    modules, so that a 1.5.2 writes its .pyc files there, never into the source tree)."""
    with tempfile.TemporaryDirectory(prefix="fwunit-") as tmp:
        dirs = stage_dirs([RUNNER.parent, ROOT / "runtime", ROOT / "generated", STUBS], Path(tmp))
        env = {"PYTHONPATH": os.pathsep.join(map(str, dirs)), "PATH": os.environ.get("PATH", ""),
               "PYTHONDONTWRITEBYTECODE": "1"}
        proc = subprocess.run([python.path, str(dirs[0] / RUNNER.name), *modules],
                              input="\n".join(expressions) + "\n", capture_output=True, text=True, timeout=60,
                              env=env, cwd=cwd or tmp)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(expressions), proc.stdout + proc.stderr
    out = []
    for expr, line in zip(expressions, lines, strict=True):
        assert not line.startswith("raised"), f"{expr} -> {line}"
        out.append(ast.literal_eval(line))
    return out
