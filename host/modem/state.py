"""The modem's settings (volatile and NVM) with their factory defaults; plain data, no behaviour.

Units: skt_to seconds, ds_to 100 ms, skt_ct 100 ms, pkt_sz bytes, s12 1/50 s, s7 seconds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from dataclasses import field


@dataclass
class SocketParams:
    """What #SKTSAV stores and #SKTRST restores (factory values here)."""

    skt_to: int = 90  # #SKTTO, s; 0 = no inactivity timeout
    ds_to: int = 50  # #DSTO, 100 ms; 0 = wait for a full packet
    pkt_sz: int = 300  # #PKTSZ, bytes; 0 = automatic (300)
    skt_ct: int = 600  # #SKTCT, 100 ms
    userid: str = ""
    passw: str = ""

    def copy(self) -> SocketParams:
        return dataclasses.replace(self)


@dataclass
class Profile:
    """What AT&W stores, ATZ restores and the modem powers up with (factory values here)."""

    echo: bool = True  # E1 (each AT instance keeps its own copy while it runs)
    verbose: bool = True  # V1: verbose result codes; V0: numeric (each instance keeps its own copy)
    amp_c: int = 1  # &C1: DCD follows the carrier; &C0: DCD always high
    s0: int = 0  # rings before auto-answer, 0 = off
    s7: int = 60  # connection completion timeout, s
    s12: int = 50  # escape guard time, 1/50 s
    crc: int = 0  # +CRC: 1 = +CRING: <type> instead of RING
    cmee: int = 0

    def as_text(self) -> str:
        """The profile as the AT settings that give it (what `--profile` takes)."""
        return (f"E{int(self.echo)} V{int(self.verbose)} &C{self.amp_c} S0={self.s0} S7={self.s7} S12={self.s12} "
                f"+CMEE={self.cmee} +CRC={self.crc}")


@dataclass
class ModemState:
    sock: SocketParams = field(default_factory=SocketParams)
    saved_sock: SocketParams = field(default_factory=SocketParams)  # NVM
    profile: Profile = field(default_factory=Profile)  # s0, s7, s12, crc, cmee in use
    saved_profile: Profile = field(default_factory=Profile)  # NVM (&W)
    selint: int = 2
    creg_n: int = 0
    cgreg_n: int = 0
    cgdcont: dict[int, tuple[str, str]] = field(default_factory=dict)  # cid -> (pdp type, apn)
    gprs_active: bool = False
    cnmi: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)
    cpms: tuple[str, str, str] = ("SM", "SM", "SM")
    message_ref: int = 0  # last +CMGS <mr>
