"""The serial side: the pty the simulator creates, opened with pyserial, and pyserial URLs (loop://)."""

from __future__ import annotations

import contextlib
import os
import select
import socket
from collections.abc import Callable

import serial

from host.kindness import Kindness
from host.serialside import SerialSide
from host.simulator import Simulator
from tests.host.conftest import MakeSim
from tests.host.conftest import reports
from tests.host.conftest import wait_report

# The two tests of the port plumbing alone look at bytes right after they were written: no line speed.
PLUMBING = Kindness(instant_serial=True)


def exchange(sim: Simulator, port: serial.Serial, payload: bytes, what: str) -> bytes:
    """Writes payload to the port while the simulator runs; returns what came back (as much as was sent)."""
    got = bytearray()
    sent = 0

    def done() -> bool:
        nonlocal sent
        # Linux can block even a non-blocking pty write when its buffer is nearly full: small pieces, and
        # only while select() says there is room (the line at its speed drains the pty slowly).
        while sent < len(payload) and select.select([], [port.fileno()], [], 0)[1]:
            sent += port.write(payload[sent : sent + 256]) or 0
        got.extend(port.read(port.in_waiting or 1))
        return len(got) >= len(payload)

    sim.run_until(done, 60, what)
    return bytes(got)


def test_every_byte_value_passes_through_ser_and_mdm(make_sim: MakeSim, open_pty: Callable) -> None:
    sim = make_sim("sereco.py")
    assert os.path.exists(sim.serial_path)
    port = open_pty(sim.serial_path)
    wait_report(sim, "ready")
    assert reports(sim)["mdm_latin1"] == "1"
    payload = bytes(range(256))
    assert exchange(sim, port, payload, "256 byte values echoed") == payload
    assert wait_report(sim, "ser_latin1") == "1"


def test_a_pty_echo_of_random_blocks_is_exact(make_sim: MakeSim, open_pty: Callable) -> None:
    """64 KiB through a real pty and back, every byte value, at the serial line's speed (the time it takes)."""
    sim = make_sim("sereco.py")
    port = open_pty(sim.serial_path)
    wait_report(sim, "ready")
    payload = os.urandom(64 * 1024) + b"+++NO CARRIER\r\n\x1a\x00"
    assert exchange(sim, port, payload, "64 KiB echoed over the pty") == payload


def test_a_socket_url_device_talks_to_the_firmware(make_sim: MakeSim) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(10)
        sim = make_sim("sereco.py", serial=f"socket://127.0.0.1:{server.getsockname()[1]}")
        device, _ = server.accept()
        with device:
            wait_report(sim, "ready")
            device.sendall(b"ping\x00\xff")
            got = bytearray()
            device.setblocking(False)

            def echoed() -> bool:
                with contextlib.suppress(BlockingIOError):
                    got.extend(device.recv(100))
                return len(got) >= 6

            sim.run_until(echoed, 30, "the echo over socket://")
            assert bytes(got) == b"ping\x00\xff"


def test_a_pyserial_url_is_the_serial_side() -> None:
    side = SerialSide("loop://", kind=PLUMBING)
    try:
        assert side.fileno() is None
        side.send(b"abc\x00\xff")
        assert side.pump()  # written to the loop
        assert side.pump()  # read back
        assert side.take() == b"abc\x00\xff"
        assert side.set_speed("38400", "7E1")
        assert side.port is not None
        assert (side.port.baudrate, side.port.bytesize, side.port.parity) == (38400, 7, "E")
        assert not side.set_speed("38400", "6N1")
        assert side.speed == ("38400", "7E1")
    finally:
        side.close()


def test_a_pty_slave_is_raw(make_sim: MakeSim) -> None:
    side = SerialSide(kind=PLUMBING)
    try:
        with open(side.path, "r+b", buffering=0) as slave:
            slave.write(b"a\r\n\x03\x1a")
            side.pump()
            assert side.take() == b"a\r\n\x03\x1a"  # no CR/LF translation, no signals, no echo
    finally:
        side.close()
