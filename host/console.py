"""`python build.py simulate`: runs the firmware in the simulator with a console on stdin (pipe a demo in).

Prints where the serial port is and, as they happen, the modem's listening ports, socket changes, reboots
and firmware exits. Commands are listed in HELP; `wait <s>` lets clock time pass; EOF or `quit` stops.
Exit codes: 0 ok, 2 usage, 3 environment (interpreter, entry script or serial port not available).
"""

from __future__ import annotations

import argparse
import math
import os
import queue
import re
import shutil
import sys
import threading
from pathlib import Path
from typing import TextIO

from fsm.errors import EXIT_OK
from fsm.errors import EXIT_USAGE
from fsm.errors import EnvironmentProblem
from fsm.errors import ToolError
from fsm.errors import UsageError
from fsm.errors import report
from fsm.layout import Layout
from host import nvm
from host.clock import RealClock
from host.clock import VirtualClock
from host.firmware import FirmwareExit
from host.kindness import LENIENT
from host.kindness import Kindness
from host.modem import Modem
from host.modem import Network
from host.modem.network import parse_rate
from host.modem.profile import profile_from_text
from host.serialside import DEVICE_CTS
from host.simulator import Simulator
from host.speed import PRESETS
from host.speed import parse_speed

HELP = """commands:
  help                              this list
  sms <from> <text...>              an SMS arrives in the SIM
  outbox                            the SMS the firmware sent
  call [<caller>|hangup|send <text>]  CSD: ring (or show the call), hang up, send data as the caller
  status                            mode, state, connections, clock, reboots, serial lines, status LED
  fault error <regex> [count] [reply...]   the next matching AT commands answer reply (default ERROR)
  fault silence <regex> [count]     the next matching AT commands get no answer
  fault drop | fault restore        the network goes away / comes back
  fault refuse on|off               #SKTD connections are refused
  fault stall on|off                the uplink carries nothing (the modem's buffer fills, its CTS falls)
  fault clear                       disarm every fault
  apns <apn> [<apn> ...] | apns any   the APNs the network serves (#GPRS=1 fails with another); no args: show
  fault clock +S | fault clock -S   MOD.secCounter() jumps S seconds (the network set the clock)
  dns [<name> <ip>|<name> -]        the module's DNS: list it, make <name> resolve to <ip>, or forget <name>
  power cut                         the module loses power (the firmware dies mid-call)
  power on                          power comes back: the module boots
  power cycle | reboot              power cut, then power on
  trace [n]                         the last n trace lines (SER2), default 20
  wait <seconds>                    let the simulation run that long (clock time)
  quit                              stop (so does end of input)"""
DEFAULT_CALLER = "+447700900123"


class ConsoleError(UsageError):
    """A console line that cannot be done: its message is shown as `error: <message>`."""


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise ConsoleError(f"wait: seconds must be a finite number >= 0, got {text!r}")
    return value


def _count(command: str, text: str, least: int) -> int:
    if not text.isdigit() or int(text) < least:
        raise ConsoleError(f"{command}: count must be a whole number >= {least}, got {text!r}")
    return int(text)


def _regex(text: str) -> str:
    try:
        re.compile(text)
    except re.error as exc:
        raise ConsoleError(f"fault: bad regex {text!r}: {exc}") from None
    return text


class Console:
    """Reads commands from a queue the stdin thread fills, runs the simulator in between."""

    def __init__(self, sim: Simulator, out: TextIO, err: TextIO) -> None:
        self.sim = sim
        self.out = out
        self.err = err
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.call = None
        self._seen: dict[str, object] = {}

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def feed(self, stream: TextIO) -> None:
        """In a thread: every input line, then None at end of input."""
        for line in stream:
            self.lines.put(line)
            self.sim.wakeup()
        self.lines.put(None)
        self.sim.wakeup()

    def run(self) -> int:
        while True:
            try:
                self.sim.run_until(self._input_ready, 3600, "console input")
            except TimeoutError:
                continue
            except FirmwareExit as exc:
                self.say(f"firmware: {exc.report.describe()}")
                continue
            line = self.lines.get()
            if line is None or not self.command(line):
                return EXIT_OK

    def _input_ready(self) -> bool:
        self._watch()
        return not self.lines.empty()

    def _watch(self) -> None:
        """Announces what changed: listening ports, the socket, reboots."""
        d = self.sim.modem.describe()
        sock = d["socket"]
        now = {"listening": d["listening"], "socket": sock["peer"] if sock else None, "reboots": self.sim.reboots}
        if now == self._seen:
            return
        if now["listening"] != self._seen.get("listening") and now["listening"]:
            host = self.sim.modem.network.listen_host
            self.say(f"modem: listening on {host}:{now['listening']} (TCP)")
        if now["socket"] != self._seen.get("socket"):
            self.say(f"modem: socket {sock['direction']} {sock['peer']} up" if sock else "modem: socket closed")
        if now["reboots"] != self._seen.get("reboots", 0):
            self.say(f"firmware: reboot #{self.sim.reboots} ({self.sim.reboot_log[-1][1]})")
        self._seen = now

    def command(self, line: str) -> bool:
        """Runs one command line; False when the console should stop."""
        words = line.split()  # no quoting: regexes and SMS texts pass as typed
        if not words:
            return True
        name, args = words[0].lower(), words[1:]
        if name in ("quit", "exit"):
            return False
        handler = getattr(self, f"cmd_{name}", None)
        if handler is None:
            print(f"error: unknown command {name!r}; type help", file=self.err, flush=True)
            return True
        try:
            handler(args)
        except ConsoleError as exc:
            self.error(str(exc))
        except (ValueError, IndexError) as exc:
            self.error(f"{name}: {exc}")
        except FirmwareExit as exc:
            self.say(f"firmware: {exc.report.describe()}")
        except TimeoutError as exc:
            self.error(str(exc).splitlines()[0])
        except Exception as exc:  # noqa: BLE001 - one line per bad command, whatever it was; the console goes on
            self.error(f"{name}: {type(exc).__name__}: {exc}")
        return True

    def error(self, message: str) -> None:
        print(f"error: {message}", file=self.err, flush=True)

    def cmd_help(self, args: list[str]) -> None:
        self.say(HELP)

    def cmd_sms(self, args: list[str]) -> None:
        if len(args) < 2:
            raise ValueError("usage: sms <from> <text...>")
        index = self.sim.modem.deliver_sms(args[0], " ".join(args[1:]))  # runs of blanks become one
        self.say(f"sms: stored at index {index}" if index is not None else "sms: SIM full, not stored")

    def cmd_outbox(self, args: list[str]) -> None:
        box = self.sim.modem.outbox
        if not box:
            self.say("outbox: empty")
        for i, (number, text) in enumerate(box, 1):
            self.say(f"outbox {i}: to {number}: {text}")

    def cmd_call(self, args: list[str]) -> None:
        call = self.call if self.call is not None and self.call.active else None
        sub = args[0].lower() if args else ""
        if sub in ("hangup", "send"):
            if call is None:
                raise ConsoleError("no call in progress")
            if sub == "hangup":
                call.hangup()
            elif not call.answered:
                raise ConsoleError(f"call: the call from {call.caller} is not answered yet: nothing sent")
            else:
                taken = call.send(" ".join(args[1:]).encode("latin-1") + b"\r\n")
                self.say(f"call: sent {taken} bytes")
        elif call is None:
            call = self.call = self.sim.modem.ring(args[0] if args else DEFAULT_CALLER)
        assert self.call is not None
        call = self.call
        state = "connected" if call.answered and call.active else "ringing" if call.active else "ended"
        got = call.recv()
        self.say(f"call: {call.caller} {state}, rings {call.rings}" + (f", received {got!r}" if got else ""))

    def cmd_status(self, args: list[str]) -> None:
        for key, value in self.sim.status().items():
            self.say(f"{key}: {value}")

    def cmd_fault(self, args: list[str]) -> None:
        if not args:
            raise ValueError("usage: fault error|silence|drop|restore|refuse|stall|clear|clock ...")
        kind, rest = args[0], args[1:]
        modem = self.sim.modem
        if kind == "error" and rest:
            count = _count("fault", rest[1], 1) if len(rest) > 1 else 1
            modem.faults.error_next(_regex(rest[0]), count, " ".join(rest[2:]) or "ERROR")
        elif kind == "silence" and rest:
            modem.faults.silence_next(_regex(rest[0]), _count("fault", rest[1], 1) if len(rest) > 1 else 1)
        elif kind == "drop":
            modem.network.drop()
        elif kind == "restore":
            modem.network.restore()
        elif kind == "refuse" and rest[:1] in (["on"], ["off"]):
            modem.network.refuse_connections = rest[0] == "on"
        elif kind == "stall" and rest[:1] in (["on"], ["off"]):
            modem.network.uplink_stalled = rest[0] == "on"
        elif kind == "clear":
            modem.faults.clear()
        elif kind == "clock" and len(rest) == 1 and rest[0][:1] in "+-" and rest[0][1:].isdigit():
            self.sim.jump_clock(int(rest[0]))
        else:
            raise ValueError(f"unknown fault {' '.join(args)!r}; see help")
        self.say(f"fault: {' '.join(args)}: ok")

    def cmd_apns(self, args: list[str]) -> None:
        network = self.sim.modem.network
        if args == ["any"]:
            network.apns = None
        elif args:
            network.apns = set(args)
        served = "any" if network.apns is None else " ".join(sorted(network.apns))
        self.say(f"apns: {served}")

    def cmd_dns(self, args: list[str]) -> None:
        """The names #SKTD resolves (network.dns, any case); a name it does not hold answers ERROR."""
        table = self.sim.modem.network.dns
        if len(args) == 2:
            name, ip = args
            if not re.fullmatch(r"[A-Za-z0-9.-]{1,253}", name) or name.strip(".-") != name:
                raise ConsoleError(f"dns: {name!r} is not a host name (letters, digits, - and .)")
            if ip != "-" and (not re.fullmatch(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}", ip)
                              or any(int(part) > 255 for part in ip.split("."))):
                raise ConsoleError(f"dns: {ip!r} is not an IPv4 address (or - to forget the name)")
            for known in [k for k in table if k.lower() == name.lower()]:
                del table[known]
            if ip != "-":
                table[name.lower()] = ip
        elif args:
            raise ConsoleError("usage: dns | dns <name> <ip> | dns <name> -")
        if not table:
            self.say("dns: empty (every name fails to resolve)")
        for name, ip in sorted(table.items()):
            self.say(f"dns: {name} {ip}")

    def cmd_power(self, args: list[str]) -> None:
        sub = args[0].lower() if args else ""
        off = self.sim.state == "off"
        if sub == "cut":
            if off:
                raise ConsoleError("power: the module is already off")
            self.sim.power_cut()
            self.say("power: off")
        elif sub == "on":
            if not off:
                raise ConsoleError("power: the module is already on")
            self.sim.power_on()
        elif sub == "cycle":
            self.sim.power_cut(restart=True)
        else:
            raise ConsoleError(f"power: cut, on or cycle, got {' '.join(args)!r}")

    def cmd_reboot(self, args: list[str]) -> None:
        self.cmd_power(["cycle"])

    def cmd_trace(self, args: list[str]) -> None:
        for line in self.sim.trace.tail(_count("trace", args[0], 0) if args else 20):
            self.say(f"trace: {line}")

    def cmd_wait(self, args: list[str]) -> None:
        seconds = _seconds(args[0]) if args else 1.0
        self.sim.run_for(seconds)
        self.say(f"clock: {self.sim.clock.now():.1f} s")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="build.py simulate", description=__doc__.split("\n")[0])
    p.add_argument("--python", default=sys.executable, help="interpreter for the firmware (default: this one)")
    p.add_argument("--serial", metavar="URL", help="serial port or pyserial URL (default: a new pty)")
    p.add_argument("--virtual", action="store_true", help="virtual clock (time jumps when idle)")
    p.add_argument("--entry", type=Path, help="firmware entry script (default: runtime/main.py)")
    p.add_argument("--path", type=Path, action="append", default=None, metavar="DIR",
                   help="firmware module directory, repeatable (default: runtime/ generated/)")
    p.add_argument("--nvm", type=Path, metavar="DIR", help="the module's file system (default: a temporary one)")
    p.add_argument("--trace", action="store_true", help="print trace lines (SER2) as they come")
    p.add_argument("--deployed", type=int, choices=(0, 1, 2), metavar="MODE",
                   help="power on like a module the firmware was deployed to, with #STARTMODESCR=MODE "
                        "(build.py deploy uses 0); without it the firmware runs at once")
    p.add_argument("--device-boot-text", metavar="TEXT", default="",
                   help="what the device sends (CR added) at every power-on of the module, e.g. ATZ")
    p.add_argument("--device-dtr", choices=("on", "off"), default="on",
                   help="the device's DTR at power-up (default on; #STARTMODESCR=0 runs only with off)")
    hard = p.add_argument_group("how hard the module is (host/README.md; default: as hard as the real one)")
    hard.add_argument("--seed", type=int, help="seed of the chunking of MDM/SER reads (default: random, printed)")
    hard.add_argument("--kind", action="append", default=[], choices=Kindness.names(), metavar="NAME",
                      help="a kindness, repeatable: " + " ".join(Kindness.names()))
    hard.add_argument("--lenient", action="store_true", help="every kindness at once (the kindest simulator)")
    hard.add_argument("--device-cts", choices=DEVICE_CTS, default="honour",
                      help="does the device stop sending while the firmware holds CTS low (default honour)")
    hard.add_argument("--gprs-rate", metavar="UP/DOWN", default="5000/10000",
                      help="GPRS payload bytes per second (default 5000/10000, a class 10 link)")
    hard.add_argument("--no-sled", action="store_true",
                      help="a module without AT#SLED (the status LED command answers ERROR)")
    hard.add_argument("--profile", metavar="TEXT",
                      help='saved AT&W profile at power-up, e.g. "&C0 S0=2 E1" (default: a worst case, or the '
                           "factory one with --kind factory_profile)")
    hard.add_argument("--module-speed", metavar="N", default=None,
                      help="with --virtual: the firmware's computing costs clock time at N bytecodes a second, or "
                           f"a preset ({' '.join(f'{k}={v}' for k, v in PRESETS.items())}); default: free")
    hard.add_argument("--no-mdm2", nargs="?", const="absent", choices=("absent", "silent"), metavar="HOW",
                      help="a module without the second AT instance: `import MDM2` fails (absent, the default) or "
                           "it never answers (silent); SMS then wait for the end of a call")
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a bad option argparse has explained
        return EXIT_USAGE if exc.code else EXIT_OK
    try:
        sim, python, entry = _simulator(args)
    except ToolError as exc:
        return report("simulate", exc)
    console = Console(sim, sys.stdout, sys.stderr)
    if args.trace:
        sim.trace.listeners.append(lambda data: sys.stdout.write(data.decode("latin-1")))
    try:
        console.say(f"serial: {sim.serial_path}")
        console.say(f"clock: {'virtual' if args.virtual else 'real'}; firmware: {entry} under {python}")
        console.say(f"seed: {sim.seed}; kindness: {' '.join(sim.kind.given()) or 'none'}")
        if sim.speed is not None:
            console.say(f"module speed: {sim.speed.bytecodes_per_s} bytecodes/s (host/README.md \"Module speed\")")
        threading.Thread(target=console.feed, args=(sys.stdin,), daemon=True).start()
        return console.run()
    finally:
        sim.stop()


def _simulator(args: argparse.Namespace) -> tuple[Simulator, str, Path]:
    """The started simulator the options describe, with its interpreter and entry script; UsageError for what
    the options got wrong, EnvironmentProblem for what this machine lacks."""
    python = shutil.which(args.python) or args.python
    if not (os.path.isfile(python) and os.access(python, os.X_OK)):
        raise EnvironmentProblem(f"firmware interpreter not found: {args.python}")
    layout = Layout.here()
    entry = args.entry or layout.main
    dirs = args.path if args.path is not None else list(layout.firmware_dirs)
    if not entry.is_file():
        missing = UsageError if args.entry is not None else EnvironmentProblem  # a name given, or the tree's own
        raise missing(f"firmware entry script not found: {entry}")
    clock = VirtualClock() if args.virtual else RealClock()
    if args.module_speed is not None and not args.virtual:
        raise UsageError("--module-speed needs --virtual (real time already charges the PC's computing)")
    try:
        kind = LENIENT if args.lenient else Kindness.of(args.kind)
        up, down = parse_rate(args.gprs_rate)
        profile = profile_from_text(args.profile) if args.profile is not None else None
        module_speed = parse_speed(args.module_speed) if args.module_speed is not None else None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    device = {"dtr_asserted": args.device_dtr == "on",
              "device_boot_text": args.device_boot_text.encode("latin-1") + b"\r" if args.device_boot_text else b"",
              "device_cts": args.device_cts}
    modem = Modem(clock, Network(up_bps=up, down_bps=down))
    modem.led.supported = not args.no_sled
    hardness = {"modem": modem, "kind": kind, "seed": args.seed, "profile": profile,
                "mdm2": args.no_mdm2 or "on", "module_speed": module_speed}
    if args.deployed is not None:  # the module's own start-up: the AT parser and #STARTMODESCR decide
        store = nvm.deployed([entry.parent, *dirs], entry.name, (args.deployed, 10))
        sim = Simulator(scripts=store, python=python, clock=clock, serial=args.serial, nvm_dir=args.nvm, **device,
                        **hardness)
    else:
        sim = Simulator(entry, [*dirs, layout.emulated], python=python, clock=clock, serial=args.serial,
                        nvm_dir=args.nvm, **device, **hardness)
    try:
        sim.start()
    except OSError as exc:
        raise EnvironmentProblem(f"cannot start: {exc}") from None
    return sim, python, entry


if __name__ == "__main__":
    sys.exit(main())
