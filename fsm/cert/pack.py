"""The certification pack (`python build.py cert`): every piece of evidence of one build, as rows to render.

`run` checks the project like `build.py check`, gets the test results (runs the suite or reads a report),
assembles a `Pack` and has `fsm/cert/html.py` write `diagrams/cert/` (index.html, the diagrams, the PDF).
Findings (spec, drift, subset, uncovered requirement, failed test) come back sorted; the pack is written
first so the engineer can read why. Reads the model and the evidence files; never re-reads YAML.
"""

from __future__ import annotations

import datetime
import os
import tomllib
from pathlib import Path

from fsm.cert.evidence import E2E_DEFAULT
from fsm.cert.evidence import FAILING
from fsm.cert.evidence import PASSED
from fsm.cert.evidence import Results
from fsm.cert.evidence import git_version
from fsm.cert.evidence import hashed_files
from fsm.cert.evidence import read_results
from fsm.cert.evidence import run_tests
from fsm.cert.evidence import tool_versions
from fsm.cert.html import write_html
from fsm.cert.html import write_pdf
from fsm.cert.sections import Outcome
from fsm.cert.sections import Pack
from fsm.cert.sections import PropertyRow
from fsm.cert.sections import Subset
from fsm.cert.sections import TraceRow
from fsm.cert.sections import commands_section
from fsm.cert.sections import e2e_coverage
from fsm.cert.sections import machine_section
from fsm.cert.sections import path_coverage
from fsm.cert.sections import rule_rows
from fsm.cert.sections import spec_rules
from fsm.cert.sections import system_section
from fsm.findings import Finding
from fsm.findings import Loc
from fsm.findings import RuleSet
from fsm.findings import did_you_mean
from fsm.findings import rel_path
from fsm.pipeline import Layout
from fsm.pipeline import check
from fsm.py15.check import SUBSET_RULES
from fsm.py15.check import python_files
from fsm.rules.modnames import FILE_NAME_RULES
from fsm.spec.loader import Loaded

RESULT_RULES: RuleSet[None] = RuleSet()  # what the test results show
UNCOVERED_REQUIREMENT = RESULT_RULES.declare("uncovered-requirement", "every requirement has a passing test")
TEST_FAILED = RESULT_RULES.declare("test-failed", "no test fails or errors")
TEST_UNKNOWN_REQUIREMENT = RESULT_RULES.declare(
    "test-unknown-requirement", "a test declares only requirements of requirements.yaml")
HASHED = [("fsm/specs/*.yaml", "spec"), ("generated/*.py", "generated firmware"),
          ("diagrams/*.dot", "generated diagram"), ("diagrams/*.md", "generated table"),
          ("runtime/*.py", "runtime firmware"), ("host/telit/*.py", "emulated built-in")]


def product(root: Path) -> str:
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
        return str(project["description"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "SMS-controlled RS232 <-> GPRS gateway firmware"


def build_time() -> str:
    """UTC now, or SOURCE_DATE_EPOCH when set (reproducible packs)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    when = (datetime.datetime.fromtimestamp(int(epoch), datetime.UTC) if epoch.isdigit()
            else datetime.datetime.now(datetime.UTC))
    return when.strftime("%Y-%m-%d %H:%M:%S UTC")


def _why_uncovered(tests: tuple[tuple[str, str], ...]) -> str:
    if not tests:
        return "no test declares it"
    return ", ".join(f"{sum(1 for _, o in tests if o == x)} {x}" for x in sorted({o for _, o in tests}))


def _status(tests: tuple[tuple[str, str], ...]) -> str:
    passed = sum(1 for _, o in tests if o == PASSED)
    if passed:
        return f"covered: {passed} passing test(s)"
    return f"NOT COVERED: {_why_uncovered(tests)}"


def _at(loc: Loc) -> str:
    """`gateway.yaml:94`: every spec lives in fsm/specs/, named in the machine sections."""
    return f"{Path(loc.file).name}:{loc.line}"


def trace_matrix(loaded: Loaded, results: Results) -> list[TraceRow]:
    """One row per requirement: the transitions and commands naming it, the tests declaring it."""
    rows = []
    for r in loaded.specs.requirements:
        refs = [(f"{m.name} T{t.index}: {t.source} \u2192 {t.dest or '(internal)'} on {t.trigger}", _at(t.loc))
                for m in loaded.specs.machines for t in m.transitions if r.id in t.req]
        table = loaded.specs.commands
        if table is not None:
            refs += [(f"command '{c.name}'", _at(c.loc)) for c in table.commands if r.id in c.req]
        tests = tuple((t.nodeid, t.outcome) for t in results.tests if r.id in t.req)
        covered = any(o == PASSED for _, o in tests)
        rows.append(TraceRow(r.id, r.section, r.text, r.loc, tuple(refs), tests, covered, _status(tests)))
    return rows


def property_rows(results: Results) -> list[PropertyRow]:
    """One row per invariant named by a test's `properties` marker, in the order the tests name them."""
    texts: dict[str, str] = {}
    tests: dict[str, list[tuple[str, str]]] = {}
    for t in results.tests:
        for name, text in t.properties:
            texts.setdefault(name, text)
            tests.setdefault(name, []).append((t.nodeid, t.outcome))
    return [PropertyRow(n, texts[n], tuple(tests[n]), _status(tuple(tests[n]))) for n in texts]


def result_findings(loaded: Loaded, results: Results, trace: list[TraceRow]) -> list[Finding]:
    """Uncovered requirements, failed tests, and tests naming requirements that do not exist."""
    out = [Finding(row.loc, UNCOVERED_REQUIREMENT, f"requirement '{row.id}' has no passing test "
                   f"({_why_uncovered(row.tests)}); mark one with @pytest.mark.req(\"{row.id}\")")
           for row in trace if not row.covered]
    out += [Finding(Loc(t.file), TEST_FAILED, f"{t.nodeid}: {t.outcome}") for t in results.tests
            if t.outcome in FAILING]
    known = [r.id for r in loaded.specs.requirements]
    seen = set()
    for t in results.tests:
        for rid in t.req:
            key = (t.nodeid.split("[", 1)[0], rid)
            if rid in known or key in seen:
                continue
            seen.add(key)
            hint = did_you_mean(rid, known)
            out.append(Finding(Loc(t.file), TEST_UNKNOWN_REQUIREMENT,
                               f"{key[0]} declares requirement '{rid}', not in requirements.yaml{hint}"))
    return out


def subset_report(layout: Layout, findings: list[Finding]) -> Subset:
    dirs = [d for d in (layout.runtime, layout.generated, layout.emulated) if d.is_dir()]
    files = [p.relative_to(layout.root).as_posix() for p in python_files(dirs)]
    rules = {**SUBSET_RULES, **FILE_NAME_RULES.sentences()}
    mine = [f for f in findings if f.rule in rules and f.loc.file in files]  # not the spec rule of that name
    counts = tuple((p, sum(1 for f in mine if f.loc.file == p)) for p in files)
    return Subset(tuple(rule_rows(rules, mine)), counts)


def assemble(layout: Layout, results: Results, e2e_path: Path | None, e2e_explicit: bool) -> Pack:
    """Everything the pack shows, and every finding that makes `cert` fail (sorted, in `pack.findings`)."""
    report = check(layout)
    loaded = report.loaded
    assert loaded is not None
    findings = list(report.findings)
    pack = Pack(product(layout.root), git_version(layout.root), build_time(), results, findings)
    pack.trace = trace_matrix(loaded, results)
    pack.properties = property_rows(results)
    findings += result_findings(loaded, results, pack.trace)
    pack.e2e, e2e_findings = e2e_coverage(loaded.specs.machines, e2e_path, e2e_explicit, layout.root)
    findings += e2e_findings
    pack.paths = path_coverage(loaded.specs.machines)
    pack.system = system_section(loaded, findings)
    for m in loaded.specs.machines:
        own = {rel_path(layout.generated / f"{m.module}.py", layout.root)}
        own |= {rel_path(layout.diagrams / n, layout.root)
                for n in (f"{m.name}.dot", f"{m.name}-detailed.dot", f"{m.name}.md")}
        pack.machines.append(machine_section(m, findings, pack.e2e, own))
    table = loaded.specs.commands
    if table is not None:
        own = {rel_path(layout.generated / f"{table.module}.py", layout.root),
               rel_path(layout.diagrams / "commands.md", layout.root)}
        pack.commands = commands_section(table, findings, own)
    req_files = {r.loc.file for r in loaded.specs.requirements}
    pack.requirement_rules = rule_rows(spec_rules(), [f for f in findings if f.loc.file in req_files
                                                      and f.rule not in RESULT_RULES])
    pack.subset = subset_report(layout, findings)
    pack.hashes = hashed_files(layout.root, HASHED)
    pack.tools = tool_versions()
    pack.findings = sorted(set(findings))
    return pack


def run(layout: Layout, *, results: Path | None, coverage: Path | None, pdf: bool) -> Outcome:
    """Get the test results (run the suite unless `results` names a report), assemble and write the pack."""
    out = layout.diagrams / "cert"
    out.mkdir(parents=True, exist_ok=True)
    kept = out / "test-results.json"
    if results is None:
        got = run_tests(layout.root, kept)
    else:
        got = read_results(results, f"the report {results} given with --results")
        if not kept.exists() or not kept.samefile(results):
            kept.write_text(got.raw, encoding="utf-8")
    e2e_path = coverage if coverage is not None else layout.root / E2E_DEFAULT
    pack = assemble(layout, got, e2e_path, coverage is not None)
    written = [kept, *write_html(pack, out)]
    if pdf:
        written.append(write_pdf(out / "index.html", out / "certification.pdf"))
    return Outcome(pack, written)
