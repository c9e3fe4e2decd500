"""Deploy: put the firmware (runtime/ + generated/) on a Telit module over its serial port.

Order keeps an interrupted deploy recoverable: the entry script is deleted first (a module with no
entry script runs nothing and answers AT at power-up), then the stale compiled copies (`.pyo`) of the
modules being replaced (the module would run them instead of the new sources), every other file is
written and read back, then the manifest of what was uploaded (`fwman.txt`, fsm/bundle.py: the firmware's
version and boot loader, a size and MD5 per file, which a field update starts from), the entry script goes
last, and only then are #ESCRIPT and #STARTMODESCR set.
The free-space check counts the `.pyo` the module compiles at the first start (compiled_size).

The settings the gateway saved (runtime/cfgstore.py's slot files) are kept, as an update must keep them;
--factory-reset deletes them too (right after the entry script), so the firmware starts from the defaults:
the way back from a forgotten SMS password.

Uploads use RTS/CTS by default; with --no-rtscts they are paced (PACE_CHUNK bytes, then PACE_S), as
public uploaders do where no flow-control lines are wired (host/modem/scripts.py cites them). Exit codes:
0 ok, 1 the module refused something (no space, ERROR, read-back mismatch), 2 usage, 3 no answer / port
not available.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import serial

from fsm import bundle
from fsm.errors import EXIT_OK
from fsm.errors import EXIT_USAGE
from fsm.errors import EnvironmentProblem
from fsm.errors import Refused
from fsm.errors import ToolError
from fsm.errors import report
from fsm.layout import Layout
from fsm.rules.modnames import MAX_FILE_NAME as MAX_NAME  # module file names, including `.pyo`
from host.nvm import PYO_HEADER  # noqa: F401 - magic + time stamp in front of a compiled module (tests use it here)
from host.nvm import compiled_size  # the .pyo the module writes at the first start: the simulator's too

HERE = Layout.here()  # this checkout: the firmware deploy uploads by default
ENTRY = "main.py"
CHUNK = 1024             # bytes per write with RTS/CTS (the port waits while the module holds CTS low)
PACE_CHUNK = 4000        # without RTS/CTS: bytes per write (modemg's TELIT_WRITE_BUF_SIZE) ...
PACE_S = 1.5             # ... then a pause (modemg: 1 s after the first 4000 bytes, 2 s after later ones)
START_MODES = {  # --start-mode -> the command; docs/deploy.md "Start mode 0" says why it is the default
    0: "AT#STARTMODESCR=0",      # run at power-up unless DTR is asserted (a PC with the port open stops it)
    1: "AT#STARTMODESCR=1,10",   # run unless an AT command arrives within 10 s of power-up
}


class DeployError(Refused):
    """The module refused something (no space, ERROR, a read-back mismatch) or the firmware cannot go on it:
    what went wrong and what to do (exit 1, fsm/errors.py)."""


class NoModule(EnvironmentProblem, DeployError):
    """No module answers on the port, or the port cannot be opened (exit 3)."""


def settings_files(cfgstore: Path = HERE.runtime / "cfgstore.py") -> tuple[str, ...]:
    """The files the firmware keeps its settings in: `SLOTS` of runtime/cfgstore.py, then `TRIAL_SLOTS` (the trial
    of a change and the last settings that worked) when it has them, read from its source (the firmware is never
    imported on the PC)."""
    found: dict[str, tuple[str, ...]] = {}
    for node in ast.parse(cfgstore.read_text()).body:
        for name in ("SLOTS", "TRIAL_SLOTS"):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                found[name] = tuple(ast.literal_eval(node.value))
    if "SLOTS" not in found:
        raise DeployError(f"{cfgstore}: no SLOTS assignment (the settings files)")
    return found["SLOTS"] + found.get("TRIAL_SLOTS", ())


@dataclass(frozen=True)
class Plan:
    files: dict[str, bytes]          # name on the module -> content (CRLF line endings)
    existing: dict[str, int]         # what #LSCRIPT listed
    free: int                        # free bytes #LSCRIPT reported
    stale: tuple[str, ...]           # compiled copies of replaced modules to delete (before any upload)
    compiled: dict[str, int]         # name.py -> estimated size of the name.pyo the module will write
    settings: tuple[str, ...] = ()   # the saved settings found on the module
    factory_reset: bool = False      # delete them (the firmware starts from the defaults) or keep them

    @property
    def total(self) -> int:
        return sum(len(b) for b in self.files.values())

    @property
    def total_compiled(self) -> int:
        return sum(self.compiled.values())

    @property
    def freed(self) -> int:
        """Bytes the deploy frees: the files it replaces and the stale compiled copies it deletes."""
        dropped = self.stale + (self.settings if self.factory_reset else ())
        return sum(self.existing.get(n, 0) for n in self.files) + sum(self.existing[s] for s in dropped)

    @property
    def needed(self) -> int:
        """Bytes the firmware takes on the module after its first start (sources and compiled copies)
        beyond what the files it replaces and the copies it deletes occupy now."""
        return self.total + self.total_compiled - self.freed


def firmware_files(dirs: tuple[Path, ...] = HERE.firmware_dirs) -> dict[str, bytes]:
    """Every module of the firmware (runtime/ and generated/), with the CRLF line endings the module's
    scripts need (fsm/bundle.py: the same files a bundle carries)."""
    return bundle.firmware_files(dirs)


class Module:
    """The AT dialogue with the module's physical port while no script runs."""

    def __init__(self, port: serial.SerialBase, timeout_s: float = 5.0) -> None:
        self.port = port
        self.timeout_s = timeout_s

    def _read_until(self, done: Callable[[bytes], bool], timeout_s: float) -> bytes:
        got = b""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            chunk = self.port.read(self.port.in_waiting or 1)
            if chunk:
                got += chunk
                if done(got):
                    return got
        return got

    def command(self, line: str, timeout_s: float | None = None) -> tuple[str, list[str]]:
        """(final result or '' on silence, information lines)."""
        self.port.reset_input_buffer()
        self.port.write(line.encode("latin-1") + b"\r")
        got = self._read_until(_has_final, timeout_s or self.timeout_s)
        lines = [ln for ln in got.decode("latin-1").replace("\r", "\n").split("\n") if ln.strip()]
        final = lines[-1] if lines and _is_final(lines[-1]) else ""
        info = [ln for ln in lines[:-1] if ln != line] if final else lines
        return final, info

    def ok(self, line: str, what: str) -> None:
        final, _ = self.command(line)
        if final != "OK":
            raise DeployError(f"{what}: the module answered {final or 'nothing'} to {line}")

    def write_script(self, name: str, data: bytes, progress: Callable[[int], None], paced: bool = False) -> None:
        """#WSCRIPT: with RTS/CTS (paced=False) the port itself waits while the module holds CTS low;
        without, PACE_CHUNK bytes at a time and PACE_S between them, so the module's buffer never fills."""
        self.port.reset_input_buffer()
        self.port.write(f'AT#WSCRIPT="{name}",{len(data)}\r'.encode())
        got = self._read_until(lambda b: b">>>" in b or _has_final(b), self.timeout_s)
        if b">>>" not in got:
            raise DeployError(f"writing {name}: no '>>>' prompt "
                              f"(the module answered {got.decode('latin-1').strip() or 'nothing'})")
        step = PACE_CHUNK if paced else CHUNK
        for i in range(0, len(data), step):
            if paced and i:
                time.sleep(PACE_S)
            self.port.write(data[i : i + step])
            self.port.flush()
            progress(min(step, len(data) - i))
        got = self._read_until(_has_final, self.timeout_s + len(data) / 1000)
        if not got.rstrip().endswith(b"OK"):
            answer = got.decode("latin-1").strip() or "nothing"
            raise DeployError(f"writing {name}: the module answered {answer} after the data (bytes lost? use "
                              f"RTS/CTS, the default, or --no-rtscts, which paces the upload)")

    def read_script(self, name: str) -> bytes | None:
        self.port.reset_input_buffer()
        self.port.write(f'AT#RSCRIPT="{name}"\r'.encode())
        got = self._read_until(lambda b: b.endswith(b"\r\nOK\r\n") or b.endswith(b"ERROR\r\n"), self.timeout_s)
        start = got.find(b"<<<")
        if start < 0 or not got.endswith(b"\r\nOK\r\n"):
            return None
        return got[start + 3 : -len(b"\r\nOK\r\n")]

    def list_scripts(self) -> tuple[dict[str, int], int]:
        final, lines = self.command("AT#LSCRIPT")
        if final != "OK":
            raise DeployError(f"listing scripts: the module answered {final or 'nothing'} to AT#LSCRIPT")
        files: dict[str, int] = {}
        free = -1
        for ln in lines:
            m = re.match(r'#LSCRIPT: "([^"]+)",(\d+)', ln)
            if m:
                files[m.group(1)] = int(m.group(2))
            m = re.match(r"#LSCRIPT: free bytes: (\d+)", ln)
            if m:
                free = int(m.group(1))
        if free < 0:
            raise DeployError("listing scripts: #LSCRIPT gave no free-bytes line")
        return files, free


def _is_final(line: str) -> bool:
    return line in ("OK", "ERROR") or line.startswith(("+CME ERROR", "+CMS ERROR"))


def _has_final(got: bytes) -> bool:
    text = got.decode("latin-1")
    return text.endswith(("\r\nOK\r\n", "ERROR\r\n")) or bool(re.search(r"\+CM[ES] ERROR: \d+\r\n$", text))


def plan(module: Module, files: dict[str, bytes], factory_reset: bool = False) -> Plan:
    for name in files:
        if len(name) > MAX_NAME or len(name.removesuffix(".py") + ".pyo") > MAX_NAME:
            raise DeployError(f"{name}: the module's file names hold {MAX_NAME} characters including '.pyo'; "
                              "rename the module")
    existing, free = module.list_scripts()
    stale = tuple(sorted(n + "o" for n in files if n + "o" in existing))
    compiled = {n: compiled_size(n, b) for n, b in files.items() if n.endswith(".py")}
    settings = tuple(n for n in settings_files() if n in existing)
    p = Plan(files, existing, free, stale, compiled, settings, factory_reset)
    if p.needed > free:
        raise DeployError(f"not enough space: the firmware needs {p.needed} more bytes ({p.total} of sources and "
                          f"about {p.total_compiled} compiled by the module at the first start, less "
                          f"{p.freed} freed), the module has {free} free; delete unused scripts with AT#DSCRIPT")
    return p


def connect(module: Module, port_name: str) -> None:
    for _ in range(3):
        final, _ = module.command("AT", 1.0)
        if final == "OK":
            module.command("ATE0", 1.0)
            return
    raise NoModule(
        f"no answer to AT on {port_name}. Check the cable and --baud. If the firmware is running it owns the port: "
        f"keep this port connected (deploy holds DTR on, which keeps the script of a module in start mode 0 from "
        f"starting), power-cycle the module and deploy again; a module deployed with --start-mode 1: deploy "
        f"within 10 s of power-up.")


class Progress:
    """A one-line progress bar on stderr: bytes and files."""

    def __init__(self, total_bytes: int, total_files: int, out=sys.stderr) -> None:  # noqa: ANN001
        self.total, self.files, self.out = total_bytes, total_files, out
        self.sent = 0
        self.done = 0

    def add(self, n: int) -> None:
        self.sent += n
        width = 30
        filled = width * self.sent // max(1, self.total)
        self.out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.sent}/{self.total} bytes, "
                       f"{self.done}/{self.files} files")
        self.out.flush()

    def file_done(self) -> None:
        self.done += 1
        self.add(0)


def upload(module: Module, p: Plan, say: Callable[[str], None], paced: bool = False) -> None:
    order = [n for n in p.files if n != ENTRY] + ([ENTRY] if ENTRY in p.files else [])
    if ENTRY in p.existing:
        # Until the new entry script is in place, a reset runs nothing and the port stays free.
        module.ok(f'AT#DSCRIPT="{ENTRY}"', "removing the old entry script")
    if p.factory_reset:
        for name in p.settings:
            module.ok(f'AT#DSCRIPT="{name}"', f"deleting the saved settings {name} (factory reset)")
    for name in p.stale:
        # Before any upload: a deploy cut later never leaves new sources beside old compiled modules.
        module.ok(f'AT#DSCRIPT="{name}"', f"deleting the stale compiled {name}")
    bar = Progress(p.total, len(order))
    for name in order:
        data = p.files[name]
        for attempt in (1, 2):
            module.write_script(name, data, bar.add, paced)
            if module.read_script(name) == data:
                break
            if attempt == 2:
                raise DeployError(f"{name} reads back different twice; "
                                  "check the cable and flow control, then deploy again")
            say(f"\n{name} read back different; writing it again")
        bar.file_done()
    sys.stderr.write("\n")


def describe(p: Plan, port_name: str, start_mode: str) -> list[str]:
    lines = [f"module on {port_name}: {len(p.existing)} file(s), {p.free} bytes free"]
    if p.factory_reset:
        lines += [f"  delete   {name} (saved settings: factory reset)" for name in p.settings]
        lines.append("  settings the firmware starts from the defaults (SMS password 'connect')")
    elif p.settings:
        lines.append(f"  keep     {' '.join(p.settings)} (saved settings; --factory-reset deletes them)")
    lines += [f"  delete   {name}" for name in p.stale]
    for name, data in p.files.items():
        action = "replace" if name in p.existing else "write"
        compiled = f" (+~{p.compiled[name]} compiled)" if name in p.compiled else ""
        lines.append(f"  {action:8} {name:16} {len(data):7} bytes{compiled}")
    lines.append(f"  total    {p.total} bytes in {len(p.files)} files, ~{p.total_compiled} compiled at the first "
                 f"start ({p.needed} more bytes on the module)")
    lines.append(f'  then     AT#ESCRIPT="{ENTRY}", {start_mode}')
    return lines


def deploy(port: serial.SerialBase, port_name: str, *, dry_run: bool, run: bool,
           files: dict[str, bytes] | None = None, say: Callable[[str], None] = print,
           paced: bool = False, start_mode: int = 0, factory_reset: bool = False) -> None:
    module = Module(port)
    connect(module, port_name)
    p = plan(module, bundle.with_manifest(files if files is not None else firmware_files()), factory_reset)
    for line in describe(p, port_name, START_MODES[start_mode]):
        say(line)
    if dry_run:
        say("dry run: nothing was written")
        return
    try:
        upload(module, p, say, paced)
    except DeployError as exc:
        raise type(exc)(f"{exc}. The deploy stopped part-way: the module runs no script now, so run deploy again "
                        f"(no power-cycle needed).") from None
    module.ok(f'AT#ESCRIPT="{ENTRY}"', "selecting the entry script")
    module.ok(START_MODES[start_mode], "setting the start mode")
    say(f"deployed {len(p.files) - 1} files and their manifest {bundle.MANIFEST} ({p.total} bytes); {ENTRY} starts "
        "at power-up")
    if run:
        module.ok("AT#EXECSCR", "starting the script")
        say(f"started {ENTRY}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="build.py deploy", description="Upload the firmware to a Telit module.")
    ap.add_argument("--port", required=True, help="serial port or pyserial URL of the module (e.g. /dev/ttyUSB0)")
    ap.add_argument("--baud", type=int, default=115200,
                    help="bits/s of the serial line to the module's AT port for the upload (default 115200; the "
                         "port must answer AT at this speed)")
    ap.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
    ap.add_argument("--run", action="store_true", help="start the firmware when deployed (#EXECSCR)")
    ap.add_argument("--rtscts", action=argparse.BooleanOptionalAction, default=True,
                    help="hardware flow control (default); --no-rtscts paces the upload instead "
                         f"({PACE_CHUNK} bytes, then {PACE_S:g} s) for cables without RTS/CTS")
    ap.add_argument("--start-mode", type=int, choices=sorted(START_MODES), default=0,
                    help="#STARTMODESCR: 0 (default) runs at power-up unless DTR is asserted, whatever the device "
                         "sends; 1 runs unless an AT command arrives within 10 s")
    ap.add_argument("--factory-reset", action="store_true",
                    help="also delete the settings the gateway saved, so it starts from the defaults (SMS password "
                         "'connect'): the way back from a forgotten password; without it a deploy keeps them")
    try:
        args = ap.parse_args(argv)
    except SystemExit as exc:  # --help, or a bad option argparse has explained
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    try:
        _run(args)
    except ToolError as exc:
        return report("deploy", exc)
    return EXIT_OK


def _run(args: argparse.Namespace) -> None:
    try:  # DTR is asserted on open (pyserial's default): a module in start mode 0 stays in its AT parser
        port = serial.serial_for_url(args.port, baudrate=args.baud, timeout=0.05, rtscts=args.rtscts)
    except (serial.SerialException, ValueError) as exc:
        raise NoModule(f"cannot open {args.port}: {exc}") from None
    try:
        deploy(port, args.port, dry_run=args.dry_run, run=args.run, paced=not args.rtscts,
               start_mode=args.start_mode, factory_reset=args.factory_reset)
    finally:
        port.close()
