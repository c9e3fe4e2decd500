"""Basic and network-status AT commands: V, Q, Z, &F, &W, &P, &C, &D, &K, S0, S7, S12, +CMEE, +CPIN, +CREG,
+CGREG, +CSQ, +COPS, #SELINT (AT and E are in cmd_line.py). Units: S0 rings, S7 seconds, S12 1/50 s.
The ranges, formats and error replies chosen for each command are listed in the comment below.
"""

# Choices (out of range -> ERROR): V 0..1; &C 0..2; S0 0..255; S7 1..255; S12 20..255; +CMEE 0..2;
# +CREG/+CGREG <n> 0..2; #SELINT 0..2 (stored, but responses always keep the SELINT 2 format). Q1 (quiet)
# is not emulated and answers ERROR. S-register reads are three digits (V.25ter): `ATS12?` -> `050`.
# `AT+CPIN=<pin>` with the SIM already READY -> +CME ERROR: 3 (ERROR while +CMEE=0, `+CME ERROR:
# operation not allowed` with +CMEE=2). V0: numeric result codes (parser.frame). &C0: DCD always high;
# &C1 (factory): DCD follows the call; &C2 is taken as &C1. &D, &K are accepted and change nothing.
# E and V belong to each AT instance; &W saves the issuing instance's values with the rest of the profile,
# ATZ restores the saved profile (E, V included) on the issuing instance, &F the factory profile.
# +COPS? answers `+COPS: 0,0,"<name>"` (automatic selection, long alphanumeric format) while registered, and
# `+COPS: 0` (no operator: format and name left out, 3GPP 27.007) otherwise; the name is Network.operator, at most
# 16 characters (long alphanumeric form, GM862-QUAD/PY software user guide 1vv0300747 §2.5.3.2). `AT+COPS=0` (and
# `=3,0`, the format the read uses) is accepted and changes nothing; any other selection answers ERROR (a guess:
# manual selection is not emulated). `AT+COPS=?` lists the one network.

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from host.modem.parser import AtError
from host.modem.parser import Command
from host.modem.parser import cme_error
from host.modem.parser import int_arg
from host.modem.parser import opt_int
from host.modem.parser import split_args
from host.modem.state import Profile

if TYPE_CHECKING:
    from host.modem.atport import AtPort

S_REGISTERS = {"S0": ("s0", 0, 255), "S7": ("s7", 1, 255), "S12": ("s12", 20, 255)}


def _flag(cmd: Command, allowed: tuple[str, ...]) -> str:
    if cmd.op or cmd.args not in allowed:
        raise AtError()
    return cmd.args


def verbose(port: AtPort, cmd: Command) -> list[str]:
    port.verbose = _flag(cmd, ("", "0", "1")) == "1"
    return []


def quiet(port: AtPort, cmd: Command) -> list[str]:
    _flag(cmd, ("", "0"))
    return []


def _use(port: AtPort, profile: Profile) -> list[str]:
    port.shared.state.profile = dataclasses.replace(profile)
    port.echo = profile.echo
    port.verbose = profile.verbose
    return []


def reset_profile(port: AtPort, cmd: Command) -> list[str]:
    _flag(cmd, ("", "0"))
    return _use(port, port.shared.state.saved_profile)


def factory_profile(port: AtPort, cmd: Command) -> list[str]:
    _flag(cmd, ("", "0"))
    return _use(port, Profile())


def store_profile(port: AtPort, cmd: Command) -> list[str]:
    """&W / &P: the current profile becomes the one ATZ and power-on use."""
    _flag(cmd, ("", "0", "1"))
    state = port.shared.state
    state.profile.echo = port.echo
    state.profile.verbose = port.verbose
    state.saved_profile = dataclasses.replace(state.profile)
    return []


def dcd_control(port: AtPort, cmd: Command) -> list[str]:
    """&C[n]: 0 DCD always high, 1 DCD follows the carrier (factory), 2 taken as 1; no digit = 0 (p43)."""
    port.shared.state.profile.amp_c = int(_flag(cmd, ("", "0", "1", "2")) or "0")
    return []


def accept_line_setting(port: AtPort, cmd: Command) -> list[str]:
    limits = {"&D": 3, "&K": 6}
    if cmd.op or (cmd.args and int(cmd.args) > limits[cmd.name]):
        raise AtError()
    return []


def s_register(port: AtPort, cmd: Command) -> list[str]:
    attr, lo, hi = S_REGISTERS[cmd.name]
    profile = port.shared.state.profile
    if cmd.op == "?":
        return [f"{getattr(profile, attr):03d}"]
    if cmd.op == "=?":
        return [f"({lo}-{hi})"]
    if cmd.op != "=":
        raise AtError()
    setattr(profile, attr, int_arg(cmd.args, lo, hi))
    return []


def cmee(port: AtPort, cmd: Command) -> list[str]:
    profile = port.shared.state.profile
    if cmd.op == "?":
        return [f"+CMEE: {profile.cmee}"]
    if cmd.op == "=?":
        return ["+CMEE: (0-2)"]
    if cmd.op != "=":
        raise AtError()
    profile.cmee = opt_int(split_args(cmd.args), 0, 0, 2, 0)
    return []


def cpin(port: AtPort, cmd: Command) -> list[str]:
    if cmd.op == "?":
        return ["+CPIN: READY"]
    if cmd.op == "=?":
        return []
    raise cme_error(3)  # operation not allowed: no PIN is wanted


def _registration(name: str, attr: str) -> Callable[[AtPort, Command], list[str]]:
    def handler(port: AtPort, cmd: Command) -> list[str]:
        state = port.shared.state
        if cmd.op == "?":
            n = getattr(state, attr)
            stat = port.shared.network.registered
            extra = ',"0001","0001"' if n == 2 and stat in (1, 5) else ""
            return [f"{name}: {n},{stat}{extra}"]
        if cmd.op == "=?":
            return [f"{name}: (0-2)"]
        if cmd.op != "=":
            raise AtError()
        setattr(state, attr, opt_int(split_args(cmd.args), 0, 0, 2, 0))
        return []

    return handler


def csq(port: AtPort, cmd: Command) -> list[str]:
    if cmd.op == "=?":
        return ["+CSQ: (0-31,99),(0-7,99)"]
    if cmd.op:
        raise AtError()
    rssi = port.shared.network.csq
    return [f"+CSQ: {rssi},{99 if rssi == 99 else 0}"]


def cops(port: AtPort, cmd: Command) -> list[str]:
    network = port.shared.network
    name = network.operator[:16]
    if cmd.op == "?":
        return [f'+COPS: 0,0,"{name}"'] if network.is_registered() else ["+COPS: 0"]
    if cmd.op == "=?":
        return [f'+COPS: (2,"{name}",,"00101"),,(0-4),(0,2)']
    if cmd.op != "=" or split_args(cmd.args) not in (["0"], ["3", "0"]):
        raise AtError()
    return []


def selint(port: AtPort, cmd: Command) -> list[str]:
    state = port.shared.state
    if cmd.op == "?":
        return [f"#SELINT: {state.selint}"]
    if cmd.op == "=?":
        return ["#SELINT: (0-2)"]
    if cmd.op != "=":
        raise AtError()
    state.selint = int_arg(cmd.args, 0, 2)
    return []


HANDLERS = {
    "V": verbose,
    "Q": quiet,
    "Z": reset_profile,
    "&F": factory_profile,
    "&W": store_profile,
    "&P": store_profile,
    "&C": dcd_control,
    "&D": accept_line_setting,
    "&K": accept_line_setting,
    **dict.fromkeys(S_REGISTERS, s_register),
    "+CMEE": cmee,
    "+CPIN": cpin,
    "+CREG": _registration("+CREG", "creg_n"),
    "+CGREG": _registration("+CGREG", "cgreg_n"),
    "+CSQ": csq,
    "+COPS": cops,
    "#SELINT": selint,
}
