"""The gateway's RS232 port (ASC0, what the firmware's SER talks to): a pseudo-terminal the simulator
creates (its slave path is what a user or test opens), or any pyserial device or URL, opened only with
serial.serial_for_url(). Holds the module's 4096-byte receive buffer (the port is not read while it is
full: flow control), a bounded transmit buffer, the speed and format, and the handshake lines the firmware
drives (DCD/CTS/DSR/RI) and reads (RTS/DTR). Non-blocking; the simulator selects on fileno().
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import termios
import tty

import serial

SPEEDS = ("300", "600", "1200", "2400", "4800", "9600", "19200", "38400", "57600", "115200")
# format string -> (bytesize, parity, stopbits), the values SER.set_speed accepts (telit-facts 2.2)
FORMATS = {
    "8N1": (serial.EIGHTBITS, serial.PARITY_NONE, serial.STOPBITS_ONE),
    "8N2": (serial.EIGHTBITS, serial.PARITY_NONE, serial.STOPBITS_TWO),
    "8E1": (serial.EIGHTBITS, serial.PARITY_EVEN, serial.STOPBITS_ONE),
    "8O1": (serial.EIGHTBITS, serial.PARITY_ODD, serial.STOPBITS_ONE),
    "7N1": (serial.SEVENBITS, serial.PARITY_NONE, serial.STOPBITS_ONE),
    "7N2": (serial.SEVENBITS, serial.PARITY_NONE, serial.STOPBITS_TWO),
    "7E1": (serial.SEVENBITS, serial.PARITY_EVEN, serial.STOPBITS_ONE),
    "7O1": (serial.SEVENBITS, serial.PARITY_ODD, serial.STOPBITS_ONE),
    "8E2": (serial.EIGHTBITS, serial.PARITY_EVEN, serial.STOPBITS_TWO),
}
RX_LIMIT = 4096  # the module's SER receive buffer (telit-facts 2.2); beyond it the port is not read
TX_LIMIT = 64 * 1024  # bytes waiting to go out before SER.send blocks (as with RTS/CTS flow control)


def _fileno(port: serial.SerialBase | None) -> int | None:
    try:
        return port.fileno() if port is not None else None
    except (AttributeError, OSError, ValueError, serial.SerialException):  # loop:// has none
        return None


class SerialSide:
    """One end of the gateway's serial line; `path` is what the other end opens (pty path or the URL)."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url
        self.port: serial.SerialBase | None = None
        self._master: int | None = None
        self._slave: int | None = None
        if url is None:
            master, slave = os.openpty()
            tty.setraw(slave)  # no echo, no CR/LF translation: bytes pass unchanged
            flags = fcntl.fcntl(master, fcntl.F_GETFL)
            fcntl.fcntl(master, fcntl.F_SETFL, flags | os.O_NONBLOCK)
            self._master, self._slave = master, slave  # the slave stays open: no EIO when a user closes it
            self.path = os.ttyname(slave)
        else:
            self.port = serial.serial_for_url(url, timeout=0)
            self.path = url
        self._fd = self._master if self._master is not None else _fileno(self.port)
        if self.port is not None and self._fd is not None:
            self.port.write_timeout = 0  # non-blocking: write() says how much it took (select decides when)
        self.rx = bytearray()  # received, not yet read by the firmware (at most RX_LIMIT)
        self.tx = bytearray()  # sent by the firmware, not yet written to the port
        self.speed = ("9600", "8N1")  # as set by SER.set_speed (the power-on value is an assumption)
        self.lines_out: dict[str, int] = {"DCD": 0, "CTS": 1, "DSR": 1, "RI": 0}  # driven by the firmware
        self.device_rts = 1  # what SER.getRTS()/getDTR() report: the attached device's lines (tests set them)
        self.device_dtr = 1
        self.device_rtscts: bool | None = None  # the device side uses RTS/CTS; None: read it from the pty
        self.bytes_in = 0
        self.bytes_out = 0
        self.closed = False  # the port went away (socket:// peer closed, device unplugged)
        self.error = ""

    # --- for the simulator loop
    def fileno(self) -> int | None:
        """The descriptor to select() on, or None (loop://): then the loop polls it."""
        if self.closed:
            return None
        return self._fd

    def wants_read(self) -> bool:
        return not self.closed and len(self.rx) < RX_LIMIT

    def wants_write(self) -> bool:
        return not self.closed and len(self.tx) > 0

    def pump(self) -> bool:
        """Moves what can move without blocking, both ways; returns True if any byte moved."""
        moved = False
        if self.wants_read():
            data = self._read(RX_LIMIT - len(self.rx))
            if data:
                self.rx += data
                self.bytes_in += len(data)
                moved = True
        if self.wants_write():
            n = self._write(bytes(self.tx[:65536]))
            if n:
                del self.tx[:n]
                self.bytes_out += n
                moved = True
        return moved

    def _read(self, limit: int) -> bytes:
        try:
            if self._master is not None:
                return os.read(self._master, limit)
            assert self.port is not None
            waiting = self.port.in_waiting
            return self.port.read(min(limit, waiting)) if waiting else b""
        except BlockingIOError:
            return b""
        except (OSError, serial.SerialException) as exc:
            self._lost(exc)
            return b""

    def _write(self, data: bytes) -> int:
        try:
            if self._master is not None:
                return os.write(self._master, data)
            assert self.port is not None
            return self.port.write(data) or 0
        except BlockingIOError:
            return 0
        except (OSError, serial.SerialException) as exc:
            self._lost(exc)
            return 0

    def _lost(self, exc: Exception) -> None:
        self.closed = True
        self.error = f"serial port {self.path}: {exc}"

    def rtscts(self) -> bool:
        """Whether the other end uses hardware flow control: `device_rtscts` when set, else the CRTSCTS flag
        the other end set on the pty (pyserial's rtscts=True does); a URL port without the setting: no."""
        if self.device_rtscts is not None:
            return self.device_rtscts
        if self._slave is None:
            return False
        try:
            return bool(termios.tcgetattr(self._slave)[2] & termios.CRTSCTS)
        except termios.error:
            return False

    # --- for the SER built-in
    def take(self, limit: int = RX_LIMIT) -> bytes:
        data = bytes(self.rx[:limit])
        del self.rx[:limit]
        return data

    def send(self, data: bytes) -> None:
        self.tx += data

    def tx_room(self) -> bool:
        return len(self.tx) < TX_LIMIT

    def set_speed(self, speed: str, fmt: str) -> bool:
        """SER.set_speed: False (the built-in returns -1) for what the module rejects."""
        if speed not in SPEEDS or fmt not in FORMATS:
            return False
        self.speed = (speed, fmt)
        if self.port is not None:
            bytesize, parity, stopbits = FORMATS[fmt]
            self.port.baudrate = int(speed)
            self.port.bytesize = bytesize
            self.port.parity = parity
            self.port.stopbits = stopbits
        return True

    def reset(self, keep_output: bool = False) -> None:
        """Module reboot: the UART buffers are lost (unless the output must still go), the port stays."""
        self.rx.clear()
        if not keep_output:
            self.tx.clear()

    def close(self) -> None:
        for fd in (self._master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = None
        if self.port is not None:
            self.port.close()
        self.closed = True
