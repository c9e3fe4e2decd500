"""Module speed (host/speed.py, host/telit/simspeed.py): the virtual clock charges the firmware's Python work as
the module would, the world running meanwhile, deterministically for one seed."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from host import link
from host.clock import RealClock
from host.simulator import Simulator
from host.speed import PRESETS
from host.speed import ModuleSpeed
from host.speed import parse_speed
from tests.host.conftest import MakeSim
from tests.host.conftest import reports
from tests.host.conftest import wait_report

PESSIMISTIC = PRESETS["pessimistic"]
CENTRAL = PRESETS["central"]


def run_modspeed(make_sim: MakeSim, tmp_path: Path, cfg: str, **kwargs: object) -> Simulator:
    nvm = tmp_path / f"ms{len(list(tmp_path.glob('ms*')))}"
    nvm.mkdir()
    (nvm / "modspeed.cfg").write_text(cfg)
    return make_sim("modspeed.py", nvm_dir=nvm, **kwargs)


def loop_times(make_sim: MakeSim, tmp_path: Path, n: int, speed: int | None, seed: int = 5,
               mode: str = "loop") -> tuple[float, float]:
    """Clock times at which the `loop n` (or `<mode> n`) firmware reported its start and its end."""
    sim = run_modspeed(make_sim, tmp_path, f"{mode} {n}", module_speed=speed, seed=seed)
    times: dict[str, float] = {}

    def heard(data: bytes) -> None:
        for key in (b"start=", b"end="):
            if key in data:
                times.setdefault(key.decode(), sim.clock.now())

    sim.trace.listeners.append(heard)
    wait_report(sim, "done")
    return times["start="], times["end="]


def test_request_counts_travel_in_the_frame_and_plain_requests_carry_none() -> None:
    body = link.request("SER.read", (), b"", counts=(12, 3))[link.HEADER_LEN:]
    assert body == b"#12,3 SER.read\n"
    r = link.parse_request(body)
    assert (r.name, r.ints, r.lines, r.calls, r.counted) == ("SER.read", (), 12, 3, True)
    r = link.parse_request(link.request("MDM.send", (50,), b"AT\r")[link.HEADER_LEN:])
    assert (r.name, r.ints, r.data, r.counted) == ("MDM.send", (50,), b"AT\r", False)
    for bad in (b"#12 SER.read\n", b"#1,x SER.read\n", b"#1,2\n"):
        with pytest.raises(link.ProtocolError):
            link.parse_request(bad)


def test_the_price_uses_the_documented_weights_and_the_presets() -> None:
    s = ModuleSpeed(PESSIMISTIC)
    assert s.charge(100, 10) == pytest.approx((100 * 5 + 10 * 8 + 14) / 60_000)
    assert (s.lines, s.calls, s.builtins) == (100, 10, 1)
    assert parse_speed("pessimistic") == 60_000
    assert parse_speed("central") == 200_000
    assert parse_speed("150000") == 150_000
    for bad in ("fast", "0", "-5"):
        with pytest.raises(ValueError, match="module speed must be"):
            parse_speed(bad)


def test_module_speed_needs_the_virtual_clock(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="virtual clock"):
        Simulator(tmp_path / "x.py", clock=RealClock(), module_speed=PESSIMISTIC)


def test_a_loop_takes_clock_time_that_scales_with_the_speed(make_sim: MakeSim, tmp_path: Path) -> None:
    n = 20_000
    free = loop_times(make_sim, tmp_path, n, None)
    slow = loop_times(make_sim, tmp_path, n, PESSIMISTIC)
    fast = loop_times(make_sim, tmp_path, n, CENTRAL)
    assert free[1] - free[0] == 0  # without module speed the clock stands still while the firmware computes
    slow_s, fast_s = slow[1] - slow[0], fast[1] - fast[0]
    # n iterations of at least two lines and a call each: at least 18 bytecode-equivalents per iteration
    assert slow_s >= n * 18 / PESSIMISTIC
    assert slow_s / fast_s == pytest.approx(CENTRAL / PESSIMISTIC, rel=1e-9)  # the same counts, priced twice
    twice = loop_times(make_sim, tmp_path, 2 * n, PESSIMISTIC)
    assert twice[1] - twice[0] == pytest.approx(2 * slow_s, rel=0.01)  # the price is the work's


def test_writing_a_file_takes_the_flash_time_the_manufacturer_gives(make_sim: MakeSim, tmp_path: Path) -> None:
    """#WSCRIPT's "35 seconds for a 100 Kbyte file" (host/speed.py): the firmware's own file writes are charged at
    that rate too, on top of the computing; without module speed they are free."""
    n = 100_000
    free = loop_times(make_sim, tmp_path, n, None, mode="write")
    assert free[1] - free[0] == 0
    slow = loop_times(make_sim, tmp_path, n, PESSIMISTIC, mode="write")
    assert 35.0 <= slow[1] - slow[0] < 35.5  # 25 pieces of computing: well under a second
    assert (tmp_path / "ms1" / "modspeed.out").stat().st_size == n  # the writes went through


def test_one_seed_gives_the_same_counts_and_clock_times_again(make_sim: MakeSim, tmp_path: Path) -> None:
    runs = [loop_times(make_sim, tmp_path, 3_000, PESSIMISTIC, seed=9) for _ in range(2)]
    assert runs[0] == runs[1]
    assert runs[0][1] > runs[0][0]


@pytest.fixture
def devices() -> Iterator[list[socket.socket]]:
    """Devices on socket:// serial URLs (their kernel buffers take everything at once), closed afterwards."""
    held: list[socket.socket] = []
    yield held
    for s in held:
        s.close()


def serial_run(make_sim: MakeSim, tmp_path: Path, devices: list[socket.socket], mode: str, n: int,
               speed: int | None) -> tuple[int, int]:
    """The firmware in `mode` receives n bytes sent at once by a device at 115200: (bytes it got, bytes lost)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(10)
    devices.append(server)
    sim = run_modspeed(make_sim, tmp_path, f"{mode} {n}", module_speed=speed,
                       serial=f"socket://127.0.0.1:{server.getsockname()[1]}")
    conn, _ = server.accept()
    devices.append(conn)
    wait_report(sim, "ready")
    conn.sendall(bytes(range(256)) * (n // 256))
    wait_report(sim, "done", timeout_real_s=120)
    return int(reports(sim)["total"]), sim.serial.lost


def test_per_byte_work_loses_serial_bytes_at_the_pessimistic_speed_where_the_pump_does_not(
        make_sim: MakeSim, tmp_path: Path, devices: list[socket.socket]) -> None:
    n = 256 * 80  # 20 KB: 1.8 s of line at 115200, five times SER's buffer
    assert serial_run(make_sim, tmp_path, devices, "perbyte", n, None) == (n, 0)  # computing free: keeps up
    got, lost = serial_run(make_sim, tmp_path, devices, "perbyte", n, PESSIMISTIC)
    assert lost > 0
    assert got + lost == n  # a checksum loop in Python cannot keep up: the module loses bytes
    assert serial_run(make_sim, tmp_path, devices, "pump", n, PESSIMISTIC) == (n, 0)  # chunk-wise keeps up
