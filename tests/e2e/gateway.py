"""End-to-end harness: the real firmware in the simulator (virtual clock), its serial port through
pyserial on the simulator's pty, SMS through the modem, TCP peers on loopback. Every wait is bounded and
names what it waited for.
"""

from __future__ import annotations

import select
import socket
from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import serial

from fsm.interpreters import Interpreter
from host.clock import Clock
from host.clock import VirtualClock
from host.kindness import Kindness
from host.modem import Modem
from host.modem import Network
from host.modem import ScriptStore
from host.simulator import Simulator
from tests import simseed
from tests import workerdata
from tests.simseed import kindness
from tests.simseed import sim_seed
from tests.support import IN_PROCESS_QUIET_S
from tests.support import LAYOUT
from tests.support import free_port

FIRMWARE = [*LAYOUT.firmware_dirs, LAYOUT.emulated]  # the firmware's path in the simulator
PHONE = "+447700900001"
TRACE_FLAG = "fwtrace.on"  # runtime/gwloop.py traces every transition on SER2 when this file exists
COVERAGE_RECORDS = "e2e-coverage"  # tests.workerdata: one [machine, transition index] per transition taken
WAIT_S = 30.0  # real seconds any single wait may take before the test fails


class Gateway:
    def __init__(self, python: Interpreter, nvm: Path, prepare: Callable[[Modem], None] | None = None,
                 wait_boot: bool = True, *, device_cts: str = "honour", profile: str | None = None,
                 entry: Path | None = None, path: Sequence[Path] = FIRMWARE, clock: Clock | None = None,
                 kind: Kindness | None = None, trace: bool = True, mdm2: str = "on",
                 scripts: ScriptStore | None = None, quiet_s: float = IN_PROCESS_QUIET_S,
                 module_speed: int | None | Literal["session"] = "session") -> None:
        """`prepare` gets the modem before power-on (to arm faults or take the network away);
        `device_cts` and `profile` as the simulator's (host/README.md). The benchmarks (bench/rig.py) also
        choose the firmware (`entry` on `path`), the clock (default virtual), the kindnesses (default the
        session's) and whether the firmware traces every transition (`trace`, which costs it CPU). `mdm2`:
        "on", or a module without the second AT instance ("absent": no built-in, "silent": it never answers).
        `scripts`: a module file system as deploy leaves it (host.nvm.deployed), run as the module runs it,
        instead of the firmware from the source tree (`entry`, `path`). `module_speed`: bytecodes per second the
        firmware's computing is charged at (host/README.md "Module speed"), None: free; default: the session's
        (`pytest --sim-module-speed`)."""
        self.python = python
        self.nvm = nvm
        nvm.mkdir(parents=True, exist_ok=True)
        if trace:
            (nvm / TRACE_FLAG).write_text("on\n")
            if scripts is not None:
                scripts.files[TRACE_FLAG] = b"on\n"  # the store is the file system: what it lacks is removed
        clock = clock if clock is not None else VirtualClock()
        modem = Modem(clock, Network())
        if prepare is not None:
            prepare(modem)
        where = {"scripts": scripts} if scripts is not None else {"firmware_entry": entry or LAYOUT.main,
                                                                  "path_dirs": path}
        self.sim = Simulator(**where, python=python.path, clock=clock,
                             nvm_dir=nvm, modem=modem, kind=kind if kind is not None else kindness(), seed=sim_seed(),
                             device_cts=device_cts, profile=profile, quiet_s=quiet_s, mdm2=mdm2,
                             module_speed=simseed.module_speed() if module_speed == "session" else module_speed)
        self.sim.start()
        # Non-blocking both ways: the simulator runs only inside until(), so a blocking write would deadlock.
        self.serial = serial.serial_for_url(self.sim.serial_path, timeout=0, write_timeout=0)
        self.received = b""  # everything the device got on the serial port
        if wait_boot:
            self.booted()

    def close(self) -> None:
        record_coverage(self.sim.trace.lines())
        self.serial.close()
        self.sim.stop()

    # --- time
    def until(self, predicate: Callable[[], object], what: str, timeout_s: float = WAIT_S) -> None:
        self.sim.run_until(predicate, timeout_s, what)

    def run(self, seconds: float) -> None:
        self.sim.run_for(seconds)

    def booted(self) -> None:
        self.until(lambda: self.traced("gateway: GPRS up"), "the gateway to bring GPRS up")
        self.run(1)

    # --- observations
    def traced(self, text: str) -> bool:
        return any(text in line for line in self.sim.trace.lines())

    def at_commands(self, since: int = 0) -> list[str]:
        return [text for _, text in self.sim.modem.at_log[since:]]

    @property
    def outbox(self) -> list[tuple[str, str]]:
        return self.sim.modem.outbox

    # --- SMS
    def sms(self, text: str, sender: str = PHONE) -> None:
        assert self.sim.modem.deliver_sms(sender, text) is not None, "the SIM store is full"

    def replies(self, texts: list[str], sender: str = PHONE, settle_s: float = 2) -> list[str]:
        """Sends each text as an SMS and returns the replies they got, in order, once every message was
        handled (a reply goes out before its message is deleted) and the mode restarted."""
        before = len(self.outbox)
        for t in texts:
            self.sms(t, sender)
        self.until(lambda: self.sim.modem.sim_messages() == [], f"the gateway to handle {texts!r}")
        self.run(settle_s)
        return [text for _, text in self.outbox[before:]]

    def command(self, text: str, sender: str = PHONE) -> str:
        got = self.replies([text], sender)
        assert len(got) == 1, got
        return got[0]

    def config(self, password: str = "connect", sender: str = PHONE) -> str:
        """The `config` listing as one line, `Confirmed: config <items>`, whether it came in one message or in
        numbered parts (each at most 160 characters, `Confirmed: config k/n ...`)."""
        got = self.replies([f"{password} config"], sender)
        assert got, "config got no reply"
        if len(got) == 1:
            return got[0]
        heads = [f"Confirmed: config {k}/{len(got)} " for k in range(1, len(got) + 1)]
        assert all(r.startswith(h) and len(r) <= 160 for r, h in zip(got, heads, strict=True)), got
        return "Confirmed: config " + ", ".join(r[len(h):] for r, h in zip(got, heads, strict=True))

    # --- serial side
    def write_serial(self, data: bytes) -> None:
        self.serial.write(data)

    def offer_serial(self, data: bytes) -> int:
        """Writes what the pty takes now without blocking (Linux can block a non-blocking pty write when
        the buffer is nearly full, so write small pieces only while select() says there is room)."""
        sent = 0
        while sent < len(data) and select.select([], [self.serial.fileno()], [], 0)[1]:
            sent += self.serial.write(data[sent:sent + 256]) or 0
        return sent

    def read_serial(self, n: int, what: str, timeout_s: float = WAIT_S) -> bytes:
        """Waits until the device has received `n` more bytes; returns them."""
        start = len(self.received)

        def enough() -> bool:
            self.received += self.serial.read(65536)
            return len(self.received) - start >= n

        self.until(enough, what, timeout_s)
        return self.received[start:start + n]

    def drain_serial(self) -> bytes:
        self.received += self.serial.read(65536)
        return self.received


class Server:
    """A TCP server on loopback the gateway dials in client mode."""

    def __init__(self, gw: Gateway, port: int = 0, host: str = "127.0.0.1") -> None:
        """Listens on `host` (of 127.0.0.0/8) and `port` (0: a free one; give the old port to bring a vanished
        server back, or the port of a server on another address of 127.0.0.0/8)."""
        self.gw = gw
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(4)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]
        self.conn: socket.socket | None = None
        self.received = b""

    def accept(self, what: str = "the gateway to connect") -> None:
        if self.conn is not None:  # the previous call is over
            self.conn.close()
            self.conn = None

        def accepted() -> bool:
            try:
                self.conn, _ = self.sock.accept()
            except BlockingIOError:
                return False
            self.conn.setblocking(False)
            self.received = b""
            return True

        self.gw.until(accepted, what)

    def read(self, n: int, what: str) -> bytes:
        assert self.conn is not None
        start = len(self.received)

        def enough() -> bool:
            assert self.conn is not None
            try:
                self.received += self.conn.recv(1 << 20)
            except BlockingIOError:
                pass
            return len(self.received) - start >= n

        self.gw.until(enough, what)
        return self.received[start:start + n]

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        self.sock.close()


def maintained_at_115200(gw: Gateway) -> Server:
    """A server on loopback the gateway keeps a connection to (client `maintain`, serial at 115200),
    connected."""
    server = Server(gw)
    try:
        gw.command("connect baud 115200")
        gw.command(f"connect mode client 127.0.0.1 {server.port} maintain")
        server.accept("the connection")
    except BaseException:
        server.close()
        raise
    return server


def connect_to_gateway(gw: Gateway, port: int, source: str = "127.0.0.1") -> socket.socket:
    """A TCP client calling the gateway's listening port from `source` (any 127.x address)."""
    s = socket.socket()
    s.bind((source, 0))
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    return s


def listening_port(gw: Gateway) -> int | None:
    port = gw.sim.modem.describe().get("listening")
    return int(port) if port else None


def record_coverage(trace: list[str]) -> None:
    """Records the transitions of a firmware trace's `fsm: <machine> T<index>` lines (tests/e2e/coverage.py
    sums them for the session)."""
    for line in trace:
        if line.startswith("fsm: "):
            machine, index = line[5:].split(" T")
            workerdata.record(COVERAGE_RECORDS, [machine, int(index)])


def listen_on_free_port(gw: Gateway, permit: str = "any") -> int:
    """`mode server <permit> <a free port>`, confirmed, and the modem listening there; returns the port."""
    port = free_port()
    assert gw.command(f"connect mode server {permit} {port}") == f"Confirmed: mode server {permit} {port}"
    gw.until(lambda: listening_port(gw) == port, "the gateway to listen")
    return port


def read_socket(gw: Gateway, s: socket.socket, n: int, what: str) -> bytes:
    """At least `n` bytes from the non-blocking socket `s`, the simulator running meanwhile."""
    got = b""

    def enough() -> bool:
        nonlocal got
        try:
            got += s.recv(65536)
        except BlockingIOError:
            pass
        return len(got) >= n

    gw.until(enough, what)
    return got
