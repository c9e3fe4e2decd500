"""GPRS context and socket parameters: +CGDCONT, #USERID, #PASSW, #GPRS, #SKTTO, #DSTO, #PKTSZ, #SKTCT,
#SKTSAV, #SKTRST. Units: #SKTTO s, #DSTO and #SKTCT 100 ms, #PKTSZ bytes.
The ranges, formats and error replies chosen for each command are listed in the comment below.
"""

# Choices (out of range -> ERROR): #SKTTO 0..65535; #DSTO 0..255; #PKTSZ 0 or 3..512 (0 = automatic =
# 300; 1 and 2 are refused: the lower bound 3 is our choice); #SKTCT 10..1200; +CGDCONT cid 1..5, PDP type
# "IP" only, APN up to 100 chars; #USERID / #PASSW up to 30 chars (#PASSW cannot be read back).
# `AT#GPRS=1` -> `+IP: <local_ip>` then OK; ERROR when not registered (stat 1 or 5), network.gprs_ok is
# False, the network is dropped, context 1 is not defined, its APN is not one of network.apns (when set), or the
# context is already active.
# #SKTSAV stores the parameters (with user and password) in NVM; #SKTRST restores factory values and
# stores them.

from __future__ import annotations

from typing import TYPE_CHECKING

from host.modem.parser import AtError
from host.modem.parser import Command
from host.modem.parser import int_arg
from host.modem.parser import opt_int
from host.modem.parser import split_args
from host.modem.parser import str_arg
from host.modem.state import SocketParams

if TYPE_CHECKING:
    from host.modem.atport import AtPort

# name -> (SocketParams field, lowest, highest, values allowed below `lowest`)
SOCKET_PARAMS = {
    "#SKTTO": ("skt_to", 0, 65535, ()),
    "#DSTO": ("ds_to", 0, 255, ()),
    "#PKTSZ": ("pkt_sz", 3, 512, (0,)),
    "#SKTCT": ("skt_ct", 10, 1200, ()),
}


def socket_param(port: AtPort, cmd: Command) -> list[str]:
    attr, lo, hi, extra = SOCKET_PARAMS[cmd.name]
    params = port.shared.state.sock
    if cmd.op == "?":
        return [f"{cmd.name}: {getattr(params, attr)}"]
    if cmd.op == "=?":
        low = f"{extra[0]},{lo}" if extra else f"{lo}"
        return [f"{cmd.name}: ({low}-{hi})"]
    if cmd.op != "=":
        raise AtError()
    value = int_arg(cmd.args, 0, hi)
    if value < lo and value not in extra:
        raise AtError()
    setattr(params, attr, value)
    return []


def sktsav(port: AtPort, cmd: Command) -> list[str]:
    if cmd.op:
        raise AtError()
    port.shared.state.saved_sock = port.shared.state.sock.copy()
    return []


def sktrst(port: AtPort, cmd: Command) -> list[str]:
    if cmd.op:
        raise AtError()
    port.shared.state.sock = SocketParams()
    port.shared.state.saved_sock = SocketParams()
    return []


def cgdcont(port: AtPort, cmd: Command) -> list[str]:
    contexts = port.shared.state.cgdcont
    if cmd.op == "?":
        return [
            f'+CGDCONT: {cid},"{pdp}","{apn}","0.0.0.0",0,0' for cid, (pdp, apn) in sorted(contexts.items())
        ]
    if cmd.op == "=?":
        return ['+CGDCONT: (1-5),"IP",,,(0-1),(0-1)']
    if cmd.op != "=":
        raise AtError()
    tokens = split_args(cmd.args)
    cid = int_arg(tokens[0], 1, 5)
    if len(tokens) == 1:
        contexts.pop(cid, None)  # undefine
        return []
    if len(tokens) > 6 or str_arg(tokens[1], 8).upper() != "IP":
        raise AtError()
    apn = str_arg(tokens[2], 100) if len(tokens) > 2 and tokens[2] else ""
    if len(tokens) > 3 and tokens[3]:
        str_arg(tokens[3], 15)
    opt_int(tokens, 4, 0, 1, 0)
    opt_int(tokens, 5, 0, 1, 0)
    contexts[cid] = ("IP", apn)
    return []


def userid(port: AtPort, cmd: Command) -> list[str]:
    params = port.shared.state.sock
    if cmd.op == "?":
        return [f'#USERID: "{params.userid}"']
    if cmd.op == "=?":
        return ["#USERID: 30"]
    if cmd.op != "=":
        raise AtError()
    params.userid = str_arg(cmd.args, 30)
    return []


def passw(port: AtPort, cmd: Command) -> list[str]:
    if cmd.op == "=?":
        return ["#PASSW: 30"]
    if cmd.op != "=":
        raise AtError()
    port.shared.state.sock.passw = str_arg(cmd.args, 30)
    return []


def gprs(port: AtPort, cmd: Command) -> list[str]:
    shared = port.shared
    state = shared.state
    if cmd.op == "?":
        return [f"#GPRS: {int(state.gprs_active)}"]
    if cmd.op == "=?":
        return ["#GPRS: (0-1)"]
    if cmd.op != "=":
        raise AtError()
    if int_arg(cmd.args, 0, 1) == 0:
        shared.deactivate_context()
        return []
    network = shared.network
    if state.gprs_active or not network.is_registered() or not network.gprs_ok or network.dropped:
        raise AtError()
    if 1 not in state.cgdcont:
        raise AtError()
    if network.apns is not None and state.cgdcont[1][1] not in network.apns:
        raise AtError()  # an APN the network does not serve: the activation is refused
    state.gprs_active = True
    return [f"+IP: {network.local_ip}"]


HANDLERS = {
    **dict.fromkeys(SOCKET_PARAMS, socket_param),
    "#SKTSAV": sktsav,
    "#SKTRST": sktrst,
    "+CGDCONT": cgdcont,
    "#USERID": userid,
    "#PASSW": passw,
    "#GPRS": gprs,
}
