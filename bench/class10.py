"""6. A class 10 link: a device at 115200 both ways through a GPRS link of 5,000 B/s up and 10,000 B/s down.

The simulator as hard as the module (no kindness): the serial line at its rate, SER's 4096-byte buffer, the
modem's bounded buffer, MDM.send that waits. The device honours CTS, writes as fast as it is let and reads
all it gets; the server does the same. Throughput is what crossed the link in the window (virtual time)
against the link's rate; lost is what never arrived once both sides went quiet; the CTS-low share is the
time the firmware held the device back; the watchdog gap is the longest time between two kicks. A second
row per interpreter sends the gateway an SMS (`config`) every minute of the window: it is read and answered on
MDM2 while the call carries the data, and the goals stay the same.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.report import Section
from bench.report import Table
from bench.report import verdict
from bench.rig import Rig
from bench.rig import payload
from fsm.interpreters import Interpreter
from host.kindness import STRICT
from host.modem.network import CLASS10_DOWN_BPS
from host.modem.network import CLASS10_UP_BPS
from host.speed import PRESETS

GOAL_SHARE = 0.95  # of the link's rate, each way
SMS_EVERY_S = 60.0  # the SMS row: one `config` a minute (every 5 s in quick mode, so the short window has some)
PHONE = "+447700900001"
UP_BPS, DOWN_BPS = CLASS10_UP_BPS, CLASS10_DOWN_BPS

SPEEDS = (None, "pessimistic", "central")  # free computing, then the module's (host/README.md "Module speed")

LATER_PART = re.compile(r"Confirmed: \w+ ([2-9]|\d\d+)/\d+ ")  # a numbered reply's second part or later


@dataclass
class Flow:
    window_s: float
    up_bytes: int  # crossed the link within the window
    down_bytes: int
    up_lost: int  # sent by the device, never delivered (after the drain)
    down_lost: int
    exact: bool
    serial_lost: int  # counted by the simulator at SER's buffer
    cts_low_share: float
    watchdog_gap_s: float
    watchdog_s: int
    reboots: int
    sms_sent: int = 0  # SMS delivered to the module during the window
    sms_answered: int = 0  # ... answered within it
    computing_share: float = 0.0  # of the window, the firmware's computing at the module's speed


def _run(python: Interpreter, window_s: float, work: Path, sms_every_s: float = 0.0, speed: str | None = None) -> Flow:
    size = int(window_s * 11_520) + (1 << 20)  # more than the device could send in the window
    up, down = payload(11, size), payload(12, size)
    with Rig("gateway", python, work / f"{python.id}-{sms_every_s:g}-{speed}", kindness=STRICT,
             module_speed=PRESETS[speed] if speed else None) as rig:
        rig.connect()
        sim = rig.sim
        assert sim.serial is not None
        start, cts_low_at_start = sim.clock.now(), sim.serial.cts_low_s()
        charged_at_start = sim.speed.charged_s if sim.speed is not None else 0.0
        sent_up = sent_down = sms_sent = 0
        outbox_at_start = len(sim.modem.outbox)
        got_up = bytearray()
        got_down = bytearray()

        def exchange() -> None:
            nonlocal sent_up, sent_down
            got_up.extend(rig.take_tcp())
            got_down.extend(rig.serial.read(1 << 20))

        def window_over() -> bool:
            nonlocal sent_up, sent_down, sms_sent
            # At the middle of each interval (30 s, 90 s, ...): every SMS has time to be answered in the window.
            if sms_every_s and sim.clock.now() - start >= sms_every_s * (sms_sent + 0.5):
                sim.modem.deliver_sms(PHONE, "connect config")
                sms_sent += 1
            sent_up += rig.offer_serial(up[sent_up:sent_up + 65536])
            sent_down += rig.offer_tcp(down[sent_down:sent_down + 65536])
            exchange()
            return sim.clock.now() - start >= window_s

        rig.until(window_over, f"{window_s:g} s of traffic both ways", timeout_s=60 + 3 * window_s)
        up_in_window, down_in_window = len(got_up), len(got_down)
        # one answer per SMS: a `config` listing that takes numbered parts counts once, by its first part
        sms_answered = sum(1 for _, text in sim.modem.outbox[outbox_at_start:] if not LATER_PART.match(text))
        cts_low = sim.serial.cts_low_s() - cts_low_at_start
        computing = (sim.speed.charged_s - charged_at_start) / window_s if sim.speed is not None else 0.0
        rig.until(lambda: exchange() or (len(got_up) >= sent_up and len(got_down) >= sent_down),
                  "both ways to drain", timeout_s=120)
        assert sim.watchdog.period_s is not None
        return Flow(window_s, up_in_window, down_in_window, sent_up - len(got_up), sent_down - len(got_down),
                    bytes(got_up) == up[:sent_up] and bytes(got_down) == down[:sent_down], sim.serial.lost,
                    cts_low / window_s, sim.watchdog.longest_gap_s, sim.watchdog.period_s, sim.reboots, sms_sent,
                    sms_answered, computing)


def run(pythons: list[Interpreter], quick: bool) -> Section:
    window_s = 10.0 if quick else 600.0
    sms_every_s = 5.0 if quick else SMS_EVERY_S
    table = Table(["interp", "module speed", "computing share", "SMS", "window s", "up B/s (link 5,000)", "up share",
                   "down B/s (link 10,000)", "down share", "bytes lost up/down (goal 0)", "byte-exact",
                   "SER overflow", "CTS low", "longest watchdog gap s (period)", "reboots", "verdict"])
    missed = []
    with tempfile.TemporaryDirectory(prefix="bench-class10-") as tmp:
        plan = [(p, e, None) for p in pythons for e in (0.0, sms_every_s)]
        if quick:  # the test's run: one row at the module's speed shows the table works
            plan = [(pythons[0], sms_every_s, None), (pythons[0], 0.0, "pessimistic")]
        else:
            plan += [(p, 0.0, speed) for speed in SPEEDS[1:] for p in pythons]
        for python, every, speed in plan:
            f = _run(python, window_s, Path(tmp), every, speed)
            up_share, down_share = f.up_bytes / window_s / UP_BPS, f.down_bytes / window_s / DOWN_BPS
            ok = (up_share >= GOAL_SHARE and down_share >= GOAL_SHARE and f.up_lost == f.down_lost == 0
                  and f.exact and f.serial_lost == 0 and f.reboots == 0 and f.watchdog_gap_s < f.watchdog_s
                  and f.sms_answered >= f.sms_sent)
            sms = f"1 per {every:g} s: {f.sms_answered}/{f.sms_sent} answered" if every else "none"
            speed_cell = f"{speed} ({PRESETS[speed]:,} bytecodes/s)" if speed else "free"
            computing_cell = f"{f.computing_share:.0%}" if speed else "-"
            table.add(python.id, speed_cell, computing_cell, sms, f.window_s, f.up_bytes / window_s,
                      f"{up_share:.1%}", f.down_bytes / window_s, f"{down_share:.1%}", f"{f.up_lost}/{f.down_lost}",
                      "yes" if f.exact else "no",
                      f.serial_lost, f"{f.cts_low_share:.0%}", f"{f.watchdog_gap_s:.1f} ({f.watchdog_s})",
                      f.reboots, verdict(ok))
            if not ok:
                missed.append(f"{python.id} (SMS: {sms}, module speed {speed or 'free'}): throughput "
                              f"{up_share:.1%} up, {down_share:.1%} down (goal {GOAL_SHARE:.0%}), "
                              f"lost {f.up_lost}/{f.down_lost}, SER overflow {f.serial_lost}")
    return Section(
        "6. A class 10 link: 115200 both ways, the device honouring CTS",
        "The module as it is (`Kindness()`: none): the device streams at 115200 (11,520 B/s) into a link of "
        f"{UP_BPS:,} B/s up and {DOWN_BPS:,} B/s down, and the server streams back, both as fast as they are let, "
        "for the window (virtual time). Goals: each way at least 95 % of the link's rate, 0 bytes lost, no "
        "reboot, the watchdog kicked well within its period. The second row of each interpreter sends an SMS "
        "`config` every minute of the window: it is read and answered on MDM2 during the call (every one answered "
        "is a goal too), at no cost the goals can see. The last rows charge the firmware's computing at the "
        "module's speed (host/README.md \"Module speed\": the pessimistic 60,000 and the central 200,000 "
        "bytecodes/s of the research's estimates), without SMS: the same goals.",
        [("", table)],
        notes=["Throughput counts payload bytes the far side got within the window; the link's rate is the "
               "simulator's (`--gprs-rate`, host/README.md).",
               "CTS low: the share of the window the firmware held the device back (the uplink is slower than "
               "the line, so a high share is expected and is how nothing is lost).",
               "Computing share: the clock time charged for the firmware's Python work (counted line and call "
               "events, host/speed.py weights) over the window; on the module the GSM stack takes its share "
               "of the CPU too, which the model leaves out."],
        missed=missed,
    )
