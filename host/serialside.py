"""The gateway's RS232 port (ASC0, what the firmware's SER talks to): a pseudo-terminal the simulator
creates (its slave path is what a user or test opens), or any pyserial device or URL, opened only with
serial.serial_for_url(). Models the line at its speed and character format both ways (host/wire.py), the
module's 4096-byte receive buffer (what does not fit is lost and counted in `lost`), the device's use of
CTS (`device_cts`) and RTS, the transmit buffer SER.send fills, and the handshake lines. Non-blocking; the
simulator selects on fileno() and calls pump(now) with the clock time. Sizes in bytes, times clock seconds.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import termios
import tty

import serial

from host.clock import Clock
from host.clock import RealClock
from host.kindness import STRICT
from host.kindness import Kindness
from host.wire import Wire
from host.wire import line_rate

SPEEDS = ("300", "600", "1200", "2400", "4800", "9600", "19200", "38400", "57600", "115200")
# format string -> (bytesize, parity, stopbits), the values SER.set_speed accepts (docs/design/telit.md §2.2)
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
RX_LIMIT = 4096  # the module's SER receive buffer (docs/design/telit.md §2.2: 80000ST10020a p31)
TX_LIMIT = 4096  # bytes SER.send may leave waiting for the line before it blocks (guess: as the receive side)
ROOMY_TX_LIMIT = 64 * 1024  # ... with Kindness.roomy_serial_tx
IN_FLIGHT = 16  # bytes a CTS-honouring device still sends after CTS falls (guess: a 16550-style 16-byte FIFO)
LOOKAHEAD_S = 0.25  # bytes read from the device (pty) at most this far ahead of the line
TX_STEP_S = 0.1  # while the module sends, virtual time moves in steps of this much line time (at most)
RX_WAKE_S = 0.05  # a receive waiting for the line wakes when this much line time has arrived (or all there is)
DEVICE_CTS = ("honour", "ignore")
POWER_ON_LINES = {"DCD": 0, "CTS": 1, "DSR": 1, "RI": 0}  # what the firmware drives, at power-on (assumption)
_TERMIOS_SPEEDS = {getattr(termios, f"B{s}"): s for s in SPEEDS}


def _fileno(port: serial.SerialBase | None) -> int | None:
    try:
        return port.fileno() if port is not None else None
    except (AttributeError, OSError, ValueError, serial.SerialException):  # loop:// has none
        return None


class SerialSide:
    """One end of the gateway's serial line; `path` is what the other end opens (pty path or the URL)."""

    def __init__(self, url: str | None = None, *, clock: Clock | None = None, kind: Kindness = STRICT,
                 device_cts: str = "honour") -> None:
        if device_cts not in DEVICE_CTS:
            raise ValueError(f"device_cts must be one of {' '.join(DEVICE_CTS)}, got {device_cts!r}")
        self.url = url
        self.clock: Clock = clock if clock is not None else RealClock()
        self.kind = kind
        self.device_cts = device_cts  # honour: the device stops sending while the firmware holds CTS low
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
        self.autobaud = False  # the AT parser owns the port (+IPR=0): the line runs at the device's speed
        self.rx = bytearray()  # received, not yet read by the firmware (at most RX_LIMIT)
        self.tx_limit = ROOMY_TX_LIMIT if kind.roomy_serial_tx else TX_LIMIT
        self.speed = ("9600", "8N1")  # as set by SER.set_speed (the power-on value is an assumption)
        self.lines_out: dict[str, int] = dict(POWER_ON_LINES)  # driven by the firmware
        self.line_log: list[tuple[float, str, int]] = []  # (clock time, line, value) of every SER.set<line> call
        self.device_rts = 1  # the attached device's lines, as SER.getRTS()/getDTR() report them (tests set them)
        self.device_dtr = 1
        self.device_rtscts: bool | None = None  # the device side uses RTS/CTS; None: read it from the pty
        self.bytes_in = 0  # bytes that reached the receive buffer
        self.bytes_out = 0  # bytes the device side took
        self.lost = 0  # bytes that arrived while the receive buffer was full (Kindness.serial_flow_control: 0)
        self._cts_low_s = 0.0  # clock seconds the firmware held CTS low, up to _cts_fell
        self._cts_fell: float | None = None  # when CTS last fell, while it stays low
        self.closed = False  # the port went away (socket:// peer closed, device unplugged)
        self.error = ""
        self._in = Wire(self._rate())  # device -> module: on the line
        self._out = Wire(self._rate())  # module -> device: the module's transmit buffer, draining at line rate
        self._held = bytearray()  # read from the device but not yet sent by it (CTS fell before it started)
        self._backlog = False  # the device had more to send when we last stopped reading it
        self._stuck = False  # the device did not take all the line had for it (the pty is full)

    # --- the line
    def _rate(self) -> float | None:
        if self.kind.instant_serial:
            return None
        return line_rate(*(self._device_setting() if self.autobaud else self.speed))

    def _device_setting(self) -> tuple[str, str]:
        """Speed and format the device set on its end of the pty (what autobauding detects); 115200 8N1
        when it cannot be read; a URL port keeps the speed it has."""
        if self._slave is None:
            return self.speed
        try:
            attrs = termios.tcgetattr(self._slave)
        except termios.error:
            return ("115200", "8N1")
        cflag = attrs[2]
        parity = "N" if not cflag & termios.PARENB else "O" if cflag & termios.PARODD else "E"
        fmt = f"{7 if cflag & termios.CSIZE == termios.CS7 else 8}{parity}{2 if cflag & termios.CSTOPB else 1}"
        return (_TERMIOS_SPEEDS.get(attrs[5], "115200"), fmt)

    def _held_at_buffer(self) -> bool:
        """Bytes wait on the line while the buffer is full instead of being lost: the kindness, or while the
        AT parser owns the port (PhysicalPort keeps its own buffer and counts its own losses)."""
        return self.kind.serial_flow_control or self.autobaud

    def _device_may_send(self) -> bool:
        return self.device_cts == "ignore" or self.lines_out.get("CTS", 1) == 1

    def _lookahead(self) -> int:
        if self._held_at_buffer():
            return max(0, RX_LIMIT - len(self.rx) - len(self._in.queue))
        rate = self._in.rate
        return 4096 if rate is None else max(16, int(rate * LOOKAHEAD_S)) - len(self._in.queue)

    # --- for the simulator loop
    def fileno(self) -> int | None:
        """The descriptor to select() on, or None (loop://): then the loop polls it."""
        if self.closed:
            return None
        return self._fd

    def wants_read(self) -> bool:
        return not self.closed and self._device_may_send() and not self._held and self._lookahead() > 0

    def wants_write(self) -> bool:
        """Bytes are due on the line (or the device did not take them all): select for writability."""
        if self.closed or not self.device_rts_honoured():
            return False
        return self._stuck or self._out.due(self.clock.now()) > 0

    def device_rts_honoured(self) -> bool:
        """The module's UART sends only while the device's RTS is high (not with Kindness.roomy_serial_tx)."""
        return self.kind.roomy_serial_tx or self.device_rts == 1

    def pump(self, now: float | None = None) -> bool:
        """Moves what the line has carried by `now` (default: the clock), both ways; True if any byte moved."""
        if self.closed:
            return False
        now = self.clock.now() if now is None else now
        if self.autobaud:
            self._in.rate = self._out.rate = self._rate()
        return self._pump_in(now) | self._pump_out(now)

    def _pump_in(self, now: float) -> bool:
        moved = False
        while True:
            limit = RX_LIMIT - len(self.rx) if self._held_at_buffer() else None
            moved |= self._arrive(self._in.take(now, limit))
            if not self._device_may_send():
                self._backlog = False  # the device is stopped: when it may go on, it starts then
                return moved
            room = self._lookahead()
            if room <= 0:
                self._backlog = True
                return moved
            since = self._in.busy_until() if self._backlog else None
            data = bytes(self._held[:room])
            del self._held[:len(data)]
            if not data:
                data = self._read(room)
            if not data:
                self._backlog = False
                return moved
            moved = True
            self._in.put(data, now, since)
            self._backlog = True
            if self._in.due(now) == 0:
                return moved

    def _arrive(self, data: bytes) -> bool:
        if not data:
            return False
        room = max(0, RX_LIMIT - len(self.rx))
        if self._held_at_buffer():
            room = len(data)
        self.rx += data[:room]
        self.bytes_in += min(room, len(data))
        self.lost += max(0, len(data) - room)
        return True

    def _pump_out(self, now: float) -> bool:
        self._stuck = False
        if not self._out.queue:
            return False
        if not self.device_rts_honoured():
            self._out.stall(now)  # the device dropped RTS: the module's UART waits
            return False
        due = self._out.due(now)
        if due == 0:
            return False
        n = self._write(bytes(self._out.queue[:min(due, 65536)]))
        self._out.take(now, n)
        self.bytes_out += n
        if n < due:
            self._stuck = True
            self._out.stall(now)  # the device is not reading: the line waits for it
        return n > 0

    def rx_deadline(self) -> float | None:
        """When a call waiting for serial input should look again: RX_WAKE_S of line time from now, or when
        all that is on the line has arrived (None: nothing on the line)."""
        rate = self._in.rate
        return self._in.next_time(max(1, int(rate * RX_WAKE_S)) if rate is not None else 1)

    def tx_deadline(self) -> float | None:
        """When the line next hands bytes to the device (None: nothing to send, or the device stopped it)."""
        if not self.device_rts_honoured():
            return None
        rate = self._out.rate
        return self._out.next_time(max(1, int(rate * TX_STEP_S)) if rate is not None else 1)

    def _read(self, limit: int) -> bytes:
        try:
            if self._master is not None:
                return os.read(self._master, limit)
            assert self.port is not None
            # in_waiting only says whether there is something (socket:// says 1); read() with timeout 0
            # takes what is there, up to the limit.
            return self.port.read(limit) if self.port.in_waiting else b""
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
        """Bytes for the device: they leave at the line's rate, in order."""
        self._out.put(data, self.clock.now())

    def waiting_out(self) -> int:
        """Bytes SER.send left that the device has not taken yet."""
        return len(self._out.queue)

    def tx_room(self, size: int = 1) -> bool:
        """SER.send of `size` bytes may go now (a string longer than the buffer waits for it to empty)."""
        waiting = len(self._out.queue)
        return waiting == 0 or waiting + size <= self.tx_limit

    def set_cts(self, value: int) -> None:
        """SER.setCTS: a device that honours CTS stops after what it already started (IN_FLIGHT bytes), and
        goes on from now when CTS rises."""
        self.pump()
        now = self.clock.now()
        if not value and self._cts_fell is None:
            self._cts_fell = now
        elif value and self._cts_fell is not None:
            self._cts_low_s += now - self._cts_fell
            self._cts_fell = None
        self.lines_out["CTS"] = 1 if value else 0
        if not value and self.device_cts == "honour":
            self._held[:0] = self._in.recall(IN_FLIGHT)
        self.pump()

    def cts_low_s(self) -> float:
        """Clock seconds the firmware has held CTS low so far (the bench's CTS-low share)."""
        low = self._cts_low_s
        if self._cts_fell is not None:
            low += self.clock.now() - self._cts_fell
        return low

    def set_speed(self, speed: str, fmt: str) -> bool:
        """SER.set_speed: False (the built-in returns -1) for what the module rejects."""
        if speed not in SPEEDS or fmt not in FORMATS:
            return False
        self.speed = (speed, fmt)
        self._in.rate = self._out.rate = self._rate()
        if self.port is not None:
            bytesize, parity, stopbits = FORMATS[fmt]
            self.port.baudrate = int(speed)
            self.port.bytesize = bytesize
            self.port.parity = parity
            self.port.stopbits = stopbits
        return True

    def set_line(self, line: str, value: int) -> None:
        """SER.setDCD / setCTS / setDSR / setRI: the line towards the device, logged (`line_log`)."""
        self.line_log.append((self.clock.now(), line, 1 if value else 0))
        if line == "CTS":
            self.set_cts(value)
        else:
            self.lines_out[line] = 1 if value else 0

    def line_values(self, line: str) -> list[int]:
        """The values the firmware drove `line` to, in order (every call, repeats included)."""
        return [v for _, name, v in self.line_log if name == line]

    def power_on_dcd(self, high: bool) -> None:
        """DCD at power-on, until the script drives it: the AT parser's, from the saved profile's &C (&C0: always
        high). Whether a script starts with that level or another is not documented: this is the harsher guess."""
        self.lines_out["DCD"] = 1 if high else 0

    def reset(self, keep_output: bool = False) -> None:
        """Module reboot: the UART buffers are lost (unless the output must still go), the lines the firmware
        drove go back to their power-on levels (a device stopped by CTS may send again), the port stays."""
        self.lines_out.update(POWER_ON_LINES)
        self.rx.clear()
        self._in.queue.clear()
        self._held.clear()
        if not keep_output:
            self._out.queue.clear()

    def close(self) -> None:
        for fd in (self._master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = None
        if self.port is not None:
            self.port.close()
        self.closed = True
