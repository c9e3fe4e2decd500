"""The stateful test's world: the gateway (real firmware, simulator, virtual clock) and every outside party
the test plays -- the device on the pty, TCP clients (server mode), TCP servers (client mode), CSD callers,
SMS senders -- and a recorder that samples them after every turn of the simulator loop, so that each byte,
reply, call start and call end carries the virtual time it happened at.

Nothing here judges (tests/e2e/stateful_checks.py does). Times are virtual seconds, sizes bytes.
"""

from __future__ import annotations

import contextlib
import random
import select
import socket
import time
from collections.abc import Callable
from pathlib import Path

import serial

from fsm.interpreters import Interpreter
from host.clock import VirtualClock
from host.modem import Modem
from host.modem import Network
from host.modem.csd import CsdCall
from host.modem.tcp import SocketCall
from host.nvm import deployed
from tests.e2e.gateway import FIRMWARE
from tests.e2e.gateway import TRACE_FLAG
from tests.e2e.gateway import record_coverage
from tests.e2e.stateful_parties import ObservedSimulator
from tests.e2e.stateful_parties import Peer
from tests.e2e.stateful_parties import Reply
from tests.e2e.stateful_parties import TcpServer
from tests.simseed import kindness
from tests.simseed import sim_seed
from tests.support import IN_PROCESS_QUIET_S
from tests.support import LAYOUT
from tests.support import LoopbackHttp

DCD_EDGE_S = 5.0  # DCD may lag a call's start or end by this much (the firmware sees it at its next look)
WAIT_REAL_S = 60.0  # real seconds any single run may take before the test fails (2 cores, shared)
SIM_CAPACITY = 20  # SIM message store
MATCH_REAL_S = 1.0  # real seconds our end of a call may take to show up after the modem connected it
DROP_CAUSE_S = 10.0  # a call that ends this long after a `Confirmed: drop` ended for it
RESTART_EDGE_S = 5.0  # a call that began this long before the kept changes took effect may be cut by the restart
# The network serves these APNs only (Network.apns): the test's good `gprs` texts use them, a bad one is refused
GOOD_APNS = frozenset({"internet", "orangeinternet", "a" * 59})
# The module's DNS (Network.dns): names of the test's servers; any other name does not resolve
DNS = {"gw.test": "127.0.0.1", "backup.example.com": "127.0.0.1"}
APPLIED_MARK = b"settings kept during the call take effect"  # the firmware's trace line (runtime/smsact.py)
SESSION_MARKS = (b"session: online", b"session: call ended")  # a call up, a call over (runtime/sessact.py)
# A call the firmware still took for up when it answered an SMS ends in its trace after the reply: seen this late.
SESSION_MARK_LAG_S = 5.0
STARTMODE = (1, 10)  # #STARTMODESCR of a deployed unit (build.py deploy)
HTTP_QUIET_S = 0.05  # the clock waits this much real quiet while a download may run: the HTTP server is a thread


def quiet_ports(n: int) -> list[int]:
    """`n` distinct loopback ports below the kernel's ephemeral range, free now: no outgoing connection
    (the modem's dials, our clients) can take one of them, so a listener can always be opened again."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    pick = random.SystemRandom()  # not hypothesis's seeded random: each example gets other ports
    out: list[int] = []
    while len(out) < n:
        port = pick.randrange(max(1025, low - 12000), low)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        if port not in out:
            out.append(port)
    return out


class World:
    """The gateway and its surroundings, with the record of everything that happened."""

    def __init__(self, python: Interpreter, nvm: Path, mdm2: str = "on", updates: bool = False) -> None:
        """`updates`: the module runs the firmware as `build.py deploy` leaves it (a ScriptStore, run as the module
        runs it: the boot loader, the manifest, the compiled copies) and a plain HTTP server on loopback serves
        bundles; otherwise the firmware runs from the source tree (cheaper: no update can happen)."""
        nvm.mkdir(parents=True, exist_ok=True)
        (nvm / TRACE_FLAG).write_text("on\n")
        self.nvm = nvm
        self.updates = updates
        self.clock = VirtualClock()
        self.network = Network()
        self.network.apns = set(GOOD_APNS)
        self.network.dns = dict(DNS)
        self.mdm2 = mdm2 == "on"
        modem = Modem(self.clock, self.network, sms_capacity=SIM_CAPACITY)
        self.http: LoopbackHttp | None = None
        if updates:
            scripts = deployed(list(LAYOUT.firmware_dirs), "main.py", STARTMODE)
            scripts.files[TRACE_FLAG] = b"on\n"  # the store is the file system: what it lacks is removed
            where: dict[str, object] = {"scripts": scripts}
            www = nvm.parent / f"{nvm.name}-www"
            www.mkdir(exist_ok=True)
            self.http = LoopbackHttp(www)
        else:
            where = {"firmware_entry": LAYOUT.main, "path_dirs": FIRMWARE}
        self.sim = ObservedSimulator(**where, python=python.path,  # type: ignore[arg-type]
                                     clock=self.clock, nvm_dir=nvm, modem=modem, seed=sim_seed(),
                                     kind=kindness(), quiet_s=IN_PROCESS_QUIET_S, mdm2=mdm2)
        self.sim.observer = self.observe
        ports = quiet_ports(5)
        self.local_ports = {"L0": ports[0], "L1": ports[1]}
        self.servers = {"S0": TcpServer("S0", ports[2]), "S1": TcpServer("S1", ports[3])}
        self.dead_port = ports[4]  # D0: nobody ever listens there
        # --- the record
        self.device_out = bytearray()  # every byte the device wrote (reached the pty)
        self.device_out_marks: list[tuple[float, int]] = []  # (time, offset in device_out) per write
        self.device_queue = bytearray()  # the device wants to write these, the pty has no room yet
        self.device_in = bytearray()  # every byte the device received
        self.peers: list[Peer] = []
        self.calls: list[Peer] = []  # in the order the modem connected them
        self.replies: list[Reply] = []
        self.epoch = 0  # power cuts so far
        self.epoch_start_in: list[int] = [0]  # serial bytes_in when each epoch began
        self.powered = True
        self.powered_since = 0.0
        self.net_up_since: float | None = 0.0  # registered (SMS work); None while dropped
        self.gprs_ok_since: float | None = 0.0  # registered and the context may be activated
        self.last_call_end = float("-inf")
        self.cuts: list[float] = []  # times of the network drops and power cuts the steps injected
        self.power_cuts: list[float] = []
        self.power_ons: list[float] = []
        self.net_returned_at = float("-inf")  # the network or GPRS came back (not at first boot)
        self.net_lost_at: list[float] = []  # the network dropped
        self.gprs_withdrawn: list[float] = []  # the network took the GPRS context away
        self.reboots_injected = 0
        self.lost_in_flight: dict[int, int] = {}  # epoch -> device bytes in the modem when the network dropped
        self.violations: list[str] = []  # facts the observer saw that no step explains
        self.reboot_violations: list[str] = []  # reboots no step and no `reboot` SMS explains
        self.sms_reboots: list[float] = []  # reboots a `Confirmed: reboot` announced
        self.reboots_requested = 0
        self._reboots_seen = 0
        # the firmware's trace says so: (time, since when the modem's call was up then, or None)
        self.deferred_applied: list[tuple[float, float | None]] = []
        self.session_marks: list[float] = []  # when the trace showed a call up or over (SESSION_MARKS)
        self._trace_seen = 0  # bytes of the firmware's trace read (counted from its first byte)
        # DCD towards the device against the calls: (time since a mismatch, DCD), turns judged with a call up
        self.dcd_violations: list[str] = []
        self.dcd_judged_up: set[int] = set()  # calls during which DCD was seen up as it must
        self._dcd_mismatch_since: float | None = None
        self.ctx_log: list[tuple[float, bool, str]] = []  # the modem's context: (time, up, APN) at each change
        self.listen_log: list[tuple[float, int | None]] = []  # the modem's listener: (time, port) at each change
        self.turns = 0
        # --- updates: while one is under way (the action's sender), the reboots it makes are its own
        self.updating: str | None = None
        self.update_reboots: list[float] = []  # reboots an update made (#REBOOT, the watchdog)
        self.updated_at = float("-inf")  # the last update ended (its outcome told)
        self.expected_crashes = 0  # firmwares installed that crash at import (each logs one unexpected error)
        self._modem_call: object | None = None
        self._seen: tuple[object, float, float] | None = None  # a call not matched yet: (call, since, real deadline)
        self._cut_cause: str | None = None  # set while a step cuts the call (network drop, power cut)
        self.sim.start()
        self.serial = serial.serial_for_url(self.sim.serial_path, timeout=0, write_timeout=0)

    def close(self) -> None:
        record_coverage(self.sim.trace.lines())
        for p in self.peers:
            if p.sock is not None:
                p.sock.close()
        for s in self.servers.values():
            s.close()
        self.serial.close()
        self.sim.stop()
        if self.http is not None:
            self.http.stop()

    def publish(self, name: str, data: bytes) -> str:
        """A bundle on the HTTP server; its URL."""
        assert self.http is not None
        (self.http.root / name).write_bytes(data)
        return self.http.url(name)

    def download_may_run(self, on: bool) -> None:
        """While a download may run the clock waits HTTP_QUIET_S of real quiet before it jumps, so the server's
        thread answers in clock time; otherwise the in-process window (the rest of the test stays fast)."""
        self.sim.quiet_s = HTTP_QUIET_S if on else IN_PROCESS_QUIET_S

    def live(self, name: str) -> bytes | None:
        """A file of the module's file system as the running firmware sees it (None when absent or emptied)."""
        path = self.nvm / name
        data = path.read_bytes() if path.is_file() else b""
        return data or None

    # --- time
    @property
    def now(self) -> float:
        return self.clock.now()

    def run(self, seconds: float) -> None:
        """Lets `seconds` of virtual time pass, observing every turn."""
        self.sim.run_for(seconds, timeout_real_s=WAIT_REAL_S)

    def run_until(self, predicate: Callable[[], bool], max_s: float, what: str) -> bool:
        """Runs until predicate() or about `max_s` virtual seconds passed, then to a quiet point;
        returns whether it held."""
        if not self.powered:
            self.run(max_s)
            return predicate()
        end = self.now + max_s
        self.sim.run_until(lambda: predicate() or self.now >= end, WAIT_REAL_S, what)
        self.quiet()
        return predicate()

    def quiet(self) -> None:
        """Runs to the next quiet point: the firmware blocked in a wait, real I/O silent."""
        self.sim.run_for(0.001, timeout_real_s=WAIT_REAL_S)

    # --- the observer (after every turn)
    def observe(self) -> None:
        self.turns += 1
        now = self.now
        self._reboots(now)
        self._device_io(now)
        for s in self.servers.values():
            self._accept(s, now)
        for p in self.peers:
            if not p.gone:
                self._peer_io(p, now)
        self._calls(now)
        box = self.sim.modem.outbox
        while len(self.replies) < len(box):
            to, text = box[len(self.replies)]
            self.replies.append(Reply(now, to, text, bool(self.sim.modem.state.gprs_active), self.epoch,
                                      self.consumed_in_epoch(), self.delivered_in_epoch(), self.lost_in_modem(),
                                      self.call_up()))
        self._trace(now)
        self._modem_facts(now)
        self._dcd(now)

    def _reboots(self, now: float) -> None:
        """A reboot the firmware asked for (`#REBOOT`) after a `Confirmed: reboot` is a cut like a power cut
        (RAM and the UART's input are gone: a new epoch); any other that no step made is a violation."""
        sim = self.sim
        while self._reboots_seen < sim.reboots:
            at, reason = sim.reboot_log[self._reboots_seen]
            self._reboots_seen += 1
            if reason in ("power on", "power cut"):
                continue  # a step's (power_on)
            announced = sum(1 for r in self.replies if r.text == "Confirmed: reboot")
            if reason in ("#REBOOT", "watchdog") and self.updating is not None:  # the update's restarts, rollback
                self.update_reboots.append(at)
                self.reboots_requested += 1
                self._cut(at, "update")
                self.powered_since = at
            elif reason in ("#REBOOT", "watchdog") and len(self.sms_reboots) < announced:  # the firmware's two ways
                self.reboots_requested += 1
                self.sms_reboots.append(at)
                self._cut(at, "reboot")
                self.powered_since = at
            else:
                self.reboot_violations.append(f"t={at:.1f}: the module rebooted ({reason}) with no cause")

    def _cut(self, now: float, cause: str) -> None:
        """The firmware and its RAM are gone (a power cut, a reboot): a new epoch of the byte accounting."""
        self.cuts.append(now)
        self._cut_cause = cause
        self.epoch += 1
        side = self.sim.serial
        assert side is not None
        self.epoch_start_in.append(side.bytes_in)
        self._calls(now)
        self._cut_cause = None

    def _trace(self, now: float) -> None:
        """The firmware's trace line that says the changes kept during a call took effect: the moment the model
        takes them as in force (an invariant checks it came at a call's end)."""
        tr = self.sim.trace
        data = bytes(tr.data)
        start = max(self._trace_seen - tr.dropped, 0)
        new = data[start:]
        whole = new[:new.rfind(b"\n") + 1]
        # A call can start and end between two looks at the modem (a server that accepts and closes at once):
        # the session's trace lines still tell that one was up (seen here, at the latest at `now`).
        for _ in range(whole.count(SESSION_MARKS[0]) + whole.count(SESSION_MARKS[1])):
            self.session_marks.append(now)
        if APPLIED_MARK in new:
            cut = new.rfind(b"\n")
            for _ in range(new[:cut + 1].count(APPLIED_MARK) if cut >= 0 else 0):
                self.deferred_applied.append((now, self._call_up_since(now)))
            if cut < 0:
                return
            self._trace_seen = tr.dropped + start + cut + 1
            return
        cut = new.rfind(b"\n")
        if cut >= 0:
            self._trace_seen = tr.dropped + start + cut + 1

    def _call_up_since(self, now: float) -> float | None:
        if self._seen is not None:
            return self._seen[1]
        if self._modem_call is not None and self.calls:
            return self.calls[-1].started_at
        return None

    def _modem_facts(self, now: float) -> None:
        """The modem's context and listener at each change (what the trial's goal is judged on)."""
        st = self.sim.modem.state
        up = bool(st.gprs_active) and self.powered
        if not self.ctx_log or self.ctx_log[-1][1] != up:
            apn = str(st.cgdcont.get(1, ("", ""))[1]) if up else ""
            self.ctx_log.append((now, up, apn))
        port = self.listening_port() if self.powered else None
        if not self.listen_log or self.listen_log[-1][1] != port:
            self.listen_log.append((now, port))

    def _dcd(self, now: float) -> None:
        """DCD towards the device is up exactly while a call carries data, give or take DCD_EDGE_S at the edges
        (the firmware sees a call start or end at its next look); not judged while off or booting."""
        side = self.sim.serial
        if side is None or not self.powered or now < self.powered_since + DCD_EDGE_S:
            self._dcd_mismatch_since = None
            return
        dcd, up = side.lines_out.get("DCD", 0), self.call_up()
        cur = self.calls[-1] if self.calls else None
        if up and not dcd and cur is not None and any(  # the gateway is ending the call: it carries no more data
                r.text in ("Confirmed: drop", "Confirmed: reboot") and r.at >= (cur.started_at or now)
                for r in self.replies[-4:]):
            self._dcd_mismatch_since = None
            return
        if bool(dcd) == up:
            self._dcd_mismatch_since = None
            if up and self._modem_call is not None and self.calls and \
                    now >= (self.calls[-1].started_at or now) + DCD_EDGE_S:
                self.dcd_judged_up.add(len(self.calls))
            return
        if self._dcd_mismatch_since is None:
            self._dcd_mismatch_since = now
        elif now > self._dcd_mismatch_since + DCD_EDGE_S:
            self.dcd_violations.append(f"t={now:.1f}: DCD {dcd} towards the device since t="
                                       f"{self._dcd_mismatch_since:.1f} while a call is {'up' if up else 'not up'}")
            self._dcd_mismatch_since = None

    def _device_io(self, now: float) -> None:
        while self.device_queue and select.select([], [self.serial.fileno()], [], 0)[1]:
            n = self.serial.write(bytes(self.device_queue[:256])) or 0
            if not n:
                break
            self.device_out_marks.append((now, len(self.device_out)))
            self.device_out += self.device_queue[:n]
            del self.device_queue[:n]
        got = self.serial.read(65536)
        if got:
            self.device_in += got

    def _accept(self, server: TcpServer, now: float) -> None:
        while server.sock is not None:
            try:
                conn, addr = server.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            conn.setblocking(False)
            peer = Peer(f"{server.name}.{len(server.conns)}", "server", now, sock=conn, epoch=self.epoch,
                        port=server.port, addr=addr)
            server.conns.append(peer)
            self.peers.append(peer)
            if server.closes_at_once:
                peer.closed_at = now
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_WR)

    def _peer_io(self, p: Peer, now: float) -> None:
        if p.csd is not None:
            got = p.csd.recv()
            if got:
                p.received += got
                p.rx_log.append((now, len(got)))
            if not p.csd.active:
                p.gone = True
            return
        assert p.sock is not None
        if p.queued and p.closed_at is None:
            with contextlib.suppress(BlockingIOError, OSError):
                n = p.sock.send(bytes(p.queued))
                p.sent += p.queued[:n]
                del p.queued[:n]
        while True:
            try:
                got = p.sock.recv(1 << 20)
            except BlockingIOError:
                return
            except OSError:  # reset, refused
                self._peer_gone(p)
                return
            if not got:
                self._peer_gone(p)
                return
            p.received += got
            p.rx_log.append((now, len(got)))

    def _peer_gone(self, p: Peer) -> None:
        p.gone = True
        assert p.sock is not None
        p.sock.close()

    def _calls(self, now: float) -> None:
        """Notes each call the modem connects and each end. Our end of a call the modem dialled may reach
        our accept() a little after the modem saw CONNECT (loopback handshake): matching waits for it."""
        call = self.sim.modem.main.call
        if self.is_download(call):
            call = None  # an update's download: no data call (the data path is not running)
        if call is not self._modem_call and self._modem_call is not None:
            self._call_ended(now, self._cut_cause or self._cause(self._modem_call, now))
            self._modem_call = None
        seen = self._seen
        if seen is not None and seen[0] is not call:  # it ended before our end showed up: note it now
            self._call_started(seen[0], seen[1], self._peer_of(seen[0]))
            self._call_ended(now, self._cut_cause or self._cause(seen[0], now))
            self._seen = None
        if call is None or call is self._modem_call:
            return
        if self._seen is None:
            self._seen = (call, now, time.monotonic() + MATCH_REAL_S)
        peer = self._peer_of(call)
        if peer is None and time.monotonic() < self._seen[2]:
            return
        self._call_started(call, self._seen[1], peer)
        self._modem_call, self._seen = call, None

    def is_download(self, call: object) -> bool:
        """The modem's call is an update's download (to the test's HTTP server)."""
        return (self.http is not None and isinstance(call, SocketCall) and call.direction == "out"
                and call.peer[1] == self.http.port)

    def _call_started(self, call: object, now: float, peer: Peer | None) -> None:
        if peer is None:
            peer = Peer(f"unknown{len(self.calls)}", "unknown", now, epoch=self.epoch)
            self.peers.append(peer)
            self.violations.append(f"t={now:.1f}: the modem connected a call nobody in the test made: {call!r}")
        peer.call, peer.started_at, peer.epoch = len(self.calls), now, self.epoch
        self.calls.append(peer)

    def _peer_of(self, call: object) -> Peer | None:
        """Our party at the far end of the modem's call, by the addresses both ends saw when they opened."""
        if isinstance(call, CsdCall):
            return next((p for p in self.peers if p.csd is call), None)
        if not isinstance(call, SocketCall):
            return None
        if call.direction == "in":
            addr = call.peer
        else:
            try:
                addr = call.sock.getsockname()
            except OSError:  # the modem's socket is already closed: the newest connection our server took
                return next((p for p in reversed(self.peers) if p.kind == "server" and p.call is None), None)
        kind = "client" if call.direction == "in" else "server"
        return next((p for p in self.peers if p.kind == kind and p.call is None and p.addr == addr), None)

    def _cause(self, call: object, now: float) -> str | None:
        """Why the modem's call ended, from what the test did; None when nothing explains it."""
        cur = self.calls[-1] if self.calls else None
        if cur is not None and cur.closed_at is not None:
            return "peer closed"
        if cur is not None and any(r.text in ("Confirmed: drop", "Confirmed: reboot")
                                   and (cur.started_at or now) <= r.at <= now <= r.at + DROP_CAUSE_S
                                   for r in self.replies):
            return "drop or reboot"  # (the reboot ends the call before it reboots the module)
        if isinstance(call, SocketCall) and call.skt_to and now >= call.last_t + call.skt_to - 1e-6:
            return f"socket timeout ({call.skt_to} s)"
        if cur is not None and self._kept_changes_applied_since((cur.started_at or now) - RESTART_EDGE_S):
            # a client that called as the changes kept during the last call took effect: the mode restarts with
            # them, and a call the modem took meanwhile is abandoned (docs/sms-commands.md, during a connection)
            return "the mode restarted for the changes kept during the last call"
        return None

    def _kept_changes_applied_since(self, since: float) -> bool:
        """The firmware's trace said the kept changes took effect at or after `since` (also in the part of the
        trace the recorder has not read yet: the line is written before the restart cuts anything)."""
        if any(t >= since for t, _ in self.deferred_applied):
            return True
        tr = self.sim.trace
        return APPLIED_MARK in bytes(tr.data)[max(self._trace_seen - tr.dropped, 0):]

    def _call_ended(self, now: float, cause: str | None) -> None:
        cur = self.calls[-1]
        cur.ended_at, cur.cause = now, cause
        if cause == "peer closed":
            cur.complete = True
        if cause is None:
            self.violations.append(f"t={now:.1f}: call {cur.call} ({cur.name}) ended with no cause: the peer "
                                   f"had not closed, the network was up, no power cut, no socket timeout due")
        self.last_call_end = now
        if cur.csd is not None:
            cur.gone = True

    # --- the device
    def device_write(self, data: bytes) -> None:
        self.device_queue += data
        self.observe()

    def device_silent_for(self) -> float:
        return self.now - self.device_out_marks[-1][0] if self.device_out_marks else self.now

    # --- peers
    def connect_client(self, port: int, source: str, data: bytes) -> Peer:
        s = socket.socket()
        s.bind((source, 0))
        s.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            s.connect(("127.0.0.1", port))
        peer = Peer(f"client{sum(p.kind == 'client' for p in self.peers)}", "client", self.now, sock=s,
                    source=source, epoch=self.epoch, port=port, addr=s.getsockname())
        peer.queued += data
        self.peers.append(peer)
        self.observe()
        return peer

    def peer_send(self, peer: Peer, data: bytes) -> None:
        if peer.csd is not None:
            taken = peer.csd.send(data)
            peer.sent += data[:taken]
        else:
            peer.queued += data
        self.observe()

    def peer_close(self, peer: Peer) -> None:
        """A TCP peer half-closes (it keeps reading what the gateway still sends); a caller hangs up."""
        self.observe()
        peer.closed_at = self.now
        if peer.csd is not None:
            peer.csd.hangup()
        elif peer.sock is not None and not peer.gone:
            peer.queued.clear()
            with contextlib.suppress(OSError):
                peer.sock.shutdown(socket.SHUT_WR)
        self.observe()

    def ring(self, caller: str) -> Peer:
        call = self.sim.modem.ring(caller)
        peer = Peer(f"csd{sum(p.kind == 'csd' for p in self.peers)}", "csd", self.now, csd=call, epoch=self.epoch)
        peer.gone = not call.active
        self.peers.append(peer)
        return peer

    def live_peers(self, kind: str) -> list[Peer]:
        return [p for p in self.peers if p.kind == kind and p.live]

    # --- the network and the power
    def modem_backlog(self) -> int:
        call = self.sim.modem.main.call
        return call.backlog() if call is not None else 0

    def drop_network(self) -> None:
        self.observe()
        self.lost_in_flight[self.epoch] = self.lost_in_flight.get(self.epoch, 0) + self.modem_backlog()
        self.cuts.append(self.now)
        self._cut_cause = "network drop"
        self.network.drop()
        self.net_up_since = self.gprs_ok_since = None
        self.net_lost_at.append(self.now)
        self.observe()
        self._cut_cause = None

    def restore_network(self, gprs_ok: bool) -> None:
        self.network.gprs_ok = gprs_ok
        self.network.restore()
        self.net_up_since = self.net_returned_at = self.now
        self.gprs_ok_since = self.now if gprs_ok else None
        self.observe()

    def withdraw_gprs(self) -> None:
        """The network deactivates the GPRS context and refuses new ones (an operator's fault, a subscription
        that ran out) while registration, and SMS, go on: a call ends, the listener goes."""
        self.observe()
        self.lost_in_flight[self.epoch] = self.lost_in_flight.get(self.epoch, 0) + self.modem_backlog()
        self.cuts.append(self.now)
        self._cut_cause = "GPRS withdrawn"
        self.network.gprs_ok = False
        self.sim.modem.deactivate_context()
        self.gprs_ok_since = None
        self.gprs_withdrawn.append(self.now)
        self.observe()
        self._cut_cause = None

    def gprs_back(self) -> None:
        self.network.gprs_ok = True
        if self.net_up_since is not None and self.gprs_ok_since is None:
            self.gprs_ok_since = self.net_returned_at = self.now

    def power_cut(self) -> None:
        """The module loses power: the firmware, its RAM (pending bytes, the drop counter) and the UART
        buffers are gone; a new epoch of the byte accounting begins."""
        self.observe()
        self.power_cuts.append(self.now)
        self.sim.power_cut(restart=False)
        self.powered = False
        self._cut(self.now, "power cut")
        self.observe()

    def power_on(self) -> None:
        self.sim.power_on()
        self.reboots_injected += 1
        self.powered, self.powered_since = True, self.now
        self.power_ons.append(self.now)
        self.observe()

    # --- derived facts
    def call_up(self) -> bool:
        return self._modem_call is not None or self._seen is not None

    def sms_ready_since(self) -> float | None:
        """Since when the gateway can answer SMS (powered, registered, and no call up unless the module has
        MDM2), or None now."""
        if not self.powered or self.net_up_since is None or (self.call_up() and not self.mdm2):
            return None
        # (a deployed module runs the script only after its #STARTMODESCR window for AT commands)
        started = self.powered_since + (STARTMODE[1] + 1 if self.updates else 0.0)
        return max(started, self.net_up_since, self.last_call_end if not self.mdm2 else 0.0)

    def resolve(self, host: str) -> str | None:
        """The address the module's DNS gives a server name (an address is itself), None when it fails."""
        if host.replace(".", "").isdigit():
            return host
        return self.network.lookup(host)

    def call_up_between(self, a: float, b: float) -> bool:
        """A call was up at some moment of [a, b] (also one too short for the test to see: its trace lines)."""
        return any(c.started_at is not None and c.started_at <= b and (c.ended_at is None or c.ended_at >= a)
                   for c in self.calls) or (self.call_up() and b >= self.now) \
            or any(a <= t <= b + SESSION_MARK_LAG_S for t in self.session_marks)

    def idle_between(self, a: float, b: float) -> bool:
        """No call was up at some moment of [a, b]."""
        spans = sorted((c.started_at, c.ended_at if c.ended_at is not None else float("inf"))
                       for c in self.calls if c.started_at is not None)
        t = a
        for s0, e0 in spans:
            if s0 > t:
                break
            t = max(t, e0)
        return t <= b

    def consumed_in_epoch(self) -> int:
        """Device bytes the firmware of this epoch took from its serial port (read by SER)."""
        side = self.sim.serial
        assert side is not None
        return side.bytes_in - len(side.rx) - self.epoch_start_in[self.epoch]

    def written_in_epoch(self) -> int:
        """Device bytes that belong to this epoch: written, not taken by the module before the last cut."""
        return len(self.device_out) - self.epoch_start_in[self.epoch]

    def lost_in_modem(self) -> int:
        """Device bytes of this epoch the modem took and never sent: in its buffer when an injected network drop
        cut the call, or held as a possible `+++` escape when a call ended within its guard time (a peer that
        closed just after the gateway's pause before a lone '+'). (The modem is new after a power cut, as the
        epoch.)"""
        return self.lost_in_flight.get(self.epoch, 0) + self.sim.modem.main.escape_lost

    def delivered_in_epoch(self) -> int:
        return sum(len(p.received) for p in self.calls if p.epoch == self.epoch)

    def listening_port(self) -> int | None:
        lst = self.sim.modem.listener
        return lst.lport if lst is not None else None
