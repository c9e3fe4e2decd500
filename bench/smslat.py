"""5. SMS latency: virtual time from an SMS arriving to its reply in the outbox, in three gateway situations."""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from bench.report import Section
from bench.report import Table
from bench.rig import Rig
from fsm.interpreters import Interpreter
from host.speed import PRESETS
from tests.e2e.gateway import PHONE

QUERY = "connect config"  # a command that changes nothing, so it can be repeated
FULL_SIM = 20  # messages in a full SIM (the simulated SIM's size, host/modem/modem.py)


def _reply_time(rig: Rig, delivered_at: float, before: int) -> float:
    rig.until(lambda: len(rig.sim.modem.outbox) > before, "the reply SMS")
    return rig.sim.clock.now() - delivered_at


def _gprs_up(rig: Rig, settle_s: float = 2) -> None:
    rig.until(lambda: rig.traced("gateway: GPRS up"), "GPRS up")
    rig.sim.run_for(settle_s)


def _measure(rig: Rig, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        before = len(rig.sim.modem.outbox)
        rig.sim.modem.deliver_sms(PHONE, QUERY)
        out.append(_reply_time(rig, rig.sim.clock.now(), before))
        rig.sim.run_for(5)
    return out


def _idle(python: Interpreter, work: Path, repeats: int) -> list[float]:
    with Rig("gateway", python, work / "idle") as rig:
        _gprs_up(rig)
        return _measure(rig, repeats)


def _listening(python: Interpreter, work: Path, repeats: int) -> list[float]:
    with Rig("gateway", python, work / "server") as rig:
        _gprs_up(rig, 1)
        rig.command("connect mode server any 4000")
        rig.until(lambda: rig.sim.modem.describe().get("listening"), "the gateway to listen")
        rig.sim.run_for(2)
        return _measure(rig, repeats)


def _after_call(python: Interpreter, work: Path, repeats: int) -> tuple[list[float], list[float]]:
    """(from delivery, from the server closing): the SMS arrives during the call, the server then hangs up."""
    from_delivery, from_close = [], []
    with Rig("gateway", python, work / "client") as rig:
        rig.connect()
        for _ in range(repeats):
            assert rig.server.conn is not None
            before = len(rig.sim.modem.outbox)
            delivered = rig.sim.clock.now()
            rig.sim.modem.deliver_sms(PHONE, QUERY)
            rig.sim.run_for(2)
            closed = rig.sim.clock.now()
            rig.server.conn.close()
            rig.server.conn = None
            from_delivery.append(_reply_time(rig, delivered, before))
            from_close.append(rig.sim.clock.now() - closed)
            rig.accept()  # maintain: the gateway dials again
            rig.sim.run_for(2)
    return from_delivery, from_close


def _full_sim(python: Interpreter, work: Path, speed: str) -> tuple[float, int]:
    """(virtual s from 20 messages arriving at once to the last reply, AT+CMGL listings): a full SIM at a module
    speed, each message a `config` (two SMS in reply)."""
    with Rig("gateway", python, work / f"full-{speed}", module_speed=PRESETS[speed]) as rig:
        _gprs_up(rig)
        mark = len(rig.sim.modem.at_log)
        before = len(rig.sim.modem.outbox)
        start = rig.sim.clock.now()
        for n in range(FULL_SIM):
            rig.sim.modem.deliver_sms(f"+4477009006{n:02d}", QUERY)
        rig.until(lambda: len(rig.sim.modem.outbox) - before >= 2 * FULL_SIM, "every reply")
        took = rig.sim.clock.now() - start
        listings = sum(1 for _, text in rig.sim.modem.at_log[mark:] if text.startswith("AT+CMGL"))
        return took, listings


def run(python: Interpreter, quick: bool) -> Section:
    repeats = 2 if quick else 5
    section = Section(
        "5. SMS latency",
        f"Virtual (simulator clock) seconds from `sim.modem.deliver_sms` to the reply in `sim.modem.outbox`, "
        f"firmware under {python.id}; the SMS is `{QUERY}` (changes nothing), {repeats} times each. After a call: "
        f"client `maintain`, the SMS arrives during the call, 2 s later the server closes the connection. No "
        f"goal is set by the issue; the firmware's SIM poll (the sms machine's `idle` timeout) is 60 s.",
    )
    table = Table(["situation", "median ms", "max ms"])
    with tempfile.TemporaryDirectory(prefix="bench-sms-") as tmp:
        work = Path(tmp)
        for label, values in (("idle (mode none)", _idle(python, work, repeats)),
                              ("listening (server mode)", _listening(python, work, repeats))):
            table.add(label, statistics.median(values) * 1000, max(values) * 1000)
        delivery, close = _after_call(python, work, repeats)
    table.add("after a call: from delivery (during the call)", statistics.median(delivery) * 1000, max(delivery) * 1000)
    table.add("after a call: from the server closing", statistics.median(close) * 1000, max(close) * 1000)
    section.tables.append(("Reply latency (virtual ms)", table))
    section.notes.append("Reply latency: the emulated modem answers AT commands at once and virtual time stands "
                         "still while the firmware computes, so these are the firmware's own waits (receive timeouts, "
                         "polls, the end of the call), not radio or CPU time; 0 means the reply needed no wait at "
                         "all.")
    full = Table(["module speed", "messages", "all answered after (virtual s)", "per message s", "SIM listings"])
    with tempfile.TemporaryDirectory(prefix="bench-sms-full-") as tmp:
        for speed in ("pessimistic",) if quick else ("pessimistic", "central"):
            took, listings = _full_sim(python, Path(tmp), speed)
            full.add(f"{speed} ({PRESETS[speed]:,} bytecodes/s)", FULL_SIM, took, took / FULL_SIM, listings)
    section.tables.append(("A full SIM at the module's speed", full))
    section.notes.append(f"A full SIM: {FULL_SIM} `{QUERY}` messages stored at once (the simulated SIM's size), the "
                         "firmware's computing charged at the module's speed (host/README.md); the clock runs until "
                         "the last of their replies. A round lists the SIM once and again when that listing is used "
                         "up (`smsact.read_next`); until 2026-12-06 it listed it once per message: 21 listings, 19.0 s "
                         "at the pessimistic speed and 5.7 s at the central one (measured then, py3).")
    return section
