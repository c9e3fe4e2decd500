"""The machines' conversation: every event one machine raises in another is declared (`from:`), and every
declaration is a send runtime/ makes; `build.py check` points at the runtime line of a send the specs lost."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import build
from fsm.pipeline import load_specs
from fsm.rules.conversation import LOOP
from fsm.rules.conversation import declared
from fsm.rules.conversation import sends
from fsm.spec.runtime_scan import scan_runtime
from tests.support import ROOT
from tests.support import RUNTIME
from tests.support import SPECS

REAL = load_specs(SPECS, RUNTIME, ROOT)
DECLARED = [(sender, machine, event) for sender, machine, event, _ in declared(REAL.specs.machines)]


def _without(specs: Path, machine: str, event: str, sender: str) -> None:
    """Removes `sender` from the `from:` of `event` in the machine's spec (the events are one-line mappings)."""
    path = specs / f"{machine}.yaml"
    lines = path.read_text().splitlines(keepends=True)
    for i, line in enumerate(lines):
        if re.match(rf"\s*- \{{name: {event},", line):
            got = re.search(r"from: \[([^\]]*)\]", line)
            assert got, line
            rest = [s for s in got.group(1).split(", ") if s != sender]
            lines[i] = line.replace(got.group(0), f"from: [{', '.join(rest)}]" if rest else "from: []")
            path.write_text("".join(lines))
            return
    raise AssertionError(f"no event {event} in {path}")


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    shutil.copytree(SPECS, tmp_path / "fsm/specs")
    return tmp_path / "fsm/specs"


def test_the_specs_declare_the_conversation_runtime_has() -> None:
    assert REAL.findings == ()
    assert {(s.sender, s.target, s.event) for s in sends(REAL)} == set(DECLARED)
    assert ("sms", "gateway", "net_lost") in DECLARED, "config asks the watch's question, which may send net_lost"
    assert all(sender == LOOP for sender, machine, event in DECLARED if event in ("ring", "incoming", "arrived"))


def test_removing_a_declared_send_fails_check_at_the_runtime_line_that_sends_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for part in ("fsm/specs", "runtime", "host/telit"):
        shutil.copytree(ROOT / part, tmp_path / part)
    _without(tmp_path / "fsm/specs", "gateway", "net_lost", "sms")
    assert build.main(["--root", str(tmp_path), "check"]) == 1
    err = capsys.readouterr().err.splitlines()
    line = next(n for n, text in enumerate((RUNTIME / "watchact.py").read_text().splitlines(), 1)
                if "E_NET_LOST" in text)
    assert [e for e in err if "undeclared-send" in e] == [
        f"runtime/watchact.py:{line}:25: undeclared-send: the sms machine sends 'net_lost' to 'gateway' here "
        "(through smsact.apply_command -> smsact.cmd_config -> smsact.config_items -> watchact.check_context), "
        "but fsm/specs/gateway.yaml does not declare it: add sms to the `from:` of event 'net_lost'"]
    assert err[-1] == "check: 1 problem(s)"


@pytest.mark.parametrize(("sender", "machine", "event"), DECLARED, ids=[f"{s}-{e}-{m}" for s, m, e in DECLARED])
def test_every_declared_send_is_one_the_check_needs(specs: Path, sender: str, machine: str, event: str) -> None:
    """Each `from:` entry is load-bearing: without it the check fails, only at runtime lines naming the event."""
    _without(specs, machine, event, sender)
    findings = load_specs(specs, RUNTIME, ROOT).findings
    assert findings
    for f in findings:
        assert f.rule == "undeclared-send", str(f)
        assert f.message.startswith(("the main loop" if sender == LOOP else f"the {sender} machine")
                                    + f" sends '{event}' to '{machine}' here"), str(f)
        source = (ROOT / f.loc.file).read_text().splitlines()[f.loc.line - 1]
        assert f"E_{event.upper()}" in source[f.loc.col - 1:], str(f)


def test_a_sender_that_sends_nothing_is_reported_where_it_is_declared(specs: Path) -> None:
    path = specs / "sms.yaml"
    path.write_text(path.read_text().replace("from: [gateway]}", "from: [gateway, watch, lop]}"))
    findings = load_specs(specs, RUNTIME, ROOT).findings
    assert [(f.rule, f.loc.file, f.message) for f in findings] == [
        ("unused-sender", str(path), "nothing the watch machine runs in runtime/ sends 'check' to 'sms'; "
                                     "remove watch from its `from:`"),
        ("unused-sender", str(path), "'lop' in the `from:` of 'check' is not a machine, nor 'loop' (the main loop) "
                                     "(did you mean 'loop'?)"),
    ]


def test_the_scan_names_the_machine_through_the_context_an_alias_or_its_tables(tmp_path: Path) -> None:
    (tmp_path / "loop.py").write_text(
        "import engine\nimport fsm_fan\n\n\ndef run(ctx):\n    ctx.fan = engine.Machine(fsm_fan, ctx)\n")
    (tmp_path / "acts.py").write_text(
        "import engine\nimport fsm_fan\n\n\n"
        "def a(m, arg):\n    engine.dispatch(m.ctx.fan, m.ctx.fan.t.E_SPIN, None)\n\n\n"
        "def b(m, arg):\n    f = m.ctx.fan\n    engine.dispatch(f, f.t.E_STOP, None)\n\n\n"
        "def c(m, arg):\n    engine.dispatch(m, m.t.E_DONE, None)\n"
        "    engine.dispatch(m.ctx.fan, fsm_fan.E_GO, None)\n\n\n"
        "def d(m, arg):\n    x = pick()\n    engine.dispatch(x, x.t.E_SPIN, None)\n")
    index = scan_runtime(tmp_path, tmp_path)
    assert dict(index.machine_attrs) == {"fan": "fsm_fan"}
    assert [(r.function, r.event, r.via, r.target) for r in index.event_refs] == [
        ("acts.a", "spin", "context", "fan"), ("acts.b", "stop", "context", "fan"),
        ("acts.c", "done", "self", "m"), ("acts.c", "go", "module", "fsm_fan"), ("acts.d", "spin", "unknown", "x")]


def test_a_call_through_the_command_rows_action_column_reaches_every_command_action() -> None:
    calls = dict(REAL.runtime.calls)
    assert "<command actions>" in calls["smsact.apply_command"]
    assert "watchact.check_context" in calls["smsact.config_items"]
