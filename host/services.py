"""What each emulated built-in call does on the simulator side: the `Module.function` -> handler table.

A handler answers at once (a reply frame, host/link.py) or returns a Wait: the call blocks until ready()
gives its reply or the clock reaches `deadline` (then on_timeout()). Reads of MDM/MDM2/SER go through the
board's Chunker for that stream (host/chunks.py: cut, held, merged). Timeouts from the firmware are tenths
of a second (MOD.watchdogEnable and powerSaving: seconds); clock times are float seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from typing import Protocol

from host import link
from host.board import Gpio
from host.board import Trace
from host.board import Watchdog
from host.chunks import Chunker
from host.clock import Clock
from host.kindness import Kindness
from host.link import Request
from host.serialside import FORMATS
from host.serialside import RX_LIMIT
from host.serialside import SPEEDS
from host.serialside import SerialSide

MDM_CHUNK = 4096  # bytes MDM.read/receive hand over at most per call
SER_CHUNK = 1023  # bytes SER.read/receive hand over at most per call (host/README.md; Kindness.long_serial_reads)


@dataclass
class Wait:
    ready: Callable[[], bytes | None]  # the reply frame once the call can complete, else None
    deadline: float | None  # clock seconds at which the call gives up (None: never)
    on_timeout: Callable[[], bytes]
    serial_input: bool = False  # it waits for bytes from the serial line (the loop wakes at the first one)


Reply = bytes | Wait


class Board(Protocol):
    """What the handlers act on (the Simulator)."""

    clock: Clock
    kind: Kindness
    serial: SerialSide
    trace: Trace
    watchdog: Watchdog
    gpio: Gpio
    power_cause: int
    chunks: dict[str, Chunker]  # "MDM", "MDM2", "SER" -> how reads of that stream are cut
    sec_offset: int  # MOD.secCounter() minus the clock (fault clock +S / -S)

    @property
    def modem(self) -> Any: ...

    def note_activity(self) -> None: ...


def _deadline(b: Board, tenths: int) -> float:
    return b.clock.now() + max(tenths, 0) / 10


def _ok(value: int) -> bytes:
    return link.reply_int(value)


NONE = link.reply_none()
EMPTY = link.reply_data(b"")


# --- MDM / MDM2: an AtPort-like object with write/read/dcd/cts/dsr/ri/set_dtr/set_rts/room
def _mdm_send(b: Board, port: Any, data: bytes, tenths: int) -> Reply:
    """Takes what the modem has room for, as room appears; 1 when all is taken, -1 after `tenths` with
    whatever fitted taken (the caller cannot tell how much: the harsher of the plausible choices)."""
    rest = bytearray(data)

    def ready() -> bytes | None:
        n = min(len(rest), port.room())
        if n > 0:
            port.write(bytes(rest[:n]))
            del rest[:n]
            if port.call is not None or port.pending is not None:
                # Bytes towards a real peer, or a connection being set up: give them real time before the
                # clock jumps. A command the emulated modem answered at once needs none.
                b.note_activity()
        return _ok(1) if not rest else None

    reply = ready()
    if reply is not None:
        return reply
    return Wait(ready, _deadline(b, tenths), lambda: _ok(-1))


def _give(b: Board, name: str, buffered: bytearray, take: Callable[[int], bytes]) -> bytes:
    """The reply to a read of `buffered` (MDM's output or SER's receive buffer), cut by the stream's Chunker."""
    limit = SER_CHUNK if name == "SER" and not b.kind.long_serial_reads else MDM_CHUNK
    return link.reply_data(take(b.chunks[name].cut(buffered, limit)))


def _receive(b: Board, name: str, buffered: Callable[[], bytearray], take: Callable[[int], bytes],
             tenths: int, serial_input: bool = False) -> Reply:
    """receive(tenths): what is buffered (perhaps after a hold that lets more join it), else the first
    bytes that come within `tenths`, else ''."""
    if buffered():
        hold = b.chunks[name].hold_s(tenths)
        if not hold:
            return _give(b, name, buffered(), take)
        size = len(buffered())  # the hold ends when more has come (serial: the line's next 50 ms) or at `hold`
        return Wait(lambda: _give(b, name, buffered(), take) if len(buffered()) > size else None,
                    b.clock.now() + hold, lambda: _give(b, name, buffered(), take), serial_input)
    if tenths <= 0:
        return EMPTY
    return Wait(lambda: _give(b, name, buffered(), take) if buffered() else None, _deadline(b, tenths),
                lambda: EMPTY, serial_input)


def _read(b: Board, name: str, buffered: bytearray, take: Callable[[int], bytes]) -> Reply:
    if not buffered or b.chunks[name].miss():
        return EMPTY
    return _give(b, name, buffered, take)


def _mdm_table(name: str, port_of: Callable[[Any], Any]) -> dict[str, Callable[[Board, Request], Reply]]:
    def send(b: Board, r: Request) -> Reply:
        return _mdm_send(b, port_of(b.modem), r.data, _arg(r, 0))

    def sendbyte(b: Board, r: Request) -> Reply:
        byte = _arg(r, 0)
        if not 0 <= byte <= 255:
            return _ok(-1)
        return _mdm_send(b, port_of(b.modem), bytes((byte,)), _arg(r, 1))

    def receive(b: Board, r: Request) -> Reply:
        b.modem.poll()
        port = port_of(b.modem)
        return _receive(b, name, lambda: port.out, port.read, _arg(r, 0))

    def read(b: Board, r: Request) -> Reply:
        b.modem.poll()
        port = port_of(b.modem)
        return _read(b, name, port.out, port.read)

    def readbyte(b: Board, r: Request) -> Reply:
        b.modem.poll()
        data = port_of(b.modem).read(1)
        return _ok(data[0] if data else -1)

    def line(method: str) -> Callable[[Board, Request], Reply]:
        def get(b: Board, r: Request) -> Reply:
            b.modem.poll()
            return _ok(int(getattr(port_of(b.modem), method)()))

        return get

    def drive(method: str) -> Callable[[Board, Request], Reply]:
        def put(b: Board, r: Request) -> Reply:
            getattr(port_of(b.modem), method)(1 if _arg(r, 0) else 0)
            return NONE

        return put

    table = {"send": send, "sendbyte": sendbyte, "receive": receive, "read": read, "readbyte": readbyte,
             "getDCD": line("dcd"), "getCTS": line("cts"), "getDSR": line("dsr"), "getRI": line("ri"),
             "setRTS": drive("set_rts"), "setDTR": drive("set_dtr")}
    return {f"{name}.{k}": v for k, v in table.items()}


# --- SER / SER2: the serial side (ASC0) or the trace port (ASC1)
class _SerialUart:
    def buffered(self, b: Board) -> bytearray:
        b.serial.pump()
        return b.serial.rx

    def take(self, b: Board, limit: int) -> bytes:
        return b.serial.take(limit)

    def receive(self, b: Board, tenths: int) -> Reply:
        """Cut, held and merged by the SER Chunker; the wait ends when bytes have crossed the line."""
        return _receive(b, "SER", lambda: self.buffered(b), lambda n: self.take(b, n), tenths, serial_input=True)

    def read(self, b: Board) -> Reply:
        return _read(b, "SER", self.buffered(b), lambda n: self.take(b, n))

    def put(self, b: Board, data: bytes) -> Reply:
        def ready() -> bytes | None:
            if not b.serial.tx_room(len(data)):
                return None  # SER.send blocks until the line (and the device) took enough
            b.serial.send(data)
            b.note_activity()
            return _ok(1)

        return ready() or Wait(ready, None, lambda: _ok(-1))

    def set_speed(self, b: Board, speed: str, fmt: str) -> bool:
        b.serial.pump()
        return b.serial.set_speed(speed, fmt)

    def set_line(self, b: Board, line: str, value: int) -> None:
        b.serial.set_line(line, value)

    def device_line(self, b: Board, attr: str) -> int:
        return int(getattr(b.serial, attr))


class _TraceUart:
    def buffered(self, b: Board) -> bytearray:
        return b.trace.rx

    def take(self, b: Board, limit: int) -> bytes:
        data = bytes(b.trace.rx[:limit])
        del b.trace.rx[:limit]
        return data

    def receive(self, b: Board, tenths: int) -> Reply:
        """The trace port's input is not cut: all of it, or the first bytes that come within `tenths`."""
        data = self.take(b, RX_LIMIT)
        if data or tenths <= 0:
            return link.reply_data(data)
        return Wait(lambda: link.reply_data(self.take(b, RX_LIMIT)) if b.trace.rx else None, _deadline(b, tenths),
                    lambda: EMPTY)

    def read(self, b: Board) -> Reply:
        return link.reply_data(self.take(b, RX_LIMIT))

    def put(self, b: Board, data: bytes) -> Reply:
        b.trace.write(data)
        return _ok(1)

    def set_speed(self, b: Board, speed: str, fmt: str) -> bool:
        if speed not in SPEEDS or fmt not in FORMATS:
            return False
        b.trace.speed = (speed, fmt)
        return True

    def set_line(self, b: Board, line: str, value: int) -> None:
        b.trace.lines_out[line] = 1 if value else 0

    def device_line(self, b: Board, attr: str) -> int:
        return 1  # nothing drives the trace port's input lines


Uart = _SerialUart | _TraceUart


def _ser_send(u: Uart, b: Board, r: Request) -> Reply:
    return u.put(b, r.data)


def _ser_sendbyte(u: Uart, b: Board, r: Request) -> Reply:
    byte = _arg(r, 0)
    return u.put(b, bytes((byte,))) if 0 <= byte <= 255 else _ok(-1)


def _ser_receive(u: Uart, b: Board, r: Request) -> Reply:
    return u.receive(b, _arg(r, 0))


def _ser_read(u: Uart, b: Board, r: Request) -> Reply:
    return u.read(b)


def _ser_readbyte(u: Uart, b: Board, r: Request) -> Reply:
    u.buffered(b)
    data = u.take(b, 1)
    return _ok(data[0] if data else -1)


def _ser_set_speed(u: Uart, b: Board, r: Request) -> Reply:
    speed, _, fmt = r.data.decode("latin-1").partition("\n")
    return _ok(1 if u.set_speed(b, speed, fmt) else -1)


def _ser_table(name: str, u: Uart) -> dict[str, Callable[[Board, Request], Reply]]:
    def bind(fn: Callable[[Uart, Board, Request], Reply]) -> Callable[[Board, Request], Reply]:
        return lambda b, r: fn(u, b, r)

    def setter(line: str) -> Callable[[Board, Request], Reply]:
        def put_line(b: Board, r: Request) -> Reply:
            u.set_line(b, line, _arg(r, 0))
            return NONE

        return put_line

    def getter(attr: str) -> Callable[[Board, Request], Reply]:
        return lambda b, r: _ok(u.device_line(b, attr))

    table = {"send": bind(_ser_send), "sendbyte": bind(_ser_sendbyte), "receive": bind(_ser_receive),
             "read": bind(_ser_read), "readbyte": bind(_ser_readbyte), "set_speed": bind(_ser_set_speed),
             "setDCD": setter("DCD"), "setCTS": setter("CTS"), "setDSR": setter("DSR"), "setRI": setter("RI"),
             "getRTS": getter("device_rts"), "getDTR": getter("device_dtr")}
    return {f"{name}.{k}": v for k, v in table.items()}


# --- MOD
def _sec_counter(b: Board, r: Request) -> Reply:
    return _ok(max(0, int(b.clock.now()) + b.sec_offset))  # never below 0 (guess: the counter is unsigned)


def _sleep(b: Board, r: Request) -> Reply:
    tenths = _arg(r, 0)
    if tenths <= 0:
        return NONE
    return Wait(lambda: None, _deadline(b, tenths), lambda: NONE)


def _watchdog_enable(b: Board, r: Request) -> Reply:
    b.watchdog.enable(_arg(r, 0), b.clock.now())
    return NONE


def _watchdog_reset(b: Board, r: Request) -> Reply:
    b.watchdog.reset(b.clock.now())
    return NONE


def _watchdog_disable(b: Board, r: Request) -> Reply:
    b.watchdog.disable()
    return NONE


def _power_saving(b: Board, r: Request) -> Reply:
    """Waits `seconds`, or until serial data arrives (exit cause 0 external, 1 timer)."""

    def woken() -> bytes | None:
        if not b.serial.rx:
            b.serial.pump()
        if not b.serial.rx:
            return None
        b.power_cause = 0
        return NONE

    def timer() -> bytes:
        b.power_cause = 1
        return NONE

    return Wait(woken, b.clock.now() + max(_arg(r, 0), 0), timer, serial_input=True)


def _power_cause(b: Board, r: Request) -> Reply:
    return _ok(b.power_cause)


# --- GPIO
def _gpio(method: str, nargs: int) -> Callable[[Board, Request], Reply]:
    def call(b: Board, r: Request) -> Reply:
        return _ok(getattr(b.gpio, method)(*(_arg(r, i) for i in range(nargs))))

    return call


class CallError(Exception):
    """A call the built-in would reject (wrong arguments); the firmware gets it raised as `exc_name`."""

    def __init__(self, exc_name: str, message: str) -> None:
        super().__init__(message)
        self.exc_name = exc_name


def _arg(r: Request, i: int) -> int:
    if i >= len(r.ints):
        raise CallError("TypeError", f"{r.name}() is missing integer argument {i + 1}")
    return r.ints[i]


HANDLERS: dict[str, Callable[[Board, Request], Reply]] = {
    **_mdm_table("MDM", lambda modem: modem.main),
    **_mdm_table("MDM2", lambda modem: modem.second),
    **_ser_table("SER", _SerialUart()),
    **_ser_table("SER2", _TraceUart()),
    "MDM2.present": lambda b, r: _ok(0 if b.modem.mdm2 == "absent" else 1),  # asked once, at `import MDM2`
    "MOD.secCounter": _sec_counter,
    "MOD.sleep": _sleep,
    "MOD.watchdogEnable": _watchdog_enable,
    "MOD.watchdogReset": _watchdog_reset,
    "MOD.watchdogDisable": _watchdog_disable,
    "MOD.powerSaving": _power_saving,
    "MOD.powerSavingExitCause": _power_cause,
    "GPIO.setIOdir": _gpio("set_dir", 3),
    "GPIO.setIOvalue": _gpio("set_value", 2),
    "GPIO.getIOvalue": _gpio("get_value", 1),
    "GPIO.getIOdir": _gpio("get_dir", 1),
    "GPIO.getADC": _gpio("get_adc", 1),
}


def dispatch(board: Board, request: Request) -> Reply:
    """The reply (or Wait) for one call; unknown calls and bad arguments raise in the firmware."""
    handler = HANDLERS.get(request.name)
    if handler is None:
        return link.reply_error("RuntimeError", f"the simulator has no built-in {request.name}")
    try:
        return handler(board, request)
    except CallError as exc:
        return link.reply_error(exc.exc_name, str(exc))
