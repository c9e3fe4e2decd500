"""Every validation rule fails a spec with its rule id and the offending line; one bad spec per rule."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from fsm.cert.pack import RESULT_RULES
from fsm.cert.sections import E2E_RULES
from fsm.pipeline import BUILD_RULES
from fsm.pipeline import load_specs
from fsm.py15.check import SUBSET_RULES
from fsm.rules import rule_ids
from fsm.rules.modnames import FILE_NAME_RULES
from tests.support import ROOT

HERE = Path(__file__).parent
BAD = HERE / "bad"
FIXTURES = sorted(p for p in BAD.iterdir() if p.name != "runtime" and not p.name.startswith("."))


def _rule_of(fixture: Path) -> str:
    return fixture.name.removesuffix(".yaml")


def _runtime(fixture: Path) -> Path:
    """The callbacks a fixture is checked against: its own runtime/ (a rule about what runtime code does), else
    the shared one."""
    own = fixture / "runtime"
    return own if own.is_dir() else BAD / "runtime"


def _marked(rule: str, fixture: Path) -> tuple[str, int]:
    """The file and line a fixture marks with `# <- here` (or `# <- <rule>` in the fixture runtime)."""
    files = [fixture] if fixture.is_file() else sorted(fixture.glob("*.yaml"))
    marks = [(f, n) for f in files for n, line in enumerate(f.read_text().splitlines(), 1) if "# <- here" in line]
    marks += [(f, n) for f in sorted(_runtime(fixture).glob("*.py"))
              for n, line in enumerate(f.read_text().splitlines(), 1) if f"# <- {rule}" in line]
    assert len(marks) == 1, f"{fixture} must mark exactly one line"
    return str(marks[0][0].relative_to(ROOT)), marks[0][1]


def test_every_rule_has_a_bad_spec_and_every_bad_spec_names_a_rule() -> None:
    assert {_rule_of(f) for f in FIXTURES} == set(rule_ids())


@pytest.mark.parametrize("fixture", FIXTURES, ids=_rule_of)
def test_bad_spec_fails_with_its_rule_and_line(fixture: Path) -> None:
    rule = _rule_of(fixture)
    spec_dir = fixture if fixture.is_dir() else _single(fixture)
    loaded = load_specs(spec_dir, _runtime(fixture), ROOT)
    assert loaded.findings, f"{fixture.name} passed validation"
    assert {f.rule for f in loaded.findings} == {rule}, [str(f) for f in loaded.findings]
    first = loaded.findings[0]
    assert (first.loc.file, first.loc.line) == _marked(rule, fixture), str(first)
    assert str(first).startswith(f"{first.loc.file}:{first.loc.line}:")


def _single(fixture: Path) -> Path:
    """A folder holding only this fixture file (the loader reads folders)."""
    folder = fixture.parent / ".single" / fixture.stem
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / fixture.name
    target.unlink(missing_ok=True)
    target.symlink_to(fixture)
    return folder


def test_real_and_fixture_specs_are_valid() -> None:
    for specs, runtime in ((ROOT / "fsm" / "specs", ROOT / "runtime"),
                           (HERE.parent / "fixtures" / "good" / "specs",
                            HERE.parent / "fixtures" / "good" / "runtime")):
        loaded = load_specs(specs, runtime, ROOT)
        assert loaded.findings == ()
        assert loaded.specs.machines
        assert loaded.specs.commands
        assert loaded.specs.requirements


def test_messages_read_as_a_sentence_with_a_hint() -> None:
    loaded = load_specs(_single(BAD / "unknown-state.yaml"), BAD / "runtime", ROOT)
    assert str(loaded.findings[0]) == (
        "tests/fsm/rules/bad/unknown-state.yaml:7:42: unknown-state: dest 'darkk' of 'switch' is not a state of 'lamp' "
        "(did you mean 'dark'?)"
    )


def test_each_rule_id_belongs_to_one_registry() -> None:
    registries = [rule_ids(), FILE_NAME_RULES.sentences(), SUBSET_RULES, BUILD_RULES.sentences(),
                  RESULT_RULES.sentences(), E2E_RULES.sentences()]
    twice = [rid for rid, n in Counter(rid for r in registries for rid in r).items() if n > 1]
    assert twice == []
