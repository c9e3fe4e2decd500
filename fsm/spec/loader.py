"""Read a spec folder: YAML -> schema -> model (`parse_specs`), with the runtime/ index the rules check against.

The validation rules (`fsm/rules/`) run on what this returns; `fsm.pipeline.load_specs` does both and is the
one entry point the build, the tests and the certification pack use to get a checked spec set.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from pathlib import Path

from fsm.findings import Finding
from fsm.findings import Loc
from fsm.findings import rel_path
from fsm.spec.command_spec import build_commands
from fsm.spec.command_spec import build_requirements
from fsm.spec.machine_spec import build_machine
from fsm.spec.model import CommandTable
from fsm.spec.model import Machine
from fsm.spec.model import Requirement
from fsm.spec.model import SpecSet
from fsm.spec.rulebook import SPEC_RULES
from fsm.spec.runtime_scan import RuntimeIndex
from fsm.spec.runtime_scan import scan_runtime
from fsm.spec.schema import Reader
from fsm.spec.yamlload import YMap
from fsm.spec.yamlload import load

SECOND_COMMAND_TABLE = SPEC_RULES.declare("duplicate-command-table", "a spec folder holds one command table")


@dataclass(frozen=True)
class Loaded:
    specs: SpecSet
    runtime: RuntimeIndex
    findings: tuple[Finding, ...]
    texts: dict[str, str]  # repo-relative spec path -> its text (hashed into banners)
    initials: dict[str, list[tuple[str, Loc]]] = field(default_factory=dict)  # machine -> each `initial`

    def with_findings(self, more: list[Finding]) -> Loaded:
        """The same spec set with more findings (the validation rules'), sorted, each once."""
        return replace(self, findings=tuple(sorted(set(self.findings) | set(more))))


def spec_files(spec_dir: Path) -> list[Path]:
    return sorted(p for p in spec_dir.rglob("*.yaml") if p.is_file())


def parse_specs(spec_dir: Path, runtime_dir: Path, root: Path) -> Loaded:
    """The model of every spec file, the runtime index, and the YAML and schema findings (no rule run yet)."""
    reader = Reader()
    findings: list[Finding] = []
    machines: list[Machine] = []
    tables: list[CommandTable] = []
    reqs: list[Requirement] = []
    initials: dict[str, list[tuple[str, Loc]]] = {}
    texts: dict[str, str] = {}
    for path in spec_files(spec_dir):
        rel = rel_path(path, root)
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
        findings.append(Finding(extra.loc, SECOND_COMMAND_TABLE,
                                f"a second command table; the first is {tables[0].path}"))
    specs = SpecSet(tuple(machines), tables[0] if tables else None, tuple(reqs))
    runtime = scan_runtime(runtime_dir, root)
    findings += reader.findings
    return Loaded(specs, runtime, tuple(sorted(set(findings))), texts, initials)
