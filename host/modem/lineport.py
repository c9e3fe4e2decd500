"""The command-mode half of an AT port: line assembly (CR ends a line, LF ignored, BS erases), echo,
the 80-character limit, dispatch through a name -> handler table, result framing. Bytes in and out;
times are clock seconds. Shared by the MDM ports and the physical port, which add the other modes.
"""

# A handler returns its information lines, raises AtError, or returns None when it took over the port
# (a prompt, a connection being set up, data mode) and will call finish() itself.

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

from host.clock import Clock
from host.modem.parser import AtError
from host.modem.parser import Command
from host.modem.parser import frame
from host.modem.parser import split_commands

Handler = Callable[[Any, Command], "list[str] | None"]

_log = logging.getLogger(__name__)
_AT = re.compile(r"[Aa][Tt]")
_LEADING_JUNK = "".join(chr(c) for c in range(0x21)) + "\x7f"


class LinePort:
    # Command-line buffer: 80 characters (80000ST10025a p11). Whether the closing CR takes one of them is
    # not said: it does here (the harsher reading), so a line holds 79 characters from "AT" before its CR.
    MAX_LINE = 79
    _LINE_CAP = 4096  # characters kept of an over-long line (it answers ERROR anyway)

    def __init__(self, clock: Clock, table: Mapping[str, Handler], at_log: list[tuple[float, str]]) -> None:
        self.clock = clock
        self.table = table
        self.at_log = at_log
        self.out = bytearray()  # towards the other side (the firmware, or the deploy tool)
        self.echo = True  # ATE1 is the power-on default
        self.unknown: list[str] = []  # command lines that named a command this port does not know
        self._line = bytearray()
        self._overflow = False
        self._interleave: str | None = None  # URC to put inside the next response (Faults.interleave)
        self._held_info: list[str] = []  # information lines of a command line whose result is deferred

    # --- the byte streams
    def read(self, limit: int = 4096) -> bytes:
        n = min(max(limit, 0), len(self.out))
        data = bytes(self.out[:n])
        del self.out[:n]
        return data

    def emit(self, data: bytes) -> None:
        self.out += data

    def feed_command(self, data: bytes, i: int) -> int:
        """Consume command-mode bytes from data[i:] up to and including the first CR (running that line)."""
        cr = data.find(b"\r", i)
        end = len(data) if cr < 0 else cr + 1
        chunk = data[i:end]
        if self.echo:
            self.out += chunk
        body = chunk[:-1] if cr >= 0 else chunk
        if b"\n" in body or b"\x08" in body:
            for byte in body:
                if byte == 0x08:
                    del self._line[-1:]
                elif byte != 0x0A:
                    self._append(bytes((byte,)))
        else:
            self._append(body)
        if cr >= 0:
            line = self._line.decode("latin-1")
            overflow = self._overflow
            self._line.clear()
            self._overflow = False
            self.run_line(line, overflow)
        return end

    def discard_line(self) -> None:
        """Forget a partly typed command line (the port leaves command mode)."""
        self._line.clear()
        self._overflow = False

    def _append(self, data: bytes) -> None:
        room = self._LINE_CAP - len(self._line)
        if len(data) > room:
            self._overflow = True
            data = data[:room]
        self._line += data

    # --- running a line
    def run_line(self, raw: str, overflow: bool = False) -> None:
        text = raw.lstrip(_LEADING_JUNK).rstrip(" ")
        if not text:
            return
        self.at_log.append((self.clock.now(), text))
        if _AT.match(text) is None:
            return  # V.25ter: no "AT" prefix, nothing to run and nothing to answer
        if self.intercept(text):
            return
        if overflow or len(text) > self.MAX_LINE:
            self.result([], "ERROR")
            return
        self.execute(text)

    def execute(self, text: str) -> None:
        try:
            cmds = split_commands(text[2:])
        except AtError as exc:
            self.result([], self.error_reply(exc))
            return
        info: list[str] = []
        for cmd in cmds:
            handler = self.table.get(cmd.name)
            if handler is None:
                _log.warning("unknown AT command %r in %r", cmd.name, text)
                self.unknown.append(text)
                self.result(info, "ERROR")
                return
            self._held_info = list(info)
            try:
                lines = handler(self, cmd)
            except AtError as exc:
                self._held_info = []
                self.result(info, self.error_reply(exc))
                return
            if lines is None:
                return  # deferred: the handler (or what it started) calls finish()
            self._held_info = []
            info.extend(lines)
        self.result(info, "OK")

    def intercept(self, text: str) -> bool:
        """Hook: True when the line was answered some other way (an injected fault) and must not run."""
        return False

    def error_reply(self, exc: AtError) -> str:
        if exc.cme is not None and self.cmee() == 0:
            return "ERROR"
        return exc.reply

    def cmee(self) -> int:
        """+CMEE level: 0 shows +CME errors as ERROR."""
        return 1

    # --- results
    def result(self, info: list[str], final: str | None) -> None:
        """Send a response (information lines, then the final result code) and end the command."""
        self.out += frame(info, final, self._interleave)
        self._interleave = None
        self.after_result()

    def finish(self, final: str, info: list[str] | None = None) -> None:
        """The final result of a deferred command line."""
        held, self._held_info = self._held_info, []
        self.result(held + (info or []), final)

    def after_result(self) -> None:
        """Hook: a command line has ended."""
