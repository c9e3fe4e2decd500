"""A saved AT&W profile from its AT text (`--profile "&C0 S0=2 E1"`): the commands are run on a scratch
modem by its own handlers, so a profile means exactly what those commands mean. No I/O, no timers.
"""

from __future__ import annotations

from host.clock import VirtualClock
from host.kindness import WORST_PROFILE
from host.kindness import Kindness
from host.modem.modem import Modem
from host.modem.parser import AtError
from host.modem.parser import split_commands
from host.modem.state import Profile

SETTINGS = ("E", "V", "&C", "S0", "S7", "S12", "+CMEE", "+CRC")  # what a profile text may set


def profile_from_text(text: str) -> Profile:
    """The profile the words of `text` (AT commands without "AT": `&C0 S0=2 E1 V0 +CMEE=2`) give when run
    on the factory profile; ValueError naming the word the modem refused."""
    modem = Modem(VirtualClock())
    port = modem.main
    echo, verbose = port.echo, port.verbose
    try:
        for word in text.split():
            try:
                names = [c.name for c in split_commands(word)]
            except AtError:
                names = [word]
            bad = [n for n in names if n not in SETTINGS]
            if bad:
                raise ValueError(f"profile: {word!r} is not a profile setting; allowed: {' '.join(SETTINGS)}")
            port.echo, port.verbose = False, True  # read each answer plainly, whatever E and V the text sets
            modem.write(b"AT" + word.encode("latin-1") + b"\r")
            reply = modem.read().decode("latin-1")
            if not reply.endswith(("\r\nOK\r\n", "0\r")):
                raise ValueError(f"profile: the modem answers {word!r} with {reply.strip()!r}")
            echo = port.echo if "E" in names else echo
            verbose = port.verbose if "V" in names else verbose
        port.echo, port.verbose = echo, verbose
        modem.write(b"AT&W\r")
        return modem.state.saved_profile
    finally:
        modem.close()


def power_up_profile(profile: str | Profile | None, kind: Kindness) -> Profile:
    """The profile a simulator's modem powers up with: the one given (AT text or a Profile), else
    WORST_PROFILE, or the factory profile with kind.factory_profile."""
    if profile is None:
        profile = "" if kind.factory_profile else WORST_PROFILE
    return profile_from_text(profile) if isinstance(profile, str) else profile
