"""The emulated Telit modem: two AT instances (MDM, MDM2) over one shared state, the SIM message store,
the GPRS context, the listener, the incoming CSD call, and the timers and real sockets behind them.

poll() does what is due at clock.now(); next_deadline() says when that is next (clock seconds);
fds() / wfds() are the real sockets to select() on for reading / writing.
"""

from __future__ import annotations

import dataclasses

from host.clock import Clock
from host.kindness import STRICT
from host.kindness import Kindness
from host.modem.atport import AtPort
from host.modem.calls import Mode
from host.modem.commands import MDM_TABLE
from host.modem.csd import CsdCall
from host.modem.faults import Faults
from host.modem.firewall import Firewall
from host.modem.network import Network
from host.modem.scripts import ScriptFiles
from host.modem.smsstore import SmsStore
from host.modem.state import ModemState
from host.modem.state import Profile
from host.modem.statled import StatusLed
from host.modem.tcp import Closer
from host.modem.tcp import Listener
from host.modem.tcp import SocketCall

MDM2_CHOICES = ("on", "silent", "absent")  # the module's second AT instance: there, never answering, no built-in
RI_PULSE_S = 1.0  # RI high for an incoming call's ring or an SMS indication in data mode


class Modem:
    """`kind`: the kindnesses of host/kindness.py that apply to the modem (instant_network, roomy_modem);
    `saved_profile`: the AT&W profile it powers up with (default: the factory profile)."""

    def __init__(self, clock: Clock, network: Network | None = None, *, sms_capacity: int = 20,
                 kind: Kindness = STRICT, saved_profile: Profile | None = None, mdm2: str = "on") -> None:

        self.clock = clock
        self.kind = kind
        self.network = network if network is not None else Network()
        self.faults = Faults()
        self.at_log: list[tuple[float, str]] = []
        self.outbox: list[tuple[str, str]] = []
        self.state = ModemState()
        self.sms = SmsStore(sms_capacity, clock)
        self.firewall = Firewall()
        self.listener: Listener | None = None
        self.closers: list[Closer] = []  # sockets still flushing their last bytes after the call ended
        self.incoming: CsdCall | None = None  # the CSD call ringing or up
        self.led = StatusLed()  # the status LED (AT#SLED); `led.supported = False`: a module without the command
        self.files: ScriptFiles | None = None  # the file system the running script sees (the simulator sets it)
        self.main = AtPort(self, "MDM", MDM_TABLE)
        self.second = AtPort(self, "MDM2", MDM_TABLE)
        self.mdm2 = "on"
        self.set_mdm2(mdm2)
        self.urc_port = self.main  # where +CMTI goes: the instance that last set +CNMI
        self._ri_until = float("-inf")
        self._reg_seen = self.network.registered
        self.network.subscribe(self._network_dropped)
        self.load_profile(saved_profile if saved_profile is not None else Profile())

    def set_mdm2(self, mdm2: str) -> None:
        """The module's second AT instance: "on"; "silent" (it never answers: what is written is lost);
        "absent" (the firmware's `import MDM2` fails: the built-in asks MDM2.present at import)."""
        if mdm2 not in MDM2_CHOICES:
            raise ValueError(f"mdm2 must be one of {', '.join(MDM2_CHOICES)}, not {mdm2!r}")
        self.mdm2 = mdm2
        self.second.silent = mdm2 != "on"

    def load_profile(self, saved: Profile) -> None:
        """Power-up with `saved` as the AT&W profile in NVM: both AT instances start with its settings."""
        self.state.saved_profile = dataclasses.replace(saved)
        self.state.profile = dataclasses.replace(saved)
        for port in (self.main, self.second):
            port.echo = saved.echo
            port.verbose = saved.verbose

    # --- the firmware side: MDM
    def write(self, data: bytes) -> None:
        self.main.write(data)

    def read(self, limit: int = 4096) -> bytes:
        return self.main.read(limit)

    def dcd(self) -> int:
        return self.main.dcd()

    def cts(self) -> int:
        return self.main.cts()

    def dsr(self) -> int:
        return self.main.dsr()

    def ri(self) -> int:
        return 1 if self.clock.now() < self._ri_until else 0

    def set_dtr(self, v: int) -> None:
        self.main.set_dtr(v)

    def set_rts(self, v: int) -> None:
        self.main.set_rts(v)

    def pulse_ri(self) -> None:
        self._ri_until = max(self._ri_until, self.clock.now() + RI_PULSE_S)

    # --- time and real I/O
    def poll(self) -> None:
        now = self.clock.now()
        self._registration_urcs()
        for port in (self.main, self.second):
            port.poll(now)
        if self.listener is not None:
            self.listener.poll(now)
        if self.incoming is not None:
            self.incoming.poll(now)
            if not self.incoming.active:
                self.incoming = None
        for closer in self.closers:
            closer.poll()
        self.closers = [c for c in self.closers if not c.done]

    def next_deadline(self) -> float | None:
        times = [self.main.deadline(), self.second.deadline()]
        if self.incoming is not None:
            times.append(self.incoming.deadline())
        if self._ri_until > self.clock.now():
            times.append(self._ri_until)
        return min((t for t in times if t is not None), default=None)

    def fds(self) -> list[int]:
        """Sockets whose readability means poll() has work (a connect in progress is also in wfds())."""
        fds = self.main.fds() + self.second.fds()
        if self.listener is not None:
            fds += self.listener.fds()
        return fds

    def wfds(self) -> list[int]:
        """Sockets whose writability means poll() has work: connects in progress, unsent data."""
        return self.main.wfds() + self.second.wfds() + [c.fd() for c in self.closers if not c.done]

    def close(self) -> None:
        """Power off: every real socket is closed at once; nothing more is said to the firmware."""
        for port in (self.main, self.second):
            port.release()
        self.stop_listening()
        for closer in self.closers:
            closer.release()
        self.closers = []
        if self.incoming is not None:
            self.incoming.release()
            self.incoming = None
        self.state.gprs_active = False

    # --- the outside world
    def deliver_sms(self, sender: str, text: str) -> int | None:
        index = self.sms.receive(sender, text)
        if index is not None:
            self._indicate_sms(index)
        return index

    def sim_messages(self) -> list[tuple[int, str, str, str]]:
        return [(i, m.stat, m.number, m.text) for i, m in sorted(self.sms.slots.items())]

    def ring(self, caller: str = "+447700900123") -> CsdCall:
        """An incoming CSD call (a second one while one is ringing or up finds the line busy)."""
        call = CsdCall(caller, self.clock.now(), self._ring)
        if self.incoming is not None and self.incoming.active:
            call.active = False
            return call
        self.incoming = call
        call.poll(self.clock.now())
        return call

    # --- used by the command handlers
    def socket_busy(self) -> bool:
        """The single Easy GPRS socket is in use: connecting, connected or listening."""
        for port in (self.main, self.second):
            if port.pending is not None or isinstance(port.call, SocketCall):
                return True
        return self.listener is not None

    def add_closer(self, closer: Closer) -> None:
        if not closer.done:
            self.closers.append(closer)

    def stop_listening(self) -> None:
        if self.listener is not None:
            self.listener.close()
            self.listener = None

    def deactivate_context(self) -> None:
        """#GPRS=0 or network loss: sockets end (NO CARRIER) and the listener goes."""
        self.state.gprs_active = False
        self.stop_listening()
        for port in (self.main, self.second):
            if isinstance(port.call, SocketCall):
                port.call.drop()

    def _ring(self, call: CsdCall) -> None:
        """One ring of the incoming call: RING (or +CRING: ASYNC after +CRC=1) on MDM, in data mode only RI
        moves; ATS0=n answers on MDM at the n-th ring when it is free."""
        self.pulse_ri()
        port = self.main
        if port.mode is not Mode.DATA:
            port.urc("+CRING: ASYNC" if self.state.profile.crc else "RING")
        s0 = self.state.profile.s0
        if s0 and call.rings >= s0 and port.mode is Mode.COMMAND and port.call is None:
            call.answer(port)

    def _indicate_sms(self, index: int) -> None:
        mode, mt = self.state.cnmi[:2]
        if mode == 0 or mt == 0:
            return  # +CNMI mode 0 / mt 0: no indication; the firmware polls +CMGL
        text = f'+CMTI: "SM",{index}'
        port = self.urc_port
        if port.mode is Mode.DATA:
            self.pulse_ri()  # nothing enters the data stream
            if mode == 2:
                port.queue_urc(text)  # mode 2: kept and shown after the call
            return
        port.urc(text)

    def _registration_urcs(self) -> None:
        stat = self.network.registered
        if stat == self._reg_seen:
            return
        self._reg_seen = stat
        if self.state.creg_n:
            self.main.urc(f"+CREG: {stat}")
        if self.state.cgreg_n:
            self.main.urc(f"+CGREG: {stat}")

    def _network_dropped(self) -> None:
        for port in (self.main, self.second):
            port.network_lost()
        if self.incoming is not None:
            self.incoming.drop()
            self.incoming = None
        self.deactivate_context()
        self._registration_urcs()

    # --- for tests and the console
    @property
    def settings(self) -> dict[str, object]:
        """A snapshot of the settings (read-only: changing it changes nothing)."""
        s = self.state
        return {
            **dataclasses.asdict(s.sock),
            **dataclasses.asdict(s.profile),
            "echo": self.main.echo,
            "echo_mdm2": self.second.echo,
            "verbose_result_codes": self.main.verbose,
            "verbose_mdm2": self.second.verbose,
            "selint": s.selint,
            "creg_n": s.creg_n,
            "cgreg_n": s.cgreg_n,
            "cgdcont": dict(s.cgdcont),
            "gprs_active": s.gprs_active,
            "frwl": list(self.firewall.rules),
            "listening": self.listener.lport if self.listener is not None else None,
            "cmgf": self.main.cmgf,
            "cmgf_mdm2": self.second.cmgf,
            "cnmi": s.cnmi,
            "cnmi_port": self.urc_port.name,
            "csdh": self.main.csdh,
            "csdh_mdm2": self.second.csdh,
            "cpms": s.cpms,
            "saved_sock": dataclasses.asdict(s.saved_sock),
        }

    def describe(self) -> dict[str, object]:
        port = self.main
        mode = port.mode.value
        if port.mode is Mode.COMMAND and port.call is not None:
            mode = "online-command"
        call = port.call
        return {
            "mode": mode,
            "gprs": self.state.gprs_active,
            "ip": self.network.local_ip if self.state.gprs_active else None,
            "registered": self.network.registered,
            "socket": call.describe() if isinstance(call, SocketCall) else None,
            "csd": self.incoming.describe() if self.incoming is not None else None,
            "listening": self.listener.lport if self.listener is not None else None,
            "sms": self.sms.used(),
            "outbox": len(self.outbox),
            "mdm2_mode": self.second.mode.value,
            "led": self.led.describe() if self.led.supported else "no AT#SLED",
        }
