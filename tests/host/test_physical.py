"""No script running: the serial port talks to the module's AT parser (PhysicalPort) until #EXECSCR, the
start mode or #REBOOT starts the selected script from the ScriptStore (the module's NVM)."""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import os
import threading
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from fsm.interpreters import Interpreter
from host import deploy
from host.clock import RealClock
from host.clock import VirtualClock
from host.modem import ScriptStore
from host.simulator import Simulator
from tests.runtime.fwunit import assigned
from tests.simseed import kindness
from tests.simseed import sim_seed
from tests.support import GENERATED

HELLO = (b"import SER\r\n"
         b"SER.send('hello from the script\\r\\n')\r\n"
         b"while 1:\r\n"
         b"    d = SER.receive(10)\r\n"
         b"    if len(d) > 0:\r\n"
         b"        SER.send('echo:' + d)\r\n")


@pytest.fixture
def module(firmware_python: Interpreter, tmp_path: Path) -> Iterator[Callable[..., Simulator]]:
    sims: list[Simulator] = []

    def power_on(store: ScriptStore, clock: object = None, **kw: object) -> Simulator:
        kw.setdefault("seed", sim_seed())
        sim = Simulator(scripts=store, python=firmware_python.path, clock=clock or VirtualClock(),
                        nvm_dir=tmp_path / "nvm", **kw)  # type: ignore[arg-type]
        sims.append(sim)
        return sim.start()

    yield power_on
    for sim in sims:
        sim.stop()


class Terminal:
    """The PC side of the serial line: writes (without blocking: the pty holds only a few KB and the
    simulator reads only while it runs), and collects what comes back while the simulator runs."""

    def __init__(self, sim: Simulator, rtscts: bool = False) -> None:
        self.sim = sim
        self.port = serial.serial_for_url(sim.serial_path, baudrate=115200, timeout=0, rtscts=rtscts)
        os.set_blocking(self.port.fileno(), False)
        self.got = bytearray()
        self.pending = bytearray()

    def pump(self) -> bool:
        """Writes what the pty takes now; True when everything is written."""
        if self.pending:
            with contextlib.suppress(BlockingIOError):
                del self.pending[:os.write(self.port.fileno(), bytes(self.pending))]
        return not self.pending

    def write(self, data: bytes, what: str = "the device's bytes to be written") -> None:
        self.pending += data
        self.sim.run_until(self.pump, 30, what)

    def expect(self, send: bytes, answer: bytes, what: str) -> bytes:
        self.got.clear()
        self.pending += send

        def arrived() -> bool:
            self.pump()
            self.got.extend(self.port.read(4096))
            return answer in self.got

        self.sim.run_until(arrived, 30, f"{what} (got {bytes(self.got)!r})")
        return bytes(self.got)

    def expect_echo(self, send: bytes, what: str) -> None:
        """HELLO's echo of `send`: 'echo:' before each chunk SER.receive gave it (the line and the module
        may cut what the device sent anywhere)."""
        self.expect(send, b"echo:", what)

        def whole() -> bool:
            self.got.extend(self.port.read(4096))
            return send in bytes(self.got).replace(b"echo:", b"")

        self.sim.run_until(whole, 30, f"{what}: all of {send!r}")

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
        term.expect_echo(b"abc", "the script's echo")
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
        [(rebooted, reason)] = sim.reboot_log
        assert reason == "#REBOOT"
        assert 30.0 < rebooted < 30.1  # 30 s, and the line time of AT#REBOOT and its OK at 9600 baud
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
        sim.run_until(lambda: sim.crash is not None, 30, "the script to end")  # before its bytes crossed the line
        assert sim.state == "at"
        term.expect(b"", b"bye\r\n", "the short script's last words, sent after it ended")
        assert sim.crash is not None
        assert sim.crash.returncode == 0
        term.expect(b"AT#LSCRIPT\r", b'#LSCRIPT: "short.py",', "the script list")
    finally:
        term.close()


def test_deploy_uploads_the_firmware_and_starts_it(module: Callable[..., Simulator]) -> None:
    store = ScriptStore(write_rate=None)  # named kindness: the flash rate is test_deploy.py's full deploy's subject
    # deploy paces itself in real time (the serial line at its speed is not what this test is about), and
    # the product firmware runs afterwards with the kindnesses it still needs.
    sim = module(store, RealClock(), kind=dataclasses.replace(kindness(), instant_serial=True))
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
    assert sim.process.cwd == sim.nvm_dir, "the module's file system is the firmware's working directory"
    assert sim.process.entry.name == "main.py"  # run from the import view (host/nvm.py), which reads the NVM's files
    compiled = {name + "o" for name in deploy.firmware_files() if name != "main.py"}
    assert compiled <= set(store.files), "the module keeps a compiled copy of each module it imported"
    sim.modem.deliver_sms("+447700900001", "connect config")
    sim.run_until(lambda: len(sim.modem.outbox) >= 2, 60, "the deployed gateway's reply, in two parts")
    version = ast.literal_eval(assigned(GENERATED / "fsm_commands.py", "VERSION"))
    assert sim.modem.outbox == [
        ("+447700900001", "Confirmed: config 1/2 mode none, gprs internet ***, baud 9600, charformat 8N1, backup off, "
                          "socketting 300 10 0, dialin off, revert 10, allow any"),
        ("+447700900001", f"Confirmed: config 2/2 version {version}, dropped 0")]


# --- the physical port's #WSCRIPT buffer (host/modem/scripts.py cites the public uploaders it is modelled on)

def test_wscript_bytes_beyond_4k_sent_back_to_back_without_rtscts_are_lost(module: Callable[..., Simulator]) -> None:
    store = ScriptStore()
    sim = module(store, RealClock())  # the buffer empties into flash in real time while the bytes arrive
    term = Terminal(sim)
    data = bytes(range(256)) * 32  # 8 KB
    try:
        term.expect(b'AT#WSCRIPT="big.py",%d\r' % len(data), b">>> ", "the upload prompt")
        term.expect(data, b"ERROR\r\n", "ERROR once the port falls silent with bytes missing")
        assert sim.physical is not None
        # What found the 4 KB buffer full: the 8 KB take len/11520 s on the line at the device's 115200 baud
        # (the AT parser autobauds), while flash drains WRITE_RATE bytes a second (and a little slack).
        drained = len(data) / 11520 * store.write_rate
        assert len(data) - 4096 - drained - 500 < sim.physical.port.lost <= len(data) - 4096
        assert "big.py" not in store.files
    finally:
        term.close()


def test_wscript_with_rtscts_loses_nothing_however_fast_the_device_sends(module: Callable[..., Simulator]) -> None:
    store = ScriptStore()
    sim = module(store)
    term = Terminal(sim, rtscts=True)  # the simulator reads CRTSCTS from the pty: the module holds CTS low
    data = bytes(range(256)) * 80  # 20 KB at once
    try:
        term.expect(b'AT#WSCRIPT="big.py",%d\r' % len(data), b">>> ", "the upload prompt")
        start = sim.clock.now()
        term.expect(data, b"OK\r\n", "OK after the upload")
        assert store.files["big.py"] == data
        assert sim.physical is not None
        assert sim.physical.port.lost == 0
        assert sim.clock.now() - start >= len(data) / 4000 - 1.1  # the module writes flash at its own pace
    finally:
        term.close()


def test_wscript_without_rtscts_paced_one_second_per_4k_gets_through(module: Callable[..., Simulator]) -> None:
    store = ScriptStore()
    sim = module(store)
    term = Terminal(sim)
    data = bytes(range(256)) * 47  # 12,032 bytes: 4000, 4000, 4000, 32
    try:
        term.expect(b'AT#WSCRIPT="big.py",%d\r' % len(data), b">>> ", "the upload prompt")
        for i in range(0, len(data) - 4000, 4000):
            term.write(data[i:i + 4000])
            sim.run_for(1.0)
        term.expect(data[len(data) // 4000 * 4000 - 4000 + 4000:] if len(data) % 4000 else b"", b"OK\r\n",
                    "OK after the paced upload")
        assert store.files["big.py"] == data
        assert sim.physical is not None
        assert sim.physical.port.lost == 0
    finally:
        term.close()


# --- start modes and a device that talks at power-up

WATCHDOG_HELLO = (b"import SER\r\nimport MOD\r\n"
                  b"SER.send('hello from the script\\r\\n')\r\n"
                  b"MOD.watchdogEnable(5)\r\n"
                  b"while 1:\r\n"
                  b"    d = SER.receive(10)\r\n"
                  b"    if len(d) > 0:\r\n"
                  b"        SER.send('echo:' + d)\r\n")


def _store(script: bytes, mode: int) -> ScriptStore:
    store = ScriptStore()
    store.files["hello.py"] = script
    store.startup_script = "hello.py"
    store.startmode = (mode, 10)
    return store


def test_start_mode_1_is_stopped_by_a_device_that_sends_atz_and_every_reboot_reopens_the_window(
        module: Callable[..., Simulator]) -> None:
    sim = module(_store(WATCHDOG_HELLO, 1), device_boot_text=b"ATZ\r")
    term = Terminal(sim)
    try:
        sim.run_for(30)
        assert sim.state == "at"  # ATZ arrived in the window: the script never starts
        assert sim.physical is not None
        assert "ATZ" in [text for _, text in sim.physical.port.at_log]
        term.expect(b"AT#EXECSCR\r", b"hello from the script\r\n", "the script, started by hand")
        sim.run_until(lambda: sim.reboots == 1, 30, "the watchdog reboot (the script never kicks it)")
        sim.run_for(30)
        assert sim.state == "at", "the reboot reopened the window and the device's ATZ closed it again"
        sim.device_boot_text = b""
        term.expect(b"AT#REBOOT\r", b"OK\r\n", "OK to #REBOOT")
        sim.run_until(lambda: sim.state == "running", 30, "the script 10 s after a reboot with a quiet device")
    finally:
        term.close()


def test_start_mode_0_runs_whatever_the_device_sends_unless_dtr_is_asserted(
        module: Callable[..., Simulator]) -> None:
    sim = module(_store(HELLO, 0), device_boot_text=b"ATZ\r", dtr_asserted=False)
    term = Terminal(sim)
    try:
        term.expect(b"", b"hello from the script\r\n", "the script at power-up, despite the ATZ")
        term.expect_echo(b"abc", "the script owns the port")
        sim.dtr_asserted = True  # a PC with the port open (pyserial asserts DTR): the way back for a deploy
        sim.power_cut(restart=True)
        sim.run_for(120)
        assert sim.state == "at"
        term.expect(b"AT\r", b"OK\r\n", "the AT parser, with no start window to race")
    finally:
        term.close()


def test_start_mode_2_runs_at_once_but_the_port_stays_an_at_parser(module: Callable[..., Simulator]) -> None:
    sim = module(_store(HELLO, 2), device_boot_text=b"ATZ\r")
    term = Terminal(sim)
    try:
        term.expect(b"", b"hello from the script\r\n", "the script at power-up")
        assert sim.state == "running"
        term.expect(b"AT\r", b"OK\r\n", "the third AT parser instance on the port")
        term.write(b"abc\r")
        sim.run_for(10)
        assert b"echo:" not in bytes(term.got) + term.port.read(4096), "SER gets none of the device's bytes"
    finally:
        term.close()


def test_a_deployed_gateway_starts_although_the_device_sends_atz_at_power_up(module: Callable[..., Simulator]) -> None:
    """build.py deploy (start mode 0), then power cycles with a device that sends ATZ at each one: the deployed
    firmware starts every time and answers; with the PC attached (DTR on) the module waits for a deploy."""
    store = ScriptStore(write_rate=None)  # named kindness: flash speed is not what this test is about
    sim = module(store, device_boot_text=b"ATZ\r", dtr_asserted=True)  # the PC is attached
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(deploy.main(["--port", sim.serial_path])), daemon=True)
    worker.start()
    sim.run_until(lambda: bool(result), 120, "build.py deploy to finish")
    worker.join(10)
    assert result == [0]
    assert store.startmode == (0, 10)
    sim.dtr_asserted = False  # the device is attached instead: it does not assert DTR, and it talks at power-up
    for boot in (1, 2):
        sim.power_cut(restart=True)
        sim.run_until(lambda b=boot: sum("GPRS up" in line for line in sim.trace.lines()) >= b, 60,  # type: ignore[misc]
                      f"the deployed firmware to boot ({boot})")
        assert sim.state == "running"
    sim.modem.deliver_sms("+447700900001", "connect config")
    sim.run_until(lambda: bool(sim.modem.outbox), 60, "the deployed gateway's reply")
    assert sim.modem.outbox[0][1].startswith("Confirmed: config 1/2 mode none")


def test_a_redeploy_keeps_the_settings_and_a_factory_reset_starts_from_the_defaults(
        module: Callable[..., Simulator]) -> None:
    """The way back from a forgotten SMS password: `deploy --factory-reset` deletes the saved settings; a plain
    deploy (an update) keeps them. Found by acceptance testing: the README promised that loading the software
    again starts from the defaults, but deploy left the settings files and the forgotten password stayed."""
    # Named kindnesses: neither the flash rate nor the line's speed is what this test is about (three whole deploys
    # at both took 26 s of real time; test_deploy.py's full deploy keeps them).
    store = ScriptStore(write_rate=None)
    sim = module(store, dtr_asserted=True,  # the PC is attached: the module waits for a deploy
                 kind=dataclasses.replace(kindness(), instant_serial=True))

    def deploy_and_boot(*options: str) -> list[str]:
        said: list[str] = []
        result: list[int] = []

        def run() -> None:
            port = serial.serial_for_url(sim.serial_path, baudrate=115200, timeout=0.05, rtscts=True)
            try:
                deploy.deploy(port, sim.serial_path, dry_run=False, run=False, say=said.append,
                              factory_reset="--factory-reset" in options)
                result.append(0)
            finally:
                port.close()

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        sim.run_until(lambda: bool(result) or not worker.is_alive(), 120, "build.py deploy to finish")
        worker.join(10)
        assert result == [0], said
        sim.dtr_asserted = False  # the device instead of the PC: the deployed firmware starts at power-up
        boots = sum("firmware started" in line for line in sim.trace.lines())
        sim.power_cut(restart=True)
        sim.run_until(lambda: sum("firmware started" in line for line in sim.trace.lines()) > boots, 60,
                      "the deployed firmware to start")
        sim.run_until(lambda: any("GPRS up" in line for line in sim.trace.lines()[-20:]), 60, "GPRS up")
        return said

    def reply_to(text: str) -> str | None:
        sent = len(sim.modem.outbox)
        sim.modem.deliver_sms("+447700900001", text)
        sim.run_until(lambda: not sim.modem.sim_messages(), 60, f"{text!r} to be handled")
        sim.run_for(2)
        return sim.modem.outbox[sent][1] if len(sim.modem.outbox) > sent else None  # the first (or only) part

    def attach_pc() -> None:
        sim.dtr_asserted = True
        sim.power_cut(restart=True)
        sim.run_until(lambda: sim.state == "at", 30, "the module's AT parser (DTR on at power-up)")

    deploy_and_boot()
    assert reply_to("connect smspassword forgotten1") == "Confirmed: smspassword forgotten1"
    attach_pc()
    said = deploy_and_boot()
    assert any(line.startswith("  keep     gwcfg_") for line in said), said
    assert reply_to("connect config") is None, "a redeploy keeps the settings: the old password gets no reply"
    assert reply_to("forgotten1 config").startswith("Confirmed: config")
    attach_pc()
    said = deploy_and_boot("--factory-reset")
    assert any("(saved settings: factory reset)" in line for line in said), said
    assert reply_to("connect config").startswith("Confirmed: config 1/2 mode none"), "the defaults, password included"
    assert reply_to("forgotten1 config") is None, "the forgotten password is gone"
