"""2. Through the whole stack: pty -> firmware -> TCP and back (real time), against socat bridging a pty and TCP.

Bench threads are the device on the pty and the server on TCP, so they see bytes the moment they arrive;
the main thread runs the simulator (or just waits, for socat).
"""

from __future__ import annotations

import os
import select
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.report import Section
from bench.report import Table
from bench.report import verdict
from bench.rig import Rig
from bench.rig import payload
from fsm.interpreters import Interpreter
from host.clock import RealClock

SEND_TIMEOUT_TENTHS = 1  # `socketting 90 1 0`: the modem sends a partial packet after 100 ms
RATE = 11520  # bytes/s, 115200 8N1
TICK_S = 0.01


@dataclass
class Ends:
    name: str
    serial_fd: int  # the device's end of the pty
    tcp_fd: int  # the server's end of the connection
    drive: Callable[[Callable[[], bool], float], None]  # runs the bridge until the predicate holds
    pid: int  # the bridge's process (the firmware, or socat)


def write_all(fd: int, data: bytes, stop: threading.Event, stamps: list[float] | None = None) -> None:
    sent = 0
    while sent < len(data) and not stop.is_set():
        if not select.select([], [fd], [], 0.1)[1]:
            continue
        try:
            sent += os.write(fd, data[sent:sent + 256])
        except BlockingIOError:
            continue
        if stamps is not None:
            stamps.append(time.monotonic())


def read_into(fd: int, sink: bytearray, want: int, stop: threading.Event,
              arrivals: list[tuple[float, int]] | None = None) -> None:
    while len(sink) < want and not stop.is_set():
        if not select.select([fd], [], [], 0.1)[0]:
            continue
        try:
            got = os.read(fd, 65536)
        except (BlockingIOError, OSError):
            continue
        if not got:
            return
        sink.extend(got)
        if arrivals is not None:
            arrivals.append((time.monotonic(), len(sink)))


def _threads(targets: list[Callable[[], None]]) -> list[threading.Thread]:
    threads = [threading.Thread(target=t, daemon=True) for t in targets]
    for t in threads:
        t.start()
    return threads


def throughput(ends: Ends, size: int) -> tuple[float, bool]:
    up, down = payload(11, size), payload(12, size)
    got_up, got_down = bytearray(), bytearray()
    stop = threading.Event()
    started = time.monotonic()
    threads = _threads([lambda: write_all(ends.serial_fd, up, stop), lambda: write_all(ends.tcp_fd, down, stop),
                        lambda: read_into(ends.tcp_fd, got_up, size, stop),
                        lambda: read_into(ends.serial_fd, got_down, size, stop)])
    try:
        ends.drive(lambda: len(got_up) >= size and len(got_down) >= size, 60 + size / 50_000)
    finally:
        stop.set()
        for t in threads:
            t.join(2)
    return time.monotonic() - started, bytes(got_up) == up and bytes(got_down) == down


def echoes(ends: Ends, count: int, size: int = 16) -> list[float]:
    """Round trips of `size`-byte messages: device -> bridge -> echo server -> bridge -> device."""
    stop = threading.Event()
    rtts: list[float] = []

    def echo_server() -> None:
        while not stop.is_set():
            if select.select([ends.tcp_fd], [], [], 0.1)[0]:
                data = os.read(ends.tcp_fd, 65536)
                write_all(ends.tcp_fd, data, stop)

    def device() -> None:
        for i in range(count):
            msg = bytes([65 + i % 26]) * size
            got = bytearray()
            t0 = time.monotonic()
            write_all(ends.serial_fd, msg, stop)
            read_into(ends.serial_fd, got, size, stop)
            rtts.append(time.monotonic() - t0)

    threads = _threads([echo_server, device])
    try:
        ends.drive(lambda: len(rtts) >= count, 30 + count * 2)
    finally:
        stop.set()
        for t in threads:
            t.join(2)
    return rtts


@dataclass
class Paced:
    sent: int
    lost: int
    p50: float
    p99: float
    worst: float


def paced(ends: Ends, seconds: float) -> tuple[Paced, Paced]:
    """Both directions at 11,520 B/s (115 or 116 bytes every 10 ms) for `seconds`; (up, down)."""
    total = int(RATE * seconds)
    stop = threading.Event()
    results: list[Paced] = []
    plans = [(ends.serial_fd, ends.tcp_fd, payload(21, total)), (ends.tcp_fd, ends.serial_fd, payload(22, total))]
    sinks = [bytearray(), bytearray()]
    arrivals: list[list[tuple[float, int]]] = [[], []]
    sends: list[list[tuple[float, int]]] = [[], []]  # (time written, bytes written so far)

    def writer(i: int) -> None:
        fd, data, start = plans[i][0], plans[i][2], time.monotonic()
        sent = 0
        while sent < total and not stop.is_set():
            due = min(total, int((time.monotonic() - start) * RATE))
            if due > sent:
                write_all(fd, data[sent:due], stop)
                sent = due
                sends[i].append((time.monotonic(), sent))
            time.sleep(TICK_S)

    threads = _threads([lambda: writer(0), lambda: writer(1),
                        lambda: read_into(plans[0][1], sinks[0], total, stop, arrivals[0]),
                        lambda: read_into(plans[1][1], sinks[1], total, stop, arrivals[1])])
    deadline = time.monotonic() + seconds + SEND_TIMEOUT_TENTHS / 10 + 3
    try:
        ends.drive(lambda: time.monotonic() > deadline or all(len(s) >= total for s in sinks), seconds + 30)
    finally:
        stop.set()
        for t in threads:
            t.join(2)
    for i in (0, 1):
        lat = _latencies(sends[i], arrivals[i])
        ok = sum(1 for a, b in zip(sinks[i], plans[i][2], strict=False) if a == b) if sinks[i] else 0
        results.append(Paced(total, total - ok, _pct(lat, 50), _pct(lat, 99), max(lat, default=float("nan"))))
    return results[0], results[1]


def _latencies(sends: list[tuple[float, int]], arrivals: list[tuple[float, int]]) -> list[float]:
    out = []
    j = 0
    for t_sent, upto in sends:
        while j < len(arrivals) and arrivals[j][1] < upto:
            j += 1
        if j < len(arrivals):
            out.append(arrivals[j][0] - t_sent)
    return out


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * p / 100))]


@contextmanager
def gateway_ends(python: Interpreter, work: Path):  # noqa: ANN201 - a generator context manager
    with Rig("gateway", python, work / "stack-gw", clock=RealClock()) as rig:
        rig.connect(setup=(f"connect socketting 90 {SEND_TIMEOUT_TENTHS} 0",))
        assert rig.server.conn is not None
        rig.server.conn.setblocking(False)

        def drive(predicate: Callable[[], bool], timeout: float) -> None:
            rig.until(predicate, "the bench threads", timeout)

        yield Ends("gateway", rig.serial.fileno(), rig.server.conn.fileno(), drive, rig.pid)


@contextmanager
def socat_ends():  # noqa: ANN201 - a generator context manager
    master, slave = os.openpty()
    os.set_blocking(master, False)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    proc = subprocess.Popen(["socat", "-b", "65536", f"FILE:{os.ttyname(slave)},raw,echo=0",
                             f"TCP:127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    listener.settimeout(10)
    conn, _ = listener.accept()
    conn.setblocking(False)

    def drive(predicate: Callable[[], bool], timeout: float) -> None:
        end = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > end:
                raise TimeoutError("socat bridge: the bench threads did not finish")
            time.sleep(0.005)

    try:
        yield Ends("socat", master, conn.fileno(), drive, proc.pid)
    finally:
        proc.terminate()
        proc.wait(5)
        conn.close()
        listener.close()
        os.close(master)
        os.close(slave)


def ensure_socat() -> str | None:
    """None when socat is there (installed now if we are root); else how to get it."""
    if shutil.which("socat"):
        return None
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "socat"], check=False, capture_output=True)
        if shutil.which("socat"):
            return None
    return "socat is missing: run `sudo apt-get install -y socat` and run the benchmark again"


def run(python: Interpreter, quick: bool) -> Section:
    size = (1 if quick else 8) << 20
    count = 20 if quick else 100
    seconds = 5.0 if quick else 60.0
    section = Section(
        "2. Through the whole stack: pty -> firmware -> TCP and back, against socat",
        f"Real time, firmware under {python.id} {python.version}. The gateway runs in client `maintain` mode with "
        f"`socketting 90 {SEND_TIMEOUT_TENTHS} 0` (send timeout {SEND_TIMEOUT_TENTHS * 100} ms: a partial "
        f"packet leaves after it); socat bridges a pty and a TCP connection (`socat -b 65536 FILE:<pty>,raw,echo=0 "
        f"TCP:...`). Throughput: {size >> 20} MiB each way at once. Echo: {count} round trips of 16 bytes, "
        f"device -> bridge -> echo server -> bridge -> device. Paced: both directions at {RATE:,} B/s for "
        f"{seconds:g} s.",
    )
    missing = ensure_socat()
    bridges = Table(["bridge", "MiB/s each way", "byte-exact", "echo p50 ms", "echo p99 ms",
                     "echo p99 over send timeout ms"])
    pacing = Table(["direction", "bytes sent", "bytes lost (goal 0)", "latency p50 ms", "p99 ms", "max ms",
                    "max over send timeout ms", "verdict (lost)"])
    with tempfile.TemporaryDirectory(prefix="bench-stack-") as tmp:
        with gateway_ends(python, Path(tmp)) as ends:
            wall, exact = throughput(ends, size)
            rtts = echoes(ends, count)
            bridges.add("gateway", (size >> 20) / wall, "yes" if exact else "**NO**", _pct(rtts, 50) * 1000,
                        _pct(rtts, 99) * 1000, _pct(rtts, 99) * 1000 - SEND_TIMEOUT_TENTHS * 100)
            up, down = paced(ends, seconds)
        if missing is None:
            with socat_ends() as ends:
                wall, exact = throughput(ends, size)
                rtts = echoes(ends, count)
                bridges.add("socat", (size >> 20) / wall, "yes" if exact else "**NO**", _pct(rtts, 50) * 1000,
                            _pct(rtts, 99) * 1000, "-")
        else:
            section.notes.append(missing)
    timeout_ms = SEND_TIMEOUT_TENTHS * 100
    for label, r in (("serial -> TCP", up), ("TCP -> serial", down)):
        pacing.add(label, r.sent, r.lost, r.p50 * 1000, r.p99 * 1000, r.worst * 1000,
                   max(0.0, r.worst * 1000 - timeout_ms), verdict(r.lost == 0))
        if r.lost:
            section.missed.append(f"paced {label}: {r.lost} of {r.sent} bytes lost or wrong (goal 0).")
    section.tables += [("Throughput and echo latency", bridges), (f"Paced at 115200 8N1, {seconds:g} s", pacing)]
    section.notes += [
        "Echo latency through the gateway includes the send timeout: a 16-byte message is a partial packet, "
        "which the modem holds for the send timeout before it goes out (socat has no such wait).",
        "Latency of a paced chunk = from its write on one side to the moment all its bytes arrived on the other.",
    ]
    return section
