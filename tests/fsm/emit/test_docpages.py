"""The generated blocks of the pages in docs/ (fsm/emit/docpages.py): filled from the specs, drift-checked by the
build, and saying what the firmware says: every error text, usage line and `config` item is compared with what
runtime/smscmd.py and runtime/smsact.py produce under each firmware interpreter."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

import build
from fsm.emit.docpages import BLOCKS
from fsm.emit.docpages import arg_error
from fsm.emit.docpages import command_names
from fsm.emit.docpages import config_listed
from fsm.emit.docpages import expected_docs
from fsm.emit.docpages import fill
from fsm.emit.docpages import usage
from fsm.interpreters import Interpreter
from fsm.pipeline import load_specs
from tests.runtime.fwunit import assigned
from tests.runtime.fwunit import evaluate
from tests.support import GENERATED
from tests.support import ROOT

SPECS = load_specs(ROOT / "fsm" / "specs", ROOT / "runtime", ROOT).specs
TABLE = SPECS.commands
assert TABLE is not None
BAD = {"enum": "x9", "int": "x", "host": "x_", "ipv4_or_any": "x", "password": "_", "text": '"', "keyword": "x",
       "onoff": "x", "phone": "+1"}


def test_a_block_is_written_from_the_specs_and_the_prose_around_it_kept() -> None:
    page = ("# Page\n\nProse.\n\n<!-- BEGIN generated state-timeouts -->\nstale\n"
            "<!-- END generated state-timeouts -->\n\nEnd.\n")
    out = fill(page, SPECS)
    assert out.startswith("# Page\n\nProse.\n\n<!-- BEGIN generated state-timeouts: `python build.py` writes")
    assert "stale" not in out
    assert "| gateway | gprs_backoff | 30 s | retry |" in out
    assert out.endswith("<!-- END generated state-timeouts -->\n\nEnd.\n")
    assert fill(out, SPECS) == out


def test_an_unknown_block_names_the_page_the_line_and_the_blocks() -> None:
    with pytest.raises(ValueError, match=r"^docs/x.md:3: unknown generated block 'nope'; blocks: sms-commands"):
        fill("a\n\n<!-- BEGIN generated nope -->\n<!-- END generated nope -->\n", SPECS, "docs/x.md")


def test_pages_without_blocks_and_trees_without_docs_give_nothing(tmp_path: Path) -> None:
    assert expected_docs(tmp_path / "docs", SPECS, tmp_path) == {}
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "plain.md").write_text("# Plain\n")
    assert expected_docs(tmp_path / "docs", SPECS, tmp_path) == {}


def test_the_committed_pages_hold_every_block() -> None:
    pages = expected_docs(ROOT / "docs", SPECS, ROOT)
    text = "".join(pages.values())
    assert [name for name in BLOCKS if f"<!-- END generated {name} -->" not in text] == []
    assert all(page.read_text() == body for page, body in pages.items()), "run `python build.py`"


def test_a_hand_edited_block_is_drift_and_build_writes_it_again(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    for part in ("fsm/specs", "runtime", "host/telit", "generated", "diagrams", "docs"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("*.svg", "*.pdf", "cert"))
    page = tmp_path / "docs" / "sms-commands.md"
    page.write_text(page.read_text().replace("| baud | `9600` |", "| baud | `4800` |"))
    assert build.main(["--root", str(tmp_path), "check"]) == 1
    assert "docs/sms-commands.md: drift: differs from what the specs produce" in capsys.readouterr().err
    assert build.main(["--root", str(tmp_path), "build", "--no-draw"]) == 0
    assert "wrote     docs/sms-commands.md" in capsys.readouterr().out
    assert page.read_text() == (ROOT / "docs" / "sms-commands.md").read_text()


def _fields() -> list[tuple[int, int]]:
    return [(i, j) for i, c in enumerate(TABLE.commands) for j, _ in enumerate(c.fields)]


def test_every_error_usage_and_config_item_the_pages_show_is_the_firmwares(firmware_python: Interpreter) -> None:
    fields = _fields()
    exprs = [f"smscmd.check_value(fsm_commands.COMMANDS[{i}][1][{j}], "
             f"{BAD[TABLE.commands[i].fields[j].type]!r}, fsm_commands)[1]" for i, j in fields]
    exprs += [f"smscmd.usage(fsm_commands.COMMANDS[{i}])" for i, _ in enumerate(TABLE.commands)]
    exprs += ["smscmd.command_names(fsm_commands)",
              "smscmd.parse('connect mode', cfgstore.defaults(fsm_commands), fsm_commands)[1]",
              "smsact.config_items(fwctx.Ctx(None, None, fsm_commands, cfgstore.defaults(fsm_commands)))"]
    got = evaluate(firmware_python, ["smscmd", "smsact", "cfgstore", "fsm_commands", "fwctx"], exprs)
    errors, got = got[:len(fields)], got[len(fields):]
    usages, (names, mode_error, items) = got[:len(TABLE.commands)], got[len(TABLE.commands):]
    assert errors == [arg_error(TABLE.commands[i].fields[j], BAD[TABLE.commands[i].fields[j].type])
                      for i, j in fields]
    assert usages == [usage(c) for c in TABLE.commands]
    assert names == command_names(TABLE)
    assert mode_error == "mode must be followed by server or client"
    defaults = {s.name: s.default for s in TABLE.settings}
    # `allow any` says what `allow` says: listed once
    listed = list(dict.fromkeys(" ".join((c.reply % defaults).split()) for c in config_listed(TABLE, defaults)))
    version = ast.literal_eval(assigned(GENERATED / "fsm_commands.py", "VERSION"))
    assert items == ["mode none", "offline", *listed, f"version {version}", "dropped 0",
                     "sms in calls off"]  # Ctx: at2 None (no MDM2)
