"""No script running: the serial port talks to the module's AT parser (PhysicalPort) until #EXECSCR, the
start mode or #REBOOT starts the selected script from the ScriptStore (the module's NVM)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from host import deploy
from host.clock import RealClock
from host.clock import VirtualClock
from host.interpreters import Interpreter
from host.modem import ScriptStore
from host.simulator import Simulator

HELLO = (b"import SER\r\n"
         b"SER.send('hello from the script\\r\\n')\r\n"
         b"while 1:\r\n"
         b"    d = SER.receive(10)\r\n"
         b"    if len(d) > 0:\r\n"
         b"        SER.send('echo:' + d)\r\n")


@pytest.fixture
def module(firmware_python: Interpreter, tmp_path: Path) -> Iterator[Callable[..., Simulator]]:
    sims: list[Simulator] = []

    def power_on(store: ScriptStore, clock: object = None) -> Simulator:
        sim = Simulator(scripts=store, python=firmware_python.path, clock=clock or VirtualClock(),
                        nvm_dir=tmp_path / "nvm")
        sims.append(sim)
        return sim.start()

    yield power_on
    for sim in sims:
        sim.stop()


class Terminal:
    """The PC side of the serial line: writes, and collects what comes back while the simulator runs."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.port = serial.serial_for_url(sim.serial_path, baudrate=115200, timeout=0)
        self.got = bytearray()

    def expect(self, send: bytes, answer: bytes, what: str) -> bytes:
        self.got.clear()
        self.port.write(send)

        def arrived() -> bool:
            self.got.extend(self.port.read(4096))
            return answer in self.got

        self.sim.run_until(arrived, 30, f"{what} (got {bytes(self.got)!r})")
        return bytes(self.got)

    def close(self) -> None:
        self.port.close()


def test_a_script_written_with_wscript_runs_on_execscr(module: Callable[..., Simulator]) -> None:
    store = ScriptStore()
    sim = module(store)
    term = Terminal(sim)
    try:
        assert sim.state == "at"
        term.expect(b"AT\r", b"OK\r\n", "OK to AT")
        term.expect(b'AT#WSCRIPT="hello.py",%d\r' % len(HELLO), b">>> ", "the upload prompt")
        term.expect(HELLO, b"OK\r\n", "OK after the upload")
        term.expect(b'AT#ESCRIPT="hello.py"\r', b"OK\r\n", "OK to #ESCRIPT")
        term.expect(b"AT#EXECSCR\r", b"hello from the script\r\n", "the script to start")
        assert sim.state == "running"
        term.expect(b"abc", b"echo:abc", "the script's echo")
        assert store.files["hello.py"] == HELLO
        assert store.startup_script == "hello.py"
    finally:
        term.close()


def test_start_mode_1_runs_the_script_unless_at_arrives_in_the_window(module: Callable[..., Simulator]) -> None:
    store = ScriptStore()
    store.files["hello.py"] = HELLO
    store.startup_script = "hello.py"
    store.startmode = (1, 10)
    sim = module(store)
    term = Terminal(sim)
    try:
        term.expect(b"AT\r", b"OK\r\n", "OK to AT inside the start window")
        sim.run_for(30)
        assert sim.state == "at"  # an AT command arrived in the window: the script stays off
        term.expect(b"AT#REBOOT\r", b"OK\r\n", "OK to #REBOOT")
        sim.run_until(lambda: sim.state == "running", 30, "the script to start 10 s after the reboot")
        assert sim.reboot_log == [(30.0, "#REBOOT")]
        assert 40.0 <= sim.clock.now() < 41.0
        term.expect(b"", b"hello from the script\r\n", "the script's greeting")
    finally:
        term.close()


def test_a_script_that_ends_gives_the_port_back_to_the_at_parser(module: Callable[..., Simulator]) -> None:
    store = ScriptStore()
    store.files["short.py"] = b"import SER\r\nSER.send('bye\\r\\n')\r\n"
    store.startup_script = "short.py"
    store.startmode = (2, 10)
    sim = module(store)
    term = Terminal(sim)
    try:
        term.expect(b"", b"bye\r\n", "the short script")
        sim.run_until(lambda: sim.state == "at", 30, "the script to end")
        assert sim.crash is not None
        assert sim.crash.returncode == 0
        term.expect(b"AT#LSCRIPT\r", b'#LSCRIPT: "short.py",', "the script list")
    finally:
        term.close()


def test_deploy_uploads_the_firmware_and_starts_it(module: Callable[..., Simulator]) -> None:
    store = ScriptStore()
    sim = module(store, RealClock())  # deploy paces itself in real time
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(deploy.main(["--port", sim.serial_path, "--run"])),
                              daemon=True)
    worker.start()
    sim.run_until(lambda: bool(result), 120, "build.py deploy to finish")
    worker.join(10)
    assert result == [0]
    assert set(deploy.firmware_files()) <= set(store.files)
    assert store.startup_script == "main.py"
    assert store.startmode == (0, 10)
    assert sim.physical is None
    assert sim.state == "running"
    # The module now runs what was deployed, from its own file system, and the gateway answers an SMS.
    sim.run_until(lambda: any("GPRS up" in line for line in sim.trace.lines()), 60, "the deployed firmware to boot")
    assert sim.process is not None
    assert sim.nvm_dir is not None
    assert sim.process.entry.parent == sim.nvm_dir
    sim.modem.deliver_sms("+447700900001", "connect config")
    sim.run_until(lambda: bool(sim.modem.outbox), 60, "the deployed gateway's reply")
    assert sim.modem.outbox[-1] == ("+447700900001", "Confirmed: config mode none, gprs internet ***, baud 9600, "
                                    "charformat 8N1, socketting 300 10 0, dialin off, dropped 0")
