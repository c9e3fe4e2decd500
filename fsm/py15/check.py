"""The Python 1.5 subset checker (docs/design/py15.md): `python -m fsm.py15 runtime generated host/telit`.

Parses each firmware file as Python 3 with `ast` and `tokenize` (never by matching text); a file that does not
parse gets `py15-syntax` and nothing else. The rules live in `syntax` (grammar), `lex` (tokens), `names`
(built-ins and scopes) and `calls` (calls, operators, imports). Prints every finding sorted, one per line.
Exit codes: 0 clean, 1 findings, 2 usage (bad option, missing path).
"""

from __future__ import annotations

import argparse
import ast
import io
import sys
import tokenize
from collections.abc import Iterable
from pathlib import Path

from fsm.errors import EXIT_FINDINGS
from fsm.errors import EXIT_OK
from fsm.errors import EXIT_USAGE
from fsm.findings import Finding
from fsm.findings import Loc
from fsm.findings import Rule
from fsm.py15 import calls
from fsm.py15 import lex
from fsm.py15 import names
from fsm.py15 import syntax
from fsm.py15.base import TELIT_BUILTINS
from fsm.py15.base import SourceFile
from fsm.py15.base import run_rules

SYNTAX = "py15-syntax"
ALL_RULES: tuple[Rule[SourceFile], ...] = tuple(
    rule for rule_set in (syntax.rules, lex.rules, names.rules, calls.rules)
    for rule in rule_set.rules
)
SUBSET_RULES: dict[str, str] = {
    SYNTAX: "the file must parse as Python 3 (raise E, 'x' / except E, e / 1L / `x` / <> do not)",
    **{rule.id: rule.sentence for rule in ALL_RULES},
}
# The modules that try interpreter features at import (docs/design/py15.md §2): the string helpers, and the boot
# loader (file modes, md5 or hashlib; it may not import the updatable compat module). They may import
# `string`, `md5` and `hashlib` and call str methods.
COMPAT_MODULES = frozenset({"compat", "fwboot"})


def check_source(
    text: str,
    filename: str,
    *,
    local_modules: Iterable[str] = (),
    allowed_imports: Iterable[str] = (),
    compat_modules: Iterable[str] = COMPAT_MODULES,
) -> list[Finding]:
    """Findings for one firmware file. `local_modules`: the sibling firmware modules it may import."""
    stem = Path(filename).stem
    try:
        tree = ast.parse(text, filename=filename)
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (SyntaxError, tokenize.TokenError, ValueError) as err:
        return [_syntax_finding(filename, err)]
    allowed = TELIT_BUILTINS | frozenset(local_modules) | frozenset(allowed_imports)
    ctx = SourceFile(filename, text, tree, tokens, allowed, stem in frozenset(compat_modules))
    return sorted(run_rules(ctx, list(ALL_RULES)))


def _syntax_finding(filename: str, err: Exception) -> Finding:
    line = getattr(err, "lineno", None) or 1
    col = getattr(err, "offset", None) or 0
    reason = getattr(err, "msg", None) or str(err)
    return Finding(Loc(filename, line, col), SYNTAX, (
        f"not valid Python 3 ({reason}); firmware must parse under 1.5, 2.7 and 3: write "
        f"'raise E(\"msg\")', 'except E:', no 1L, no backquotes, no '<>', no print statement"))


def python_files(paths: Iterable[Path]) -> list[Path]:
    """The files given, and every *.py under the directories given (sorted); a missing path raises."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.rglob("*.py")))
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"no such file or directory: {path}")
    return list(dict.fromkeys(files))  # a file given twice is checked once


def check_paths(
    paths: Iterable[Path],
    *,
    local_modules: Iterable[str] | None = None,
    allowed_imports: Iterable[str] = (),
    compat_modules: Iterable[str] = COMPAT_MODULES,
) -> list[Finding]:
    """Findings for files and directories; by default any file may import any other file checked."""
    files = python_files(paths)
    local = frozenset(p.stem for p in files) if local_modules is None else frozenset(local_modules)
    found: list[Finding] = []
    for path in files:
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            line = data.count(b"\n", 0, err.start) + 1
            found.append(Finding(Loc(str(path), line), SYNTAX, (
                f"byte 0x{data[err.start]:02x} is not UTF-8, so Python 3 cannot read the file; "
                f"write ASCII and '\\xNN' escapes")))
            continue
        found.extend(check_source(text, str(path), local_modules=local, allowed_imports=allowed_imports,
                                  compat_modules=compat_modules))
    return sorted(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fsm.py15", description="Check firmware files against the Python 1.5 subset.")
    parser.add_argument("paths", nargs="*", type=Path, help="files, or directories of *.py files")
    parser.add_argument("--allow-import", action="append", default=[], metavar="MODULE",
                        help="also allow importing MODULE (repeatable)")
    parser.add_argument("--list-rules", action="store_true", help="print the rule table and exit")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return EXIT_USAGE if exc.code else EXIT_OK
    if args.list_rules:
        for rule_id, description in SUBSET_RULES.items():
            print(f"{rule_id}: {description}")
        return EXIT_OK
    if not args.paths:
        parser.print_usage(sys.stderr)
        print("py15check: error: give at least one file or directory", file=sys.stderr)
        return EXIT_USAGE
    try:
        findings = check_paths(args.paths, allowed_imports=args.allow_import)
    except FileNotFoundError as err:
        print(f"py15check: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    for finding in findings:
        print(finding)
    return EXIT_FINDINGS if findings else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
