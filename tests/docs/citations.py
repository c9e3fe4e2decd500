"""What the documents and the code's comments cite, and whether it is there: the scanner behind test_citations.py.

A clone must explain itself, so every document a comment, a docstring or a Markdown page names must be in the
repository: a `name.md` (resolved against the citing file's folder, the root, or a unique file name in the tree),
with the section it names (`docs/design/telit.md §2.2`: a heading that starts `2.2`; `host/README.md "Clock
policy"`: a heading that holds the words), and every relative Markdown link. Background notes that never were in
the repository (`DESIGN 3.9`, `telit-facts`, `PY15.md`, `STYLE 10` ...) are cited nowhere, and nothing cites an
issue number instead of saying the behaviour.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What is scanned: Python files for their comments and docstrings, every other text file whole.
SCANNED_DIRS = ("fsm", "host", "runtime", "tests", "bench", "generated", "docs", "diagrams", ".ci")
SCANNED_ROOT_FILES = ("README.md", "CONTRIBUTING.md", "build.py", "setup.sh", "pyproject.toml")
TEXT_SUFFIXES = (".md", ".yaml", ".j2", ".sh", ".toml", "")
SKIPPED_PARTS = {".venv", "__pycache__", ".hypothesis", ".pytest_cache", ".ruff_cache", "cert", "build"}

# The scanner and its test spell out what they look for.
SELF = ("tests/docs/citations.py", "tests/docs/test_citations.py")
# Files the tools write on demand (never committed); naming them is not a citation of a missing document.
WRITTEN_ON_DEMAND = {
    "RECOVERY.md": "tests/hardening/conftest.py writes it with --recovery-report",
}

MD_NAME = re.compile(r"(?<![\w./-])([A-Za-z0-9_./-]*[A-Za-z0-9_-]\.md)\b")
SECTION = re.compile(r"\s*(?:§|section)\s*(\d+(?:\.\d+)*)")  # firmware files are ASCII: `section 9` there
QUOTED = re.compile(r'\s*"([^"\n]{3,60})"')
# `owner/name` just before a file name: a file of another repository (kmertol/modemg tools/README.md).
OTHER_REPO = re.compile(r"([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)[`'\"]?[\s,]+[`'\"]?\s*$")
RETIRED = re.compile(r"\.\./shared/|\bseeds/\d|\bDESIGN(?:\.md|\s*§|\s+\d)|\btelit-facts\b|\bPY15(?:\.md)?\b|"
                     r"\bSTYLE(?:\.md|\s*§|\s+\d)|\b(?:fsm|gateway)-anchors\b|(?<!-)\bmodule-speed\b|\bcode-review-\d")
ISSUE = re.compile(r"\bissues?\s*#?\d+", re.IGNORECASE)
LINK = re.compile(r"\]\(([^)\s]+)\)")


@dataclass(frozen=True)
class Text:
    """A piece of a file that may cite: a comment, a docstring, or a whole text file."""

    path: Path
    line: int
    text: str


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.message}"


def scanned_files(root: Path = ROOT) -> list[Path]:
    out = [root / name for name in SCANNED_ROOT_FILES if (root / name).is_file()]
    for top in SCANNED_DIRS:
        for p in sorted((root / top).rglob("*")):
            rel = p.relative_to(root)
            if not p.is_file() or SKIPPED_PARTS.intersection(rel.parts) or rel.as_posix() in SELF:
                continue
            if p.suffix == ".py" or p.suffix in TEXT_SUFFIXES and (p.suffix or top == ".ci"):
                out.append(p)
    return out


def python_texts(path: Path, source: str) -> list[Text]:
    """The comments (tokenize) and the docstrings (ast) of a Python file."""
    out = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                out.append(Text(path, tok.start[0], tok.string))
        tree = ast.parse(source)
    except (SyntaxError, tokenize.TokenError):  # the subset checker's bad examples: read them whole
        return [Text(path, 1, source)]
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                out.append(Text(path, first.lineno, first.value.value))
    return out


def texts(path: Path) -> list[Text]:
    source = path.read_text(encoding="utf-8", errors="replace")
    return python_texts(path, source) if path.suffix == ".py" else [Text(path, 1, source)]


def headings(md: Path) -> list[str]:
    return [line.lstrip("#").strip() for line in md.read_text(encoding="utf-8").splitlines() if line.startswith("#")]


def _by_name(root: Path) -> dict[str, list[Path]]:
    names: dict[str, list[Path]] = {}
    for p in scanned_files(root):
        if p.suffix == ".md":
            names.setdefault(p.name, []).append(p)
    return names


def resolve(name: str, citing: Path, root: Path, by_name: dict[str, list[Path]]) -> Path | None:
    for base in (citing.parent, root):
        candidate = (base / name).resolve()
        if candidate.is_file():
            return candidate
    found = by_name.get(Path(name).name, [])
    return found[0] if "/" not in name and len(found) == 1 else None


def _line_of(t: Text, offset: int) -> int:
    return t.line + t.text.count("\n", 0, offset)


def check_text(t: Text, root: Path, by_name: dict[str, list[Path]]) -> list[Problem]:
    """The `name.md` citations of a comment, docstring or page, their sections, and a page's links."""
    out = []
    flat = t.text
    for m in MD_NAME.finditer(flat):
        name = m.group(1)
        if RETIRED.search(name) or flat[max(0, m.start() - 2):m.start()] == "](":
            continue  # check_whole reports it; a link's target is check_links' job
        before = " ".join(flat[max(0, m.start() - 80):m.start()].split()) + " "
        other = OTHER_REPO.search(before)
        if other and not (root / other.group(1)).exists() or before.rstrip().endswith(("/", "github.com")):
            continue  # a file of another repository, or part of an address
        if Path(name).name in WRITTEN_ON_DEMAND:
            continue
        target = resolve(name, t.path, root, by_name)
        if target is None:
            out.append(Problem(t.path, _line_of(t, m.start()), f"cites {name}, which is not in the repository"))
            continue
        out += check_section(t, m.end(), name, target)
    if t.path.suffix == ".md":
        out += check_links(t)
    return out


def check_whole(path: Path) -> list[Problem]:
    """Anywhere in a file, code and messages included: the notes that were never in the repository, and issue
    numbers standing for a behaviour."""
    t = Text(path, 1, path.read_text(encoding="utf-8", errors="replace"))
    out = [Problem(path, _line_of(t, m.start()), f"cites '{m.group(0)}', a note that is not in the repository: "
                   "cite the docs/ page that says it, or say the fact") for m in RETIRED.finditer(t.text)]
    out += [Problem(path, _line_of(t, m.start()), f"cites '{m.group(0)}': say the behaviour instead")
            for m in ISSUE.finditer(t.text)]
    return out


def check_section(t: Text, end: int, name: str, target: Path) -> list[Problem]:
    rest = t.text[end:end + 80]
    heads = headings(target) if target.suffix == ".md" else []
    sec = SECTION.match(rest)
    if sec and not any(re.match(re.escape(sec.group(1)) + r"\b", h) for h in heads):
        return [Problem(t.path, _line_of(t, end), f"cites {name} §{sec.group(1)}, which has no such section")]
    quoted = QUOTED.match(rest)
    if quoted and heads and not any(quoted.group(1).lower() in h.lower() for h in heads):
        return [Problem(t.path, _line_of(t, end), f'cites {name} "{quoted.group(1)}", which has no such heading')]
    return []


def check_links(t: Text) -> list[Problem]:
    out = []
    for m in LINK.finditer(t.text):
        target = m.group(1).split("#")[0]
        if not target or re.match(r"[a-z]+:", target):
            continue
        if not (t.path.parent / target).exists():
            out.append(Problem(t.path, _line_of(t, m.start()), f"links to {m.group(1)}, which does not exist"))
    return out


def sections_cited(root: Path = ROOT) -> list[str]:
    """Every `name.md §n` the comments and pages cite (to show the section check has something to check)."""
    out = []
    for path in scanned_files(root):
        for t in texts(path):
            out += [m.group(1) + " §" + sec.group(1) for m in MD_NAME.finditer(t.text)
                    if (sec := SECTION.match(t.text[m.end():m.end() + 20]))]
    return out


def problems(root: Path = ROOT) -> list[Problem]:
    by_name = _by_name(root)
    out: list[Problem] = []
    for path in scanned_files(root):
        for t in texts(path):
            out += check_text(t, root, by_name)
        out += check_whole(path)
    return out
