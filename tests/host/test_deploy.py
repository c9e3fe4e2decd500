"""Deploy over a real pseudo-terminal through pyserial to the simulator's physical-port AT interface."""

from __future__ import annotations

import hashlib
import os
import select
import termios
import threading
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from fsm import bundle
from fsm.errors import exit_code
from fsm.interpreters import Interpreter
from host import deploy
from host.clock import RealClock
from host.modem import PhysicalPort
from host.modem import ScriptStore
from host.modem.commands import PHYSICAL_TABLE
from tests.runtime.fwunit import assigned
from tests.support import GENERATED
from tests.support import run_firmware

Filter = Callable[[bytes], bytes]  # what the wire does to bytes from the module towards the PC


class Bridge:
    """The module's ASC0 on a pty: bytes from the PC go to PhysicalPort, its answers come back."""

    def __init__(self, store: ScriptStore, to_module: Callable[[bytes], bytes] | None = None,
                 to_pc: Filter | None = None) -> None:
        self.store = store
        self.master, slave = os.openpty()
        # RTS/CTS as the deploy side set it on the pty (pyserial's rtscts=True sets CRTSCTS)
        self.port = PhysicalPort(store, RealClock(), PHYSICAL_TABLE, on_exec=self._exec,
                                 flow_control=lambda: bool(termios.tcgetattr(slave)[2] & termios.CRTSCTS))
        self.executed = 0
        self.to_module = to_module or (lambda b: b)
        self.to_pc = to_pc or (lambda b: b)
        self.path = os.ttyname(slave)
        self._slave = slave
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _exec(self) -> None:
        self.executed += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.01)
            if ready:
                data = os.read(self.master, 4096)
                self.port.write(self.to_module(data))
            self.port.poll()
            out = self.port.read()
            if out:
                os.write(self.master, self.to_pc(out))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        os.close(self.master)
        os.close(self._slave)


@pytest.fixture
def files() -> dict[str, bytes]:
    return deploy.firmware_files()


def _deploy(bridge: Bridge, files: dict[str, bytes], *, rtscts: bool = True, paced: bool | None = None,
            **kw: bool) -> tuple[int, list[str]]:
    said: list[str] = []
    port = serial.serial_for_url(bridge.path, baudrate=115200, timeout=0.05, rtscts=rtscts)
    try:
        deploy.deploy(port, bridge.path, dry_run=kw.get("dry_run", False), run=kw.get("run", False),
                      files=files, say=said.append, paced=not rtscts if paced is None else paced)
        return 0, said
    except deploy.DeployError as exc:
        said.append(str(exc))
        return exit_code(exc), said
    finally:
        port.close()


@pytest.fixture
def bridge_factory() -> Iterator[Callable[..., Bridge]]:
    made: list[Bridge] = []

    def make(store: ScriptStore | None = None, **kw: Filter) -> Bridge:
        b = Bridge(store or ScriptStore(), **kw)
        made.append(b)
        return b

    yield make
    for b in made:
        b.close()


def test_full_deploy_writes_reads_back_and_selects_the_entry(bridge_factory, files: dict[str, bytes]) -> None:
    """The whole deploy, as a user runs it. Real time on purpose (about 30 s): the deploy tool's own timeouts,
    RTS/CTS on a real pty, and the module's flash, which takes the upload at its own rate (ScriptStore)."""
    store = ScriptStore()
    store.files["main.pyo"] = b"old compiled"
    store.files["other.py"] = b"keep me"
    bridge = bridge_factory(store)
    code, said = _deploy(bridge, files, run=True)
    assert code == 0, said
    for name, data in files.items():
        assert store.files[name] == data
        assert b"\r\n" in data
        assert b"\n" not in data.replace(b"\r\n", b"")
    assert "main.pyo" not in store.files, "the stale compiled copy of a replaced module is deleted"
    assert store.files["other.py"] == b"keep me"
    assert store.startup_script == "main.py"
    assert store.startmode == (0, 10)
    assert bridge.executed == 1
    assert said[-2].startswith(f"deployed {len(files)} files")
    assert bridge.port.lost == 0


def test_dry_run_writes_nothing(bridge_factory, files: dict[str, bytes]) -> None:
    store = ScriptStore()
    bridge = bridge_factory(store)
    code, said = _deploy(bridge, files, dry_run=True)
    assert code == 0
    assert store.files == {}
    assert said[-1] == "dry run: nothing was written"
    assert any("write    main.py" in line for line in said)


def test_a_full_module_is_refused_before_anything_is_written(bridge_factory, files: dict[str, bytes]) -> None:
    store = ScriptStore(capacity=sum(len(b) for b in files.values()) // 2)
    code, said = _deploy(bridge_factory(store), files)
    assert code == 1
    assert said[-1].startswith("not enough space: the firmware needs")
    assert store.files == {}


def test_the_free_space_check_counts_what_the_module_compiles(bridge_factory, files: dict[str, bytes]) -> None:
    """Room for the sources but not for the .pyo the module writes at the first start: refused up front."""
    store = ScriptStore(capacity=sum(len(b) for b in files.values()) + 20_000)
    code, said = _deploy(bridge_factory(store), files)
    assert code == 1
    assert "compiled by the module at the first start" in said[-1]
    assert store.files == {}


def test_stale_compiled_modules_go_before_any_upload(bridge_factory, files: dict[str, bytes]) -> None:
    """A deploy cut at any point never leaves new sources to run with old compiled modules."""
    store = ScriptStore(write_rate=None)  # named kindness: flash speed is not what this test is about
    store.files.update({"main.py": b"old", "main.pyo": b"old main", "atdrv.pyo": b"old atdrv", "mine.pyo": b"x"})
    bridge = bridge_factory(store)
    code, said = _deploy(bridge, files)
    assert code == 0, said
    commands = [text for _, text in bridge.port.at_log if text.startswith("AT#")]
    first_write = next(i for i, c in enumerate(commands) if c.startswith("AT#WSCRIPT"))
    deletes = [c for c in commands[:first_write] if c.startswith("AT#DSCRIPT")]
    assert deletes == ['AT#DSCRIPT="main.py"', 'AT#DSCRIPT="atdrv.pyo"', 'AT#DSCRIPT="main.pyo"']
    assert not [c for c in commands[first_write:] if c.startswith("AT#DSCRIPT")]
    assert commands[-4].startswith('AT#WSCRIPT="main.py"'), "the entry script is written last"
    assert store.files["mine.pyo"] == b"x", "compiled files of other scripts are left alone"


COMPILED_SIZES = """import marshal
import sys
for path in sys.argv[1:]:
    f = open(path, 'r')
    code = compile(f.read(), path, 'exec')
    f.close()
    sys.stdout.write('%d\\n' % len(marshal.dumps(code)))
"""


def test_the_compiled_size_estimate_is_above_what_each_interpreter_compiles(firmware_python: Interpreter,
                                                                            files: dict[str, bytes],
                                                                            tmp_path: Path) -> None:
    """deploy.compiled_size (this PC's compiler) against the interpreter's own marshal with -O (a .pyo)."""
    names = sorted(n for n in files if n.endswith(".py"))
    for name in names:
        (tmp_path / name).write_bytes(files[name].replace(b"\r\n", b"\n"))
    proc = run_firmware(firmware_python, None, [], args=("-O", "-c", COMPILED_SIZES, *names), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.split()
    for name, measured in zip(names, out, strict=True):
        assert deploy.compiled_size(name, files[name]) >= int(measured) + deploy.PYO_HEADER, name


def test_without_rtscts_bytes_sent_back_to_back_are_lost(bridge_factory, files: dict[str, bytes]) -> None:
    """The module's upload buffer holds 4 KB: an unpaced upload without flow control fails (and says why)."""
    store = ScriptStore()
    bridge = bridge_factory(store)
    big = {"atdrv.py": files["atdrv.py"]}
    code, said = _deploy(bridge, big, rtscts=False, paced=False)
    assert code == 1
    assert "the module answered ERROR after the data (bytes lost?" in said[-1]
    assert bridge.port.lost > 0
    assert "atdrv.py" not in store.files


def test_without_rtscts_a_paced_upload_gets_through(bridge_factory, files: dict[str, bytes]) -> None:
    """--no-rtscts: 4000 bytes, then a pause, as the public uploaders do: nothing is lost."""
    store = ScriptStore()
    bridge = bridge_factory(store)
    big = {n: files[n] for n in sorted(files, key=lambda n: -len(files[n]))[:2]}
    assert min(len(b) for b in big.values()) > 7000  # beyond what kzar saw lost
    code, said = _deploy(bridge, big, rtscts=False)
    assert code == 0, said
    assert bridge.port.lost == 0
    assert all(store.files[n] == d for n, d in big.items())


def test_a_name_too_long_is_refused(bridge_factory) -> None:
    code, said = _deploy(bridge_factory(), {"averylongmodule.py": b"x = 1\r\n"})
    assert code == 1
    assert "hold 16 characters including '.pyo'" in said[-1]


def test_a_module_that_does_not_answer(bridge_factory, files: dict[str, bytes]) -> None:
    code, said = _deploy(bridge_factory(to_module=lambda b: b""), files)
    assert code == 3
    assert "no answer to AT" in said[-1]
    assert "power-cycle the module" in said[-1]


def test_a_file_read_back_different_is_written_again(bridge_factory, files: dict[str, bytes]) -> None:
    corrupted = {"n": 0}

    def flip_first_readback(data: bytes) -> bytes:
        if b"<<<" in data and corrupted["n"] == 0:
            corrupted["n"] = 1
            i = data.index(b"<<<") + 5
            return data[:i] + bytes([data[i] ^ 0x20]) + data[i + 1:]
        return data

    store = ScriptStore(write_rate=None)  # named kindness: flash speed is not what this test is about
    code, said = _deploy(bridge_factory(store, to_pc=flip_first_readback), files)
    assert code == 0, said
    assert any("read back different; writing it again" in line for line in said)
    assert all(store.files[n] == d for n, d in files.items())


def test_an_interrupted_deploy_is_recoverable(bridge_factory, files: dict[str, bytes]) -> None:
    store = ScriptStore(write_rate=None)  # named kindness: flash speed is not what this test is about
    store.files["main.py"] = b"old firmware"
    store.startup_script = "main.py"
    sent = {"n": 0}
    limit = sum(len(b) for b in files.values()) // 3

    def cut(data: bytes) -> bytes:  # the cable is pulled a third of the way through
        sent["n"] += len(data)
        return data if sent["n"] < limit else b""

    code, said = _deploy(bridge_factory(store, to_module=cut), files)
    assert code != 0
    assert "run deploy again" in said[-1] or "no answer" in said[-1]
    assert "main.py" not in store.files, "a cut deploy leaves no half-new firmware to start"
    code, said = _deploy(bridge_factory(store), files)
    assert code == 0, said
    assert all(store.files[n] == d for n, d in files.items())


def test_the_manifest_of_what_was_uploaded_goes_after_the_files_before_the_entry(bridge_factory,
                                                                                files: dict[str, bytes]) -> None:
    """fwman.txt (fsm/bundle.py, docs/design/update.md) names what the module runs: the version, the boot loader, a
    size and an MD5 per file; a field update starts from it. Written once every other file is in, so a deploy cut
    before it leaves no manifest of files that are not there (and no entry script: nothing runs)."""
    store = ScriptStore(write_rate=None)  # named kindness: flash speed is not what this test is about
    store.files["fwman.txt"] = b"family telit-py15\nversion 00000000\nboot 00000000\nfiles 0\n"  # an older deploy's
    bridge = bridge_factory(store)
    code, said = _deploy(bridge, files)
    assert code == 0, said
    assert store.files["fwman.txt"] == bundle.manifest(files)
    writes = [text.split(",")[0] for _, text in bridge.port.at_log if text.startswith("AT#WSCRIPT")]
    assert writes[-2:] == ['AT#WSCRIPT="fwman.txt"', 'AT#WSCRIPT="main.py"']
    assert sorted(writes[:-2]) == sorted(f'AT#WSCRIPT="{name}"' for name in files if name != "main.py")
    assert any(line.startswith("  replace  fwman.txt") for line in said), said
    lines = store.files["fwman.txt"].decode().splitlines()
    version = assigned(GENERATED / "fsm_commands.py", "VERSION").value  # type: ignore[attr-defined]
    assert lines[:2] == ["family telit-py15", f"version {version}"]
    assert lines[2] == f"boot {bundle.boot_id(files)}"
    listed = {name: (int(size), md5) for name, size, md5 in (line.split(" ") for line in lines[4:])}
    assert lines[3] == f"files {len(listed)}"
    assert listed == {n: (len(d), hashlib.md5(d).hexdigest()) for n, d in store.files.items()
                      if n in files and n not in bundle.BOOT_FILES}, "every uploaded file but the boot loader"


def test_cli_reports_a_port_that_cannot_be_opened(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert deploy.main(["--port", str(tmp_path / "nothing")]) == 3
    assert "cannot open" in capsys.readouterr().err
