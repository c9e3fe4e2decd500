"""DOT file -> SVG / PDF beside it, through Graphviz's `dot` program.

The only module that runs Graphviz. A missing `dot` raises `GraphvizMissing`; a DOT file `dot`
rejects raises `RenderError` with dot's message (both `fsm.errors.EnvironmentProblem`: exit code 3). Outputs are
rewritten only when their bytes change; the PDF date is pinned to the epoch (SOURCE_DATE_EPOCH, and a rewrite for
older cairo) so
the same DOT text gives the same bytes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from fsm.emit.output import write_if_changed
from fsm.errors import EnvironmentProblem

DOT_TIMEOUT_S = 120  # a layout that takes longer than this is a bug in the DOT text, not a slow machine
PDF_DATE = re.compile(rb"(/(?:CreationDate|ModDate) \(D:)\d{14}")  # cairo < 1.17 ignores SOURCE_DATE_EPOCH
INSTALL_HINT = "install Graphviz (apt install graphviz, brew install graphviz, or https://graphviz.org/download/)"


class GraphvizMissing(EnvironmentProblem):
    """The `dot` program is not installed or not on PATH."""


class RenderError(EnvironmentProblem):
    """`dot` failed on a DOT file; the message carries the file and dot's own error text."""


def dot_program() -> str:
    found = shutil.which("dot")
    if found is None:
        raise GraphvizMissing(f"Graphviz's `dot` program was not found on PATH; {INSTALL_HINT}, "
                              "or build without drawing: `python build.py build --no-draw`")
    return found


def dot_bytes(dot_text: str, fmt: str, *, source: str = "<dot>") -> bytes:
    """Lay out DOT text and return the output of `dot -T<fmt>`."""
    env = dict(os.environ, SOURCE_DATE_EPOCH="0")
    try:
        proc = subprocess.run(
            [dot_program(), f"-T{fmt}"], input=dot_text.encode("utf-8"), capture_output=True,
            env=env, timeout=DOT_TIMEOUT_S, check=False,
        )
    except FileNotFoundError as exc:  # removed between which() and run()
        raise GraphvizMissing(f"cannot run Graphviz's `dot`: {exc}; {INSTALL_HINT}") from exc
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"{source}: dot -T{fmt} took more than {DOT_TIMEOUT_S} s") from exc
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip() or f"exit status {proc.returncode}"
        raise RenderError(f"{source}: dot -T{fmt} failed: {detail}")
    if fmt == "pdf":  # same length, so the cross-reference offsets stay valid
        return PDF_DATE.sub(rb"\g<1>19700101000000", proc.stdout)
    return proc.stdout


def render(dot_path: Path, formats: Sequence[str] = ("svg", "pdf")) -> list[Path]:
    """Render `x.dot` to `x.svg`, `x.pdf`, ... beside it; return the output paths (written or unchanged)."""
    text = dot_path.read_text(encoding="utf-8")
    out = []
    for fmt in formats:
        data = dot_bytes(text, fmt, source=str(dot_path))
        target = dot_path.with_suffix("." + fmt)
        write_if_changed(target, data)
        out.append(target)
    return out
