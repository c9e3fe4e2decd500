"""The module probe on the PC side: `build.py probe --port P` runs probe/ on a real module and reads its report back;
`build.py probe-check REPORT` compares a report with the simulator's model of the module (host/README.md "The
module probe").

The simulator's model is obtained the plain way: probe-check runs the same probe in the simulator (virtual clock,
a device that answers the probe's prompt as `build.py probe` does) and compares the two reports key by key. How
each key compares (`rule_of`): exactly (ranges, result codes, built-ins); by form where the value is the module's
state (signal, operator, free bytes: digits and quoted text stand for any); or not at all (the interpreter's
version, the speeds, which are reported: the speed as the figure for the simulator's module speed option). A key
the module reports that the simulator's report lacks is "not modelled"; a key the simulator reports that the
module's report lacks is a finding.

Exit codes: 0 no findings (or the report was read back), 1 findings (or the module refused something), 2 usage,
3 no module / no interpreter.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from fsm.errors import EXIT_FINDINGS
from fsm.errors import EXIT_OK
from fsm.errors import EXIT_USAGE
from fsm.errors import EnvironmentProblem
from fsm.errors import Refused
from fsm.errors import ToolError
from fsm.errors import report as report_error
from fsm.layout import Layout

HERE = Layout.here()
ENTRY = "probe.py"
REPORT_FILE = "probe.txt"
TEMP_FILE = "probetmp.txt"  # the probe's file test; left (empty) where #DSCRIPT from a script fails
BEGIN = "probe: report begins"
END = "probe: report ends"
SEND_PROMPT = b"probe: send data now"
# What the device sends when the probe asks (SER.read's largest chunk): more than SER's 4096-byte buffer, so the
# largest chunk is the module's cap, or its buffer when it has no cap.
READ_STIMULUS = bytes(range(32, 127)) * 64  # 6,080 printable bytes
PROBE_BAUD = 115200  # the probe sets SER to 115200 8N1
RUN_LIMIT_S = 900  # the probe's longest run on a module: its speed runs double up to ~16 s each, AT waits 5 s

# Keys compared by form (the module's state, not its model) and keys not compared (reported).
FORM_KEYS = ("AT#SELINT?", "AT+CREG?", "AT+CSQ", "AT+COPS?", "AT+CSQ;+CREG?;+COPS?", 'AT+CPMS="SM","SM","SM"',
             "AT#PKTSZ?", "AT#GPRS?", "AT#FRWL?", "AT#SLED?", "AT#STARTMODESCR?", "AT#LSCRIPT free", "AT#ESCRIPT?",
             "MDM2 AT+CSQ;+CREG?;+COPS?", "SER.read total", "setup ATE0V1", "setup MDM2 ATE0V1")
INFO_PREFIXES = ("probe", "python.version", "python.int overflow", "speed.")


def probe_files(folder: Path = HERE.probe) -> dict[str, bytes]:
    """The probe's modules as deploy writes files (CRLF line endings), the entry script last."""
    from host.deploy import firmware_files

    files = firmware_files((folder,))
    return {**{n: b for n, b in files.items() if n != ENTRY}, ENTRY: files[ENTRY]}


# --- reports

def parse(text: str) -> dict[str, str]:
    """`key: value` lines (CRLF or LF); other lines (the serial copy's frame, blank lines) are left out."""
    facts: dict[str, str] = {}
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        key, sep, value = line.partition(": ")
        if sep and key and not line.startswith(("probe: ", " ")):
            facts[key] = value
        elif line.startswith("probe: ") and key == "probe" and value.isdigit():
            facts[key] = value
    return facts


def from_serial(got: bytes) -> str | None:
    """The report between BEGIN and END in what the probe sent on the serial port, or None."""
    text = got.decode("latin-1")
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        return None
    return text[start + len(BEGIN):end].strip("\r\n") + "\r\n"


def form(value: str) -> str:
    """A value with its quoted text and numbers standing for any: `+COPS: 0,0,"O2"` -> `+COPS: N,N,"S"`."""
    return re.sub(r"\d+", "N", re.sub(r'"[^"]*"', '"S"', value))


def rule_of(key: str) -> str:
    if key.startswith("python.import "):
        return "outcome"  # ok, or an error whose words are the interpreter's
    if key in FORM_KEYS or key.startswith("AT#FRWL? "):
        return "form"
    if key == "probe" or key.startswith(INFO_PREFIXES[1:]):
        return "info"
    return "exact"


@dataclass
class Comparison:
    findings: list[str] = field(default_factory=list)
    not_modelled: list[str] = field(default_factory=list)
    info: list[str] = field(default_factory=list)
    speed: str | None = None  # bytecodes/s for the simulator's module speed option, None when not measured


def _differ(rule: str, said: str, modelled: str) -> bool:
    if rule == "form":
        return form(said) != form(modelled)
    if rule == "outcome":
        return (said == "ok") != (modelled == "ok")
    return said != modelled


def compare(module: dict[str, str], sim: dict[str, str]) -> Comparison:
    out = Comparison()
    for key, said in module.items():
        rule = rule_of(key)
        if key not in sim and key.startswith("probe.failed "):
            out.findings.append(f"finding: {key}: module says {said}, simulator says nothing (it ran)")
        elif key not in sim:
            out.not_modelled.append(f"not modelled: {key}: module says {said}")
        elif rule == "info":
            out.info.append(f"info: {key}: {said}")
        elif key == "SER.read largest" and said.startswith("none"):
            out.not_modelled.append(f"not measured: {key}: nothing was sent to the module while the probe read")
        elif _differ(rule, said, sim[key]):
            out.findings.append(f"finding: {key}: module says {said}, simulator says {sim[key]}")
    for key, said in sim.items():
        if key not in module and rule_of(key) != "info":
            out.findings.append(f"finding: {key}: module says nothing (no such line), simulator says {said}")
    rate = module.get("speed.bytecodes_per_s", "")
    if rate.isdigit():
        out.speed = rate
    return out


# --- the probe in the simulator

class Device:
    """The PC at the module's serial port while the probe runs: answers the prompt with READ_STIMULUS (once),
    collects everything the probe sends. `feed` takes what arrived; `outgoing` is what to write."""

    def __init__(self, stimulus: bool = True) -> None:
        self.got = bytearray()
        self.pending = bytearray()
        self.stimulus = stimulus
        self.answered = False

    def feed(self, data: bytes) -> None:
        self.got += data
        if self.stimulus and not self.answered and SEND_PROMPT in self.got:
            self.answered = True
            self.pending += READ_STIMULUS

    @property
    def done(self) -> bool:
        return END.encode() in self.got


def run_in_simulator(python: str, *, seed: int = 1, stimulus: bool = True, timeout_real_s: float = 300,
                     **sim_options: object) -> str:
    """The probe's report (probe.txt from the simulated module's file system) from one run in the simulator:
    virtual clock, SER reads never cut (whole_chunks: the largest chunk is then the module's cap, not the seed's
    cut), the device answering the prompt when `stimulus`. `sim_options` go to Simulator (mdm2=..., ...)."""
    import serial

    from host.clock import VirtualClock
    from host.kindness import Kindness
    from host.simulator import Simulator

    sim_options.setdefault("kind", Kindness(whole_chunks=True))
    device = Device(stimulus)
    with tempfile.TemporaryDirectory(prefix="probe-") as nvm:
        sim = Simulator(HERE.probe / ENTRY, [HERE.probe, HERE.emulated], python=python, clock=VirtualClock(),
                        seed=seed, nvm_dir=nvm, **sim_options)  # type: ignore[arg-type]
        with sim:
            port = serial.serial_for_url(sim.serial_path, baudrate=PROBE_BAUD, timeout=0)
            os.set_blocking(port.fileno(), False)
            try:
                def step() -> bool:
                    if device.pending:
                        with contextlib.suppress(BlockingIOError):
                            del device.pending[:os.write(port.fileno(), bytes(device.pending))]
                    device.feed(port.read(4096))
                    return device.done or sim.state == "ended"

                sim.run_until(step, timeout_real_s, "the probe to finish")
            finally:
                port.close()
        path = Path(nvm) / REPORT_FILE
        if path.exists():
            return path.read_bytes().decode("latin-1")
    report = from_serial(bytes(device.got))
    if report is None:
        raise EnvironmentProblem("the probe wrote no report in the simulator; its trace: " + sim.trace.text[-2000:])
    return report


# --- build.py probe: on a module

class ProbeError(Refused):
    """The probe could not be run or read back (exit 1)."""


def run_on_module(port_name: str, out: Path, *, baud: int = 115200, rtscts: bool = True,
                  say: Callable[[str], None] = print, run_limit_s: float = RUN_LIMIT_S) -> str:
    """Uploads the probe (deploy's uploader), selects and runs it, answers its prompt, and reads its report back
    with #RSCRIPT (the copy it sent on the serial port if the module does not answer AT after the run); puts the
    previous #ESCRIPT back and deletes the probe's files. Writes the report to `out` and returns it."""
    import serial

    from host import deploy

    try:
        port = serial.serial_for_url(port_name, baudrate=baud, timeout=0.05, rtscts=rtscts)
    except (serial.SerialException, ValueError) as exc:
        raise deploy.NoModule(f"cannot open {port_name}: {exc}") from None
    try:
        module = deploy.Module(port)
        deploy.connect(module, port_name)
        files = probe_files()
        existing, free = module.list_scripts()
        if sum(len(b) for b in files.values()) * 3 > free:
            raise deploy.DeployError(f"not enough space for the probe: {free} bytes free")
        _, selected = module.command("AT#ESCRIPT?")
        previous = next((m.group(1) for line in selected if (m := re.match(r'#ESCRIPT: "([^"]*)"', line))), "")
        say(f"module on {port_name}: {len(existing)} file(s), {free} bytes free; uploading the probe")
        for name in (n + "o" for n in files if n + "o" in existing):
            module.ok(f'AT#DSCRIPT="{name}"', f"deleting the stale compiled {name}")
        for name, data in files.items():
            module.write_script(name, data, lambda n: None, paced=not rtscts)
            if module.read_script(name) != data:
                raise deploy.DeployError(f"{name} reads back different; check the cable and flow control")
        module.ok(f'AT#ESCRIPT="{ENTRY}"', "selecting the probe")
        # #EXECSCR's OK and the probe's first words may come in one read: the device reads them all.
        port.reset_input_buffer()
        port.write(b"AT#EXECSCR\r")
        say(f"the probe runs (up to {run_limit_s // 60:.0f} minutes); it measures the module's speed")
        port.baudrate = PROBE_BAUD
        device = Device()
        deadline = time.monotonic() + run_limit_s
        while not device.done and time.monotonic() < deadline:
            device.feed(port.read(port.in_waiting or 1))
            if device.pending:
                port.write(bytes(device.pending))
                device.pending.clear()
            if not device.answered and re.match(rb"\s*ERROR\r\n", bytes(device.got)):
                raise deploy.DeployError("starting the probe: the module answered ERROR to AT#EXECSCR")
        serial_copy = from_serial(bytes(device.got))
        time.sleep(1)
        port.baudrate = baud
        text = _read_back(module, files, previous, say)
        if text is None:
            if serial_copy is None:
                raise ProbeError(f"no report: the probe did not finish within {run_limit_s} s and the module does "
                                 "not answer AT#RSCRIPT; power-cycle it (the PC holding DTR) and run "
                                 f'AT#RSCRIPT="{REPORT_FILE}"')
            say("the module does not answer AT after the probe: the report is the copy the probe sent on the "
                "serial port; power-cycle the module (DTR held) to give the port back to the AT parser")
            text = serial_copy
    finally:
        port.close()
    out.write_bytes(text.encode("latin-1"))
    say(f"wrote {out} ({len(parse(text))} facts); check it with: build.py probe-check {out}")
    return text


def _read_back(module: object, files: dict[str, bytes], previous: str, say: Callable[[str], None]) -> str | None:
    from host import deploy

    assert isinstance(module, deploy.Module)
    final = ""
    for _ in range(5):
        final, _ = module.command("AT", 1.0)
        if final == "OK":
            break
    if final != "OK":
        return None
    module.command("ATE0", 1.0)
    data = module.read_script(REPORT_FILE)
    listing, _ = module.list_scripts()
    if previous:
        module.ok(f'AT#ESCRIPT="{previous}"', "selecting the previous script again")
    for name in [*files, *(n + "o" for n in files), REPORT_FILE, TEMP_FILE]:
        if name in listing:
            module.ok(f'AT#DSCRIPT="{name}"', f"deleting the probe's {name}")
    say(f'removed the probe\'s files; #ESCRIPT is "{previous}" again')
    return None if data is None else data.decode("latin-1")


# --- command lines

def _python(given: str | None) -> str:
    """The interpreter to run the probe under in the simulator: --python, else the oldest found (the module runs
    1.5.2: an older interpreter is the nearer model of its built-ins)."""
    if given:
        return given
    from fsm.interpreters import firmware_pythons

    found = sorted(firmware_pythons(), key=lambda i: [int(p) for p in i.version.split(".")[:2]])
    if not found:
        raise EnvironmentProblem("no interpreter to run the probe in the simulator; give --python")
    return found[0].path


def check_main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="build.py probe-check",
                                 description="Compare a module probe report with the simulator's model.")
    ap.add_argument("report", type=Path, help="the report `build.py probe` wrote (probe.txt)")
    ap.add_argument("--python", help="interpreter for the probe in the simulator (default: the oldest found)")
    ap.add_argument("--against", type=Path, metavar="SIM_REPORT",
                    help="compare with this simulator report instead of running the probe in the simulator")
    ap.add_argument("--save-sim", type=Path, metavar="PATH", help="also write the simulator's report there")
    try:
        args = ap.parse_args(argv)
    except SystemExit as exc:
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    try:
        module = parse(args.report.read_bytes().decode("latin-1"))
    except OSError as exc:
        print(f"probe-check: cannot read {args.report}: {exc}")
        return EXIT_USAGE
    if "probe" not in module:
        print(f"probe-check: {args.report} is not a probe report (no 'probe: <format>' line)")
        return EXIT_USAGE
    try:
        if args.against is not None:
            sim_text = args.against.read_bytes().decode("latin-1")
        else:
            sim_text = run_in_simulator(_python(args.python))
    except ToolError as exc:
        return report_error("probe-check", exc)
    if args.save_sim is not None:
        args.save_sim.write_bytes(sim_text.encode("latin-1"))
    result = compare(module, parse(sim_text))
    for line in result.info + result.not_modelled + result.findings:
        print(line)
    if result.speed is not None:
        print(f"speed: {result.speed} bytecodes/s: the figure for the simulator's module speed option")
    else:
        said = module.get("speed.bytecodes_per_s", "no speed line in the report")
        print(f"speed: not measured ({said}): the clock did not move during the timed runs")
    print(f"probe-check: {len(result.findings)} finding(s), {len(result.not_modelled)} not modelled")
    return EXIT_FINDINGS if result.findings else EXIT_OK


def probe_main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="build.py probe", description="Run the module probe on a Telit module.")
    ap.add_argument("--port", required=True, help="serial port or pyserial URL of the module (e.g. /dev/ttyUSB0)")
    ap.add_argument("--baud", type=int, default=115200, help="bits/s of the AT port for the upload (default 115200)")
    ap.add_argument("--rtscts", action=argparse.BooleanOptionalAction, default=True,
                    help="hardware flow control (default); --no-rtscts paces the upload")
    ap.add_argument("--out", type=Path, default=Path(REPORT_FILE), help="where to write the report (probe.txt)")
    try:
        args = ap.parse_args(argv)
    except SystemExit as exc:
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    try:
        run_on_module(args.port, args.out, baud=args.baud, rtscts=args.rtscts)
    except ToolError as exc:
        return report_error("probe", exc)
    return EXIT_OK
