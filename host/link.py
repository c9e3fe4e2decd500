"""The link between the emulated built-ins in the firmware process (host/telit/simlink.py) and the simulator.

One request frame per built-in call on the child's stdout, one reply frame on its stdin. A frame is 8 ASCII
decimal digits (the body length in bytes) followed by the body. Request body: with module speed on, first
`#<lines>,<calls>,<written> ` (the firmware's Python line and call events since its previous request and the
bytes it wrote to files meanwhile, host/telit/simspeed.py; `,<written>` may be left out: 0), then
`<Module>.<function>`, then ` <int>` per integer argument, then LF, then the data argument as raw bytes (empty
when there is none).
Reply body: `i<int>`, `n` (None), `s<raw bytes>`, or `e<ExceptionName> <message>` (the call raises).
"""

from __future__ import annotations

from dataclasses import dataclass

HEADER_LEN = 8  # ASCII decimal digits of the body length
MAX_BODY = 99_999_999  # what 8 digits can say


class ProtocolError(Exception):
    """A frame that does not follow the layout above (names the problem and shows the start of the body)."""


@dataclass(frozen=True, slots=True)
class Request:
    name: str  # "MDM.send"
    ints: tuple[int, ...]  # the integer arguments in order
    data: bytes  # the string argument (one byte per character), b"" when there is none
    lines: int = 0  # Python 'line' events the firmware ran since its previous request (module speed on)
    calls: int = 0  # Python 'call' events (firmware functions entered) since its previous request
    written: int = 0  # bytes the firmware wrote to files since its previous request (module speed on)
    counted: bool = False  # the request carried counts (the firmware counts: module speed is on)


class FrameReader:
    """Collects bytes from the pipe and hands out complete frame bodies."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> None:
        self._buf += data

    def pending(self) -> int:
        return len(self._buf)

    def next_body(self) -> bytes | None:
        """The next complete body, or None while it is still incomplete."""
        if len(self._buf) < HEADER_LEN:
            return None
        digits = bytes(self._buf[:HEADER_LEN])
        if not digits.isdigit():
            raise ProtocolError(f"frame header must be {HEADER_LEN} decimal digits, got {digits!r}")
        size = int(digits)
        end = HEADER_LEN + size
        if len(self._buf) < end:
            return None
        body = bytes(self._buf[HEADER_LEN:end])
        del self._buf[:end]
        return body


def frame(body: bytes) -> bytes:
    if len(body) > MAX_BODY:
        raise ProtocolError(f"frame body of {len(body)} bytes exceeds {MAX_BODY}")
    return b"%08d" % len(body) + body


def parse_request(body: bytes) -> Request:
    head, lf, data = body.partition(b"\n")
    if not lf:
        raise ProtocolError(f"request has no LF after its call name: {body[:40]!r}")
    words = head.split(b" ")
    counts = [0, 0, 0]
    counted = words[0][:1] == b"#"
    if counted:
        given = words.pop(0)[1:].split(b",")
        if not (2 <= len(given) <= 3 and all(w.isdigit() for w in given) and words):
            raise ProtocolError("request counts must read #<lines>,<calls>[,<written>] before the name, "
                                f"got {head[:60]!r}")
        counts[:len(given)] = [int(w) for w in given]
    lines, calls, written = counts
    name = words[0].decode("ascii", "replace")
    try:
        ints = tuple(int(w) for w in words[1:])
    except ValueError:
        raise ProtocolError(f"request {name}: integer arguments expected, got {head[:60]!r}") from None
    return Request(name, ints, data, lines, calls, written, counted)


def request(name: str, ints: tuple[int, ...] = (), data: bytes = b"",
            counts: tuple[int, ...] | None = None) -> bytes:
    """The frame the firmware side sends for a call (used by tests and benchmarks); `counts` = (lines, calls) or
    (lines, calls, written)."""
    head = " ".join([name, *(str(i) for i in ints)]).encode("ascii")
    if counts is not None:
        head = b"#" + b",".join(b"%d" % n for n in counts) + b" " + head
    return frame(head + b"\n" + data)


def reply_int(value: int) -> bytes:
    return frame(b"i%d" % value)


def reply_none() -> bytes:
    return frame(b"n")


def reply_data(data: bytes) -> bytes:
    return frame(b"s" + data)


def reply_error(exc_name: str, message: str) -> bytes:
    return frame(f"e{exc_name} {message}".encode("latin-1", "replace"))
