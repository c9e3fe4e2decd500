"""The status LED command: AT#SLED=<mode>[,<on>[,<off>]], its read and test forms (host/modem/statled.py holds
the LED). Units: <on>, <off> in tenths of a second.
"""

# Choices (docs/design/telit.md section 2.5): <mode> 0..3 (0 pin low, 1 pin high, 2 handled by the module,
# 3 on and off alternately), <on> and <off> 1..100, 10 when left out; anything else -> ERROR. `AT#SLED?` ->
# `#SLED: <mode>,<on>,<off>`; `AT#SLED=?` -> `#SLED: (0-3),(1-100),(1-100)`. The ranges come from later Telit
# guides (xE910); for the GM862-QUAD / GE863 / GC864 software they are unconfirmed. A module without the
# command (`StatusLed.supported` False, `--no-sled`) answers ERROR to every form of it.

from __future__ import annotations

from typing import TYPE_CHECKING

from host.modem.parser import AtError
from host.modem.parser import Command
from host.modem.parser import int_arg
from host.modem.parser import opt_int
from host.modem.parser import split_args

if TYPE_CHECKING:
    from host.modem.atport import AtPort

MODES = (0, 3)
TENTHS = (1, 100)
DEFAULT_TENTHS = 10


def sled(port: AtPort, cmd: Command) -> list[str]:
    led = port.shared.led
    if not led.supported:
        raise AtError()
    if cmd.op == "?":
        return [f"#SLED: {led.mode},{led.on},{led.off}"]
    if cmd.op == "=?":
        return [f"#SLED: ({MODES[0]}-{MODES[1]}),({TENTHS[0]}-{TENTHS[1]}),({TENTHS[0]}-{TENTHS[1]})"]
    if cmd.op != "=":
        raise AtError()
    args = split_args(cmd.args)
    if len(args) > 3:
        raise AtError()
    mode = int_arg(args[0], *MODES)
    on = opt_int(args, 1, *TENTHS, DEFAULT_TENTHS)
    off = opt_int(args, 2, *TENTHS, DEFAULT_TENTHS)
    led.set(port.clock.now(), mode, on, off)
    return []


HANDLERS = {"#SLED": sled}
