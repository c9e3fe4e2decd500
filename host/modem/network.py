"""The GSM/GPRS network and the internet as the modem sees them: registration, signal, GPRS, drops.

Tests and the console flip the attributes; a Modem subscribes so that drop() takes effect at once.
No timers here; stat codes are those of +CREG/+CGREG (27.007). Rates are bytes per second of payload.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

# A GPRS multislot class 10 link (4+1 / 3+2 slots, CS-2 at about 13.4 kbit/s a slot): about 5 kB/s up and
# 10 kB/s down in practice (docs/design/telit.md §8: the simulator takes this family for class 10).
CLASS10_UP_BPS = 5000
CLASS10_DOWN_BPS = 10000


def parse_rate(text: str) -> tuple[int, int]:
    """`UP/DOWN` bytes per second (`--gprs-rate 5000/10000`); ValueError showing the form otherwise."""
    up, sep, down = text.partition("/")
    if not sep or not up.isdigit() or not down.isdigit() or int(up) < 1 or int(down) < 1:
        raise ValueError(f"a GPRS rate is UP/DOWN in bytes per second, e.g. 5000/10000; got {text!r}")
    return int(up), int(down)


class Network:
    """The GSM/GPRS network and the internet as seen by the modem; tests flip these."""

    def __init__(self, *, local_ip: str = "127.0.0.1", listen_host: str = "127.0.0.1",
                 up_bps: int = CLASS10_UP_BPS, down_bps: int = CLASS10_DOWN_BPS) -> None:
        self.up_bps = up_bps  # payload bytes per second towards the internet (Kindness.instant_network: none)
        self.down_bps = down_bps  # ... from the internet
        self.registered = 1  # +CREG/+CGREG stat: 1 home, 5 roaming, 2 searching, 0 not registered, 3 denied
        self.csq = 20  # +CSQ rssi, 0..31 or 99
        self.operator = "Sim Network"  # +COPS? long alphanumeric name while registered (at most 16 characters)
        self.gprs_ok = True  # whether #GPRS=1 can succeed
        # The APNs the network serves (None: any). #GPRS=1 with another in context 1 answers ERROR: the harsher
        # plausible behaviour (a network may also accept any APN, or give a CME error after a long wait).
        self.apns: set[str] | None = None
        self.local_ip = local_ip  # the address reported in +IP:
        self.listen_host = listen_host  # real host address the modem's sockets bind to (#SKTL, #SKTD)
        self.refuse_connections = False  # #SKTD answers NO CARRIER even when the peer is up
        # The uplink carries nothing while this is set (`fault stall`): what the modem holds stays there, its
        # buffer fills and CTS falls. Plausible on any GPRS link: a peer that stops reading closes the TCP
        # window for as long as it likes (RFC 9293 3.8.6.1, zero window), and a segment lost on the radio holds
        # the uplink for a retransmission timeout of at least 1 s that doubles at each loss up to a maximum of
        # at least 60 s (RFC 6298 2.4, 2.5, 5.5). How long a module's own stack waits is not published.
        self.uplink_stalled = False
        # The DNS as the module's resolver sees it: host name -> IPv4 address, names compared case-insensitively
        # (RFC 4343). #SKTD resolves only from here (plus dotted addresses), never from the PC's resolver: tests
        # may reach 127.0.0.0/8 only. `dns <name> <ip>` at the console.
        self.dns: dict[str, str] = {}
        # Seconds a lookup of a name the table does not hold takes before #SKTD answers ERROR: a guess (the manuals
        # do not say), the harsher one: the module's resolver waits for the network's answer, and the firmware's
        # loop waits with it.
        self.dns_fail_s = 2.0
        self._dropped = False
        self._registered_before_drop = 1
        self._subscribers: list[weakref.WeakMethod[Callable[[], None]]] = []

    @property
    def dropped(self) -> bool:
        return self._dropped

    def lookup(self, name: str) -> str | None:
        """The address the DNS table gives `name` (any case), or None."""
        low = name.lower()
        return next((ip for n, ip in self.dns.items() if n.lower() == low), None)

    def is_registered(self) -> bool:
        return self.registered in (1, 5)

    def drop(self) -> None:
        """Network lost now: calls end, the GPRS context goes, registration shows 2 until restore()."""
        if not self._dropped:
            self._registered_before_drop = self.registered
        self._dropped = True
        self.registered = 2
        for ref in list(self._subscribers):
            callback = ref()
            if callback is None:
                self._subscribers.remove(ref)
            else:
                callback()

    def restore(self) -> None:
        if self._dropped:
            self.registered = self._registered_before_drop
        self._dropped = False

    def subscribe(self, callback: Callable[[], None]) -> None:
        """Call `callback` (a bound method, held weakly) whenever drop() is called."""
        self._subscribers.append(weakref.WeakMethod(callback))
