"""The MDM command table: command name -> handler, merged from the per-family modules.

A name in two families is a programming error and fails at import.
"""

from __future__ import annotations

from collections.abc import Mapping

from host.modem import cmd_basic
from host.modem import cmd_csd
from host.modem import cmd_frwl
from host.modem import cmd_gprs
from host.modem import cmd_line
from host.modem import cmd_sms
from host.modem import cmd_socket
from host.modem.lineport import Handler

FAMILIES: tuple[Mapping[str, Handler], ...] = (
    cmd_line.HANDLERS,
    cmd_basic.HANDLERS,
    cmd_gprs.HANDLERS,
    cmd_socket.HANDLERS,
    cmd_frwl.HANDLERS,
    cmd_sms.HANDLERS,
    cmd_csd.HANDLERS,
)


def _merge() -> dict[str, Handler]:
    table: dict[str, Handler] = {}
    for family in FAMILIES:
        for name, handler in family.items():
            if name in table:
                raise RuntimeError(f"AT command {name!r} registered twice")
            table[name] = handler
    return table


TABLE = _merge()
