"""The physical port's script commands: write, read, list, delete, select, start mode, run, reboot."""

from __future__ import annotations

import pytest

from host.clock import VirtualClock
from host.modem import PhysicalPort
from host.modem import ScriptStore
from host.modem.commands import PHYSICAL_TABLE
from tests.host.modem.helpers import lines

SCRIPT = b"import MDM\r\nMDM.send('AT\\r', 0)\r\n" + bytes(range(256)) + b"+++\x1a"


def port(capacity: int = 2_000_000, write_rate: float | None = None
         ) -> tuple[VirtualClock, ScriptStore, PhysicalPort, list[str]]:
    """write_rate None (flash at once) is a named kindness: these tests are about the commands; the
    flash rate and the upload buffer are tested below and in tests/host/test_physical.py."""
    clock = VirtualClock()
    store = ScriptStore(capacity, write_rate=write_rate)
    events: list[str] = []
    phys = PhysicalPort(
        store, clock, PHYSICAL_TABLE, on_exec=lambda: events.append("exec"), on_reboot=lambda: events.append("reboot")
    )
    phys.write(b"ATE0\r")
    assert phys.read() == b"ATE0\r\r\nOK\r\n"
    return clock, store, phys, events


def run(phys: PhysicalPort, line: str) -> list[str]:
    phys.write(line.encode() + b"\r")
    return lines(phys.read())


def test_write_read_list_delete() -> None:
    _, store, phys, _ = port()
    phys.write(f'AT#WSCRIPT="gateway.py",{len(SCRIPT)}\r'.encode())
    assert phys.read() == b"\r\n>>> "
    phys.write(SCRIPT[:100])
    assert phys.read() == b""
    phys.write(SCRIPT[100:])
    assert phys.read() == b"\r\nOK\r\n"
    assert store.files == {"gateway.py": SCRIPT}
    phys.write(b'AT#RSCRIPT="gateway.py"\r')
    assert phys.read() == b"\r\n<<<" + SCRIPT + b"\r\nOK\r\n"
    run(phys, 'AT#WSCRIPT="a.pyo",3')
    phys.write(b"abc")
    phys.read()
    free = 2_000_000 - len(SCRIPT) - 3
    assert store.free() == free
    assert run(phys, "AT#LSCRIPT") == [
        '#LSCRIPT: "a.pyo",3',
        f'#LSCRIPT: "gateway.py",{len(SCRIPT)}',
        f"#LSCRIPT: free bytes: {free}",
        "OK",
    ]
    assert run(phys, 'AT#DSCRIPT="a.pyo"') == ["OK"]
    assert run(phys, 'AT#DSCRIPT="a.pyo"') == ["ERROR"]
    assert run(phys, 'AT#RSCRIPT="a.pyo"') == ["ERROR"]
    assert list(store.files) == ["gateway.py"]


def test_names_up_to_16_characters() -> None:
    _, store, phys, _ = port()
    assert run(phys, 'AT#WSCRIPT="abcdefghijkl.pyo",1') == [">>> "]
    phys.write(b"x")
    assert lines(phys.read()) == ["OK"]
    assert run(phys, 'AT#WSCRIPT="abcdefghijklm.pyo",1') == ["ERROR"]
    assert run(phys, 'AT#WSCRIPT="",1') == ["ERROR"]
    assert run(phys, "AT#WSCRIPT=a.py,1") == ["ERROR"]
    assert list(store.files) == ["abcdefghijkl.pyo"]


def test_no_room_no_write_but_replacing_counts_the_old_file() -> None:
    _, store, phys, _ = port(capacity=10)
    assert run(phys, 'AT#WSCRIPT="a.py",11') == ["ERROR"]
    assert run(phys, 'AT#WSCRIPT="a.py",0') == ["ERROR"]
    run(phys, 'AT#WSCRIPT="a.py",10')
    phys.write(b"0123456789")
    assert lines(phys.read()) == ["OK"]
    assert run(phys, 'AT#WSCRIPT="b.py",1') == ["ERROR"]
    assert run(phys, 'AT#WSCRIPT="a.py",10') == [">>> "]
    phys.write(b"9876543210")
    assert lines(phys.read()) == ["OK"]
    assert store.files == {"a.py": b"9876543210"}
    assert store.free() == 0


def test_a_cut_transfer_is_dropped_after_5_seconds_of_silence() -> None:
    clock, store, phys, _ = port()
    run(phys, 'AT#WSCRIPT="cut.py",100')
    phys.write(b"x" * 60)
    clock.advance(4.9)
    phys.poll()
    assert phys.read() == b""
    phys.write(b"y" * 10)  # data restarts the silence timer
    assert phys.next_deadline() == pytest.approx(9.9)
    clock.advance(5.0)
    phys.poll()
    assert lines(phys.read()) == ["ERROR"]
    assert store.files == {}
    assert run(phys, "AT") == ["OK"]


def test_hidden_scripts_are_listed_but_not_readable() -> None:
    _, store, phys, _ = port()
    run(phys, 'AT#WSCRIPT="secret.pyo",2,1')
    phys.write(b"ab")
    phys.read()
    assert run(phys, 'AT#RSCRIPT="secret.pyo"') == ["ERROR"]
    assert run(phys, "AT#LSCRIPT")[0] == '#LSCRIPT: "secret.pyo",2'


def test_escript_startmode_execscr_and_reboot() -> None:
    _, store, phys, events = port()
    assert run(phys, "AT#ESCRIPT?") == ['#ESCRIPT: ""', "OK"]
    assert run(phys, "AT#EXECSCR") == ["ERROR"]
    assert run(phys, 'AT#ESCRIPT="main.pyo"') == ["OK"]  # not checked against the files
    assert run(phys, "AT#ESCRIPT?") == ['#ESCRIPT: "main.pyo"', "OK"]
    assert run(phys, "AT#EXECSCR") == ["ERROR"]  # selected but absent
    run(phys, 'AT#WSCRIPT="main.pyo",1')
    phys.write(b"x")
    phys.read()
    assert run(phys, "AT#STARTMODESCR?") == ["#STARTMODESCR: 0,10", "OK"]
    for line, reply in (
        ("AT#STARTMODESCR=3", "ERROR"),
        ("AT#STARTMODESCR=1,9", "ERROR"),
        ("AT#STARTMODESCR=1,61", "ERROR"),
        ("AT#STARTMODESCR=2", "OK"),
        ("AT#STARTMODESCR=1,60", "OK"),
    ):
        assert run(phys, line) == [reply], line
    assert store.startmode == (1, 60)
    assert events == []
    phys.write(b"AT#EXECSCR\r")
    assert phys.read() == b"\r\nOK\r\n"
    assert events == ["exec"]
    phys.write(b"AT#REBOOT\r")
    assert phys.read() == b"\r\nOK\r\n"
    assert events == ["exec", "reboot"]


def test_other_commands_are_unknown_on_the_physical_port() -> None:
    _, _, phys, _ = port()
    assert run(phys, "AT+CSQ") == ["ERROR"]
    assert phys.unknown == ["AT+CSQ"]
    assert [text for _, text in phys.at_log] == ["ATE0", "AT+CSQ"]


def test_ok_comes_when_flash_has_the_upload() -> None:
    clock, store, phys, _ = port(write_rate=4000)
    phys.write(b'AT#WSCRIPT="big.py",4000\r')
    assert phys.read() == b"\r\n>>> "
    phys.write(b"z" * 4000)
    assert phys.read() == b""
    deadline = phys.next_deadline()
    assert deadline == 1.0
    clock.advance_to(deadline)
    phys.poll()
    assert phys.read() == b"\r\nOK\r\n"
    assert store.files["big.py"] == b"z" * 4000
    assert phys.lost == 0
