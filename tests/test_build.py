"""build.py end to end, in-process on a copy of the project: build, check, drift, exit codes, help."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import build
from fsm.emit import render
from fsm.emit.render import RenderError
from tests.support import ROOT


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of what the build reads: the specs, the runtime and the emulated built-ins."""
    for part in ("fsm/specs", "runtime", "host/telit"):
        if (ROOT / part).exists():
            shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


def _tree(root: Path, *parts: str) -> dict[str, bytes]:
    out = {}
    for part in parts:
        for p in sorted((root / part).glob("*")):
            if p.suffix in (".py", ".dot", ".md"):
                out[str(p.relative_to(root))] = p.read_bytes()
    return out


def test_build_twice_gives_byte_identical_outputs(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert build.main(["--root", str(project), "build", "--no-draw"]) == 0
    first = _tree(project, "generated", "diagrams")
    out = capsys.readouterr().out
    assert "wrote     generated/fsm_gateway.py" in out
    assert "wrote     diagrams/gateway.dot" in out
    assert "built 6 machine(s) and 1 command table(s)" in out
    assert build.main(["--root", str(project), "build", "--no-draw"]) == 0
    assert _tree(project, "generated", "diagrams") == first
    assert "0 file(s) written" in capsys.readouterr().out
    assert build.main(["--root", str(project), "check"]) == 0


def test_committed_tree_passes_check(capsys: pytest.CaptureFixture[str]) -> None:
    code = build.main(["check"])
    assert code == 0, capsys.readouterr().err
    assert capsys.readouterr().out.startswith("check: ok in ")


def test_a_spec_edited_without_rebuilding_is_drift_naming_the_file(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert build.main(["--root", str(project), "build", "--no-draw"]) == 0
    spec = project / "fsm/specs/sms.yaml"
    spec.write_text(spec.read_text().replace("after: 60, event: check", "after: 90, event: check"))
    capsys.readouterr()
    assert build.main(["--root", str(project), "check"]) == 1
    err = capsys.readouterr().err
    assert ("generated/fsm_sms.py: drift: differs from what the specs produce (from fsm/specs/sms.yaml); "
            "run `python build.py`") in err
    assert "diagrams/sms.dot: drift" in err
    assert "generated/fsm_gateway.py" not in err


def test_a_hand_edited_generated_file_and_a_stale_one_are_drift(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert build.main(["--root", str(project), "build", "--no-draw"]) == 0
    gen = project / "generated/fsm_session.py"
    gen.write_text(gen.read_text() + "\n# tweak\n")
    (project / "generated/fsm_old.py").write_text("X = 1\n")
    capsys.readouterr()
    assert build.main(["--root", str(project), "check", "--diff"]) == 1
    captured = capsys.readouterr()
    assert "generated/fsm_session.py: drift" in captured.err
    assert "generated/fsm_old.py: drift: no spec produces this file" in captured.err
    assert "-# tweak" in captured.out


def test_invalid_spec_fails_with_file_line_rule_and_writes_nothing(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = project / "fsm/specs/sms.yaml"
    spec.write_text(spec.read_text().replace("on_enter: [read_next]", "on_enter: [read_nxt]"))
    assert build.main(["--root", str(project), "build", "--no-draw"]) == 1
    err = capsys.readouterr().err
    assert "fsm/specs/sms.yaml:" in err
    assert (": unknown-action: action 'read_nxt' of 'sms' is not a function defined in runtime/ "
            "(did you mean 'read_next'?)") in err
    assert not (project / "generated").exists()


def test_firmware_outside_the_python15_subset_fails_check(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert build.main(["--root", str(project), "build", "--no-draw"]) == 0
    (project / "runtime/extra.py").write_text("def f(x):\n    x += 1\n    return x\n")
    capsys.readouterr()
    assert build.main(["--root", str(project), "check"]) == 1
    assert "runtime/extra.py:2:" in capsys.readouterr().err


def test_build_draws_svg_and_pdf(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert build.main(["--root", str(project), "build"]) == 0
    for name in ("gateway", "session", "sms"):
        assert (project / f"diagrams/{name}.svg").read_text().lstrip().startswith("<?xml")
        assert (project / f"diagrams/{name}.pdf").read_bytes().startswith(b"%PDF")


def test_missing_graphviz_is_an_environment_error(project: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(project))  # no `dot` there
    assert build.main(["--root", str(project), "build"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("build: Graphviz's `dot` program was not found on PATH")
    hint = err.split("or build without drawing: `python ")[1].split("`")[0].split()  # a command that works
    assert hint == ["build.py", "build", "--no-draw"]
    assert build.main(["--root", str(project), *hint[1:]]) == 0


def test_a_dot_file_graphviz_rejects_is_an_environment_error(project: Path, capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def rejects(dot: Path) -> list[Path]:
        raise RenderError(f"{dot}: dot -Tsvg failed: syntax error in line 1")

    monkeypatch.setattr(render, "render", rejects)
    assert build.main(["--root", str(project), "build"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("build: ")
    assert "dot -Tsvg failed: syntax error in line 1" in err
    assert "internal error" not in err


def test_usage_errors_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert build.main(["chek"]) == 2
    assert "unknown command 'chek' (did you mean 'check'?)" in capsys.readouterr().err
    assert build.main(["check", "--bogus"]) == 2
    for sub in ("build", "check"):
        assert build.main([sub, "--help"]) == 0
        assert "usage: build.py" in capsys.readouterr().out
    assert build.main(["--help"]) == 0


def test_check_needs_no_graphviz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", os.devnull)
    assert build.main(["check"]) == 0
