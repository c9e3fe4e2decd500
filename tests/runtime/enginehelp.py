"""Runs the fixture's generated tables under runtime/engine.py in a firmware interpreter process (the one
table runner, tests/runtime/firmware/tablerun.py), for the engine tests."""

from __future__ import annotations

from pathlib import Path

from fsm.emit.codegen import render_machine
from fsm.interpreters import Interpreter
from fsm.pipeline import load_specs
from fsm.spec.loader import Loaded
from tests.support import FIXTURE
from tests.support import ROOT
from tests.support import RUNTIME
from tests.support import TABLE_RUNNER
from tests.support import run_firmware

# What the fixture's callbacks (tests/fsm/fixtures/good/runtime/doorio.py) read until a script sets them.
FIXTURE_CTX = {"allowed": 1, "jammed": 0, "attempts": 0}
FIXTURE_VALUES = {"hold_open_s": 30}  # the setting the `opened` state's timeout reads


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
    """Feeds `machine <module>`, the fixture's context and settings and the script to the table runner; returns its
    output lines (trace lines, `state s` after each step)."""
    lines = [f"machine {module}", *[f"set {k} {v}" for k, v in FIXTURE_CTX.items()],
             *[f"value {k} {v}" for k, v in FIXTURE_VALUES.items()], *script]
    proc = run_firmware(python, TABLE_RUNNER, [gen_dir, runtime_dir, RUNTIME], stdin="\n".join(lines) + "\n")
    assert proc.returncode == 0, f"table runner failed under {python.id}:\n{proc.stderr}"
    return proc.stdout.splitlines()
