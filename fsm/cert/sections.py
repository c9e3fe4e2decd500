"""Rows of the certification pack's per-machine and coverage sections, ready for the HTML template.

Validation reports (every rule: passed, or its findings), transition and command rows, path coverage from
`fsm/modeltest.py`, and end-to-end transition counts. Pure functions of the model,
the findings and the coverage file; the template only loops over what these return.
"""

from __future__ import annotations

from collections.abc import Container
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from fsm.cert.evidence import Results
from fsm.cert.evidence import read_e2e_coverage
from fsm.emit.diagrams import SYSTEM
from fsm.emit.diagrams import dot_source
from fsm.emit.diagrams import system_dot
from fsm.emit.notation import guard_text
from fsm.emit.tables import actions_text
from fsm.emit.tables import command_syntax
from fsm.emit.tables import field_text
from fsm.emit.tables import next_state
from fsm.findings import Finding
from fsm.findings import Loc
from fsm.findings import RuleSet
from fsm.modeltest import coverage
from fsm.modeltest import covering_paths
from fsm.pipeline import BUILD_RULES
from fsm.rules.conversation import check_undeclared_send
from fsm.rules.conversation import check_unused_sender
from fsm.rules.conversation import declared
from fsm.rules.conversation import sends
from fsm.spec.loader import Loaded
from fsm.spec.model import CommandTable
from fsm.spec.model import Machine
from fsm.spec.rulebook import SPEC_RULES

E2E_RULES: RuleSet[None] = RuleSet()  # what the end-to-end transition counts show
E2E_COVERAGE = E2E_RULES.declare("e2e-coverage", "the coverage file names only machines and transitions of the specs")
E2E_UNCOVERED = E2E_RULES.declare(
    "e2e-uncovered", "the end-to-end suite takes every transition not marked `untestable`")

@dataclass(frozen=True)
class RuleRow:
    rule: str
    description: str
    findings: tuple[str, ...]  # empty: passed


@dataclass(frozen=True)
class TraceRow:
    id: str
    section: str
    text: str
    loc: Loc
    refs: tuple[tuple[str, str], ...]  # (what, spec file name:line)
    tests: tuple[tuple[str, str], ...]  # (node id, outcome)
    covered: bool
    status: str


@dataclass(frozen=True)
class PropertyRow:
    """An invariant a property-based test checks (`@pytest.mark.properties`), with the tests checking it."""

    name: str
    text: str
    tests: tuple[tuple[str, str], ...]  # (node id, outcome)
    status: str


@dataclass(frozen=True)
class Subset:
    rules: tuple[RuleRow, ...]
    files: tuple[tuple[str, int], ...]  # (repo-relative file, number of findings)


@dataclass
class Pack:
    product: str
    version: str
    built: str  # the one line that changes from run to run
    results: Results
    findings: list[Finding]
    system: SystemSection | None = None
    machines: list[MachineSection] = field(default_factory=list)
    commands: CommandSection | None = None
    trace: list[TraceRow] = field(default_factory=list)
    properties: list[PropertyRow] = field(default_factory=list)
    requirement_rules: list[RuleRow] = field(default_factory=list)
    paths: tuple[str, list[tuple[str, list[str]]]] = ("", [])  # (note, [(summary line, missing items)])
    e2e: E2E | None = None
    subset: Subset | None = None
    hashes: list[tuple[str, str, str]] = field(default_factory=list)  # (group, file, sha256)
    tools: list[tuple[str, str]] = field(default_factory=list)

    @property
    def uncovered(self) -> list[TraceRow]:
        return [r for r in self.trace if not r.covered]

    @property
    def conformance(self) -> list[tuple[str, str]]:
        return [(t.nodeid, t.outcome) for t in self.results.tests if t.nodeid.startswith("tests/conformance/")]

    def findings_in(self, *registries: Container[str]) -> list[Finding]:
        """The findings whose rule id one of the registries holds (each id is in one registry)."""
        return [f for f in self.findings if any(f.rule in r for r in registries)]


@dataclass(frozen=True)
class Outcome:
    pack: Pack
    written: list[Path]  # index.html, the diagrams, test-results.json, the PDF


@dataclass(frozen=True)
class TransitionRow:
    index: int
    source: str
    trigger: str
    guard: str
    actions: str
    dest: str
    req: str
    line: str  # in the machine's spec file
    e2e: str  # times the end-to-end suite took it, '' when not measured
    e2e_status: str  # ok | bad | na | ''


@dataclass(frozen=True)
class MachineSection:
    name: str
    description: str
    path: str
    sha256: str
    initial: str
    svg: str  # file name in diagrams/cert/, set by the writer
    transitions: tuple[TransitionRow, ...]
    rules: tuple[RuleRow, ...]
    dot: str  # the detailed diagram's DOT text (drawn by the writer)

    @property
    def passed(self) -> bool:
        return not any(r.findings for r in self.rules)


@dataclass(frozen=True)
class SendRow:
    """One `from:` entry: who raises which event in which machine, where the spec says so, where runtime/ does."""

    receiver: str
    event: str
    sender: str
    declared: str  # spec file:line
    sent_at: tuple[str, ...]  # runtime file:line of each line that sends it when `sender` runs it


@dataclass(frozen=True)
class SystemSection:
    svg: str  # file name in diagrams/cert/
    dot: str  # diagrams/system.dot's text (drawn by the writer)
    sends: tuple[SendRow, ...]
    rules: tuple[RuleRow, ...]  # the conversation rules and their findings

    @property
    def passed(self) -> bool:
        return not any(r.findings for r in self.rules)


@dataclass(frozen=True)
class CommandSection:
    name: str
    path: str
    sha256: str
    commands: tuple[tuple[str, ...], ...]  # syntax, arguments, settings changed, req, spec line
    settings: tuple[tuple[str, ...], ...]  # name, type, default, description
    rules: tuple[RuleRow, ...]


@dataclass(frozen=True)
class E2E:
    source: str  # the coverage file, or '' when not measured
    counts: dict[str, dict[int, int]]
    untestable: tuple[tuple[str, str, str], ...]  # (machine, element, reason) marked untestable in the specs
    summary: tuple[tuple[str, int, int, int], ...]  # (machine, taken, testable, untestable)


def rule_rows(rules: dict[str, str], findings: Iterable[Finding]) -> list[RuleRow]:
    """Every rule in table order with the findings of that rule; findings of unlisted rules come last."""
    by_rule: dict[str, list[str]] = {}
    for f in sorted(findings):
        by_rule.setdefault(f.rule, []).append(f"{f.loc}: {f.message}")
    rows = [RuleRow(rid, desc, tuple(by_rule.pop(rid, []))) for rid, desc in rules.items()]
    return rows + [RuleRow(rid, "(not in the rule table)", tuple(msgs)) for rid, msgs in sorted(by_rule.items())]


def spec_rules() -> dict[str, str]:
    from fsm.rules import rule_ids

    return {**rule_ids(), **BUILD_RULES.sentences()}


def machine_section(m: Machine, findings: list[Finding], e2e: E2E | None, own_files: set[str]) -> MachineSection:
    counts = None if e2e is None or not e2e.source else e2e.counts.get(m.name, {})
    rows = []
    for t in m.transitions:
        e2e_text, e2e_status = "", ""
        if counts is not None:
            taken = counts.get(t.index, 0)
            e2e_text = str(taken) if taken or not t.untestable else "untestable"
            e2e_status = "ok" if taken else ("na" if t.untestable else "bad")
        rows.append(TransitionRow(t.index, t.source, t.trigger, guard_text(t).strip("[]"), actions_text(t),
                                  next_state(t), ", ".join(t.req), str(t.loc.line), e2e_text, e2e_status))
    mine = [f for f in findings if f.loc.file in own_files | {m.path}]
    return MachineSection(m.name, m.description, m.path, m.sha256, m.initial, f"{m.name}-detailed.svg",
                          tuple(rows), tuple(rule_rows(spec_rules(), mine)), dot_source(m, detailed=True))


def system_section(loaded: Loaded, findings: list[Finding]) -> SystemSection:
    """The system diagram, every declared send with the runtime lines that make it, and the conversation rules."""
    found: dict[tuple[str, str, str], list[str]] = {}
    for s in sends(loaded):
        at = f"{s.ref.loc.file}:{s.ref.loc.line}"
        found.setdefault((s.sender, s.target, s.event), [])
        if at not in found[(s.sender, s.target, s.event)]:
            found[(s.sender, s.target, s.event)].append(at)
    rows = tuple(SendRow(receiver, event, sender, f"{loc.file}:{loc.line}", tuple(found.get((sender, receiver, event),
                                                                                          [])))
                 for sender, receiver, event, loc in declared(loaded.specs.machines))
    ids = {r.id: r.sentence for r in SPEC_RULES.rules if r.check in (check_undeclared_send, check_unused_sender)}
    mine = [f for f in findings if f.rule in ids]
    return SystemSection(f"{SYSTEM}.svg", system_dot(loaded.specs.machines), rows, tuple(rule_rows(ids, mine)))


def commands_section(t: CommandTable, findings: list[Finding], own_files: set[str]) -> CommandSection:
    commands = tuple((command_syntax(c), "; ".join(field_text(f) for f in c.fields),
                      ", ".join([f.sets for f in c.fields if f.sets] + [f"{k} = {v}" for k, v in c.assign]),
                      ", ".join(c.req), f"{c.loc.file}:{c.loc.line}") for c in t.commands)
    settings = tuple((s.name, s.type, "***" if s.secret else repr(s.default), s.description) for s in t.settings)
    mine = [f for f in findings if f.loc.file in own_files | {t.path}]
    return CommandSection(t.name, t.path, t.sha256, commands, settings, tuple(rule_rows(spec_rules(), mine)))


def path_coverage(machines: Iterable[Machine]) -> tuple[str, list[tuple[str, list[str]]]]:
    """(note, [(summary line, missing items)]) from fsm/modeltest.py; the note says why there are no rows."""
    try:
        rows = []
        for m in machines:
            cov = coverage(m, covering_paths(m))
            rows.append((cov.line, list(cov.missing)))
    except Exception as exc:  # a broken or changed fsm/modeltest.py must not hide the rest of the pack
        return (f"not computed: fsm/modeltest.py failed: {exc!r}", [])
    return ("covering paths from fsm/modeltest.py (covering_paths, coverage)", rows)


def untestable(machines: Iterable[Machine]) -> tuple[tuple[str, str, str], ...]:
    out = []
    for m in machines:
        out += [(m.name, f"state {s.name}", s.untestable) for s in m.states if s.untestable]
        out += [(m.name, f"T{t.index} {t.source} \u2192 {t.dest or '(internal)'} on {t.trigger}", t.untestable)
                for t in m.transitions if t.untestable]
    return tuple(out)


def e2e_coverage(machines: tuple[Machine, ...], path: Path | None, explicit: bool,
                 root: Path) -> tuple[E2E, list[Finding]]:
    """Transition counts of the end-to-end suite; a missing default file means 'not measured'."""
    marked = untestable(machines)
    if path is None or (not explicit and not path.exists()):
        return E2E("", {}, marked, ()), []
    counts = read_e2e_coverage(path)  # raises CertInputError
    try:
        shown = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        shown = str(path)
    findings = []
    known = {m.name: m for m in machines}
    for name, by_index in sorted(counts.items()):
        m = known.get(name)
        if m is None:
            findings.append(Finding(Loc(shown), E2E_COVERAGE, f"machine '{name}' is not in the specs"))
            continue
        findings += [Finding(Loc(shown), E2E_COVERAGE, f"'{name}' has no transition {i} (it has "
                             f"{len(m.transitions)}); the coverage file is older than the spec")
                     for i in sorted(by_index) if i >= len(m.transitions)]
    for m in machines:
        taken = counts.get(m.name, {})
        findings += [Finding(t.loc, E2E_UNCOVERED, f"T{t.index} {t.arrow} "
                             f"of '{m.name}' was not taken by the end-to-end suite; cover it, or say why in the spec "
                             f"with 'untestable: <reason>'")
                     for t in m.transitions if not t.untestable and not taken.get(t.index)]
    summary = tuple((m.name, sum(1 for t in m.transitions if counts.get(m.name, {}).get(t.index)),
                     sum(1 for t in m.transitions if not t.untestable),
                     sum(1 for t in m.transitions if t.untestable)) for m in machines)
    return E2E(shown, counts, marked, summary), findings

