"""The test toolkit: where the tree is (fsm.layout), free loopback ports, waits with a deadline, firmware processes,
and a plain loopback HTTP server (LoopbackHttp) that can also misbehave as a download must survive.

Every firmware process a test starts (a runner script or `-c` code) goes through host.firmware's
stage_firmware, as the simulator's does: private copies of the modules, the same environment. Its stdin
and stdout carry one byte per character (latin-1) on every interpreter.
"""

from __future__ import annotations

import functools
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path

from fsm.interpreters import Interpreter
from fsm.layout import Layout
from host.firmware import Launch
from host.firmware import stage_firmware

LAYOUT = Layout.here()  # the tree as the build describes it (fsm/layout.py): found there, not again here
ROOT = LAYOUT.root
RUNTIME, GENERATED = LAYOUT.firmware_dirs
SPECS = LAYOUT.specs
FIXTURE = ROOT / "tests" / "fsm" / "fixtures" / "good"  # a small valid spec set with its own callbacks
STUBS = ROOT / "tests" / "runtime" / "stubs"  # inert MDM/SER/MOD/GPIO for firmware code that only imports them
TABLE_RUNNER = ROOT / "tests" / "runtime" / "firmware" / "tablerun.py"  # drives runtime/engine.py over tables
FIRMWARE_ENCODING = "latin-1"  # one character is one byte on the firmware's stdin/stdout

WAIT_S = 10.0  # default real-time deadline of wait_until
# The simulators of the firmware suites: their peers (the device on the pty, TCP clients and servers, CSD
# callers) are played by the test in the simulator's own thread, between its turns, so none can answer
# during a quiet wait; the wait only lets the kernel hand over bytes already written (a pty's flush, a
# loopback segment). 1 ms does that; the default (host/simulator.py QUIET_S, 10 ms) is for peers in other
# processes, and at 10 ms a run that moves data spent most of its time waiting for nothing.
IN_PROCESS_QUIET_S = 0.001


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on now (bound to port 0, then released)."""
    with socket.create_server((host, 0)) as sock:
        return int(sock.getsockname()[1])


def wait_until(done: Callable[[], bool], what: str, timeout_s: float = WAIT_S,
               step: Callable[[], object] | None = None) -> None:
    """Calls step() (or sleeps 10 ms) until done() holds; fails naming `what` after `timeout_s` real seconds."""
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        if step is not None:
            step()
        else:
            time.sleep(0.01)


def launch_firmware(python: Interpreter, entry: Path | None, path_dirs: list[Path], dest: Path,
                    keep: tuple[Path, ...] = ()) -> Launch:
    """host.firmware.stage_firmware for a test's interpreter (see there)."""
    return stage_firmware(python.path, entry, path_dirs, dest, keep)


def run_firmware(python: Interpreter, entry: Path | None, path_dirs: list[Path], *, args: tuple[str, ...] = (),
                 stdin: str = "", cwd: Path | None = None, keep: tuple[Path, ...] = (),
                 timeout_s: float = 60) -> subprocess.CompletedProcess[str]:
    """Runs `entry` (or `-c` code given in args) to its end in a firmware process, from copies made in a
    temporary folder (a 1.5.2 writes its .pyc files there), which is also the working directory unless
    `cwd` is given; returns what it wrote."""
    with tempfile.TemporaryDirectory(prefix="fwrun-") as tmp:
        launch = launch_firmware(python, entry, path_dirs, Path(tmp), keep)
        return subprocess.run([*launch.argv, *args], input=stdin, capture_output=True,
                              encoding=FIRMWARE_ENCODING, timeout=timeout_s, env=launch.env,
                              cwd=cwd or tmp, check=False)


HTTP_MODES = ("ok", "404", "half", "wrong_length")


class LoopbackHttp:
    """Any plain HTTP server, as a user serves a bundle (`python -m http.server`): ThreadingHTTPServer with
    SimpleHTTPRequestHandler (HTTP/1.0, Content-Length, one request per connection) on 127.0.0.1 at a free port,
    serving the folder `root`, in a thread until stop() (or the end of a `with`). `mode`, which a test may change
    at any time, makes every GET answer otherwise:
      "ok"            the file, as the standard library serves it (404 when it is not there)
      "404"           404 Not Found, whatever was asked
      "half"          200 with the file's Content-Length, then the first half of the file, then the connection closes
      "wrong_length"  200 with Content-Length = the file's size + `length_delta` (default +100: promises more than
                      it sends; negative: less), then the whole file, then the connection closes
    `requests` lists the paths asked, in order."""

    def __init__(self, root: Path, mode: str = "ok", length_delta: int = 100) -> None:
        self.root = Path(root)
        self.mode = mode
        self.length_delta = length_delta
        self.requests: list[str] = []
        handler = functools.partial(_Handler, self, directory=str(self.root))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.host, self.port = "127.0.0.1", int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                         name="loopback-http", daemon=True)
        self._thread.start()

    def url(self, name: str) -> str:
        return f"http://{self.host}:{self.port}/{name}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> LoopbackHttp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Handler(SimpleHTTPRequestHandler):
    def __init__(self, owner: LoopbackHttp, *args: object, **kwargs: object) -> None:
        self.owner = owner
        super().__init__(*args, **kwargs)  # type: ignore[arg-type] - the request, address, server and directory

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the standard library's name
        pass  # quiet: a test reads `requests`

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        owner = self.owner
        owner.requests.append(self.path)
        mode = owner.mode
        if mode == "404":
            self.send_error(404, "Not Found")
            return
        if mode == "ok":
            super().do_GET()
            return
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404, "Not Found")
            return
        data = path.read_bytes()
        length = len(data) + (owner.length_delta if mode == "wrong_length" else 0)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2] if mode == "half" else data)
        self.wfile.flush()
        self.close_connection = True
