"""The command tables: command name -> handler, merged from the per-family modules. MDM_TABLE is what both
MDM instances answer (modem.py hands it to each AtPort); PHYSICAL_TABLE what the AT parser on the physical
serial port answers while no script runs (handed to PhysicalPort by its creator). The ports are given their
table rather than importing it, so no port module depends on its handlers.

A name in two families of one table is a programming error and fails at import.
"""

from __future__ import annotations

from collections.abc import Mapping

from host.modem import cmd_basic
from host.modem import cmd_csd
from host.modem import cmd_frwl
from host.modem import cmd_gprs
from host.modem import cmd_led
from host.modem import cmd_line
from host.modem import cmd_scripts
from host.modem import cmd_sms
from host.modem import cmd_socket
from host.modem.lineport import Handler

MDM_FAMILIES: tuple[Mapping[str, Handler], ...] = (
    cmd_line.HANDLERS,
    cmd_basic.HANDLERS,
    cmd_gprs.HANDLERS,
    cmd_socket.HANDLERS,
    cmd_frwl.HANDLERS,
    cmd_sms.HANDLERS,
    cmd_csd.HANDLERS,
    cmd_led.HANDLERS,
    cmd_scripts.MDM_HANDLERS,
)
PHYSICAL_FAMILIES: tuple[Mapping[str, Handler], ...] = (cmd_line.HANDLERS, cmd_scripts.HANDLERS)


def _merge(families: tuple[Mapping[str, Handler], ...]) -> dict[str, Handler]:
    table: dict[str, Handler] = {}
    for family in families:
        for name, handler in family.items():
            if name in table:
                raise RuntimeError(f"AT command {name!r} registered twice")
            table[name] = handler
    return table


MDM_TABLE = _merge(MDM_FAMILIES)
PHYSICAL_TABLE = _merge(PHYSICAL_FAMILIES)
