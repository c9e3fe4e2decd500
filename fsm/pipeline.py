"""The build pipeline: load and validate the specs, then produce (or compare against) every generated output.

`load_specs` reads a spec folder and runs every rule; `expected_outputs` renders the firmware tables, DOT files,
Markdown tables and the generated blocks of the pages in docs/ in memory; `build` writes what changed and removes
what no spec produces any more (drawing the DOT files with Graphviz is `build.py build`'s step, through
`fsm/emit/render.py`); `check` compares without writing and without Graphviz. Both add the firmware's subset
and file-name rules.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from fsm.emit.codegen import firmware_version
from fsm.emit.codegen import render_commands
from fsm.emit.codegen import render_machine
from fsm.emit.diagrams import SYSTEM
from fsm.emit.diagrams import expected_dot_files
from fsm.emit.docpages import expected_docs
from fsm.emit.output import write_if_changed
from fsm.emit.tables import expected_tables
from fsm.findings import Finding
from fsm.findings import Loc
from fsm.findings import RuleSet
from fsm.findings import rel_path
from fsm.layout import Layout
from fsm.py15.check import check_paths
from fsm.rules import check_specs
from fsm.rules.modnames import check_module_names
from fsm.spec.loader import Loaded
from fsm.spec.loader import parse_specs

__all__ = ["BUILD_RULES", "Layout", "Report", "build", "check", "check_firmware", "expected_outputs", "load",
           "load_specs"]

BUILD_RULES: RuleSet[None] = RuleSet()  # what `check` finds besides the specs' and the firmware's own rules
DRIFT = BUILD_RULES.declare("drift", "the generated files match what the specs produce (`build.py check`)")


@dataclass
class Report:
    loaded: Loaded | None = None
    findings: list[Finding] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    rendered: list[Path] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)


def load_specs(spec_dir: Path, runtime_dir: Path, root: Path) -> Loaded:
    """Read a spec folder and run every validation rule on it (the rules assume a well-formed model, so they
    run only when reading and the schema found nothing). The one way the build, tests and cert load specs."""
    loaded = parse_specs(spec_dir, runtime_dir, root)
    return loaded if loaded.findings else loaded.with_findings(check_specs(loaded))


def load(layout: Layout) -> Loaded:
    return load_specs(layout.specs, layout.runtime, layout.root)


def expected_outputs(layout: Layout, loaded: Loaded) -> dict[Path, str]:
    out: dict[Path, str] = {}
    for m in loaded.specs.machines:
        out[layout.generated / f"{m.module}.py"] = render_machine(m, loaded.runtime)
    if loaded.specs.commands is not None:
        table = loaded.specs.commands
        version = firmware_version(layout.specs, layout.runtime)
        out[layout.generated / f"{table.module}.py"] = render_commands(table, loaded.runtime, version)
    for name, text in expected_dot_files(loaded.specs.machines).items():
        out[layout.diagrams / name] = text
    for name, text in expected_tables(loaded.specs).items():
        out[layout.diagrams / name] = text
    out.update(expected_docs(layout.root / "docs", loaded.specs, layout.root))  # the generated parts of docs/
    return out


def _stale(layout: Layout, expected: dict[Path, str]) -> list[Path]:
    """Generated files no spec produces any more."""
    candidates = list(layout.generated.glob("*.py")) + list(layout.diagrams.glob("*.dot"))
    return sorted(p for p in candidates if p not in expected)


def _prepare(layout: Layout) -> tuple[Report, dict[Path, str] | None]:
    """The report of loading the specs, and what they produce (None when they have findings: nothing is)."""
    loaded = load(layout)
    report = Report(loaded=loaded, findings=list(loaded.findings))
    return report, None if report.findings else expected_outputs(layout, loaded)


def build(layout: Layout) -> Report:
    report, expected = _prepare(layout)
    if expected is None:
        return report
    for path, text in sorted(expected.items()):
        (report.written if write_if_changed(path, text) else report.unchanged).append(path)
    for path in _stale(layout, expected):
        path.unlink()
        report.written.append(path)
    report.findings = check_firmware(layout)
    return report


# The module probe reports the interpreter's version (it never acts on it): the one rule it may break.
PROBE_EXEMPT = frozenset({"py15-sys-version"})


def check_firmware(layout: Layout) -> list[Finding]:
    dirs = [d for d in (layout.runtime, layout.generated) if d.is_dir()]
    emulated = [layout.emulated] if layout.emulated.is_dir() else []
    probe = [layout.probe] if layout.probe.is_dir() else []
    # The probe shares the module's flat file system with the firmware: its names follow the same rules.
    findings = check_paths(dirs + emulated) + check_module_names(dirs + probe)
    findings += [f for f in check_paths(probe) if f.rule not in PROBE_EXEMPT]
    return sorted(_relative(f, layout.root) for f in findings)


def _relative(f: Finding, root: Path) -> Finding:
    p = Path(f.loc.file)
    if p.is_absolute() and p.is_relative_to(root):
        return Finding(Loc(str(p.relative_to(root)), f.loc.line, f.loc.col), f.rule, f.message)
    return f


def check(layout: Layout, *, with_diff: bool = False) -> Report:
    report, expected = _prepare(layout)
    if expected is None:
        return report
    for path, text in sorted(expected.items()):
        actual = path.read_text(encoding="utf-8") if path.exists() else None
        if actual == text:
            continue
        what = "is missing" if actual is None else "differs from what the specs produce"
        source = _source_of(report.loaded, path)
        report.findings.append(Finding(Loc(rel_path(path, layout.root)), DRIFT,
                                       f"{what} ({source}); run `python build.py`"))
        if with_diff and actual is not None:
            report.diffs.append("".join(difflib.unified_diff(
                actual.splitlines(keepends=True), text.splitlines(keepends=True),
                fromfile=rel_path(path, layout.root), tofile=rel_path(path, layout.root) + " (expected)")))
    for path in _stale(layout, expected):
        report.findings.append(Finding(Loc(rel_path(path, layout.root)), DRIFT,
                                       "no spec produces this file; run `python build.py` to remove it"))
    report.findings += check_firmware(layout)
    return report


def _source_of(loaded: Loaded, path: Path) -> str:
    stem = path.stem.removesuffix("-detailed")
    if stem == SYSTEM:
        return "from the events' `from:` of the machine specs"
    for m in loaded.specs.machines:
        if stem in (m.module, m.name):
            return f"from {m.path}"
    table = loaded.specs.commands
    if table is not None and stem in (table.module, "commands"):
        return f"from {table.path}"
    return "from the specs"
