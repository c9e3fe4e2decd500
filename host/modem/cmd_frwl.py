"""AT#FRWL: edits the firewall's ACCEPT chains (firewall.Firewall) for incoming (#SKTL) connections.
The ranges, formats and error replies chosen are listed below.
"""

# `AT#FRWL=1,"ip","mask"` adds (adding an existing chain is OK and changes nothing), `=0,...` removes
# (ERROR when absent), `=2` removes all; `AT#FRWL?` lists `#FRWL: "<ip>","<mask>"` per chain. Bad
# addresses, actions or a missing mask answer ERROR; at most MAX_CHAINS chains.

from __future__ import annotations

from typing import TYPE_CHECKING

from host.modem.firewall import MAX_CHAINS
from host.modem.firewall import ipv4
from host.modem.parser import AtError
from host.modem.parser import Command
from host.modem.parser import int_arg
from host.modem.parser import split_args
from host.modem.parser import str_arg

if TYPE_CHECKING:
    from host.modem.atport import AtPort


def frwl(port: AtPort, cmd: Command) -> list[str]:
    firewall = port.shared.firewall
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
    ipv4(ip)
    ipv4(mask)
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
