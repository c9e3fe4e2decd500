"""The commands every AT parser answers alike (MDM, MDM2 and the physical port's): `AT` and `ATE`.
E belongs to each parser (0 no echo, 1 echo, the power-on default); any other value answers ERROR.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from host.modem.parser import AtError
from host.modem.parser import Command

if TYPE_CHECKING:
    from host.modem.lineport import LinePort


def at(port: LinePort, cmd: Command) -> list[str]:
    return []


def echo(port: LinePort, cmd: Command) -> list[str]:
    if cmd.op or cmd.args not in ("", "0", "1"):
        raise AtError()
    port.echo = cmd.args == "1"
    return []


HANDLERS = {"": at, "E": echo}
