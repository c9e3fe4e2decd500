"""The firewall of incoming (#SKTL) connections: its ACCEPT chains and the check of a source address.
Addresses are dotted IPv4; chains are volatile (empty at boot, never saved). AT#FRWL edits them
(cmd_frwl.py).
"""

# Default policy DROP: with no chain every incoming connection is refused. A source s is accepted when
# s & mask == ip & mask for some chain.

from __future__ import annotations

import ipaddress

from host.modem.parser import AtError

MAX_CHAINS = 100  # a bound of ours; the module's limit is not documented


def ipv4(text: str) -> int:
    """The address as an int; ERROR (AtError) when it is not dotted IPv4."""
    try:
        return int(ipaddress.IPv4Address(text))
    except ValueError:
        raise AtError() from None


class Firewall:
    """The ACCEPT chains, in the order they were added."""

    def __init__(self) -> None:
        self.rules: list[tuple[str, str]] = []  # (ip, mask) as the firmware typed them

    def permits(self, source: str) -> bool:
        s = ipv4(source)
        for ip, mask in self.rules:
            m = ipv4(mask)
            if s & m == ipv4(ip) & m:
                return True
        return False
