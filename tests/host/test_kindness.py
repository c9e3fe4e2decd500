"""The kindnesses (host/kindness.py): named one by one, off by default in the Simulator and in `build.py
simulate`, and the console's flags for them, the seed, the device and the network."""

from __future__ import annotations

from pathlib import Path

import pytest

from fsm.errors import EXIT_USAGE
from fsm.interpreters import Interpreter
from host import console
from host.kindness import LENIENT
from host.kindness import STRICT
from host.kindness import Kindness
from host.simulator import Simulator
from tests.host.test_console import FIRMWARE
from tests.host.test_console import simulate


def test_every_kindness_is_off_unless_named() -> None:
    assert STRICT == Kindness()
    assert STRICT.given() == []
    assert Kindness.of(["whole_chunks", "instant_serial"]).given() == ["whole_chunks", "instant_serial"]
    assert LENIENT.given() == list(Kindness.names())
    with pytest.raises(ValueError, match="unknown kindness 'gentle'; one of: whole_chunks instant_serial"):
        Kindness.of(["gentle"])


def test_the_simulator_is_strict_unless_told(tmp_path: Path) -> None:
    sim = Simulator(FIRMWARE / "wdog.py", [FIRMWARE])
    seeded = Simulator(FIRMWARE / "wdog.py", [FIRMWARE], seed=5)
    try:
        assert sim.kind == STRICT
        assert isinstance(sim.seed, int)
        assert seeded.seed == 5
    finally:
        sim.stop()
        seeded.stop()


def test_the_console_names_its_seed_and_kindnesses(firmware_python: Interpreter, tmp_path: Path) -> None:
    args = ["--virtual", "--python", firmware_python.path, "--entry", str(FIRMWARE / "smsecho.py"), "--path",
            str(FIRMWARE), "--nvm", str(tmp_path), "--seed", "42", "--device-cts", "ignore", "--gprs-rate",
            "2000/4000"]
    proc = simulate(args, "status\n", kind_args=["--kind", "whole_chunks", "--kind", "factory_profile"])
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert "seed: 42; kindness: whole_chunks factory_profile" in out
    assert "seed: 42" in out
    assert "kindness: whole_chunks factory_profile" in out
    assert "serial_lost: 0" in out
    lenient = simulate(args, "status\n", kind_args=["--lenient"])
    assert f"kindness: {' '.join(Kindness.names())}" in lenient.stdout.splitlines()
    strict = simulate(args, "status\n", kind_args=[])
    assert "kindness: none (as hard as the module)" in strict.stdout.splitlines()


def test_the_console_charges_computing_at_a_module_speed(firmware_python: Interpreter, tmp_path: Path) -> None:
    args = ["--virtual", "--python", firmware_python.path, "--entry", str(FIRMWARE / "smsecho.py"), "--path",
            str(FIRMWARE), "--nvm", str(tmp_path), "--module-speed", "pessimistic"]
    proc = simulate(args, "wait 5\nstatus\n")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert "module speed: 60000 bytecodes/s (host/README.md \"Module speed\")" in out
    assert "module_speed: 60000" in out
    charged = [float(line.split(": ")[1]) for line in out if line.startswith("computing_s: ")]
    assert charged
    assert charged[0] > 0  # the firmware's start-up and its calls cost clock time
    free = simulate(args[:-2], "wait 5\nstatus\n")
    assert "computing_s: None" in free.stdout.splitlines()


@pytest.mark.parametrize(("argv", "message"), [
    (["--kind", "gentle"], "invalid choice: 'gentle'"),
    (["--gprs-rate", "fast"], "a GPRS rate is UP/DOWN in bytes per second, e.g. 5000/10000; got 'fast'"),
    (["--device-cts", "maybe"], "invalid choice: 'maybe'"),
    (["--profile", "ATD123"], "profile: 'ATD123' is not a profile setting"),
    (["--module-speed", "60000"], "--module-speed needs --virtual"),
    (["--virtual", "--module-speed", "fast"], "module speed must be bytecodes per second or one of pessimistic"),
])
def test_bad_hardness_options_are_usage_errors(argv: list[str], message: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert console.main(argv) == EXIT_USAGE
    assert message in capsys.readouterr().err
