"""Hardening harness: the e2e Gateway with a bigger SIM, seeded randomness, stored-settings checks and
the recovery-time table. Every wait is bounded (real seconds) and names what it waited for.
"""

from __future__ import annotations

import functools
from pathlib import Path

from fsm.interpreters import Interpreter
from fsm.pipeline import load
from fsm.spec import argtypes
from fsm.spec.model import CommandTable
from fsm.spec.model import Field
from host.clock import VirtualClock
from host.modem import Modem
from host.modem import Network
from host.simulator import Simulator
from tests import workerdata
from tests.e2e.gateway import FIRMWARE
from tests.e2e.gateway import Gateway
from tests.simseed import kindness
from tests.simseed import sim_seed
from tests.support import IN_PROCESS_QUIET_S
from tests.support import LAYOUT

SLOTS = ("gwcfg_a.txt", "gwcfg_b.txt")


class HGateway(Gateway):
    """Gateway(python, nvm) with the SIM capacity chosen (the firmware handles a whole store per round)."""

    def __init__(self, python: Interpreter, nvm: Path, sms_capacity: int = 20, boot: bool = True,
                 mdm2: str = "on") -> None:
        self.python = python
        self.nvm = nvm
        clock = VirtualClock()
        self.network = Network()
        modem = Modem(clock, self.network, sms_capacity=sms_capacity, mdm2=mdm2)
        self.sim = Simulator(LAYOUT.main, FIRMWARE, python=python.path, clock=clock,
                             modem=modem, nvm_dir=nvm, kind=kindness(), seed=sim_seed(), quiet_s=IN_PROCESS_QUIET_S)
        self.sim.start()
        import serial

        self.serial = serial.serial_for_url(self.sim.serial_path, timeout=0, write_timeout=0)
        self.received = b""
        if boot:
            self.booted()

    def deliver(self, messages: list[tuple[str, str]]) -> list[int]:
        """Puts (sender, text) messages into the SIM at once; returns their indexes."""
        out = []
        for sender, text in messages:
            index = self.sim.modem.deliver_sms(sender, text)
            assert index is not None, "the SIM store is full"
            out.append(index)
        return out

    def handle_all(self, what: str, timeout_s: float = 120) -> None:
        """Runs until the SIM is empty (every message handled and deleted)."""
        self.until(lambda: self.sim.modem.sim_messages() == [], what, timeout_s)

    def assert_alive(self) -> None:
        assert self.sim.state == "running", f"firmware state {self.sim.state}: {self.sim.crash}"
        assert self.sim.crash is None, self.sim.crash
        assert not self.traced("unexpected error"), self.sim.trace.tail(20)


# --- the command table's limits (fsm/specs/commands.yaml), for checking what is stored

@functools.cache
def command_table() -> CommandTable:
    """The command table as the build loads it."""
    table = load(LAYOUT).specs.commands
    assert table is not None
    return table


def _setters() -> dict[str, list[Field]]:
    """setting -> every command argument that sets it."""
    out: dict[str, list[Field]] = {}
    for cmd in command_table().commands:
        for f in cmd.fields:
            if f.sets:
                out.setdefault(f.sets, []).append(f)
    return out


def _value_ok(f: Field, value: object) -> bool:
    """A stored value is one the firmware stores for some SMS: what it stores for the value's own text
    (fsm/spec/argtypes.py, the one definition of what each argument type accepts)."""
    if f.optional and value == "":
        return True
    return argtypes.parse(f, str(value)) == value


def read_slots(nvm: Path) -> list[tuple[int, dict[str, object]]]:
    """(seq, settings) of each slot file whose checksum holds (cfgstore's format)."""
    types = {s.name: s.type for s in command_table().settings}
    out = []
    for name in SLOTS:
        p = nvm / name
        if not p.exists():
            continue
        text = p.read_bytes().decode("latin-1")
        lines = text.split("\n", 2)
        if len(lines) < 3 or not lines[0].isdigit() or not lines[1].isdigit():
            continue
        body = lines[2]
        a = b = 0
        for ch in body:
            a = (a + ord(ch)) % 255
            b = (b + a) % 255
        if (b << 8) | a != int(lines[1]):
            continue
        values: dict[str, object] = {}
        for line in body.split("\n"):
            if "=" in line:
                k, v = line.split("=", 1)
                values[k] = int(v) if types.get(k) == "int" else v
        out.append((int(lines[0]), values))
    return out


def newest_settings(nvm: Path) -> dict[str, object] | None:
    slots = read_slots(nvm)
    if not slots:
        return None
    return max(slots, key=lambda s: s[0])[1]


def check_settings_valid(values: dict[str, object]) -> None:
    """Every stored setting is one its commands could have set (or the default)."""
    defaults = {s.name: s.default for s in command_table().settings}
    checks = _setters()
    assert set(values) == set(defaults), f"settings {sorted(values)} != {sorted(defaults)}"
    for name, value in values.items():
        if value == defaults[name]:
            continue
        if name == "mode":
            assert value in ("none", "client", "server"), value
            continue
        assert any(_value_ok(a, value) for a in checks.get(name, [])), f"stored {name}={value!r} is invalid"


def password_of(nvm: Path) -> str:
    s = newest_settings(nvm)
    return "connect" if s is None else str(s["password"])


# --- recovery times (virtual seconds) per fault class, collected over the session

RECOVERY = "recovery"  # tests.workerdata: [interpreter, fault class, virtual s, reboots]


def record_recovery(python: Interpreter, fault: str, seconds: float, reboots: int) -> None:
    workerdata.record(RECOVERY, [python.id, fault, seconds, reboots])


def recovery_table() -> str:
    measured = workerdata.records(RECOVERY)
    if not measured:
        return ""
    rows = ["| interpreter | fault class | recovery (virtual s) | watchdog/other reboots |", "|---|---|---:|---:|"]
    for interp, fault, s, reboots in measured:
        rows.append(f"| {interp} | {fault} | {s:.1f} | {reboots} |")
    return "\n".join(rows) + "\n"
