"""The firmware process: one interpreter (any of 3.x, 2.7, 1.5.2) running the entry script with only the
given directories importable besides its own standard library. Its stdin/stdout carry the link protocol
(host/link.py), so firmware diagnostics go to SER2 (the trace port) or stderr, which is captured: an exit
or crash is reported with its traceback. Owns start, kill (power cut, watchdog reboot) and exit reports.

The process never runs from the source tree: the `*.py` files of every given directory (and of the entry's
own) are copied into a private directory per process (stage_dirs), as the module holds its scripts in its
own file system, so the compiled files an interpreter writes (1.5.2 cannot be told not to) land there. Its
working directory, the module's file system, is used as it is.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from host.link import FrameReader
from host.link import Request
from host.link import parse_request

COUNT_FLAG = "--simlink-count"  # after the entry script: host/telit/simlink.py starts counting (simspeed.py)
STDERR_KEEP = 64 * 1024  # bytes of the firmware's stderr kept (the end, where a traceback is)
TRACEBACK_HEADERS = ("Traceback (most recent call last):",  # CPython 2.x and 3.x
                     "Traceback (innermost last):")  # CPython 1.5.2


@dataclass(frozen=True)
class ExitReport:
    """How a firmware process ended."""

    returncode: int | None  # the exit status (negative: the signal), None if it could not be collected
    stderr: str  # the end of what it wrote to stderr
    killed: bool  # the simulator killed it (power cut, watchdog reboot, stop)
    time: float  # clock seconds when the end was seen

    @property
    def traceback(self) -> str:
        """The last Python traceback in stderr ('' when there is none), in the format of any interpreter."""
        start = max(self.stderr.rfind(header) for header in TRACEBACK_HEADERS)
        return self.stderr[start:].rstrip() if start >= 0 else ""

    @property
    def exception(self) -> str:
        """The traceback's last line, e.g. 'ZeroDivisionError: integer division or modulo by zero'."""
        tb = self.traceback
        return tb.splitlines()[-1].strip() if tb else ""

    def describe(self) -> str:
        how = "was killed" if self.killed else f"exited with status {self.returncode}"
        detail = self.traceback or self.stderr.strip()[-2000:]
        return f"firmware {how} at clock {self.time:.1f} s" + (f":\n{detail}" if detail else "")


class FirmwareExit(Exception):
    """The firmware process ended by itself (it exited or crashed); `report` says how."""

    def __init__(self, report: ExitReport) -> None:
        super().__init__(report.describe())
        self.report = report


def firmware_env(path_dirs: list[Path]) -> dict[str, str]:
    """A clean environment: PYTHONPATH is exactly path_dirs; one character is one byte on stdin/stdout."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.pathsep.join(str(Path(d).resolve()) for d in path_dirs),
        "PYTHONIOENCODING": "latin-1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "LC_ALL": "C",
    }


def stage_dirs(dirs: list[Path], dest: Path, keep: tuple[Path, ...] = ()) -> list[Path]:
    """Copies the `*.py` files of each directory into its own folder under `dest` (order kept) and returns
    the folders to put on the path; a directory in `keep` (the module's file system) is used as it is."""
    kept = {Path(k).resolve() for k in keep}
    out: list[Path] = []
    for i, d in enumerate(Path(x).resolve() for x in dirs):
        if d in kept:
            out.append(d)
            continue
        target = dest / f"{i:02d}" / d.name  # the folder keeps its name (bench/firmware/profrun.py reads it)
        target.mkdir(parents=True, exist_ok=True)
        for src in sorted(d.glob("*.py")):
            shutil.copyfile(src, target / src.name)
        out.append(target)
    return out


@dataclass(frozen=True)
class Launch:
    """How to start a firmware interpreter over private copies of its modules (see stage_firmware)."""

    argv: list[str]  # the interpreter with -S and, when there is one, the entry script's copy
    env: dict[str, str]  # firmware_env over the copies
    entry: Path | None  # the entry script's copy


def stage_firmware(python: str, entry: Path | None, path_dirs: list[Path], dest: Path,
                   keep: tuple[Path, ...] = ()) -> Launch:
    """The one way every firmware process is started (the simulator and the tests): the entry's folder and
    `path_dirs` are copied under `dest` (stage_dirs, `keep` used as they are), PYTHONPATH is the copies of
    `path_dirs` in order (the entry's folder comes first by itself), and `-S` keeps site-packages (and so
    the PC packages) out. With no entry, the caller appends `-c <code>`."""
    dirs = [Path(d).resolve() for d in path_dirs]
    if entry is None:
        where = dict(zip(dirs, stage_dirs(dirs, dest, keep), strict=True))
        return Launch([python, "-S"], firmware_env([where[d] for d in dirs]), None)
    entry = Path(entry).resolve()
    order = [entry.parent, *[d for d in dirs if d != entry.parent]]
    where = dict(zip(order, stage_dirs(order, dest, keep), strict=True))
    run_entry = where[entry.parent] / entry.name
    return Launch([python, "-S", str(run_entry)], firmware_env([where[d] for d in dirs]), run_entry)


class FirmwareProcess:
    """One run of the firmware, started by stage_firmware: the modules run from copies, never from the
    source tree."""

    def __init__(self, python: str, entry: Path, path_dirs: list[Path], cwd: Path, *, count: bool = False) -> None:
        self.python = python
        self.count = count  # module speed: the firmware counts its Python work (host/telit/simspeed.py)
        self.entry = Path(entry).resolve()  # the script as given (run from its copy)
        self.path_dirs = [Path(d) for d in path_dirs]
        self.cwd = Path(cwd)
        self.staged: Path | None = None  # the private copy of the modules, removed when the process ends
        self.run_entry = self.entry  # what the interpreter runs
        self.proc: subprocess.Popen[bytes] | None = None
        self._frames = FrameReader()
        self._stderr = bytearray()
        self._out_open = False
        self._err_open = False

    def start(self) -> None:
        if not self.entry.is_file():
            raise FileNotFoundError(f"firmware entry script not found: {self.entry}")
        self.staged = Path(tempfile.mkdtemp(prefix="fwcopy-"))
        launch = stage_firmware(self.python, self.entry, self.path_dirs, self.staged, keep=(self.cwd,))
        assert launch.entry is not None
        self.run_entry = launch.entry
        self.proc = subprocess.Popen(
            [*launch.argv, COUNT_FLAG] if self.count else launch.argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=self.cwd,
            env=launch.env,
        )
        assert self.proc.stdout is not None
        assert self.proc.stderr is not None
        for stream in (self.proc.stdout, self.proc.stderr):
            fd = stream.fileno()
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
        self._out_open = self._err_open = True

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def read_fds(self) -> list[int]:
        """Descriptors to select() on: requests (stdout) and diagnostics (stderr) while they are open."""
        if self.proc is None:
            return []
        assert self.proc.stdout is not None
        assert self.proc.stderr is not None
        fds = [self.proc.stdout.fileno()] if self._out_open else []
        return fds + ([self.proc.stderr.fileno()] if self._err_open else [])

    @property
    def out_fd(self) -> int:
        assert self.proc is not None
        assert self.proc.stdout is not None
        return self.proc.stdout.fileno()

    @property
    def running(self) -> bool:
        """Still able to make calls: its request pipe is open."""
        return self.proc is not None and self._out_open

    def read_requests(self) -> list[Request]:
        """The calls that arrived on stdout (non-blocking); an empty read means the pipe closed."""
        if not self._out_open:
            return []
        try:
            data = os.read(self.out_fd, 1 << 16)
        except BlockingIOError:
            return []
        if not data:
            self._out_open = False
            return []
        self._frames.feed(data)
        out = []
        while (body := self._frames.next_body()) is not None:
            out.append(parse_request(body))
        return out

    def read_stderr(self) -> None:
        if not self._err_open:
            return
        assert self.proc is not None
        assert self.proc.stderr is not None
        try:
            data = os.read(self.proc.stderr.fileno(), 1 << 16)
        except BlockingIOError:
            return
        if not data:
            self._err_open = False
            return
        self._stderr += data
        if len(self._stderr) > STDERR_KEEP:
            del self._stderr[: len(self._stderr) - STDERR_KEEP]

    def reply(self, frame: bytes) -> None:
        """Writes one reply; the firmware is waiting for it, so the pipe has room (a dead child is ignored)."""
        assert self.proc is not None
        assert self.proc.stdin is not None
        fd = self.proc.stdin.fileno()
        view = memoryview(frame)
        try:
            while view:
                view = view[os.write(fd, view) :]
        except (BrokenPipeError, OSError):
            self._out_open = False

    def finish(self, now: float, *, killed: bool = False) -> ExitReport:
        """Collects the exit status and the rest of stderr, and closes the pipes."""
        assert self.proc is not None
        returncode: int | None
        try:
            returncode = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            returncode = self.proc.wait(timeout=10)
        while self._err_open:
            assert self.proc.stderr is not None
            fcntl.fcntl(self.proc.stderr.fileno(), fcntl.F_SETFL, 0)  # the child is gone: read to EOF
            self.read_stderr()
        self._out_open = False
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        if self.staged is not None:
            shutil.rmtree(self.staged, ignore_errors=True)
            self.staged = None
        return ExitReport(returncode, self._stderr.decode("latin-1"), killed, now)

    def kill(self, now: float) -> ExitReport:
        """Power off: the process dies at once, whatever it was doing."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        return self.finish(now, killed=True)
