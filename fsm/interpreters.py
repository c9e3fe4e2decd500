"""Which Python interpreters the firmware is run under (tests, the certification evidence, benchmarks).

FIRMWARE_PYTHONS (colon-separated paths) wins; otherwise the current interpreter plus every CPython 2.7
that pyenv has. Ids are short and stable (py3, py27, py152) so test names read well.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Interpreter:
    id: str  # "py3", "py27", "py152"
    path: str
    version: str  # as the interpreter prints it, e.g. "2.7.18"


def _version_of(path: str) -> str:
    # Works on 1.5.2 too: no print function, sys.version is a string everywhere.
    out = subprocess.run(
        [path, "-c", "import sys; sys.stdout.write(sys.version[:6])"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return out.stdout.split()[0]


def _id_for(version: str) -> str:
    major, minor = version.split(".")[:2]
    if major == "3":
        return "py3"
    return "py" + major + minor


def _pyenv_27() -> list[str]:
    root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, timeout=10).stdout.strip() or root
    except (OSError, subprocess.SubprocessError):
        pass
    return sorted(glob.glob(os.path.join(root, "versions", "2.7.*", "bin", "python")))[-1:]


def firmware_pythons() -> list[Interpreter]:
    """The interpreters to run firmware under, deduplicated by id (first one wins)."""
    env = os.environ.get("FIRMWARE_PYTHONS")
    paths = [p for p in env.split(":") if p] if env else [sys.executable, *_pyenv_27()]
    found: dict[str, Interpreter] = {}
    for path in paths:
        version = _version_of(path)
        interp = Interpreter(_id_for(version), path, version)
        found.setdefault(interp.id, interp)
    return list(found.values())
