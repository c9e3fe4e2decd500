"""The module's start-up while no script runs: the AT parser on the serial port (PhysicalPort, where
`build.py deploy` talks to the module) and the start mode (#STARTMODESCR) that says when the selected
script runs. Times are clock seconds. The file system itself is host/nvm.py.
"""

from __future__ import annotations

from collections.abc import Callable

from host.clock import Clock
from host.modem import PhysicalPort
from host.modem import ScriptStore
from host.modem.commands import PHYSICAL_TABLE
from host.serialside import RX_LIMIT
from host.serialside import SerialSide


class Startup:
    """While no script runs: the serial side talks to the module's AT parser (PhysicalPort), and the start
    mode (#STARTMODESCR) says when the selected script runs. due() names what the simulator must do next."""

    def __init__(self, store: ScriptStore, clock: Clock, *, at_power_on: bool, dtr_asserted: bool,
                 flow_control: Callable[[], bool] | None = None) -> None:
        self.clock = clock
        self.port = PhysicalPort(store, clock, PHYSICAL_TABLE, on_exec=lambda: self._ask("exec"),
                                 on_reboot=lambda: self._ask("reboot"), flow_control=flow_control)
        self.autostart: float | None = None  # #STARTMODESCR=1: the script runs at this clock time
        self.keeps_port = False  # #STARTMODESCR=2: the AT parser keeps the serial port while the script runs
        self._action: str | None = None
        name = store.startup_script
        if not at_power_on or not name or name not in store.files:
            return
        mode, timeout_s = store.startmode
        if mode == 2 or (mode == 0 and not dtr_asserted):  # mode 0 runs only while DTR is low
            self._action = "exec"
            # Mode 2: "AT command interface will be available on serial port ASC0 and connected to third AT
            # parser instance" (80000ST10025a p412, docs/design/telit.md §3.2): the device's bytes go to that
            # parser, not to SER (our reading; the manual does not say what SER gets, so the harsher one).
            self.keeps_port = mode == 2
        elif mode == 1:
            self.autostart = clock.now() + timeout_s

    def _ask(self, action: str) -> None:
        self._action = action  # taken by due() once the command's OK is on its way

    def pump(self, serial: SerialSide) -> bool:
        """Serial bytes to the AT parser and its answers back; True if any byte moved."""
        data = serial.take(RX_LIMIT)
        if data:
            self.port.write(data)
        self.port.poll()
        out = self.port.read()
        if out:
            serial.send(out)
        if self.autostart is not None and self.port.at_log:
            self.autostart = None  # an AT command inside the start window keeps the script off
        return bool(data or out)

    def due(self) -> str | None:
        """'exec' (run the selected script), 'reboot' (#REBOOT), or None."""
        action, self._action = self._action, None
        if action is None and self.autostart is not None and self.clock.now() >= self.autostart:
            self.autostart, action = None, "exec"
        return action

    def next_deadline(self) -> float | None:
        times = [t for t in (self.autostart, self.port.next_deadline()) if t is not None]
        return min(times, default=None)
