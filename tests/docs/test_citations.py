"""Every document the code's comments and the pages cite is in the repository, with the section it names; no
comment or page cites a note that never was (DESIGN, PY15, STYLE, telit-facts) or an issue number instead of
the behaviour (tests/docs/citations.py is the scanner)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs.citations import problems
from tests.docs.citations import sections_cited


def test_every_cited_document_and_section_exists_and_no_issue_number_is_cited() -> None:
    found = problems()
    assert not found, "\n".join(str(p) for p in found)


def test_the_section_check_has_citations_to_check() -> None:
    cited = sections_cited()
    assert len(cited) > 40
    assert "docs/design/telit.md §2.2" in cited
    assert "docs/design/decisions.md §9" in cited


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_the_module_speed_options_are_not_citations(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"host/a.py": 'HELP = "build.py simulate --module-speed N; pytest --sim-module-speed N"\n'})
    assert problems(root) == []


PAGE = "# Page\n\n## 1. One\n\n### 1.2 Sub\n\n## Clock policy\n"


@pytest.mark.parametrize(("files", "expected"), [
    ({"fsm/a.py": "# see docs/missing.md\n"}, "fsm/a.py:1: cites docs/missing.md, which is not in the repository"),
    ({"fsm/a.py": '"""Doc.\n\nAs docs/page.md §1.3 says."""\n', "docs/page.md": PAGE},
     "fsm/a.py:3: cites docs/page.md §1.3, which has no such section"),
    ({"host/a.py": '# docs/page.md "Clock rules"\n', "docs/page.md": PAGE},
     'host/a.py:1: cites docs/page.md "Clock rules", which has no such heading'),
    ({"runtime/a.py": "X = 1  # the slots (DESIGN 3.9)\n"},
     "runtime/a.py:1: cites 'DESIGN 3', a note that is not in the repository: cite the docs/ page that says it, "
     "or say the fact"),
    ({"host/a.py": 'HELP = "the built-ins PY15.md lists"\n'},
     "host/a.py:1: cites 'PY15.md', a note that is not in the repository: cite the docs/ page that says it, "
     "or say the fact"),
    ({"fsm/specs/x.yaml": "# the manual (../shared/manual.txt)\n"},
     "fsm/specs/x.yaml:1: cites '../shared/', a note that is not in the repository: cite the docs/ page that says it, "
     "or say the fact"),
    ({"tests/a.py": '"""Issue 12: the call was lost."""\n'},
     "tests/a.py:1: cites 'Issue 12': say the behaviour instead"),
    ({"docs/a.md": "See [the page](design/gone.md#top).\n"},
     "docs/a.md:1: links to design/gone.md#top, which does not exist"),
])
def test_a_broken_citation_is_found(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    root = _tree(tmp_path, files)
    assert [f"{p.path.relative_to(root)}:{p.line}: {p.message}" for p in problems(root)] == [expected]


def test_good_citations_pass(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "docs/page.md": PAGE + "\nSee [one](other.md) and other.md §2.\n",
        "docs/other.md": "# Other\n\n## 2. Two\n",
        "host/a.py": '"""As docs/page.md §1.2 and docs/page.md "Clock policy" say; modemg does the same\n'
                     '(kmertol/modemg tools/README.md)."""\n\nFILE = "a.md"  # a name in code is no citation\n',
        "tests/hardening/conftest.py": '"""--recovery-report writes RECOVERY.md."""\n',
    })
    assert problems(root) == []
