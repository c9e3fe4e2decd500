"""What the documents quote from the firmware is what the firmware says: every constant cited as
`module.NAME = value` has that value in runtime/, and docs/troubleshooting.md lists every line the firmware writes
to its trace port (SER2), and no line it does not write."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.support import ROOT

RUNTIME = ROOT / "runtime"
TROUBLESHOOTING = ROOT / "docs" / "troubleshooting.md"
CONSTANT = re.compile(r"`(\w+)\.([A-Z][A-Z0-9_]*) = (-?\d+)`")
TRACE_PREFIXES = ("gateway:", "session:", "sms:", "trial:", "httpget:", "update:", "boot:", "fsm:", "  <")
VAR = None  # a part of a trace line that the firmware fills in


def _pages() -> list[Path]:
    return [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _constants(module: str) -> dict[str, object]:
    tree = ast.parse((RUNTIME / f"{module}.py").read_text())
    out: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = node.value.value
    return out


def test_every_constant_the_documents_quote_has_that_value_in_the_firmware() -> None:
    quoted = [(page, m) for page in _pages() for m in CONSTANT.finditer(page.read_text())]
    assert len(quoted) >= 15, "the pages quote the firmware's constants in the form `module.NAME = value`"
    wrong = []
    for page, m in quoted:
        module, name, value = m.group(1), m.group(2), int(m.group(3))
        actual = _constants(module).get(name, "missing") if (RUNTIME / f"{module}.py").exists() else "no module"
        if actual != value:
            wrong.append(f"{page.relative_to(ROOT)}: `{module}.{name} = {value}`, runtime/{module}.py: {actual}")
    assert not wrong, "\n".join(wrong)


def _parts(node: ast.expr) -> list[str | None]:
    """A trace line's expression as literal text and VAR parts."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _parts(node.left) + _parts(node.right)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant):
        out: list[str | None] = []
        for i, piece in enumerate(re.split(r"%[-0-9]*[sd]", node.left.value)):
            out += ([VAR] if i else []) + [piece]
        return out
    return [VAR]


def firmware_trace_lines() -> list[str]:
    """Every line runtime/ writes to SER2, as a regular expression (the values it fills in match anything)."""
    out = []
    for path in sorted(RUNTIME.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            sender = f.value.id if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else ""
            if name == "trace" or (name == "send" and sender == "SER2"):
                parts = _parts(node.args[0])
            elif name == "log_exception":
                parts = [*_parts(node.args[0]), VAR]
            else:
                continue
            if parts[0] is not VAR:  # a line that starts with what its caller gave is listed with the caller
                out.append("".join(".+?" if p is VAR else re.escape(p.rstrip("\r\n")) for p in parts))
    return out


def documented_trace_lines() -> list[str]:
    """The code spans of the trace table of docs/troubleshooting.md that start like a trace line."""
    text = TROUBLESHOOTING.read_text()
    spans = [s.replace("\\|", "|") for s in re.findall(r"`([^`]+)`", text)]
    return [s for s in spans if s.startswith(TRACE_PREFIXES)]


def test_the_trace_table_lists_every_line_the_firmware_writes_and_no_other() -> None:
    fw = firmware_trace_lines()
    doc = documented_trace_lines()
    assert len(fw) >= 20
    missing = [p for p in fw if not any(re.fullmatch(p, d) for d in doc)]
    assert not missing, "trace lines of runtime/ that docs/troubleshooting.md does not list:\n" + "\n".join(missing)
    stale = [d for d in doc if not any(re.fullmatch(p, d) for p in fw)]
    assert not stale, "lines docs/troubleshooting.md lists that runtime/ never writes:\n" + "\n".join(stale)
