"""The download of the field update (runtime/httpget.py) end to end: the real firmware function in a firmware
process in the strict simulator (virtual clock, class 10 rates, reads cut and merged by the seed), fetching from
a real loopback HTTP server (http.server in a thread). The test firmware tests/e2e/firmware/fetchrun.py runs one
fetch per line of jobs.txt and reports each result on SER2."""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import pytest

from fsm.interpreters import Interpreter
from host.clock import VirtualClock
from host.modem import Modem
from host.modem import Network
from host.simulator import Simulator
from host.speed import FLASH_WRITE_BYTES_PER_S
from host.speed import PRESETS
from tests.e2e.gateway import FIRMWARE
from tests.simseed import kindness
from tests.simseed import sim_seed
from tests.support import free_port

ENTRY = Path(__file__).parent / "firmware" / "fetchrun.py"
WAIT_S = 120.0  # real seconds a whole run may take (a 300 KB download crosses the downlink in 512-byte steps)
KB = 1024
# Bytes a modem or a parser might act on, in the middle of a body.
HOSTILE = b"+++\r\nNO CARRIER\r\n\r\n\r\nHTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n\x1a\x00+++" + bytes(range(256))
# The HTTP server is a thread of this process, not played in the simulator's own turns: it answers in real
# time, and the virtual clock jumps once real I/O was quiet this long. 50 ms (not the firmware suites' 1 ms)
# keeps a busy machine from turning the server's scheduling delay into seconds of clock time.
QUIET_S = 0.05
DOWN_BPS = Network().down_bps  # the default (class 10) downlink
SLACK_S = 3


def body(size: int) -> bytes:
    """`size` random bytes with HOSTILE in the middle and at the end."""
    half = (size - 2 * len(HOSTILE)) // 2
    return os.urandom(half) + HOSTILE + os.urandom(size - half - 2 * len(HOSTILE)) + HOSTILE


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    length: int | None = None  # the Content-Length sent: len(body) unless given; -1: none
    cut: int | None = None  # the server closes after this many body bytes
    hold: bool = False  # ... or, instead of closing, keeps the connection open until the test ends


@dataclass
class Site:
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[bytes] = field(default_factory=list)  # each request's head
    release: threading.Event = field(default_factory=threading.Event)  # ends every hold


class Handler(http.server.BaseHTTPRequestHandler):
    site: Site

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        # The head as sent (the firmware writes `Name: value` with one space; bytes(headers) would refold it).
        fields = b"".join(f"{k}: {v}\r\n".encode("latin-1") for k, v in self.headers.items())
        self.site.requests.append(self.raw_requestline + fields + b"\r\n")
        route = self.site.routes.get(self.path)
        if route is None or route.status != 200:
            self.send_error(route.status if route else 404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        length = len(route.body) if route.length is None else route.length
        if length >= 0:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(route.body[:route.cut])  # then HTTP/1.0 closes the connection
        if route.hold:
            self.site.release.wait(WAIT_S)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
        pass


@pytest.fixture
def site() -> Iterator[tuple[Site, int]]:
    """A loopback HTTP server in a thread serving Site.routes; yields the site and its port."""
    s = Site()
    handler = type("SiteHandler", (Handler,), {"site": s})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield s, server.server_address[1]
    finally:
        s.release.set()
        server.shutdown()
        server.server_close()
        thread.join(10)


@dataclass
class Job:
    error: str
    got: int  # body bytes fetch counted (-1: not run: the URL did not parse)
    sunk: int  # bytes the sink was given
    pieces: int
    seconds: int
    at_ok: bool
    data: bytes


def run_jobs(python: Interpreter, nvm: Path, jobs: list[str], listen: int = 0,
             module_speed: int | None = None) -> tuple[list[Job], Simulator]:
    """Runs fetchrun.py on `jobs` (lines `<url> <most> [<sink limit>]`) in a strict simulator, the modem
    listening on `listen` first (0: not), computing and flash writes charged at `module_speed` (None: free);
    the results."""
    nvm.mkdir(parents=True, exist_ok=True)
    (nvm / "jobs.txt").write_text("\n".join(jobs) + "\n")
    if listen:
        (nvm / "listen.txt").write_text(str(listen))
    clock = VirtualClock()
    sim = Simulator(ENTRY, [*FIRMWARE, ENTRY.parent], python=python.path, clock=clock, nvm_dir=nvm,
                    modem=Modem(clock, Network()), kind=kindness(), seed=sim_seed(), quiet_s=QUIET_S,
                    module_speed=module_speed)
    sim.start()
    try:
        sim.run_until(lambda: "done=" in sim.trace.text, WAIT_S, f"the downloads {jobs}")
        lines = dict(line.split("=", 1) for line in sim.trace.lines() if "=" in line)
    finally:
        sim.stop()
    assert lines["boot"] == "1", sim.trace.tail(20)
    assert lines["listening"] == str(listen), sim.trace.tail(20)
    out = []
    for i in range(1, len(jobs) + 1):
        error, got, sunk, pieces, seconds = lines[f"job{i}"].rsplit("|", 4)
        out.append(Job(error, int(got), int(sunk), int(pieces), int(seconds), lines[f"at{i}"] == "1",
                       (nvm / f"body{i}.bin").read_bytes()))
    return out, sim


def assert_link_time(job: Job, size: int) -> None:
    """The download took the time the downlink (DOWN_BPS) needs for `size` bytes, plus at most SLACK_S for the
    dial, the request, the server's close and MOD.secCounter's whole seconds."""
    link_s = size / DOWN_BPS
    assert link_s - 1 <= job.seconds <= link_s + SLACK_S, (job.seconds, link_s)


def test_a_100_kb_body_arrives_whole_and_byte_exact(firmware_python: Interpreter, tmp_path: Path,
                                                    site: tuple[Site, int]) -> None:
    s, port = site
    data = body(100 * KB)
    s.routes["/fw/bundle.bin"] = Route(body=data)
    # The modem listens as in server mode: the download stops the listener (#SKTD would answer ERROR).
    [job], sim = run_jobs(firmware_python, tmp_path / "nvm", [f"http://127.0.0.1:{port}/fw/bundle.bin {len(data)}"],
                          listen=free_port())
    assert sim.modem.describe()["listening"] is None
    assert (job.error, job.got, job.sunk) == ("ok", len(data), len(data))
    assert job.data == data
    assert_link_time(job, len(data))
    assert job.pieces > 1  # handed over in the pieces MDM gave, not collected first
    assert job.at_ok
    [head] = s.requests
    lines = head.split(b"\r\n")
    assert lines[0] == b"GET /fw/bundle.bin HTTP/1.0"
    assert b"Host: 127.0.0.1" in lines
    assert b"Connection: close" in lines
    assert len(head) % 300 == 0  # padded to whole packets of the modem's (#PKTSZ 0) size: #DSTO 0 holds none


def test_a_body_written_slower_than_the_link_brings_it_arrives_whole_after_the_server_closed(
        firmware_python: Interpreter, tmp_path: Path, site: tuple[Site, int]) -> None:
    """The sink writes the module's flash (about 2.9 kB/s, host/speed.py), slower than the downlink (10 kB/s):
    the server has sent everything and closed, and the modem ended the call (DCD low), while most of the body
    still waits in the modem. That is body, not the modem's end of the call; its NO CARRIER comes after."""
    s, port = site
    data = body(200 * KB)
    s.routes["/fw/bundle.bin"] = Route(body=data)
    [job], sim = run_jobs(firmware_python, tmp_path / "nvm", [f"http://127.0.0.1:{port}/fw/bundle.bin {len(data)}"],
                          module_speed=PRESETS["pessimistic"])
    assert (job.error, job.got, job.sunk) == ("ok", len(data), len(data))
    assert job.data == data
    flash_s = len(data) / FLASH_WRITE_BYTES_PER_S
    assert job.seconds >= flash_s > len(data) / DOWN_BPS + 30  # the call ended long before the body was read
    assert job.at_ok  # the modem's end text went to the AT driver, and it takes commands again


def test_errors_are_reported_and_the_modem_dials_again_after_each(firmware_python: Interpreter, tmp_path: Path,
                                                                  site: tuple[Site, int]) -> None:
    s, port = site
    data = body(20 * KB)
    s.routes["/good"] = Route(body=data)
    s.routes["/half"] = Route(body=data, cut=len(data) // 2)
    s.routes["/nolength"] = Route(body=data, length=-1)
    s.routes["/liar"] = Route(body=data[:100], length=100 + len("\r\nNO CARRIER\r\n"))  # NO CARRIER is no body
    refused = free_port()
    base = f"http://127.0.0.1:{port}"
    jobs, sim = run_jobs(firmware_python, tmp_path / "nvm", [
        f"{base}/missing 100000",
        f"http://127.0.0.1:{refused}/x 100000",
        f"http://nowhere.example:{port}/good 100000",
        f"{base}/half 100000",
        f"{base}/nolength 100000",
        f"{base}/good {len(data) - 1}",
        f"{base}/good {len(data)}",
        f"{base}/liar 100000",
        f"{base}/good {len(data)} 5000",
        f"https://127.0.0.1:{port}/good 100000",
        f"{base}/good {len(data)}",
    ])
    assert [j.error for j in jobs] == [
        "HTTP 404",
        "connection refused",
        "unknown host nowhere.example",
        f"short download: got {len(data) // 2} of {len(data)} bytes",
        "no Content-Length",
        f"too big: {len(data)} bytes",
        "ok",
        "short download: got 100 of 114 bytes",
        "no space on the module",
        "https is not supported: use http://",
        "ok",
    ], sim.trace.tail(40)
    assert [j.sunk for j in jobs] == [0, 0, 0, len(data) // 2, 0, 0, len(data), 100, jobs[8].sunk, 0, len(data)]
    assert jobs[3].data == data[:len(data) // 2]
    assert jobs[7].data == data[:100]
    assert jobs[6].data == data
    assert jobs[10].data == data
    assert jobs[8].sunk > 5000  # the sink's error ended the download at the piece past its limit
    assert all(j.at_ok for j in jobs)
    assert not sim.modem.describe().get("socket"), "the call was ended"


def test_a_long_download_at_the_class_10_rate_kicks_the_watchdog(firmware_python: Interpreter, tmp_path: Path,
                                                                site: tuple[Site, int]) -> None:
    s, port = site
    data = body(300 * KB)
    s.routes["/big"] = Route(body=data)
    [job], sim = run_jobs(firmware_python, tmp_path / "nvm", [f"http://127.0.0.1:{port}/big {len(data)}"])
    assert job.error == "ok"
    assert job.data == data
    assert_link_time(job, len(data))
    assert sim.watchdog.longest_gap_s <= 10, sim.watchdog.longest_gap_s


def test_a_server_that_does_not_close_or_stalls_is_cut_off(firmware_python: Interpreter, tmp_path: Path,
                                                           site: tuple[Site, int]) -> None:
    s, port = site
    data = body(10 * KB)
    s.routes["/keep"] = Route(body=data, hold=True)  # the whole body, then the connection stays open
    s.routes["/stall"] = Route(body=data, cut=4 * KB, hold=True)  # 4 KB, then nothing
    s.routes["/good"] = Route(body=data)
    base = f"http://127.0.0.1:{port}"
    jobs, sim = run_jobs(firmware_python, tmp_path / "nvm", [f"{base}/keep 100000", f"{base}/stall 100000",
                                                              f"{base}/good 100000"])
    assert [(j.error, j.sunk) for j in jobs] == [("ok", len(data)), (f"timed out after {4 * KB} bytes", 4 * KB),
                                                 ("ok", len(data))], sim.trace.tail(30)
    assert [j.data for j in jobs] == [data, data[:4 * KB], data]
    assert all(j.at_ok for j in jobs)
    # The stall is given up after NO_PROGRESS_S (60) of clock time without a byte, not sooner.
    assert 60 <= jobs[1].seconds <= 70, jobs[1].seconds
