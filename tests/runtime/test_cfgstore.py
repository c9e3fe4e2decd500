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


# The body the previous firmware saved (its commands.yaml, before host names): `server_ip`, no backup settings.
PREVIOUS_BODY = ("password=s3cret\napn=internet\ngprs_user=\ngprs_pass=\nbaud=9600\ncharformat=8N1\nmode=client\n"
                 "server_ip=10.1.2.3\nserver_port=4000\nmaintain=maintain\npermit_ip=any\nlocal_port=1024\n"
                 "sock_timeout_s=300\nsend_timeout=10\npacket_size=0\ndialin=off\n")


def _slot(firmware_python: Interpreter, tmp_path: Path, body: str, seq: int = 7) -> None:
    [check] = evaluate(firmware_python, ["cfgstore"], [f"cfgstore.checksum({body!r})"], cwd=tmp_path)
    (tmp_path / "gwcfg_a.txt").write_text(f"{seq}\n{check}\n{body}")


def test_settings_saved_before_a_rename_are_read_under_the_new_name(firmware_python: Interpreter,
                                                                   tmp_path: Path) -> None:
    """A unit updated in the field keeps its settings: `server_ip` (the name before host names) is read as
    `server`; the settings added since take their defaults; the next save writes only the new name."""
    _slot(firmware_python, tmp_path, PREVIOUS_BODY)
    got = evaluate(firmware_python, ["cfgstore", "fsm_commands"], [
        _store("[(k, s.load().get(k, 'absent')) for k in ('server', 'server_ip', 'server_port', 'password', "
               "'backup', 'backup_port')]"),
        "(lambda s: (s.save(s.load()), s.slot, s.seq))(cfgstore.Store(fsm_commands))",
    ], cwd=tmp_path)
    assert got[0] == [("server", "10.1.2.3"), ("server_ip", "absent"), ("server_port", 4000),
                      ("password", "s3cret"), ("backup", "off"), ("backup_port", 1024)]
    assert got[1] == (1, 1, 8)
    saved = (tmp_path / "gwcfg_b.txt").read_text()
    assert "\nserver=10.1.2.3\n" in saved
    assert "server_ip" not in saved


def test_a_slot_with_both_names_keeps_the_new_ones_value(firmware_python: Interpreter, tmp_path: Path) -> None:
    for body in (PREVIOUS_BODY + "server=new.example.com\n", "server=new.example.com\n" + PREVIOUS_BODY):
        _slot(firmware_python, tmp_path, body)
        assert evaluate(firmware_python, ["cfgstore", "fsm_commands"], [_store("s.load()['server']")],
                        cwd=tmp_path) == ["new.example.com"]
