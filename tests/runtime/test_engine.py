"""The table engine runs generated tables with transitions' semantics, under every firmware interpreter."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from fsm.hostmodel import HostModel
from fsm.interpreters import Interpreter
from fsm.pipeline import load_specs
from tests.runtime.enginehelp import generate
from tests.runtime.enginehelp import load_fixture
from tests.runtime.enginehelp import run_engine
from tests.runtime.fwunit import assigned
from tests.runtime.fwunit import int_constants
from tests.support import ROOT
from tests.support import RUNTIME
from tests.support import SPECS

LOADED = load_fixture()
DOOR = LOADED.specs.machines[0]


@pytest.fixture(scope="module")
def gen_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(LOADED, tmp_path_factory.mktemp("generated"))


def _host_trace(events: list[str], guards: dict[str, int]) -> list[str]:
    model = HostModel(DOOR, guard=lambda name, arg: bool(guards[name.removeprefix("is_")]))
    out: list[str] = []
    for e in events:
        model.fire(e)
        out += model.trace + [f"state {model.state}"]
        model.trace.clear()
    return out


def _events_script(events: list[str]) -> list[str]:
    return ["start"] + [f"event {e}" for e in events]


def test_event_sequences_match_the_transitions_host_model(firmware_python: Interpreter, gen_dir: Path) -> None:
    sequences = [
        (["power", "open_req", "lock_req", "close_req", "closed_sensor", "lock_req", "lock_req", "shutdown"],
         {"allowed": 1, "jammed": 0}),
        (["power", "open_req", "open_req", "close_req"], {"allowed": 0, "jammed": 0}),  # internal transition
        (["power", "open_req", "power"], {"allowed": 1, "jammed": 1}),  # fallback transition to the final state
        (["open_req", "power", "alarm", "closed_sensor"], {"allowed": 1, "jammed": 0}),  # ignored events
    ]
    for events, guards in sequences:
        script = _events_script(events)
        script[1:1] = [f"set {k} {v}" for k, v in guards.items()]
        got = run_engine(firmware_python, gen_dir, DOOR.module, script)
        want = ["state off"] + _host_trace(events, guards)
        assert got == want, f"engine and host model differ for {events} with {guards}"


def test_callback_order_is_prepare_conditions_before_exit_enter_after(
        firmware_python: Interpreter, gen_dir: Path) -> None:
    out = run_engine(firmware_python, gen_dir, DOOR.module, _events_script(["power", "open_req"]))
    open_req = out[out.index("event open_req"):]
    assert open_req[:10] == [
        "event open_req", "action count_attempt", "guard is_allowed", "guard is_jammed", "transition 1",
        "action motor_open", "exit closed", "enter opened", "action motor_stop", "action log_opened",
    ]


def test_timeouts_use_the_injected_clock_and_settings(firmware_python: Interpreter, gen_dir: Path) -> None:
    script = ["value hold_open_s 30", "start", "event power", "event open_req",
              "advance 29", "advance 1", "advance 4", "advance 1"]
    out = run_engine(firmware_python, gen_dir, DOOR.module, script)
    states = [line for line in out if line.startswith("state ")]
    # 29 s: still open; 30 s: auto_close (from the setting) -> closing; 4 more: still closing; 5: alarm -> broken.
    assert states[-4:] == ["state opened", "state closing", "state closing", "state broken"]
    assert "timeout auto_close" in out
    assert "timeout alarm" in out


def test_reflexive_transition_rearms_the_timeout(firmware_python: Interpreter, gen_dir: Path) -> None:
    script = ["value hold_open_s 10", "start", "event power", "event open_req",
              "advance 8", "event lock_req", "advance 8", "advance 2"]
    out = run_engine(firmware_python, gen_dir, DOOR.module, script)
    lock = out[out.index("event lock_req"):]
    assert lock[:6] == ["event lock_req", "transition 6", "exit opened", "action log_leaving",
                        "enter opened", "action motor_stop"]
    states = [line for line in out if line.startswith("state ")]
    assert states[-2:] == ["state opened", "state closing"], "the hold timer restarts when the state is re-entered"


def test_setting_of_zero_means_no_timeout(firmware_python: Interpreter, gen_dir: Path) -> None:
    script = ["value hold_open_s 0", "start", "event power", "event open_req", "advance 100000"]
    out = run_engine(firmware_python, gen_dir, DOOR.module, script)
    assert out[-1] == "state opened"
    assert not any(line.startswith("timeout") for line in out)


def _machine_tables(gen_dir: Path) -> list[Path]:
    """Every machine table the generator writes: the firmware's and the fixture's."""
    tables = [p for p in sorted((ROOT / "generated").glob("fsm_*.py")) + sorted(gen_dir.glob("*.py"))
              if p.name != "fsm_commands.py"]
    assert tables
    return tables


def test_the_engines_column_names_fit_every_generated_table(gen_dir: Path) -> None:
    """runtime/engine.py reads a transition as t[TR_INDEX] ... t[TR_DEST]; every table the generator writes
    lays its transitions out in that order (index first, the destination state number last)."""
    engine = int_constants(ROOT / "runtime" / "engine.py", "TR_")
    assert sorted(engine.values()) == list(range(7)), engine
    for path in _machine_tables(gen_dir):
        rows = {n.targets[0].id: n.value for n in ast.parse(path.read_text()).body
                if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name)
                and n.targets[0].id[:1] == "T" and n.targets[0].id[1:].isdigit()}
        assert rows, path.name
        for name, row in rows.items():
            assert isinstance(row, ast.Tuple), (path.name, name)
            assert len(row.elts) == len(engine), (path.name, name)
            index, dest = row.elts[engine["TR_INDEX"]], row.elts[engine["TR_DEST"]]
            assert ast.literal_eval(index) == int(name[1:]), (path.name, name)
            internal = isinstance(dest, ast.UnaryOp) and ast.literal_eval(dest) == -1  # engine.INTERNAL
            assert internal or (isinstance(dest, ast.Name) and dest.id.startswith("S_")), (path.name, name)


def test_the_engines_timeout_names_fit_every_generated_table(gen_dir: Path) -> None:
    """runtime/engine.py reads a state's timeout as spec[TO_SECONDS], spec[TO_SETTING], spec[TO_EVENT]; every
    TIMEOUT row the generator writes is None or (seconds, setting name or None, event constant), as the spec says."""
    names = int_constants(ROOT / "runtime" / "engine.py", "TO_")
    assert sorted(names.values()) == list(range(3)), names
    machines = {m.module: m for m in load_specs(SPECS, RUNTIME, ROOT).specs.machines + LOADED.specs.machines}
    seen = 0
    for path in _machine_tables(gen_dir):
        m = machines[path.stem]
        rows = assigned(path, "TIMEOUT")
        assert isinstance(rows, ast.Tuple)
        assert len(rows.elts) == len(m.states), path.name
        for state, row in zip(m.states, rows.elts, strict=True):
            where = (path.name, state.name)
            if state.timeout is None:
                assert ast.literal_eval(row) is None, where
                continue
            seen += 1
            assert isinstance(row, ast.Tuple), where
            assert len(row.elts) == len(names), where
            got = [ast.literal_eval(row.elts[names[n]]) for n in ("TO_SECONDS", "TO_SETTING")]
            want = [0, state.timeout.key] if state.timeout.key else [state.timeout.seconds, None]
            assert got == want, where
            event = row.elts[names["TO_EVENT"]]
            assert isinstance(event, ast.Name), where
            assert event.id == "E_" + state.timeout.event.upper(), where
    assert seen
