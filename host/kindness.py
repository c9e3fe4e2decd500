"""The ways the simulator may be kinder than a real Telit module, each one off unless asked for.

`Kindness()` (= STRICT) is the module's worst case and the default of `Simulator` and `build.py simulate`;
a test that needs one kindness names it: `Simulator(..., kind=Kindness(whole_chunks=True))`, and the
console takes `--kind whole_chunks` (repeatable) or `--lenient` (all of them). Sources: host/README.md.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

# The profile (AT&W) a module that somebody used before may hold: DCD always high, data calls answered
# at the first ring, numeric result codes, verbose +CME errors (each a setting a real application saves;
# together they are our guess at the worst plausible case). Factory values: &C1 S0=0 E1 V1 +CMEE=0.
WORST_PROFILE = "&C0 S0=1 E1 V0 +CMEE=2"


@dataclass(frozen=True)
class Kindness:
    """One field per kindness; True = the simulator is kind in that way."""

    whole_chunks: bool = False  # MDM/MDM2/SER reads get all that is buffered: never cut, never held back
    instant_serial: bool = False  # the serial line moves bytes as fast as the pty carries them (no baud rate)
    serial_flow_control: bool = False  # SER's 4096-byte buffer full: the port is not read, nothing is lost
    instant_network: bool = False  # GPRS at loopback speed (no --gprs-rate)
    roomy_modem: bool = False  # MDM.send always takes everything at once; CTS low only above 64 KiB waiting
    roomy_serial_tx: bool = False  # SER.send blocks only above 64 KiB waiting; the device's RTS is ignored
    factory_profile: bool = False  # the modem powers up with the factory profile, not WORST_PROFILE
    long_serial_reads: bool = False  # one SER.read/receive may hand over all 4096 buffered bytes (no 1023 cap)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def of(cls, names: list[str] | tuple[str, ...]) -> Kindness:
        """The kindnesses named (ValueError naming the allowed ones for an unknown name)."""
        unknown = [n for n in names if n not in cls.names()]
        if unknown:
            raise ValueError(f"unknown kindness {unknown[0]!r}; one of: {' '.join(cls.names())}")
        return cls(**dict.fromkeys(names, True))

    def given(self) -> list[str]:
        """The names of the kindnesses that are on."""
        return [n for n in self.names() if getattr(self, n)]


STRICT = Kindness()
LENIENT = Kindness(**dict.fromkeys(Kindness.names(), True))  # every kindness at once: the kindest simulator
