"""Runs generated tables under runtime/engine.py in a firmware interpreter process, for the engine tests."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from fsm.emit.codegen import render_machine
from fsm.pipeline import load_specs
from fsm.spec.loader import Loaded
from host.firmware import stage_dirs
from host.interpreters import Interpreter

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fsm" / "fixtures" / "good"
RUNNER = Path(__file__).parent / "firmware" / "engrun.py"


def load_fixture() -> Loaded:
    loaded = load_specs(FIXTURE / "specs", FIXTURE / "runtime", ROOT)
    assert not loaded.findings, loaded.findings
    return loaded


def generate(loaded: Loaded, out: Path) -> Path:
    for m in loaded.specs.machines:
        (out / f"{m.module}.py").write_text(render_machine(m, loaded.runtime))
    return out


def run_engine(python: Interpreter, gen_dir: Path, module: str, script: list[str],
               runtime_dir: Path = FIXTURE / "runtime") -> list[str]:
    """Feeds the script to the engine runner; returns its output lines (trace lines and `state s`)."""
    with tempfile.TemporaryDirectory(prefix="engrun-") as tmp:  # copies: a 1.5.2 writes its .pyc files there
        dirs = stage_dirs([RUNNER.parent, gen_dir, runtime_dir, ROOT / "runtime"], Path(tmp))
        env = {"PYTHONPATH": os.pathsep.join(map(str, dirs[1:] + dirs[:1])), "PATH": os.environ.get("PATH", ""),
               "PYTHONDONTWRITEBYTECODE": "1"}
        proc = subprocess.run([python.path, str(dirs[0] / RUNNER.name), module], input="\n".join(script) + "\n",
                              capture_output=True, text=True, timeout=60, env=env, cwd=tmp)
    assert proc.returncode == 0, f"engine runner failed under {python.id}:\n{proc.stderr}"
    return proc.stdout.splitlines()
