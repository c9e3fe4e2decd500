"""The config store keeps the old or the new settings across a cut write, never a mix, never defaults."""

from __future__ import annotations

from pathlib import Path

from fsm.interpreters import Interpreter
from tests.runtime.fwunit import evaluate


def _store(expr: str) -> str:
    return f"(lambda s: (s.load(), {expr})[1])(cfgstore.Store(fsm_commands))"


def test_first_boot_gives_the_defaults_and_saves_alternate_slots(firmware_python: Interpreter, tmp_path: Path) -> None:
    got = evaluate(firmware_python, ["cfgstore", "fsm_commands"], [
        "cfgstore.Store(fsm_commands).load()['password']",
        _store("(s.slot, s.seq)"),
        "(lambda s, v: (v.update({'baud': '115200'}), s.save(v), s.slot, s.seq))"
        "(cfgstore.Store(fsm_commands), cfgstore.defaults(fsm_commands))[1:]",
        _store("(s.slot, s.seq, s.load()['baud'])"),
        "(lambda s: (s.load(), s.save(s.load()), s.slot, s.seq))(cfgstore.Store(fsm_commands))[1:]",
    ], cwd=tmp_path)
    assert got[0] == "connect"
    assert got[1] == (-1, 0)
    assert got[2] == (1, 0, 1)          # saved to slot 0 with sequence 1
    assert got[3] == (0, 1, "115200")   # loaded back
    assert got[4] == (1, 1, 2)          # the next save goes to the other slot
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gwcfg_a.txt", "gwcfg_b.txt"]


def test_a_cut_write_leaves_the_previous_settings(firmware_python: Interpreter, tmp_path: Path) -> None:
    evaluate(firmware_python, ["cfgstore", "fsm_commands"], [
        "(lambda s, v: (v.update({'baud': '1200'}), s.save(v)))"
        "(cfgstore.Store(fsm_commands), cfgstore.defaults(fsm_commands))[1]",
        "(lambda s: (s.load(), s.save((lambda v: (v.update({'baud': '2400'}), v)[1])(s.load()))))"
        "(cfgstore.Store(fsm_commands))[1]",
    ], cwd=tmp_path)
    newest = tmp_path / "gwcfg_b.txt"
    full = newest.read_text()
    assert "baud=2400" in full
    # Every prefix of the newest file is what a power cut during its write can leave behind.
    assert evaluate(firmware_python, ["cfgcheck"], ["cfgcheck.every_cut('gwcfg_b.txt')"], cwd=tmp_path) == [
        [("1200", "connect")]]
    newest.write_text(full.replace("baud=2400", "baud=2401"))  # a flipped byte fails the checksum
    assert evaluate(firmware_python, ["cfgstore", "fsm_commands"], ["cfgstore.Store(fsm_commands).load()['baud']"],
                    cwd=tmp_path) == ["1200"]
