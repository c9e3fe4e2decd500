"""Inputs of the certification pack that are not the specs: test results, e2e coverage, hashes, versions.

Reads files and asks programs (pytest, git, dot, the firmware interpreters); never writes into the project
except the test report `run_tests` is asked for. A malformed input file raises `CertInputError` naming the
file and what was expected. `fsm/cert/pack.py` assembles these into the pack.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from fsm.errors import EnvironmentProblem
from fsm.errors import UsageError
from fsm.findings import rel_path
from fsm.interpreters import firmware_pythons

RESULTS_FORMAT = 1  # tests/reqtrace.py FORMAT
PASSED = "passed"
OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed", "not-run")
FAILING = ("failed", "error", "xpassed")  # xpassed cannot stay one: xfail_strict turns it into a failure
E2E_DEFAULT = Path("build") / "e2e-coverage.json"  # relative to the project root


class CertInputError(UsageError):
    """A results or coverage file given to `build.py cert` is missing or not in the expected form."""


class CertEnvironmentError(EnvironmentProblem):
    """The test suite could not be run, or ran without writing its report."""


@dataclass(frozen=True)
class TestResult:
    nodeid: str  # tests/e2e/test_client.py::test_x[py3]
    outcome: str  # one of OUTCOMES
    req: tuple[str, ...]
    properties: tuple[tuple[str, str], ...] = ()  # (invariant name, what it says) of a property-based test

    @property
    def file(self) -> str:
        return self.nodeid.split("::", 1)[0]


@dataclass(frozen=True)
class Results:
    source: str  # how they were obtained, as a sentence for the pack
    tests: tuple[TestResult, ...]
    raw: str  # the report's JSON text, copied into the pack

    def count(self, outcome: str) -> int:
        return sum(1 for t in self.tests if t.outcome == outcome)


def read_results(path: Path, source: str) -> Results:
    """A `--req-report` JSON file (tests/reqtrace.py) as `Results`."""
    try:
        raw = path.read_text(encoding="utf-8")
        data = json.loads(raw)
    except (OSError, ValueError) as exc:
        raise CertInputError(f"{path}: cannot read the test report: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != RESULTS_FORMAT or not isinstance(data.get("tests"), list):
        raise CertInputError(f"{path}: not a test report of format {RESULTS_FORMAT}: expected "
                             '{"format": 1, "tests": [{"nodeid": ..., "outcome": ..., "req": [...]}, ...]} '
                             "as written by `pytest --req-report PATH`")
    tests = []
    for i, t in enumerate(data["tests"]):
        ok = (isinstance(t, dict) and isinstance(t.get("nodeid"), str) and t.get("outcome") in OUTCOMES
              and isinstance(t.get("req"), list) and all(isinstance(r, str) for r in t["req"])
              and isinstance(t.get("properties", {}), dict)
              and all(isinstance(k, str) and isinstance(v, str) for k, v in t.get("properties", {}).items()))
        if not ok:
            raise CertInputError(f"{path}: test {i} is not {{\"nodeid\": str, \"outcome\": one of "
                                 f"{', '.join(OUTCOMES)}, \"req\": [str, ...], optional \"properties\": "
                                 f"{{str: str}}}}: {t!r}")
        tests.append(TestResult(t["nodeid"], t["outcome"], tuple(t["req"]), tuple(t.get("properties", {}).items())))
    return Results(source, tuple(tests), raw)


def pytest_command(root: Path, report: Path) -> list[str]:
    venv = root / ".venv" / "bin" / "python"
    python = str(venv) if venv.exists() else sys.executable
    return [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--req-report", str(report)]


def run_tests(root: Path, report: Path) -> Results:
    """Run the whole suite in a subprocess (its output goes to our stderr) and read its report."""
    cmd = pytest_command(root, report)
    report.unlink(missing_ok=True)
    try:  # pytest's output is passed on line by line, so a long suite shows its progress
        with subprocess.Popen(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              errors="replace") as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                sys.stderr.write(line)
    except OSError as exc:
        raise CertEnvironmentError(f"cannot run the test suite ({' '.join(cmd)}): {exc}") from exc
    if not report.exists():
        raise CertEnvironmentError(f"the test suite exited with status {proc.returncode} without writing "
                                   f"{report} ({' '.join(cmd)})")
    shown = " ".join(rel_path(Path(c), root) if i in (0, len(cmd) - 1) else c for i, c in enumerate(cmd))
    return read_results(report, f"`{shown}` run by build.py cert (pytest exit status {proc.returncode})")


def read_e2e_coverage(path: Path) -> dict[str, dict[int, int]]:
    """`{machine: {transition_index: count}}` as recorded by the end-to-end suite."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CertInputError(f"{path}: cannot read the e2e coverage: {exc}") from exc
    expected = 'expected {"<machine>": {"<transition index>": <count>, ...}, ...}'
    if not isinstance(data, dict):
        raise CertInputError(f"{path}: {expected}")
    out: dict[str, dict[int, int]] = {}
    for machine, counts in data.items():
        if not isinstance(counts, dict):
            raise CertInputError(f"{path}: '{machine}': {expected}")
        out[machine] = {}
        for index, count in counts.items():
            if not str(index).isdigit() or not isinstance(count, int) or count < 0:
                raise CertInputError(f"{path}: '{machine}': {index!r}: {count!r}: {expected}")
            out[machine][int(index)] = out[machine].get(int(index), 0) + count
    return out


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


COMPILED = (".pyc", ".pyo")  # what an interpreter leaves beside the sources (1.5.2 cannot be told not to)


def is_source(path: Path) -> bool:
    """False for compiled modules and anything under __pycache__: the pack hashes sources only."""
    return path.suffix not in COMPILED and "__pycache__" not in path.parts


def hashed_files(root: Path, folders: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(group, repo-relative path, sha256) for every source file matching each (folder/glob, group), sorted."""
    out = []
    for pattern, group in folders:
        for p in sorted(root.glob(pattern)):
            if p.is_file() and is_source(p.relative_to(root)):
                out.append((group, p.relative_to(root).as_posix(), sha256_of(p)))
    return out


def _run(cmd: list[str], cwd: Path | None = None) -> str | None:
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    return (proc.stdout + proc.stderr).strip() or None


def git_version(root: Path) -> str:
    """`git describe --always --dirty` of the project, or 'unversioned' outside a git work tree."""
    if not (root / ".git").exists():
        return "unversioned"
    return _run(["git", "describe", "--always", "--dirty"], cwd=root) or "unversioned"


def _package(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def tool_versions() -> list[tuple[str, str]]:
    """(tool, version) of everything that built or checked the firmware."""
    rows = [("Python (toolchain)", f"{platform.python_version()} ({platform.python_implementation()})")]
    rows += [(name, _package(name)) for name in ("transitions", "jinja2", "PyYAML", "graphviz", "weasyprint",
                                                 "pytest", "hypothesis")]
    rows.append(("Graphviz dot -V", _run(["dot", "-V"]) or "not found"))
    try:
        found = firmware_pythons()  # the same lookup the tests and the benchmarks use
    except (OSError, subprocess.SubprocessError) as exc:
        return [*rows, ("firmware interpreters", f"not found: {exc}")]
    rows += [(f"firmware interpreter {i.id}", f"{i.version} ({i.path})") for i in found]
    wanted = os.environ.get("FIRMWARE_PYTHONS")
    if wanted:
        rows.append(("FIRMWARE_PYTHONS", wanted))
    return rows
