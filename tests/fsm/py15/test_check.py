"""The Python 1.5 subset checker: one bad fixture per rule, a good fixture run under every interpreter, the CLI."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from fsm.interpreters import Interpreter
from fsm.py15.check import ALL_RULES
from fsm.py15.check import SUBSET_RULES
from fsm.py15.check import check_paths
from fsm.py15.check import check_source
from fsm.py15.check import main
from tests.support import RUNTIME
from tests.support import run_firmware

HERE = Path(__file__).parent
BAD = HERE / "bad"
GOOD = HERE / "good" / "ok.py"
FIXTURES = sorted(BAD.glob("*.py"))
SYNTAX_FIXTURE = BAD / "py15-syntax.py"


def marks(path: Path) -> list[tuple[str, int]]:
    """(rule, line) the fixture expects: its own rule on '# <- here', others on '# <- also: <rule>'."""
    expected = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if "# <- here" in line:
            expected.append((path.stem, number))
        also = re.search(r"# <- also: (\S+)", line)
        if also:
            expected.append((also.group(1), number))
    return sorted(expected)


def rules_and_lines(text: str, **kwargs: object) -> list[tuple[str, int]]:
    return [(f.rule, f.loc.line) for f in check_source(text, "fw.py", **kwargs)]  # type: ignore[arg-type]


# --- one fixture per rule -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_bad_fixture_gives_exactly_its_rule_on_the_marked_line(path: Path) -> None:
    findings = check_paths([path])
    assert [(f.rule, f.loc.line) for f in findings] == marks(path)
    assert all(f.loc.file == str(path) for f in findings)


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_bad_fixture_marks_one_violation(path: Path) -> None:
    assert [rule for rule, _ in marks(path)].count(path.stem) == 1


def test_every_rule_has_a_fixture_and_every_fixture_names_a_rule() -> None:
    assert sorted(p.stem for p in FIXTURES) == sorted(SUBSET_RULES)


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_bad_fixtures_parse_as_python3_except_the_syntax_one(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if path == SYNTAX_FIXTURE:
        with pytest.raises(SyntaxError):
            ast.parse(text)
    else:
        ast.parse(text)


def test_rule_ids_are_unique() -> None:
    assert len(ALL_RULES) + 1 == len(SUBSET_RULES)  # + py15-syntax, which no rule function reports


def test_rule_table_ids_are_kebab_case_with_a_description() -> None:
    for rule_id, description in SUBSET_RULES.items():
        assert re.fullmatch(r"py15-[a-z0-9]+(-[a-z0-9]+)*", rule_id)
        assert description.strip()


# --- the good fixture -----------------------------------------------------------------------------------

GOOD_OUTPUT = """\
SMS gateway for Telit modules
fmt 7 ff
port=8080
a,b,c
1 0
3
2
198
x+y
3
-2 8080 2
base ser port 1
42 2147483647
(3, 2) 8
bad port
ab
SMSmodules\\d+
"""


def test_good_fixture_has_no_findings() -> None:
    assert check_source(GOOD.read_text(encoding="utf-8"), str(GOOD), local_modules={"compat"}) == []


def test_good_fixture_runs_alike_under_every_interpreter(firmware_python: Interpreter, tmp_path: Path) -> None:
    out = run_firmware(firmware_python, GOOD, [RUNTIME])  # from copies: a 1.5.2 writes its .pyc files there
    assert (out.returncode, out.stderr) == (0, "")
    assert out.stdout == GOOD_OUTPUT


# --- messages and locations -----------------------------------------------------------------------------


def test_finding_prints_file_line_column_rule_and_what_to_write() -> None:
    [finding] = check_source("def f(n):\n    n += 1\n    return n\n", "runtime/x.py")
    assert str(finding) == ("runtime/x.py:2:5: py15-augassign: augmented assignment 'n += ...' is not "
                            "Python 1.5; write 'n = n + ...'")


def test_syntax_error_is_the_only_finding_and_has_the_line() -> None:
    findings = check_source("x = {1, 2}\nprint 'hello'\n", "fw.py")
    assert [(f.rule, f.loc.line) for f in findings] == [("py15-syntax", 2)]


def test_findings_are_sorted_by_line() -> None:
    text = "X = 1.5\nY = True\nZ = 0o7\n"
    assert rules_and_lines(text) == [("py15-float", 1), ("py15-bool", 2), ("py15-number-literal", 3)]


def test_divide_assign_is_both_augmented_and_division() -> None:
    assert rules_and_lines("def f(n):\n    n /= 2\n    return n\n") == [
        ("py15-augassign", 2), ("py15-division", 2)]


def test_floor_division_is_reported() -> None:
    assert rules_and_lines("def f(n):\n    return n // 2\n") == [("py15-division", 2)]


def test_non_utf8_file_is_a_syntax_finding_on_its_line(tmp_path: Path) -> None:
    path = tmp_path / "fw.py"
    path.write_bytes(b"X = 1\nY = 'caf\xe9'\n")
    [finding] = check_paths([path])
    assert (finding.rule, finding.loc.line) == ("py15-syntax", 2)


# --- rules that need judgement ----------------------------------------------------------------------------


def test_continue_is_fine_in_except_in_else_and_in_a_loop_inside_the_try() -> None:
    text = (
        "def f(rows):\n"
        "    for r in rows:\n"
        "        try:\n"
        "            for c in r:\n"
        "                continue\n"
        "        except ValueError:\n"
        "            continue\n"
        "        else:\n"
        "            continue\n"
    )
    assert rules_and_lines(text) == []


def test_continue_is_reported_in_finally_and_in_an_except_nested_in_a_try_body() -> None:
    text = (
        "def f(rows):\n"
        "    for r in rows:\n"
        "        try:\n"
        "            try:\n"
        "                r = r + 1\n"
        "            except ValueError:\n"
        "                continue\n"
        "        finally:\n"
        "            continue\n"
    )
    assert rules_and_lines(text) == [("py15-continue-in-try", 7), ("py15-continue-in-try", 9)]


def test_local_names_shadow_builtins_the_1_5_way() -> None:
    text = (
        "def sum(items):\n"
        "    return 0\n"
        "def step(next, filter):\n"
        "    iter = next\n"
        "    return sum([iter, filter])\n"
        "def other():\n"
        "    return next\n"
    )
    assert rules_and_lines(text) == [("py15-builtin", 7)]


def test_a_global_declared_in_a_function_is_a_module_name() -> None:
    text = "def set_next(n):\n    global next\n    next = n\ndef get():\n    return next\n"
    assert rules_and_lines(text) == []


def test_keyword_arguments_are_fine_for_firmware_functions_not_builtins() -> None:
    text = "def f(a, b=1):\n    return a\nX = f(1, b=2)\nY = max(1, 2, key=abs)\n"
    assert rules_and_lines(text) == [("py15-builtin-kwargs", 4)]


def test_string_methods_are_fine_on_imported_modules_and_in_compat() -> None:
    text = "import compat\nimport MDM\n\ndef f(s):\n    MDM.send(s, 0)\n    return compat.split(s)\n"
    assert rules_and_lines(text, local_modules={"compat"}) == []
    method = "import string\n\ndef split(s):\n    return s.split()\n"
    assert rules_and_lines(method) == [("py15-import-module", 1), ("py15-str-method", 4)]
    assert [(f.rule, f.loc.line) for f in check_source(method, "runtime/compat.py")] == []


def test_join_on_a_literal_is_a_string_method() -> None:
    assert rules_and_lines("def f(words):\n    return ' '.join(words)\n") == [("py15-str-method", 2)]


def test_in_takes_one_character_strings_and_no_dict_displays() -> None:
    text = "def f(c, k):\n    a = c in 'xyz'\n    b = 'x' in c\n    d = k in {'a': 1}\n    return a\n"
    assert rules_and_lines(text) == [("py15-in-operator", 4)]


def test_percent_r_is_found_but_escaped_percent_is_not() -> None:
    assert rules_and_lines("A = '100%%r' % ()\nB = '%(x)r' % {'x': 1}\n") == [("py15-percent-r", 2)]


def test_lambda_at_module_level_is_fine_but_not_in_a_class() -> None:
    text = "twice = lambda x: x * 2\n\n\nclass C:\n    f = lambda self: 1\n"
    assert rules_and_lines(text) == [("py15-nested-lambda", 5)]


def test_class_with_a_base_and_a_class_without_parentheses_are_fine() -> None:
    assert rules_and_lines("class A:\n    pass\n\n\nclass B(A):\n    pass\n") == []


def test_class_with_object_base_is_reported() -> None:
    assert rules_and_lines("class A(object):\n    pass\n") == [("py15-builtin", 1)]


def test_decorated_class_with_empty_parentheses_is_found_on_the_class_line() -> None:
    text = "def d(c):\n    return c\n\n\n@d\nclass A(\n):\n    pass\n"
    assert rules_and_lines(text) == [("py15-decorator", 5), ("py15-class-empty-parens", 6)]


def test_raw_strings_and_hex_are_fine() -> None:
    assert rules_and_lines("A = r'\\u00e9'\nB = 0x7fffffff\nC = -0x10\n") == []


def test_sibling_modules_may_be_imported_when_checked_together(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import b\nimport c\n")
    (tmp_path / "b.py").write_text("import MOD\n")
    assert [(f.loc.file, f.rule, f.loc.line) for f in check_paths([tmp_path])] == [
        (str(tmp_path / "a.py"), "py15-import-module", 2)]


def test_emulated_builtins_import_what_the_firmware_may(tmp_path: Path) -> None:
    (tmp_path / "MDM.py").write_text("import os\n")  # they talk to the simulator over sys.stdin/sys.stdout
    (tmp_path / "helper.py").write_text("import os\n")
    assert [(Path(f.loc.file).name, f.rule) for f in check_paths([tmp_path])] == [
        ("MDM.py", "py15-import-module"), ("helper.py", "py15-import-module")]


# --- the command line -------------------------------------------------------------------------------------


def test_cli_prints_findings_sorted_and_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "b.py").write_text("X = True\n")
    (tmp_path / "a.py").write_text("Y = 1.5\nZ = u'x'\n")
    assert main([str(tmp_path)]) == 1
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    assert capsys.readouterr().out.splitlines() == [
        f"{a}:1:5: py15-float: float literal '1.5' is not in the subset (no floats on the module); "
        f"use integers in a smaller unit",
        f"{a}:2:5: py15-string-prefix: string prefix 'u' is not Python 1.5; write a plain '...' "
        f"(str is bytes on the module)",
        f"{b}:1:5: py15-bool: 'True' is not Python 1.5; write 1",
    ]


def test_cli_exits_0_on_clean_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("X = 1\n")
    assert main([str(tmp_path)]) == 0
    assert capsys.readouterr().out == ""


def test_cli_allow_import(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import os\n")
    assert main([str(tmp_path)]) == 1
    assert main(["--allow-import", "os", str(tmp_path)]) == 0


@pytest.mark.parametrize("argv", [[], ["--no-such-option", "x"], ["does/not/exist"]])
def test_cli_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "error" in capsys.readouterr().err


def test_cli_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list-rules"]) == 0
    assert [line.split(":")[0] for line in capsys.readouterr().out.splitlines()] == list(SUBSET_RULES)
