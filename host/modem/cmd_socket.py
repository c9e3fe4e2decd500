"""The Easy GPRS socket commands: #SKTD (dial out) and #SKTL (listen), on real TCP sockets bound to
network.listen_host. Ports are TCP port numbers; the connect time limit (#SKTCT) is in 100 ms.
The ranges, formats and error replies chosen for each command are listed in the comment below.
"""

# `AT#SKTD=0,<rport 1..65535>,"<addr>"[,<closure 0|255>[,<lport 0..65535>]]`: ERROR without an active
# context, while the socket is in use (connecting, connected or listening), for UDP (type 1: not
# emulated), or when a host name does not resolve (after network.dns_fail_s, the context kept); else CONNECT
# (data mode, DCD high) once the real connect completes, NO CARRIER when refused, when
# network.refuse_connections is set, or after #SKTCT. <addr> is a dotted IPv4 address or a host name the module
# resolves with a DNS query (docs/design/telit.md 4.2); here from network.dns only. That a name which does not
# resolve gives ERROR (not NO CARRIER) is a guess: the manuals do not say.
# `AT#SKTL=1,0,<lport 1..65535>[,<closure 0|255>]`: OK when listening; ERROR without a context, when the
# socket is in use, or when the port cannot be bound. `AT#SKTL=0[,...]` stops (OK even when idle). A
# permitted connection gives `+CONN FROM: <addr>` then CONNECT; the listener is gone until the next #SKTL.

from __future__ import annotations

import errno
import ipaddress
import socket
from typing import TYPE_CHECKING

from host.modem.parser import AtError
from host.modem.parser import Command
from host.modem.parser import int_arg
from host.modem.parser import opt_int
from host.modem.parser import split_args
from host.modem.parser import str_arg
from host.modem.tcp import Connecting
from host.modem.tcp import Listener
from host.modem.tcp import SocketCall

if TYPE_CHECKING:
    from host.modem.atport import AtPort
    from host.modem.network import Network

_IN_PROGRESS = (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY)


def _closure(tokens: list[str], index: int) -> int:
    closure = opt_int(tokens, index, 0, 255, 0)
    if closure not in (0, 255):
        raise AtError()
    return closure


def _resolve(network: Network, addr: str) -> str | None:
    """The IPv4 address `addr` is or names (network.dns), or None. Never the PC's resolver."""
    try:
        return str(ipaddress.IPv4Address(addr))
    except ValueError:
        return network.lookup(addr)


class Unresolved:
    """#SKTD to a name the DNS does not know: ERROR when the lookup gives up, network.dns_fail_s later."""

    def __init__(self, port: AtPort, deadline: float) -> None:
        self.port = port
        self._deadline = deadline

    def poll(self, now: float) -> None:
        if now >= self._deadline:
            self.port.fail_pending("ERROR")

    def deadline(self) -> float | None:
        return self._deadline

    def fds(self) -> list[int]:
        return []

    def wfds(self) -> list[int]:
        return []

    def drop(self) -> None:
        pass


def sktd(port: AtPort, cmd: Command) -> list[str] | None:
    if cmd.op == "=?":
        return ["#SKTD: (0,1),(1-65535),,(0,255),(0-65535)"]
    if cmd.op != "=":
        raise AtError()
    tokens = split_args(cmd.args)
    if not 3 <= len(tokens) <= 5:
        raise AtError()
    kind = int_arg(tokens[0], 0, 1)
    rport = int_arg(tokens[1], 1, 65535)
    addr = str_arg(tokens[2], 64)
    closure = _closure(tokens, 3)
    lport = opt_int(tokens, 4, 0, 65535, 0)
    shared = port.shared
    if kind == 1 or not shared.state.gprs_active or shared.socket_busy() or port.call is not None:
        raise AtError()
    host = _resolve(shared.network, addr)
    if host is None:
        if shared.network.dns_fail_s <= 0:
            raise AtError()
        port.busy(Unresolved(port, shared.clock.now() + shared.network.dns_fail_s))
        return None
    if shared.network.refuse_connections:
        raise AtError("NO CARRIER")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        sock.bind((shared.network.listen_host, lport))
    except OSError:
        sock.close()
        raise AtError() from None
    if sock.connect_ex((host, rport)) not in _IN_PROGRESS:
        sock.close()
        raise AtError("NO CARRIER")
    now = shared.clock.now()
    params = shared.state.sock.copy()
    pending = Connecting(port, sock, closure, params, now + params.skt_ct / 10, shared.add_closer)
    port.busy(pending)
    pending.poll(now)
    return None


def sktl(port: AtPort, cmd: Command) -> list[str]:
    if cmd.op == "=?":
        return ["#SKTL: (0,1),(0),(1-65535),(0,255)"]
    if cmd.op != "=":
        raise AtError()
    tokens = split_args(cmd.args)
    if len(tokens) > 4:
        raise AtError()
    shared = port.shared
    if int_arg(tokens[0], 0, 1) == 0:
        shared.stop_listening()
        return []
    if len(tokens) < 3:
        raise AtError()
    kind = int_arg(tokens[1], 0, 1)
    lport = int_arg(tokens[2], 1, 65535)
    closure = _closure(tokens, 3)
    if kind == 1 or not shared.state.gprs_active or shared.socket_busy() or port.call is not None:
        raise AtError()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((shared.network.listen_host, lport))
        sock.listen(4)
    except OSError:
        sock.close()
        raise AtError() from None

    def accepted(conn: socket.socket, source: str) -> None:
        shared.stop_listening()
        params = shared.state.sock.copy()
        call = SocketCall(port, conn, "in", closure, params, shared.clock.now(), shared.add_closer)
        port.connect_unsolicited(call, f"+CONN FROM: {source}", "CONNECT")

    shared.listener = Listener(port, sock, closure, shared.firewall.permits, accepted)
    return []


HANDLERS = {"#SKTD": sktd, "#SKTL": sktl}
