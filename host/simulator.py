"""The simulator: the firmware process, the modem, the serial side and the clock, serviced by one loop.

Single-threaded: the loop runs only inside run_until()/run_for() (and the console). It answers each
built-in call (host/services.py), moves serial and socket bytes, fires the watchdog, and in virtual time
jumps the clock to the next deadline once the firmware is blocked and real I/O has been quiet for QUIET_S.
Clock times are float seconds; real waits are time.monotonic() seconds.
"""

from __future__ import annotations

import contextlib
import os
import random
import select
import sys
import tempfile
import time
from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fsm.layout import Layout
from host import nvm
from host import services
from host import timepolicy
from host.board import Gpio
from host.board import Trace
from host.board import Watchdog
from host.chunks import Chunker
from host.clock import Clock
from host.clock import RealClock
from host.firmware import ExitReport
from host.firmware import FirmwareExit
from host.firmware import FirmwareProcess
from host.kindness import STRICT
from host.kindness import Kindness
from host.link import Request
from host.modem import Modem
from host.modem import Network
from host.modem import ScriptStore
from host.modem.profile import power_up_profile
from host.modem.state import Profile
from host.serialside import SerialSide
from host.speed import ModuleSpeed
from host.startup import Startup

QUIET_S = 0.01  # real seconds without real I/O before virtual time may jump (a TCP peer or pty writer gets
# that long to answer what the firmware sent before a timeout fires)
IDLE_CAP_S = 0.5  # longest single select() wait, so run_until() looks at its predicate at least this often

__all__ = ["STRICT", "FirmwareExit", "Kindness", "QUIET_S", "Simulator"]


class Simulator:
    """One emulated Telit module with its firmware; see host/README.md for the API and an example.

    Give `firmware_entry` (+ `path_dirs`) to run a firmware from the PC's files, or `scripts` (a
    ScriptStore, the module's NVM) to power on like the module: the AT parser on the serial port until
    #EXECSCR or the start mode runs the selected script from the store. As hard as the module unless `kind`
    names kindnesses; `seed`, `device_cts`, `profile`: host/README.md "Python API".
    """

    def __init__(
        self,
        firmware_entry: str | Path | None = None,
        path_dirs: Sequence[str | Path] = (),
        *,
        python: str = sys.executable,
        clock: Clock | None = None,
        serial: str | None = None,
        modem: Modem | None = None,
        scripts: ScriptStore | None = None,
        nvm_dir: str | Path | None = None,
        dtr_asserted: bool = True,
        device_boot_text: bytes = b"",
        quiet_s: float = QUIET_S,
        kind: Kindness = STRICT,
        seed: int | None = None,
        device_cts: str = "honour",
        profile: str | Profile | None = None,
        mdm2: str | None = None,
        module_speed: int | None = None,
    ) -> None:
        if firmware_entry is None and scripts is None:
            raise ValueError("Simulator needs a firmware_entry script or a ScriptStore (scripts=...)")
        self.clock: Clock = clock if clock is not None else RealClock()
        if module_speed is not None and not self.clock.virtual:
            raise ValueError("module_speed needs a virtual clock: real time already charges the PC's computing")
        # The firmware's computing costs clock time (host/speed.py), None: it is free (the clock stands still).
        self.speed = ModuleSpeed(module_speed) if module_speed is not None else None
        self.kind = kind
        self.seed = seed if seed is not None else random.randrange(1 << 31)
        self.device_cts = device_cts
        self.chunks = {n: Chunker(self.seed, n, whole=kind.whole_chunks) for n in ("MDM", "MDM2", "SER")}
        self.sec_offset = 0  # MOD.secCounter() - int(clock): moved by jump_clock() (fault clock)
        self.profile = power_up_profile(profile, kind)  # the saved AT&W profile the modem powers up with
        self.python = python
        self.entry = Path(firmware_entry) if firmware_entry is not None else None
        self.path_dirs = [Path(p) for p in path_dirs]
        self.scripts = scripts
        self.dtr_asserted = dtr_asserted  # the attached device holds DTR (so #STARTMODESCR=0 never runs)
        self.device_boot_text = device_boot_text  # what the device sends at every power-on of the module
        self.quiet_s = quiet_s
        self.serial_url = serial
        self._modem = modem if modem is not None else Modem(self.clock, Network())
        self._modem.kind = kind
        self._modem.load_profile(self.profile)
        if mdm2 is not None:  # the module's second AT instance: "on", "silent" or "absent" (host/README.md)
            self._modem.set_mdm2(mdm2)
        self.serial: SerialSide | None = None  # opened by start()
        self.trace = Trace()
        self.watchdog = Watchdog()
        self.gpio = Gpio()
        self.power_cause = 1  # MOD.powerSavingExitCause(): 0 external, 1 timer
        self.reboots = 0  # boots after the first: watchdog, power cycle, #REBOOT
        self.reboot_log: list[tuple[float, str]] = []  # (clock time, reason)
        self.exits: list[ExitReport] = []  # every end of a firmware process, killed or not
        self.crash: ExitReport | None = None  # the last time the firmware ended by itself
        self.calls = 0  # built-in calls serviced
        self.state = "off"  # off | at (AT parser on the serial port) | running | ended (script ended)
        self.process: FirmwareProcess | None = None
        self.physical: Startup | None = None  # the AT parser on the serial port while no script runs
        self._blocked: services.Wait | None = None
        self._blocked_name = ""
        self._last_io = time.monotonic()
        self._new_exit: ExitReport | None = None
        self._targets: list[float] = []  # clock times run_for() waits for (virtual time jumps there)
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.nvm_dir = Path(nvm_dir) if nvm_dir is not None else None
        self._view: tempfile.TemporaryDirectory[str] | None = None  # what a script from the store imports through
        self._live: nvm.LiveFiles | None = None  # the file system as the running script's AT commands see it
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)

    # --- the parts tests and the console use
    @property
    def modem(self) -> Modem:
        """The modem now (a reboot powers it off and makes a fresh one; the SIM and the outbox survive)."""
        return self._modem

    @property
    def blocked_in(self) -> str | None:
        """The built-in call the firmware is blocked in (e.g. 'MDM.receive'), or None."""
        return self._blocked_name if self._blocked is not None else None

    @property
    def serial_path(self) -> str:
        """Where the other end of the gateway's serial line is: the pty path, or the URL given."""
        assert self.serial is not None, "start() the simulator first"
        return self.serial.path

    def start(self) -> Simulator:
        if self.serial is not None:
            return self
        if self.nvm_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="telit-nvm-")
            self.nvm_dir = Path(self._tmp.name)
        self.nvm_dir.mkdir(parents=True, exist_ok=True)
        self._live = nvm.LiveFiles(self.nvm_dir, self.scripts)
        self.serial = SerialSide(self.serial_url, clock=self.clock, kind=self.kind, device_cts=self.device_cts)
        try:
            self._power_on()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Power off for good: the firmware is killed, sockets and the serial port closed."""
        if self.process is not None:
            self._kill_firmware()
        self._modem.close()
        if self.serial is not None:
            self.serial.close()
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._wake_r = self._wake_w = -1
        for tmp in (self._tmp, self._view):
            if tmp is not None:
                tmp.cleanup()
        self._tmp = self._view = None
        self.state = "off"

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def note_activity(self) -> None:
        """Real I/O just happened (the firmware wrote to the serial port or the modem): no time jump yet."""
        self._last_io = time.monotonic()

    def wakeup(self) -> None:
        """Makes a waiting loop look at its predicate now (safe to call from another thread)."""
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"!")

    # --- running
    def run_until(self, predicate: Callable[[], object], timeout_real_s: float, what: str) -> None:
        """Services the firmware until predicate() holds. Raises TimeoutError naming `what` after
        timeout_real_s real seconds, and FirmwareExit if the firmware ends by itself first."""
        assert self.serial is not None, "start() the simulator first"
        end = time.monotonic() + timeout_real_s
        while True:
            if predicate():
                self._new_exit = None
                return
            if self._new_exit is not None:
                report, self._new_exit = self._new_exit, None
                raise FirmwareExit(report)
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError(self._timeout_message(what, timeout_real_s))
            self._turn(min(left, IDLE_CAP_S))

    def run_for(self, seconds: float, timeout_real_s: float | None = None) -> None:
        """Lets `seconds` of clock time pass (in virtual time: as fast as the firmware allows)."""
        target = self.clock.now() + seconds
        if timeout_real_s is None:
            timeout_real_s = 60.0 if self.clock.virtual else seconds + 30.0
        self._targets.append(target)
        try:
            self.run_until(lambda: self.clock.now() >= target, timeout_real_s, f"{seconds:g} s of clock time")
        finally:
            self._targets.remove(target)

    def power_cut(self, restart: bool = False) -> None:
        """The module loses power now: the firmware dies mid-call, sockets close; `restart` powers it on."""
        self._power_off()
        if restart:
            self._count_reboot("power cut")
            self._power_on()

    def power_on(self) -> None:
        """After power_cut(): the module boots again (counted as a reboot)."""
        if self.state == "off" and self.serial is not None:
            self._count_reboot("power on")
            self._power_on()

    def jump_clock(self, seconds: float) -> None:
        """MOD.secCounter() jumps by `seconds` (+ or -), as when the network sets the module's clock; the
        simulator's own timers keep to the clock."""
        self.sec_offset += int(seconds)

    def status(self) -> dict[str, Any]:
        """Everything the console's `status` shows (clock seconds unless `real` is said)."""
        serial = self.serial
        crash = self.crash
        return {
            "state": self.state,
            "pid": self.process.pid if self.process is not None else None,
            "blocked_in": self.blocked_in,
            "clock_s": round(self.clock.now(), 3),
            "sec_counter": max(0, int(self.clock.now()) + self.sec_offset),
            "virtual": self.clock.virtual,
            "seed": self.seed,
            "kindness": " ".join(self.kind.given()) or "none (as hard as the module)",
            "reboots": self.reboots,
            "watchdog_s": self.watchdog.period_s,
            "calls": self.calls,
            "module_speed": self.speed.bytecodes_per_s if self.speed is not None else None,
            "computing_s": round(self.speed.charged_s, 3) if self.speed is not None else None,
            "flash_s": round(self.speed.flash_s, 3) if self.speed is not None else None,  # of it: writing files
            "serial": serial.path if serial is not None else None,
            "speed": " ".join(serial.speed) if serial is not None else None,
            "lines": dict(serial.lines_out) if serial is not None else {},  # DCD, CTS, DSR, RI towards the device
            "led": self._modem.describe()["led"],  # the status LED as AT#SLED last set it
            "serial_lost": serial.lost if serial is not None else 0,  # arrived while SER's buffer was full
            "serial_waiting": serial.waiting_out() if serial is not None else 0,  # sent by SER, not yet on the line
            "modem": self._modem.describe(),
            "saved_profile": self._modem.state.saved_profile.as_text(),
            "crash": (crash.exception or f"status {crash.returncode}") if crash is not None else None,
        }

    def _timeout_message(self, what: str, timeout_real_s: float) -> str:
        s = self.status()
        lines = "\n  ".join(self.trace.tail(8)) or "(none)"
        crash = f"; last exit: {self.crash.describe()}" if self.crash else ""
        return (f"timed out after {timeout_real_s:g} s (real) waiting for {what}; seed {self.seed}, "
                f"clock {s['clock_s']} s, firmware {s['state']}, blocked in {s['blocked_in']}, "
                f"modem {s['modem']['mode']}{crash}\nlast trace lines:\n  {lines}")

    # --- power
    def _power_on(self) -> None:
        if self.serial is not None:
            # Until the script drives DCD, the module's own level: following the saved &C (&C0: always high).
            self.serial.power_on_dcd(self._modem.state.saved_profile.amp_c == 0)
        if self.scripts is None:
            assert self.entry is not None
            assert self.nvm_dir is not None
            self._start_firmware(self.entry, self.path_dirs)
        else:
            self._at_parser(at_power_on=True)
        if self.device_boot_text and self.serial is not None:
            # The device (re)initialises what it takes for a modem whenever the module powers up or resets (it
            # sees the lines drop): harsher than a device that talks only at its own power-up (a guess).
            self.serial.rx += self.device_boot_text

    def _power_off(self, keep_output: bool = False) -> None:
        if self.process is not None:
            self._kill_firmware()
        self.watchdog.disable()
        self.physical = None
        old = self._modem
        old.close()
        new = Modem(self.clock, old.network, kind=old.kind, saved_profile=old.state.saved_profile,  # NVM stays
                    mdm2=old.mdm2)
        new.sms, new.outbox, new.faults = old.sms, old.outbox, old.faults  # the SIM and the test's view
        new.led = old.led  # the LED's log, and whether the module has AT#SLED; its setting starts again
        new.led.power_on()
        new.at_log.extend(old.at_log)
        self._modem = new
        if self.serial is not None:
            self.serial.reset(keep_output)
        self.state = "off"

    def _count_reboot(self, reason: str) -> None:
        self.reboots += 1
        self.reboot_log.append((self.clock.now(), reason))

    def _reboot(self, reason: str) -> None:
        self._power_off(keep_output=reason == "#REBOOT")  # #REBOOT's OK goes out before the reset
        self._count_reboot(reason)
        self._power_on()

    def _at_parser(self, at_power_on: bool) -> None:
        assert self.scripts is not None
        assert self.serial is not None
        self.serial.autobaud = True  # +IPR=0, the factory default: the parser follows the device's speed
        self.physical = Startup(self.scripts, self.clock, at_power_on=at_power_on,
                                dtr_asserted=self.dtr_asserted, flow_control=self.serial.rtscts)
        self.state = "at"

    def _run_script(self) -> None:
        """The selected script of the ScriptStore runs from the NVM directory."""
        assert self.scripts is not None
        assert self.nvm_dir is not None
        assert self.scripts.startup_script
        if self.process is not None:
            return  # #EXECSCR to the parser that #STARTMODESCR=2 keeps on the port: the script already runs
        if self.physical is not None and not self.physical.keeps_port:
            self.physical = None
        if self._view is None:
            self._view = tempfile.TemporaryDirectory(prefix="telit-import-")
        # The module's compiled copies and a stale one's source: host/nvm.py (the entry runs from the view).
        entry = nvm.prepare(self.scripts, self.nvm_dir, Path(self._view.name) / "view")
        self._start_firmware(entry, [entry.parent, self.nvm_dir, Layout.here().emulated])

    def _start_firmware(self, entry: Path, path_dirs: list[Path]) -> None:
        assert self.nvm_dir is not None
        if self.serial is not None and (self.physical is None or not self.physical.keeps_port):
            self.serial.autobaud = False  # SER owns the port: the speed SER.set_speed gave (9600 at first)
            self.serial.set_speed(*self.serial.speed)
        self._modem.files = self._live
        self.process = FirmwareProcess(self.python, entry, path_dirs, self.nvm_dir, count=self.speed is not None)
        self._blocked = None
        self.process.start()
        self.state = "running"

    def _kill_firmware(self) -> None:
        assert self.process is not None
        self.exits.append(self.process.kill(self.clock.now()))
        self._after_firmware()

    def _firmware_ended(self) -> None:
        assert self.process is not None
        report = self.process.finish(self.clock.now())
        self.exits.append(report)
        self.crash = self._new_exit = report
        self._after_firmware()
        if self.scripts is not None:  # the script ended: the AT parser gets the serial port back
            self._at_parser(at_power_on=False)
        else:
            self.state = "ended"

    def _after_firmware(self) -> None:
        self.process = None
        self._blocked = None
        if self.scripts is not None and self.nvm_dir is not None:
            nvm.collect(self.nvm_dir, self.scripts)

    # --- the loop
    def _turn(self, budget_s: float) -> None:
        """One pass: timers, non-blocking I/O, the blocked call, then one select() wait."""
        assert self.serial is not None
        now = self.clock.now()
        if self.watchdog.expired(now):
            self._reboot("watchdog")
            return
        self._modem.poll()
        if self.serial.pump(now) | self._startup_step():
            self._last_io = time.monotonic()
        self._complete_blocked()
        timeout = timepolicy.plan_wait(self.clock, self._deadlines(), budget_s,
                                       selectable=self.serial.fileno() is not None,
                                       computing=self.process is not None and self._blocked is None,
                                       quiet_s=self.quiet_s, last_io=self._last_io)
        proc_fds = self.process.read_fds() if self.process is not None else []
        real_r = list(self._modem.fds())
        real_w = list(self._modem.wfds())
        serial_fd = self.serial.fileno()
        if serial_fd is not None:
            if self.serial.wants_read():
                real_r.append(serial_fd)
            if self.serial.wants_write():
                real_w.append(serial_fd)
        try:
            ready_r, ready_w, _ = select.select(proc_fds + real_r + [self._wake_r], real_w, [], timeout)
        except ValueError:  # a socket closed between fds() and select(): look again next pass
            return
        if ready_w or any(fd in real_r for fd in ready_r):
            self._last_io = time.monotonic()
        if self._wake_r in ready_r:
            with contextlib.suppress(BlockingIOError):
                os.read(self._wake_r, 256)
        if self.process is not None and ready_r:
            self._service(ready_r)

    def _deadlines(self) -> list[float | None]:
        """The clock times at which something the simulator times is due (None: that part waits for nothing)."""
        serial = self.serial
        assert serial is not None
        times = [self._modem.next_deadline(), self.watchdog.deadline, *self._targets, serial.tx_deadline()]
        blocked = self._blocked
        if blocked is not None:
            times.append(blocked.deadline)
            if blocked.serial_input:
                times.append(serial.rx_deadline())  # the call wakes when bytes have crossed the line
        if self.physical is not None:
            times += [self.physical.next_deadline(), serial.rx_deadline()]
        return times

    def _startup_step(self) -> bool:
        """No script runs: the AT parser's turn, and what it or the start mode asks for."""
        if self.physical is None or self.serial is None:
            return False
        moved = self.physical.pump(self.serial)
        action = self.physical.due()
        if action == "exec":
            self._run_script()
        elif action == "reboot":
            self._reboot("#REBOOT")
        return moved

    def _service(self, ready: list[int]) -> None:
        proc = self.process
        assert proc is not None
        proc.read_stderr()
        for request in proc.read_requests():
            self.calls += 1
            if self.speed is not None and request.counted and not self._compute(request):
                return  # the watchdog rebooted the module while the firmware computed
            result = services.dispatch(self, request)
            if isinstance(result, services.Wait):
                self._blocked, self._blocked_name = result, request.name
                self._complete_blocked()
            else:
                proc.reply(result)
        if not proc.running:
            self._firmware_ended()

    def _compute(self, request: Request) -> bool:
        """Module speed: the clock moves by the price of what the firmware computed before this request, in
        steps to each deadline on the way, the world running at each (serial bytes arrive and may find SER's
        buffer full, the GPRS wires move, modem timers fire, the watchdog may bite). False: it rebooted."""
        assert self.speed is not None
        assert self.serial is not None
        target = self.clock.now() + self.speed.charge(request.lines, request.calls, request.written)
        while True:
            now = self.clock.now()
            if self.watchdog.expired(now):
                self._reboot("watchdog")
                return False
            self._modem.poll()
            self.serial.pump(now)
            if now >= target:
                return True
            later = [t for t in self._deadlines() if t is not None and now < t < target]
            self.clock.advance_to(min(later, default=target))

    def _complete_blocked(self) -> None:
        wait = self._blocked
        if wait is None or self.process is None:
            return
        reply = wait.ready()
        if reply is None and wait.deadline is not None and self.clock.now() >= wait.deadline:
            reply = wait.on_timeout()
        if reply is not None:
            self._blocked = None
            self.process.reply(reply)
