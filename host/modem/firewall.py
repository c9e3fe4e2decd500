"""#FRWL: the ACCEPT chains for incoming (#SKTL) connections, and the AT handler that edits them.
Addresses are dotted IPv4; chains are volatile (empty at boot, never saved).
The ranges, formats and error replies chosen for each command are listed in the comment below.
"""

# Default policy DROP: with no chain every incoming connection is refused. A source s is accepted when
# s & mask == ip & mask for some chain. `AT#FRWL=1,"ip","mask"` adds (adding an existing chain is OK and
# changes nothing), `=0,...` removes (ERROR when absent), `=2` removes all; `AT#FRWL?` lists
# `#FRWL: "<ip>","<mask>"` per chain. Bad addresses, actions or a missing mask answer ERROR.

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from host.modem.parser import AtError
from host.modem.parser import Command
from host.modem.parser import int_arg
from host.modem.parser import split_args
from host.modem.parser import str_arg

if TYPE_CHECKING:
    from host.modem.atport import AtPort

MAX_CHAINS = 100  # a bound of ours; the module's limit is not documented


def _ipv4(text: str) -> int:
    try:
        return int(ipaddress.IPv4Address(text))
    except ValueError:
        raise AtError() from None


class Firewall:
    def __init__(self) -> None:
        self.rules: list[tuple[str, str]] = []  # (ip, mask) as the firmware typed them

    def permits(self, source: str) -> bool:
        s = _ipv4(source)
        for ip, mask in self.rules:
            m = _ipv4(mask)
            if s & m == _ipv4(ip) & m:
                return True
        return False


def frwl(port: AtPort, cmd: Command) -> list[str]:
    firewall = port.modem.firewall
    if cmd.op == "?":
        return [f'#FRWL: "{ip}","{mask}"' for ip, mask in firewall.rules]
    if cmd.op == "=?":
        return ["#FRWL: (0-2),(25),(25)"]
    if cmd.op != "=":
        raise AtError()
    tokens = split_args(cmd.args)
    action = int_arg(tokens[0], 0, 2)
    if action == 2:
        firewall.rules.clear()
        return []
    if len(tokens) != 3:
        raise AtError()
    ip, mask = str_arg(tokens[1], 15), str_arg(tokens[2], 15)
    _ipv4(ip)
    _ipv4(mask)
    rule = (ip, mask)
    if action == 1:
        if rule not in firewall.rules:
            if len(firewall.rules) >= MAX_CHAINS:
                raise AtError()
            firewall.rules.append(rule)
    elif rule in firewall.rules:
        firewall.rules.remove(rule)
    else:
        raise AtError()
    return []


HANDLERS = {"#FRWL": frwl}
