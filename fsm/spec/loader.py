"""Load and validate a spec folder: YAML -> schema -> model -> every validation rule.

The one entry point the build, the tests and the certification pack use to get a checked `SpecSet`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fsm.findings import Finding
from fsm.findings import Loc
from fsm.rules.commands import COMMAND_RULES
from fsm.rules.machines import EXTRA_RULE_IDS
from fsm.rules.machines import RULES
from fsm.rules.machines import Check
from fsm.rules.machines import Context
from fsm.spec.command_spec import build_commands
from fsm.spec.command_spec import build_requirements
from fsm.spec.machine_spec import build_machine
from fsm.spec.model import CommandTable
from fsm.spec.model import Machine
from fsm.spec.model import Requirement
from fsm.spec.model import SpecSet
from fsm.spec.runtime_scan import RuntimeIndex
from fsm.spec.runtime_scan import scan_runtime
from fsm.spec.schema import Reader
from fsm.spec.yamlload import YMap
from fsm.spec.yamlload import load

ALL_RULES: dict[str, tuple[Check, str]] = {**RULES, **COMMAND_RULES}
SCHEMA_RULES = {
    "yaml-syntax": "the file is valid YAML",
    "duplicate-key": "no key appears twice in one mapping",
    "schema-unknown-key": "only the keys of the spec language are used",
    "schema-missing": "required keys are present",
    "schema-type": "every value has the type its key needs",
    "schema-name": "names are lower-case identifiers",
}


@dataclass(frozen=True)
class Loaded:
    specs: SpecSet
    runtime: RuntimeIndex
    findings: tuple[Finding, ...]
    texts: dict[str, str]  # repo-relative spec path -> its text (hashed into banners)


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def spec_files(spec_dir: Path) -> list[Path]:
    return sorted(p for p in spec_dir.rglob("*.yaml") if p.is_file())


def load_specs(spec_dir: Path, runtime_dir: Path, root: Path) -> Loaded:
    reader = Reader()
    findings: list[Finding] = []
    machines: list[Machine] = []
    tables: list[CommandTable] = []
    reqs: list[Requirement] = []
    initials: dict[str, list[tuple[str, Loc]]] = {}
    texts: dict[str, str] = {}
    for path in spec_files(spec_dir):
        rel = _rel(path, root)
        text = path.read_text(encoding="utf-8")
        texts[rel] = text
        node, problems = load(text, rel)
        findings += problems
        if node is None:
            continue
        if isinstance(node, YMap) and "requirements" in node.keys():
            reqs += build_requirements(node, reader)
        elif isinstance(node, YMap) and "commands" in node.keys():
            table = build_commands(node, rel, text, reader)
            if table is not None:
                tables.append(table)
        else:
            machine, decls = build_machine(node, rel, text, reader)
            if machine is not None:
                machines.append(machine)
                initials[machine.name] = decls
    for extra in tables[1:]:
        findings.append(Finding(extra.loc, "duplicate-command", f"a second command table; the first is {tables[0].path}"))
    specs = SpecSet(tuple(machines), tables[0] if tables else None, tuple(reqs))
    runtime = scan_runtime(runtime_dir, root)
    findings += reader.findings
    if not findings:  # rules assume a well-formed model
        ctx = Context(specs, runtime, initials)
        for check, _ in ALL_RULES.values():
            findings.extend(check(ctx))
    return Loaded(specs, runtime, tuple(sorted(set(findings))), texts)


def rule_ids() -> dict[str, str]:
    """Every rule id a spec can fail with, and its description (validation report, meta-test)."""
    out = dict(SCHEMA_RULES)
    out.update({rid: desc for rid, (_, desc) in ALL_RULES.items()})
    out.update({extra: ALL_RULES[base][1] for extra, base in EXTRA_RULE_IDS.items()})
    return out
