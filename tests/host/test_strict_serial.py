"""As hard as the module, the serial side: the serial line at its speed and character format both ways, SER's 4096-byte
receive buffer (what does not fit is lost and counted), a device that honours CTS or not, and SER.send blocking while
the device holds RTS low or does not read (host/serialside.py, host/wire.py)."""

from __future__ import annotations

import contextlib
import select
import socket
from collections.abc import Callable
from collections.abc import Iterator

import pytest
import serial

from host.kindness import Kindness
from host.serialside import IN_FLIGHT
from host.serialside import RX_LIMIT
from tests.host.conftest import Probe

WHOLE = Kindness(whole_chunks=True, factory_profile=True)  # exact arrival times: no read is held back


def pattern(n: int) -> bytes:
    """What probe.py sends for `ssend n`."""
    return (b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" * (n // 62 + 1))[:n]


@pytest.fixture
def device() -> Iterator[Callable[[], tuple[str, Callable[[], socket.socket]]]]:
    """A device on a socket:// serial URL: its kernel buffers take any amount at once, so a test can send
    everything before the clock moves."""
    servers: list[socket.socket] = []
    conns: list[socket.socket] = []

    def make() -> tuple[str, Callable[[], socket.socket]]:
        server = socket.create_server(("127.0.0.1", 0))
        server.settimeout(10)
        servers.append(server)

        def accept() -> socket.socket:
            conn, _ = server.accept()
            conns.append(conn)
            return conn

        return f"socket://127.0.0.1:{server.getsockname()[1]}", accept

    yield make
    for s in conns + servers:
        s.close()


def received(conn: socket.socket, into: bytearray) -> int:
    conn.setblocking(False)
    with contextlib.suppress(BlockingIOError):
        into.extend(conn.recv(1 << 20))
    return len(into)


@pytest.mark.parametrize(("baud", "fmt", "bits"),
                         [("9600", "8N1", 10), ("9600", "8E2", 12), ("115200", "7E1", 10), ("2400", "7N1", 9)])
def test_the_line_carries_baud_over_bits_per_character_both_ways(probe: Callable[..., Probe], device: Callable,
                                                                   baud: str, fmt: str, bits: int) -> None:
    n = int(baud) // bits // 2  # half a second of line time
    url, accept = device()
    p = probe([f"speed {baud} {fmt}", "mark ready", f"srecv {n} 50", f"ssend {n}", "mark sent"], serial=url,
              kind=WHOLE)
    conn = accept()
    p.wait("mark", "ready")
    t0 = p.sim.clock.now()
    conn.sendall(bytes(n))
    p.wait("stotal")
    assert p.values("stotal") == [str(n)]
    assert p.when("stotal", str(n)) - t0 == pytest.approx(n * bits / int(baud), abs=1e-6)  # start+data+parity+stop
    p.wait("mark", "sent")
    t1 = p.when("ssend", "1")
    got = bytearray()
    p.sim.run_until(lambda: received(conn, got) >= n, 30, "the firmware's bytes at the device")
    assert p.sim.clock.now() - t1 == pytest.approx(n * bits / int(baud), abs=1e-6)
    assert got == pattern(n)


@pytest.mark.parametrize("device_cts", ["ignore", "honour"])
def test_what_does_not_fit_the_4096_byte_buffer_is_lost_and_counted(probe: Callable[..., Probe], device: Callable,
                                                                    device_cts: str) -> None:
    url, accept = device()  # the firmware never lowers CTS: honouring it changes nothing
    p = probe(["speed 115200 8N1", "mark ready", "sleep 30", "sdrain", "sleep 30", "sdrain"], serial=url,
              device_cts=device_cts)
    conn = accept()
    p.wait("mark", "ready")
    conn.sendall(bytes(range(250)) * 40)  # 10,000 bytes: 0.87 s at 115200, the firmware sleeps 3 s
    p.wait("done")
    assert p.values("sdrain") == [str(RX_LIMIT), "0"]
    assert p.sim.serial.lost == 10_000 - RX_LIMIT
    assert p.sim.status()["serial_lost"] == 10_000 - RX_LIMIT


def test_a_device_that_honours_cts_waits_while_the_firmware_holds_it_low(probe: Callable[..., Probe],
                                                                         device: Callable) -> None:
    url, accept = device()
    p = probe(["speed 115200 8N1", "cts 0", "mark ready", "sleep 30", "sdrain", "cts 1", "srecv 10000 20"],
              serial=url, device_cts="honour")
    conn = accept()
    p.wait("mark", "ready")
    conn.sendall(bytes(range(250)) * 40)
    p.wait("done")
    assert p.values("sdrain") == ["0"]  # nothing came while CTS was low
    assert p.values("stotal") == ["10000"]
    assert p.sim.serial.lost == 0


def test_bytes_already_on_the_line_when_cts_falls_still_arrive(probe: Callable[..., Probe], device: Callable) -> None:
    url, accept = device()
    p = probe(["speed 115200 8N1", "mark ready", "srecv 1000 20", "cts 0", "sleep 30", "sdrain", "cts 1",
               "srecv 9000 20"], serial=url, device_cts="honour", kind=WHOLE)  # whole: nothing left in SER
    conn = accept()
    p.wait("mark", "ready")
    conn.sendall(bytes(range(250)) * 40)
    p.wait("done")
    first, rest = (int(v) for v in p.values("stotal"))
    in_flight = int(p.values("sdrain")[0])
    assert 1 <= in_flight <= IN_FLIGHT
    assert first + in_flight + rest == 10_000
    assert p.sim.serial.lost == 0


def test_serial_flow_control_is_the_kindness_that_loses_nothing(probe: Callable[..., Probe],
                                                               device: Callable) -> None:
    url, accept = device()
    p = probe(["speed 115200 8N1", "mark ready", "sleep 30", "sdrain", "sleep 30", "sdrain"], serial=url,
              kind=Kindness(serial_flow_control=True), device_cts="ignore")
    conn = accept()
    p.wait("mark", "ready")
    conn.sendall(bytes(range(250)) * 40)
    p.wait("done")
    assert [int(v) for v in p.values("sdrain")] == [10_000, 0]  # what waited on the line came as room appeared
    assert p.sim.serial.lost == 0


@pytest.mark.parametrize(("kind", "chunks"), [(WHOLE, [1023, 1023, 954]),
                                              (Kindness(whole_chunks=True, factory_profile=True,
                                                        long_serial_reads=True), [3000])])
def test_one_ser_read_hands_over_at_most_1023_bytes_unless_long_serial_reads(probe: Callable[..., Probe],
                                                                           device: Callable, kind: Kindness,
                                                                           chunks: list[int]) -> None:
    url, accept = device()
    p = probe(["speed 115200 8N1", "mark ready", "sleep 5", "srecv 3000 10"], serial=url, kind=kind)
    conn = accept()
    p.wait("mark", "ready")
    conn.sendall(bytes(3000))  # all buffered after the half-second sleep (SER.read cuts the same way: _give)
    p.wait("done")
    assert [int(v) for v in p.values("schunk")] == chunks
    assert p.sim.serial.lost == 0


def test_ser_send_blocks_while_the_device_holds_rts_low(probe: Callable[..., Probe], device: Callable) -> None:
    url, accept = device()
    p = probe(["speed 115200 8N1", "mark ready", "ssend 3000", "mark one", "ssend 3000", "mark two"], serial=url)
    conn = accept()
    p.sim.serial.device_rts = 0
    p.wait("mark", "one")
    p.sim.run_for(10)
    assert p.sim.blocked_in == "SER.send"  # 3000 + 3000 do not fit the 4096-byte transmit buffer
    assert p.values("mark") == ["ready", "one"]
    got = bytearray()
    assert received(conn, got) == 0  # the module's UART sends nothing while RTS is low
    p.sim.serial.device_rts = 1
    p.wait("mark", "two")
    p.sim.run_until(lambda: received(conn, got) >= 6000, 30, "6000 bytes at the device")
    assert len(got) == 6000


def test_ser_send_blocks_while_the_device_does_not_read(probe: Callable[..., Probe]) -> None:
    steps = ["speed 115200 8N1"] + [s for i in range(40) for s in ("ssend 4000", f"mark {i}")]
    p = probe(steps)
    port = serial.serial_for_url(p.sim.serial_path, baudrate=115200, timeout=0)
    try:
        p.sim.run_for(60)  # 160,000 bytes are 14 s of line time, but the pty and the buffers fill first
        assert p.sim.blocked_in == "SER.send"
        assert len(p.values("mark")) < 40
        got = bytearray()

        def read_all() -> bool:
            while select.select([port.fileno()], [], [], 0)[0]:
                got.extend(port.read(65536))
            return len(got) >= 160_000

        p.sim.run_until(read_all, 60, "160,000 bytes at the device once it reads")
        assert len(p.values("mark")) == 40
        assert got == pattern(4000) * 40
    finally:
        port.close()


def test_roomy_serial_tx_is_the_kindness_that_neither_blocks_nor_heeds_rts(probe: Callable[..., Probe],
                                                                           device: Callable) -> None:
    url, accept = device()
    p = probe(["speed 115200 8N1", "ssend 3000", "ssend 3000", "mark two"], serial=url,
              kind=Kindness(roomy_serial_tx=True))
    conn = accept()
    p.sim.serial.device_rts = 0
    p.wait("mark", "two")
    got = bytearray()
    p.sim.run_until(lambda: received(conn, got) >= 6000, 30, "6000 bytes although RTS is low")


def test_a_reboot_puts_the_lines_back_to_their_power_on_levels(probe: Callable[..., Probe]) -> None:
    p = probe(["cts 0", "mark low"])
    p.wait("mark", "low")
    assert p.sim.serial.lines_out["CTS"] == 0
    p.sim.power_cut(restart=True)
    assert p.sim.serial.lines_out == {"DCD": 0, "CTS": 1, "DSR": 1, "RI": 0}  # a device CTS stopped may go on
