"""The SIM message store ("SM"): numbered slots 1..capacity holding received messages with their status.

Texts are str; the timestamp (<scts>) is a fixed epoch (2010-01-01 00:00:00, zone +00) plus clock seconds.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from host.clock import Clock

_EPOCH = datetime.datetime(2010, 1, 1)
STATS = ("REC UNREAD", "REC READ", "STO UNSENT", "STO SENT")


@dataclass
class Sms:
    stat: str  # one of STATS
    number: str  # <oa> for received messages
    text: str
    scts: str  # "yy/MM/dd,hh:mm:ss+zz"

    @property
    def toa(self) -> int:
        return 145 if self.number.startswith("+") else 129


class SmsStore:
    def __init__(self, capacity: int, clock: Clock) -> None:
        self.capacity = capacity
        self.clock = clock
        self.slots: dict[int, Sms] = {}

    def used(self) -> int:
        return len(self.slots)

    def receive(self, sender: str, text: str) -> int | None:
        """Store an incoming message as REC UNREAD at the lowest free index; None when full."""
        for index in range(1, self.capacity + 1):
            if index not in self.slots:
                self.slots[index] = Sms("REC UNREAD", sender, text, self.timestamp())
                return index
        return None

    def timestamp(self) -> str:
        t = _EPOCH + datetime.timedelta(seconds=int(self.clock.now()))
        return t.strftime("%y/%m/%d,%H:%M:%S") + "+00"

    def listing(self, stat: str) -> list[tuple[int, Sms]]:
        """Messages with this status ("ALL" = every one), by index; unread ones become read."""
        found = [(i, self.slots[i]) for i in sorted(self.slots) if stat in ("ALL", self.slots[i].stat)]
        shown = [(i, Sms(m.stat, m.number, m.text, m.scts)) for i, m in found]
        for _, message in found:
            if message.stat == "REC UNREAD":
                message.stat = "REC READ"
        return shown

    def delete_where(self, flag: int) -> None:
        """+CMGD delflag 1..4: read; read+sent; read+sent+unsent; all."""
        doomed = {1: ("REC READ",), 2: ("REC READ", "STO SENT"), 3: ("REC READ", "STO SENT", "STO UNSENT")}
        for index in list(self.slots):
            if flag == 4 or self.slots[index].stat in doomed[flag]:
                del self.slots[index]
