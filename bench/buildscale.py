"""4. Build scaling: `build.py build --no-draw` and `build.py check` wall time for the real specs and for
synthetic ones 10x and 100x larger (states + transitions), plus one `build` with drawing for the real specs.

A synthetic project is a copy of the real tree plus N extra machines of 20 states and 60 transitions each (as many
as it takes to reach 10x / 100x the real specs' states + transitions), whose guard and action live in an extra runtime
module.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.report import Section
from bench.report import Table
from fsm.layout import Layout

STATES = 20  # per synthetic machine; 3 transitions per state
HERE = Layout.here()
CALLBACKS = '''"""Callbacks of the synthetic benchmark machines (Python 1.5 subset)."""


def syn_ok(m, arg):
    return 1


def syn_step(m, arg):
    m.ctx.steps = m.ctx.steps + 1
'''


def synthetic_machine(name: str) -> str:
    lines = [f"name: {name}", f"description: Synthetic benchmark machine {name}.", "initial: s0", "events:",
             "  - {name: step, description: forward}", "  - {name: back, description: backward}", "states:"]
    lines += [f"  - {{name: s{i}, description: state {i}}}" for i in range(STATES)]
    lines.append("transitions:")
    for i in range(STATES):
        nxt, prev = (i + 1) % STATES, (i - 1) % STATES
        lines += [f"  - {{trigger: step, source: s{i}, dest: s{nxt}, after: [syn_step], req: [GW-BRIDGE]}}",
                  f"  - {{trigger: back, source: s{i}, dest: s{prev}, conditions: [syn_ok], req: [GW-BRIDGE]}}",
                  f"  - {{trigger: back, source: s{i}, dest: null, unless: [syn_ok], req: [GW-BRIDGE]}}"]
    return "\n".join(lines) + "\n"


def make_tree(root: Path, extra_machines: int) -> None:
    for src, dest in zip(HERE.parts, Layout.of(root).parts, strict=True):
        shutil.copytree(src, dest)
    if extra_machines:
        (root / "runtime" / "synio.py").write_text(CALLBACKS)
        for n in range(1, extra_machines + 1):
            (root / "fsm" / "specs" / f"syn{n:02d}.yaml").write_text(synthetic_machine(f"syn{n:02d}"))


def timed(args: list[str], root: Path) -> tuple[float, int, str]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(HERE.root / "build.py"), "--root", str(root), *args],
                          capture_output=True, text=True, timeout=600)
    return time.monotonic() - started, done.returncode, (done.stderr or done.stdout).strip().splitlines()[-1:]


def spec_size(root: Path) -> tuple[int, int]:
    """(machines, states + transitions) of a project tree."""
    from fsm.pipeline import load

    loaded = load(Layout.of(root))
    machines = loaded.specs.machines
    return len(machines), sum(len(m.states) + len(m.transitions) for m in machines)


def run(quick: bool, out_dir: Path) -> Section:
    scales = (1, 10) if quick else (1, 10, 100)
    section = Section(
        "4. Build scaling",
        "Wall time of `build.py --root <copy> build --no-draw` (into a tree whose generated files must all be "
        "rewritten) and then `check` (nothing to write), for the real specs and synthetic projects 10x and 100x "
        "larger in states + transitions; one `build` with drawing (Graphviz) for the real specs. Goal: none set "
        "by the issue; the figure shows whether time grows linearly.",
    )
    table = Table(["specs", "machines", "states + transitions", "build --no-draw s", "check s", "exit codes"])
    points: list[tuple[int, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        real = spec_size(HERE.root)[1]
        for scale in scales:
            extra = round((scale - 1) * real / (STATES * 4))
            root = Path(tmp) / f"x{scale}"
            make_tree(root, extra)
            for gen in (root / "generated").glob("fsm_*.py"):
                gen.unlink()  # build must write every table
            b_s, b_rc, b_msg = timed(["build", "--no-draw"], root)
            c_s, c_rc, c_msg = timed(["check"], root)
            machines, size = spec_size(root)
            label = "real" if scale == 1 else f"synthetic {scale}x"
            table.add(label, machines, size, b_s, c_s, f"{b_rc}/{c_rc}")
            if b_rc or c_rc:
                section.notes.append(f"{label}: build/check failed: {b_msg} {c_msg}")
            points.append((size, b_s, c_s))
        root = Path(tmp) / "draw"
        make_tree(root, 0)
        for svg in (root / "diagrams").glob("*.svg"):
            svg.unlink()
        d_s, d_rc, d_msg = timed(["build"], root)
    section.tables.append(("Wall time", table))
    drawn = Table(["specs", "build (with drawing) s", "exit code"])
    drawn.add("real", d_s, d_rc if not d_rc else f"{d_rc}: {d_msg}")
    section.tables.append(("With drawing", drawn))
    from bench.plot import build_plot

    image = build_plot(points, out_dir)
    section.images.append(image)
    section.notes.append("Each figure includes starting the Python interpreter and importing the toolchain "
                         "(about the cost of the real specs' `check`).")
    return section
