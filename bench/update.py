"""8. A field update at the module's speed: clock time of each step of `update <url>`, from the SMS to `Confirmed:
update <version> running`, for today's firmware over the default class 10 link (5 kB/s up, 10 kB/s down), with the
firmware's computing free and charged at the central and the pessimistic module speed (host/README.md "Module
speed"). The unit is deployed as `build.py deploy` leaves it and listens in server mode; the bundle comes from a
loopback `http.server`."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.report import Section
from bench.report import Table
from fsm.bundle import pack
from fsm.interpreters import Interpreter
from host.nvm import deployed
from tests.e2e.gateway import Gateway
from tests.e2e.test_update import KEY
from tests.e2e.test_update import QUIET_S
from tests.e2e.test_update import STARTMODE
from tests.e2e.test_update import new_firmware
from tests.support import LAYOUT
from tests.support import LoopbackHttp
from tests.support import free_port

SPEEDS: tuple[tuple[str, int | None], ...] = (("free (PC)", None), ("central", 200_000), ("pessimistic", 60_000))
# Trace lines that end each step, in order (docs/troubleshooting.md lists them).
MARKS = (("request", "update: from "), ("download", " bytes downloaded"), ("checks", " checked"),
         ("copy of the old firmware", "downloaded, restarting"), ("install", "boot: on trial: "),
         ("reaching the mode", "boot: Confirmed: update "))


class Timeline:
    """Clock time of the first trace line that holds each mark."""

    def __init__(self, gw: Gateway) -> None:
        self.gw = gw
        self.at: dict[str, float] = {}
        self.buffer = b""
        gw.sim.trace.listeners.append(self.heard)

    def heard(self, data: bytes) -> None:
        self.buffer += data
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            text = line.decode("latin-1")
            for name, mark in MARKS:
                if mark in text and name not in self.at:
                    self.at[name] = self.gw.sim.clock.now()


def one_update(python: Interpreter, work: Path, speed: int | None, version: str) -> tuple[dict[str, float], int, int]:
    """(step -> seconds, bundle bytes, restarts) of one update at `speed`."""
    (work / "www").mkdir(parents=True)
    with LoopbackHttp(work / "www") as http:
        gw = Gateway(python, work / "nvm", scripts=deployed(list(LAYOUT.firmware_dirs), "main.py", STARTMODE),
                     quiet_s=QUIET_S, module_speed=speed, trace=False)
        try:
            gw.command(f"connect updatekey {KEY}")
            gw.command(f"connect mode server any {free_port()}")
            gw.run(5)
            data = pack(new_firmware(version), KEY)
            (http.root / "fw.bin").write_bytes(data)
            timeline = Timeline(gw)
            before = len(gw.outbox)
            restarts = len(gw.sim.reboot_log)
            start = gw.sim.clock.now()
            gw.sms(f"connect update {http.url('fw.bin')}")
            gw.until(lambda: any(t.endswith(" running") for _, t in gw.outbox[before:]), "the update", 600)
            steps, last = {}, start
            for name, _ in MARKS:
                steps[name] = timeline.at[name] - last
                last = timeline.at[name]
            steps["total"] = last - start
            return steps, len(data), len(gw.sim.reboot_log) - restarts
        finally:
            gw.close()


def run(pythons: list[Interpreter], quick: bool) -> Section:
    section = Section(
        "8. A field update: download, check and switch at the module's speed",
        "Clock seconds of each step of `update <url>` for today's firmware (bundle size in the table), the unit in "
        "server mode, the bundle from a loopback `http.server` over the default class 10 link (10 kB/s down). "
        "`request`: from the SMS's arrival to the mode stopped (the SMS round); `download`: the HTTP GET to the "
        "last byte in fwnew.bin; `checks`: MAC, family, boot loader and every MD5, reading fwnew.bin back; `copy of "
        "the old firmware`: fwold.bin from the installed files, the boot record and the reply; `install`: the restart, "
        "the start mode's 10 s window and the boot loader writing the files; `reaching the mode`: the new firmware's "
        "boot, registration, GPRS and listening. At a module speed the firmware's file writes are charged at the "
        "flash's rate too, about 2.9 kB/s, the manufacturer's `#WSCRIPT` figure (host/README.md \"Module speed\"): "
        "about 70 s per copy of 200 kB, three copies (the download, the old firmware's copy, the install); the "
        "free rows have them free.",
    )
    table = Table(["firmware under", "speed", "bundle bytes", *[n for n, _ in MARKS], "total s", "restarts"])
    for python in pythons:
        for label, speed in SPEEDS[-1:] if quick else SPEEDS:
            with tempfile.TemporaryDirectory() as tmp:
                steps, size, restarts = one_update(python, Path(tmp), speed, "be000000")
            table.add(python.id, label, size, *[steps[n] for n, _ in MARKS], steps["total"], restarts)
            if restarts != 1:
                section.missed.append(f"{python.id} at {label}: {restarts} restarts (one is the update's own)")
    section.tables.append(("", table))
    section.notes.append("Not charged here, and to add on a module: the C work inside built-ins (MD5 of each piece, "
                         "copying) and compiling the new firmware's 29 modules at its first "
                         "start (compiling takes about 1,000 x86 instructions per source byte under 1.5.2, measured "
                         "on a PC: some 25 s "
                         "at the pessimistic and 8 s at the central speed for today's 165 KB of source).")
    section.notes.append("The watchdog (120 s) never ran out: the only restart is the update's own (the `restarts` "
                         "column); the boot loader and the updater kick it at every 4 KB piece.")
    if quick:
        section.notes.append("Quick mode: one interpreter, the pessimistic speed only.")
    return section
