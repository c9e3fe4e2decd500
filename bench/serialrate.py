"""7. The highest serial rate the pump sustains at the module's speed, each way, with an infinite link.

The module as it is on the serial side (the line at its rate, SER's 4096-byte buffer and 1023-byte reads, the
device honouring CTS), but the GPRS link instant and the modem roomy, so that only the firmware's computing,
charged at the module's speed (host/README.md "Module speed"), can hold the data back. For each speed and
direction the rates `connect baud` accepts are tried from the highest down; the first that carries at least
95 % of the line's rate through the window with nothing lost is the sustained rate.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.report import Section
from bench.report import Table
from bench.rig import Rig
from bench.rig import payload
from fsm.interpreters import Interpreter
from host.kindness import Kindness
from host.speed import PRESETS

GOAL_SHARE = 0.95  # of the line's byte rate
BAUDS = (115200, 57600, 38400, 19200, 9600, 4800, 2400, 1200, 300)  # what `connect baud` accepts, highest first
SPEEDS = ("pessimistic", "central")
INFINITE_LINK = Kindness(instant_network=True, roomy_modem=True)


@dataclass
class Trial:
    baud: int
    share: float  # of the line's byte rate (baud / 10 for 8N1)
    lost: int  # bytes sent and never delivered, plus SER overflow
    exact: bool
    computing_share: float
    reboots: int

    @property
    def ok(self) -> bool:
        return self.share >= GOAL_SHARE and self.lost == 0 and self.exact and self.reboots == 0


def _trial(python: Interpreter, speed: str, way: str, baud: int, window_s: float, work: Path) -> Trial:
    rate = baud / 10  # 8N1: 10 bits a byte
    data = payload(21 if way == "up" else 22, int(window_s * rate * 1.5) + 4096)
    with Rig("gateway", python, work / f"{speed}-{way}-{baud}", kindness=INFINITE_LINK,
             module_speed=PRESETS[speed]) as rig:
        rig.connect(setup=(f"connect baud {baud}",))
        sim = rig.sim
        assert sim.serial is not None
        assert sim.speed is not None
        start, charged = sim.clock.now(), sim.speed.charged_s
        sent = 0
        got = bytearray()

        def exchange() -> None:
            got.extend(rig.take_tcp() if way == "up" else rig.serial.read(1 << 20))

        def window_over() -> bool:
            nonlocal sent
            piece = data[sent:sent + 65536]
            sent += rig.offer_serial(piece) if way == "up" else rig.offer_tcp(piece)
            exchange()
            return sim.clock.now() - start >= window_s

        rig.until(window_over, f"{window_s:g} s of traffic {way}", timeout_s=120 + 20 * window_s)
        in_window = len(got)
        computing = (sim.speed.charged_s - charged) / window_s
        rig.until(lambda: exchange() or len(got) >= sent, f"the {way} stream to drain", timeout_s=120)
        return Trial(baud, in_window / window_s / rate, sent - len(got) + sim.serial.lost, bytes(got) == data[:sent],
                     computing, sim.reboots)


def run(python: Interpreter, quick: bool) -> Section:
    window_s = 4.0 if quick else 30.0
    bauds = (115200, 9600) if quick else BAUDS
    best = Table(["module speed", "device -> GPRS (up): highest baud sustained", "GPRS -> device (down): highest baud "
                  "sustained"])
    tried = Table(["module speed", "way", "baud", "share of the line", "lost", "byte-exact", "computing share",
                   "reboots", "sustained"])
    with tempfile.TemporaryDirectory(prefix="bench-serialrate-") as tmp:
        for speed in SPEEDS:
            found = {}
            for way in ("up", "down"):
                found[way] = "none"
                for baud in bauds:
                    t = _trial(python, speed, way, baud, window_s, Path(tmp))
                    tried.add(f"{speed} ({PRESETS[speed]:,})", way, baud, f"{t.share:.1%}", t.lost,
                              "yes" if t.exact else "no", f"{t.computing_share:.0%}", t.reboots,
                              "yes" if t.ok else "no")
                    if t.ok:
                        found[way] = f"{baud} ({baud // 10:,} B/s)"
                        break
            best.add(f"{speed} ({PRESETS[speed]:,} bytecodes/s)", found["up"], found["down"])
    return Section(
        "7. The highest serial rate the pump sustains at the module's speed (infinite link)",
        f"The gateway under {python.id}, client mode `maintain`, the firmware's computing charged at the module's "
        "speed (host/README.md \"Module speed\"), the serial side as hard as the module (the line at its rate, "
        "SER's 4096-byte buffer and 1023-byte reads, the device honouring CTS) and the GPRS link instant "
        "(`instant_network`, `roomy_modem`), one way at a time. From the highest rate `connect baud` accepts "
        f"down, each rate runs {window_s:g} s (virtual) of a device or server sending as fast as it is let; "
        "the first that carries at least 95 % of the line's byte rate with 0 bytes lost is the sustained rate.",
        [("Sustained", best), ("Every rate tried", tried)],
        notes=["The speeds are estimates (the research's pessimistic 60,000 and central 200,000 bytecodes/s); "
               "the model charges the firmware's Python lines and calls, not the built-ins' own work inside the "
               "module or the CPU the GSM stack takes (host/README.md)."],
    )
