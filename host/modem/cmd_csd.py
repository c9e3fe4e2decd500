"""The CSD dial-in commands: ATA (answer), ATH (hang up or reject), ATO (back online), +CRC (ring format).
The call itself is csd.CsdCall. The ranges, formats and error replies chosen are listed below.
"""

# ATA answers `CONNECT 9600`, and `ERROR` when no call is ringing. `+++` gives OK and online command mode
# with the call held (DCD stays high); ATO resumes it (`CONNECT 9600`; NO CARRIER without a held call),
# ATH hangs up (OK) or rejects a ringing call. ATH/ATO take no argument but 0. +CRC 0..1.

from __future__ import annotations

from typing import TYPE_CHECKING

from host.modem.csd import CONNECT_TEXT
from host.modem.csd import CsdCall
from host.modem.parser import AtError
from host.modem.parser import Command
from host.modem.parser import int_arg

if TYPE_CHECKING:
    from host.modem.atport import AtPort


def ata(port: AtPort, cmd: Command) -> list[str] | None:
    call = port.shared.incoming
    if call is None or not call.active or call.answered or port.call is not None:
        raise AtError()  # no call ringing (the module says ERROR when the call is gone)
    call.answer(port)
    return None


def ath(port: AtPort, cmd: Command) -> list[str]:
    if cmd.args not in ("", "0"):
        raise AtError()
    call = port.call
    if isinstance(call, CsdCall):
        call.local_hangup()
    elif port.shared.incoming is not None and not port.shared.incoming.answered:
        port.shared.incoming.local_hangup()  # reject the ringing call
    return []


def ato(port: AtPort, cmd: Command) -> list[str] | None:
    if cmd.args not in ("", "0"):
        raise AtError()
    if not isinstance(port.call, CsdCall):
        raise AtError("NO CARRIER")
    port.resume_data(CONNECT_TEXT)
    return None


def crc(port: AtPort, cmd: Command) -> list[str]:
    profile = port.shared.state.profile
    if cmd.op == "?":
        return [f"+CRC: {profile.crc}"]
    if cmd.op == "=?":
        return ["+CRC: (0,1)"]
    if cmd.op != "=":
        raise AtError()
    profile.crc = int_arg(cmd.args, 0, 1)
    return []


HANDLERS = {"A": ata, "H": ath, "O": ato, "+CRC": crc}
