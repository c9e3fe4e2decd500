"""The invariants of the stateful test, one method each (the name says which failed), checked after every
step against the world's record (tests/e2e/stateful_world.py) and the model (stateful_model.py).

PROPERTIES lists them for the certification pack. Bounds are virtual seconds; each says what it covers.
"""

from __future__ import annotations

import re
from collections import Counter

from tests.e2e.stateful_bytes import first_unsent
from tests.e2e.stateful_bytes import split_as_prefixes
from tests.e2e.stateful_model import APPLY_S
from tests.e2e.stateful_model import Expect
from tests.e2e.stateful_model import Model
from tests.e2e.stateful_model import SmsRecord
from tests.e2e.stateful_model import config_listing
from tests.e2e.stateful_model import expect
from tests.e2e.stateful_world import Peer
from tests.e2e.stateful_world import Reply
from tests.e2e.stateful_world import World

REPLY_S = 63.0  # the SIM poll period (60 s) + 3 s: every SMS with the right password is answered
BOOT_S = 15.0  # after power-on the firmware has applied its stored settings (a boot takes 1-3 s)
NET_S = 130.0  # after the network (or GPRS) comes back: the watch (60 s), registration, GPRS set-up, the mode
LISTEN_S = 15.0  # after a call ends (server): listening again; a failed #SKTL is retried after 10 s
REDIAL_S = 75.0  # maintain: connected again (back-off capped at 60 s, a dial)
DIAL_S = 70.0  # on demand: device bytes start a dial (back-off 1..16 s, five dials)
ANSWER_S = 12.0  # dial-in on: a ringing CSD call is answered (RING every 3 s)
SETTLED_S = 2.0  # after a call ended: the pump has forwarded what was left
DELIVERY_S = 10.0  # client mode: a call up this long after a device write has carried what waited in RAM
BACKOFF_S = (1, 2, 4, 8, 16, 32, 60)  # maintain: the waits between dials with no lasting call (docs/operation.md §1)
LASTING_S = 60.0  # maintain: a call this long starts the back-off again (docs/operation.md §1)
CLOCK_SLACK_S = 1.0  # the firmware counts whole seconds: a wait of n s may end up to 1 s early
SKTD = re.compile(r'AT#SKTD=0,(\d+),"([^"]*)"')
SKTL = re.compile(r"AT#SKTL=1,0,(\d+)")

PROPERTIES = (
    ("only_peer_bytes_reach_the_device", "what the device received is, call by call, a prefix of what each "
     "peer sent (all of it when the peer closed and nothing was cut); no modem text ever"),
    ("only_device_bytes_reach_the_peers", "what the peers received is, in call order, a subsequence of what "
     "the device sent, each byte sent before it arrived; a peer the gateway never connected gets nothing"),
    ("sent_equals_delivered_plus_dropped", "device bytes = bytes delivered + `dropped` of config (+ bytes in "
     "the modem when an injected network drop cut the call), exactly when nothing can wait in RAM; "
     "delivered <= sent always; a power cut ends the epoch"),
    ("every_sms_is_answered_in_time", "each SMS with the right password gets its one reply within 63 s of "
     "the gateway being able to (powered, registered, no call); a wrong password gets none"),
    ("confirmed_settings_take_effect", "a Confirmed setting is in force within 10 s: serial speed and format, "
     "#SKTTO/#DSTO/#PKTSZ, the context, the listening port or dialled server, the caller's address, dial-in"),
    ("the_gateway_serves_its_mode", "after a call ends (and after boot, network return, settings change) "
     "the gateway listens (server), reconnects (maintain) or dials when device bytes come (on demand)"),
    ("gprs_is_up_whenever_it_can_be", "with the network up and GPRS allowed, the context is up within 130 s of "
     "its return (or of the end of a call it was lost in) and 10 s of a settings change"),
    ("dials_never_outpace_the_back_off", "in maintain mode, dials with no lasting call (a minute) between them are "
     "at least 1, 2, 4 ... 60 s apart (as the firmware counts whole seconds), whatever the server does"),
    ("calls_end_only_for_a_cause", "a call ends only when the peer closes, the socket timeout expires, or "
     "the step cut the network or the power"),
    ("no_crash_no_reboot", "the firmware never ends and the module never reboots unless a step cut the power"),
)


class Judge:
    """Checks the invariants; keeps what it already verified so each check looks only at what is new.
    Facts found while reading the record (a reply, a call start) are filed under the invariant they
    break, and raised by that invariant's method."""

    def __init__(self, world: World, model: Model) -> None:
        self.world = world
        self.model = model
        self.commit_at = (0, 0)  # (device_in offset, call index) explained up to the last quiet point
        self.matched = (0, 0)  # (call index, device_out offset) of calls whose bytes are all matched
        self.replies_seen = 0
        self.calls_seen = 0
        self.at_seen = 0
        self.obligations: list[tuple[str, float, tuple[object, ...]]] = []  # (what, due, circumstances)
        self.problems: dict[str, list[str]] = {name: [] for name, _ in PROPERTIES}
        self.stats: dict[str, int] = {"equalities": 0, "inequalities": 0}
        # How often each invariant's condition held (it judged something): an invariant that never judged
        # anything in a run proved nothing in it (STATEFUL.md, vacuity).
        self.held: Counter[str] = Counter()
        self.dials: list[float] = []  # when each AT#SKTD went out
        self.setups: list[float] = []  # when each AT#GPRS=1 went out: a mode (and its back-off) starts after it
        self.dials_judged = 0
        self.series = 0  # dials of the current series before the last one judged

    def _raise(self, name: str) -> None:
        self._read_record()
        if self.problems[name]:
            raise AssertionError("\n".join(self.problems[name]))

    def _file(self, name: str, what: str) -> None:
        self.problems[name].append(what)

    def _read_record(self) -> None:
        """Files what is new in the record: replies, call starts, AT commands, call ends."""
        w = self.world
        while self.replies_seen < len(w.replies):
            self._take_reply(w.replies[self.replies_seen])
            self.replies_seen += 1
        while self.calls_seen < len(w.calls):
            self._take_call(w.calls[self.calls_seen])
            self.calls_seen += 1
        log = w.sim.modem.at_log
        while self.at_seen < len(log):
            self._take_at(*log[self.at_seen])
            self.at_seen += 1
        for v in w.violations:
            self._file("calls_end_only_for_a_cause", v)
        w.violations.clear()

    # --- bytes
    def only_peer_bytes_reach_the_device(self) -> None:
        w = self.world
        stream = bytes(w.device_in)
        pos, first = self.commit_at
        quiet = (not w.call_up() and w.now - w.last_call_end >= SETTLED_S and w.sim.serial is not None
                 and w.sim.serial.waiting_out() == 0)
        parts = []
        for c in w.calls[first:]:
            cut = any(t >= (c.ended_at or 0.0) for t in w.cuts)
            parts.append((bytes(c.sent), quiet and c.complete and not cut))
        if quiet and (len(stream) > pos or any(whole and sent for sent, whole in parts)):
            self.held["only_peer_bytes_reach_the_device"] += 1  # bytes came, or all of a closed peer's must have
        ok, far = split_as_prefixes(stream, pos, parts)
        if not ok:
            calls = ", ".join(f"call {c.call} {c.name} sent {len(c.sent)} ({c.cause or 'up'})" for c in w.calls[first:])
            raise AssertionError(
                f"the device received bytes that are not, call by call, {'all' if quiet else 'a prefix'} of what "
                f"each peer sent: unexplained from offset {far}: {stream[far:far + 80]!r} (since the quiet point "
                f"at offset {pos}: {calls or 'no call'})")
        if quiet:
            self.commit_at = (len(stream), len(w.calls))

    def only_device_bytes_reach_the_peers(self) -> None:
        w = self.world
        out = bytes(w.device_out)
        for p in w.peers:
            if p.call is None and p.received:
                raise AssertionError(f"{p.name} was never connected by the gateway but received "
                                     f"{bytes(p.received[:80])!r}")
        first, ptr = self.matched
        for c in w.calls[first:]:
            data = bytes(c.received)
            ptr, bad = first_unsent(out, w.device_out_marks, ptr, data, c.rx_log)
            if bad is not None:
                t = next(t for t, _ in c.rx_log)
                raise AssertionError(f"{c.name} (call {c.call}, up since t={c.started_at:.2f}; "
                                     f"first bytes at t={t:.2f}) "
                                     f"received bytes the device had not sent (in this order, by then), from offset "
                                     f"{bad}: {data[bad:bad + 80]!r}")
            if c.gone and c is not w.calls[-1]:
                first += 1
                self.matched = (first, ptr)
                if data:
                    self.held["only_device_bytes_reach_the_peers"] += 1

    def sent_equals_delivered_plus_dropped(self) -> None:
        w = self.world
        if w.delivered_in_epoch() > w.written_in_epoch():
            self._file("sent_equals_delivered_plus_dropped",
                       f"the peers received {w.delivered_in_epoch()} bytes in this epoch, the device sent only "
                       f"{w.written_in_epoch()}")
        self._raise("sent_equals_delivered_plus_dropped")

    def _ledger(self, r: Reply, rec: SmsRecord, dropped: int) -> None:
        """Judged at a `config` reply: nothing can be in flight (no call), so every byte the firmware took
        was delivered, dropped (and counted), lost in an injected network drop, or waits in RAM for a
        connection (client mode only); when nothing can wait, the sum is exact."""
        accounted = r.delivered + dropped + r.lost
        m = self.model
        written = m.pending_write_at
        pending = written is not None and not any(
            c.started_at is not None and max(c.started_at, written) + DELIVERY_S <= min(c.ended_at or r.at, r.at)
            for c in self.world.calls)
        exact = rec.quiet and not pending and r.epoch == rec.epoch
        if accounted > r.consumed or (exact and accounted != r.consumed):
            self._file("sent_equals_delivered_plus_dropped",
                       f"t={r.at:.1f} byte ledger (epoch {r.epoch}): the firmware took {r.consumed} device bytes, "
                       f"the peers got {r.delivered}, config says dropped {dropped}, {r.lost} the modem took and never "
                       f"sent: {r.delivered} + {dropped} + {r.lost} "
                       f"{'!=' if exact else '>'} {r.consumed}")
        self.stats["equalities" if exact else "inequalities"] += 1
        if exact:
            self.held["sent_equals_delivered_plus_dropped"] += 1

    # --- SMS
    def _take_reply(self, r: Reply) -> None:
        w, m = self.world, self.model
        name = "every_sms_is_answered_in_time"
        rec = next((s for s in m.sms if s.sender == r.to), None)
        if rec is None:
            self._file(name, f"t={r.at:.1f}: a reply went to {r.to}, who never wrote: {r.text!r}")
            return
        if not rec.authentic:
            self._file(name, f"t={r.at:.1f}: {rec.text!r} (wrong password) got a reply: {r.text!r}")
            return
        if rec.done_at is not None:
            if not any(t >= rec.delivered_at for t in w.power_cuts):
                self._file(name, f"t={r.at:.1f}: {rec.text!r} was answered twice with no power cut: {r.text!r}")
            return
        rec.replies.append((r.at, r.text, r.context_up))
        e: Expect = expect(rec.text, m.settings)
        texts = [t for _, t, _ in rec.replies]
        if e.kind == "config":
            items, whole = config_listing(texts)
            if not whole and re.match(r"Confirmed: config \d+/", texts[-1]):
                return  # more parts to come
            self._judge_config(rec, r, items)
        elif e.kind == "confirm":
            if texts[0] != e.reply:
                self._file(name, f"{rec.text!r} got {texts[0]!r}, expected {e.reply!r}")
            m.confirm(r.at, e.changes)
        elif not texts[0].startswith("Error: "):
            self._file(name, f"{rec.text!r} got {texts[0]!r}, expected an 'Error: ...' reply")
        rec.done_at = r.at
        self.stats[e.kind] = self.stats.get(e.kind, 0) + 1
        self.held["every_sms_is_answered_in_time"] += 1

    def _judge_config(self, rec: SmsRecord, r: Reply, items: list[str]) -> None:
        name = "every_sms_is_answered_in_time"
        s = self.model.settings
        dropped = [i for i in items if re.fullmatch(r"dropped \d+", i)]
        ip = [i for i in items if i.startswith("ip ") or "offline" in i]
        rest = [i for i in items if i not in dropped and i not in ip]
        if rest != s.config_items() or len(dropped) != 1 or items[-1] != dropped[0]:
            self._file(name, f"{rec.text!r} got the listing {items!r}; expected {s.config_items()!r} "
                             f"(+ ip) + dropped N")
            return
        stale = f"ip {self.world.network.local_ip}"
        if s.mode == "server" and r.context_up and stale not in ip:
            self._file(name, f"{rec.text!r}: server mode with GPRS up must show {stale!r}: {items!r}")
        if not r.context_up and stale in ip:
            self._file(name, f"{rec.text!r}: GPRS is down but config shows {stale!r}: {items!r}")
        self._ledger(r, rec, int(dropped[0].split()[1]))

    def every_sms_is_answered_in_time(self) -> None:
        self._read_record()
        w = self.world
        ready = w.sms_ready_since()
        for rec in self.model.unanswered():
            if ready is not None and w.now > max(rec.delivered_at, ready) + REPLY_S:
                self._file("every_sms_is_answered_in_time",
                           f"{rec.text!r} from {rec.sender}, delivered at t={rec.delivered_at:.1f}, has no reply at "
                           f"t={w.now:.1f} although the gateway could answer since "
                           f"t={max(rec.delivered_at, ready):.1f} "
                           f"(powered, registered, no call)")
                rec.done_at = w.now  # reported once
        self._raise("every_sms_is_answered_in_time")

    # --- settings
    def _changed(self, *names: str) -> float:
        return max(self.model.changed_at.get(n, 0.0) for n in names)

    def _take_at(self, t: float, text: str) -> None:
        """Every dial and every listen the firmware starts uses settings that may be in force then."""
        cands = self.model.candidates(t)
        name = "confirmed_settings_take_effect"
        if text == "AT#GPRS=1":
            self.setups.append(t)
        if d := SKTD.match(text):
            self.dials.append(t)
            port, ip = int(d.group(1)), d.group(2)
            if not any(s.mode == "client" and s.server_port == port and s.server_ip == ip for s in cands):
                self._file(name, f"t={t:.1f}: the gateway dialled {ip}:{port} ({text}); confirmed: {cands[0]}")
        elif lst := SKTL.match(text):
            port = int(lst.group(1))
            if not any(s.mode == "server" and s.local_port == port for s in cands):
                self._file(name, f"t={t:.1f}: the gateway listens on {port} ({text}); confirmed: {cands[0]}")

    def _take_call(self, c: Peer) -> None:
        """Every call the modem connects is one the settings in force allow."""
        t = c.started_at or 0.0
        cands = self.model.candidates(t)
        if c.kind == "client":
            ok = any(s.mode == "server" and s.local_port == c.port and s.permit_ip in ("any", c.source) for s in cands)
        elif c.kind == "server":
            ok = any(s.mode == "client" and s.server_port == c.port and s.server_ip == "127.0.0.1" for s in cands)
        else:
            ok = c.kind == "csd" and any(s.mode == "server" and s.dialin == "on" for s in cands)
        if not ok:
            self._file("confirmed_settings_take_effect",
                       f"t={t:.1f}: the gateway took call {c.call} ({c.kind} {c.name} to port {c.port} from "
                       f"{c.source or '-'}), which the confirmed settings do not allow: {cands[0]}")

    def confirmed_settings_take_effect(self) -> None:
        self._read_record()
        w, s = self.world, self.model.settings
        name = "confirmed_settings_take_effect"
        if w.powered and w.now >= w.powered_since + BOOT_S:
            side = w.sim.serial
            assert side is not None
            since = self._changed("baud", "charformat") + APPLY_S
            if since > APPLY_S and w.now >= since:
                self.held[name] += 1  # a confirmed serial setting that must be in force now
            if w.now >= since and side.speed != (s.baud, s.charformat):
                self._file(name, f"t={w.now:.1f}: the serial port runs {side.speed}, but baud {s.baud} charformat "
                                 f"{s.charformat} were confirmed at t={since - APPLY_S:.1f}")
            modem = w.sim.modem.settings
            if modem["gprs_active"]:
                pkt_sz = max(s.packet_size, 3) if s.packet_size else 0  # 1 and 2 go as 3 (runtime/gwboot.py)
                want = {"skt_to": s.sock_timeout_s, "ds_to": s.send_timeout, "pkt_sz": pkt_sz,
                        "cgdcont": {1: ("IP", s.apn)}, "userid": s.gprs_user, "passw": s.gprs_pass}
                got = {k: modem[k] for k in want}
                since = self._changed("sock_timeout_s", "send_timeout", "packet_size", "apn", "gprs_user", "gprs_pass")
                # A call that came in as the reply went keeps the context: the mode restarts when it ends.
                due = max(since, w.last_call_end) + APPLY_S
                if since > 0 and not w.call_up() and w.now >= due:
                    self.held[name] += 1  # a confirmed GPRS or socket setting that must be in force now
                if not w.call_up() and w.now >= due and got != want:
                    self._file(name, f"t={w.now:.1f}: the GPRS context is up with {got}, but {want} was confirmed at "
                                     f"t={since:.1f}")
        self._raise(name)

    # --- the mode
    def _settled_at(self) -> float | None:
        """When the gateway must be serving its mode again after power-on, the network's return and the
        last settings change (None while it cannot: no power, no network, no GPRS)."""
        w = self.world
        if not w.powered or w.gprs_ok_since is None:
            return None
        return max(w.powered_since + BOOT_S, w.net_returned_at + NET_S, self.model.restart_at + APPLY_S)

    def _circumstances(self, server: str | None) -> tuple[object, ...]:
        w = self.world
        acc = w.servers[server].accepting_since if server in w.servers else None
        return (w.epoch, w.powered, w.gprs_ok_since, self.model.restart_at, acc)

    def _target(self) -> str | None:
        """Our server the client mode dials, when it accepts."""
        s = self.model.settings
        for name, srv in self.world.servers.items():
            if s.mode == "client" and s.server_port == srv.port and srv.accepting_since is not None:
                return name
        return None

    def expect_dial(self) -> None:
        """On demand, device bytes were written while nothing was connected and the server accepts: a call
        must come up (bytes after the last failed attempt start a new dial)."""
        w, s = self.world, self.model.settings
        settled = self._settled_at()
        target = self._target()
        if s.mode == "client" and not s.maintain and target and settled is not None and not w.call_up():
            self.obligations.append((f"dial {target} for the device bytes written at t={w.now:.1f}",
                                     max(w.now, settled) + DIAL_S, (w.now, *self._circumstances(target))))

    def expect_answer(self, peer: Peer) -> None:
        w, s = self.world, self.model.settings
        settled = self._settled_at()
        if s.mode == "server" and s.dialin == "on" and settled is not None and w.now >= settled \
                and self._changed("dialin") + APPLY_S <= w.now and not w.call_up() \
                and w.listening_port() == s.local_port:
            self.obligations.append((f"answer {peer.name} ringing since t={w.now:.1f} (dialin on)", w.now + ANSWER_S,
                                     (w.now, *self._circumstances(None))))

    def the_gateway_serves_its_mode(self) -> None:
        self._read_record()
        w, s = self.world, self.model.settings
        name = "the_gateway_serves_its_mode"
        for what, due, (made, *key) in list(self.obligations):
            server = what.split()[1] if what.startswith("dial ") else None
            if tuple(key) != self._circumstances(server):
                self.obligations.remove((what, due, (made, *key)))  # void: the circumstances changed
            elif any(c.started_at is not None and c.started_at >= made for c in w.calls):
                self.obligations.remove((what, due, (made, *key)))
                self.held[name] += 1
            elif w.now > due:
                self._file(name, f"t={w.now:.1f}: no call came up by t={due:.1f} although the gateway had to {what}")
                self.obligations.remove((what, due, (made, *key)))
        settled = self._settled_at()
        if settled is not None and not w.call_up():
            if s.mode == "server" and w.now >= max(settled, w.last_call_end + LISTEN_S):
                self.held[name] += 1
            if s.mode == "server" and w.now >= max(settled, w.last_call_end + LISTEN_S) \
                    and w.listening_port() != s.local_port:
                self._file(name, f"t={w.now:.1f}: server mode on {s.local_port}, but the modem listens on "
                                 f"{w.listening_port()} (last call ended t={w.last_call_end:.1f}, "
                                 f"settled t={settled:.1f})")
            target = self._target()
            if s.mode == "client" and s.maintain and target:
                due = max(settled, w.servers[target].accepting_since or 0.0, w.last_call_end) + REDIAL_S
                if w.now >= due - REDIAL_S:
                    self.held[name] += 1
                if w.now >= due:
                    self._file(name, f"t={w.now:.1f}: maintain mode, {target} accepting, but no connection since "
                                     f"t={due - REDIAL_S:.1f}")
        self._raise(name)

    # --- GPRS and the dial rate
    def _context_back_by(self) -> float | None:
        """When the GPRS context must be up: the network and GPRS allowed, settled (boot, return, settings
        change), and the firmware able to notice a loss: one that came during a call is seen after it ends
        (no AT command goes out in data mode), then within the watch's minute."""
        w = self.world
        settled = self._settled_at()
        if settled is None:
            return None
        due = settled
        for lost in w.net_lost_at + w.gprs_withdrawn:
            during = [c for c in w.calls if c.started_at is not None and c.started_at <= lost
                      and (c.ended_at is None or c.ended_at >= lost)]
            if during:
                end = during[-1].ended_at
                if end is None:
                    return None  # the call is still up: the loss cannot be noticed yet
                due = max(due, end + NET_S)
        return due

    def gprs_is_up_whenever_it_can_be(self) -> None:
        """Liveness behind the conditional checks: `confirmed_settings_take_effect` judges the context's
        settings only while it is up, so a setting that kept it down would pass them all."""
        w = self.world
        name = "gprs_is_up_whenever_it_can_be"
        due = self._context_back_by()
        if due is not None and w.now >= due:
            self.held[name] += 1
            if not w.sim.modem.state.gprs_active:
                self._file(name, f"t={w.now:.1f}: the network is up and GPRS allowed (since t="
                                 f"{w.gprs_ok_since:.1f}), but the context has been down past t={due:.1f}; "
                                 f"settings in force: {self.model.settings}")
        self._raise(name)

    def _lasting_call_ended(self, after: float, until: float) -> bool:
        """A call the gateway dialled ended in (after, until] having lasted about a minute (the firmware's
        whole seconds make the edge uncertain: such a call is taken as lasting)."""
        return any(c.kind == "server" and c.started_at is not None and c.ended_at is not None
                   and after < c.ended_at <= until and c.ended_at - c.started_at >= LASTING_S - 2 * CLOCK_SLACK_S
                   for c in self.world.calls)

    def dials_never_outpace_the_back_off(self) -> None:
        """Rate: in maintain mode the k-th dial after the series began waits BACKOFF_S[k-1] after the one
        before it. A series begins with the mode (every mode start follows an AT#GPRS=1) and after a call
        that lasted."""
        self._read_record()
        name = "dials_never_outpace_the_back_off"
        m = self.model
        while self.dials_judged < len(self.dials):
            i = self.dials_judged
            self.dials_judged += 1
            t = self.dials[i]
            prev = self.dials[i - 1] if i else None
            if prev is None or any(prev < u <= t for u in self.setups) or self._lasting_call_ended(prev, t):
                self.series = 0  # this dial begins a series
                continue
            self.series += 1
            k = self.series  # dials of this series before this one
            if not all(c.mode == "client" and c.maintain for c in m.candidates(prev) + m.candidates(t)):
                continue
            self.held[name] += 1
            wait = BACKOFF_S[min(k - 1, len(BACKOFF_S) - 1)]
            if t - prev < wait - CLOCK_SLACK_S:
                self._file(name, f"t={t:.1f}: dial {k + 1} of a series came {t - prev:.1f} s after the one before "
                                 f"(no lasting call, no new mode between them); the back-off is {wait} s by then")
        self._raise(name)

    # --- calls and the firmware
    def calls_end_only_for_a_cause(self) -> None:
        self.held["calls_end_only_for_a_cause"] = sum(1 for c in self.world.calls if c.ended_at is not None)
        self._raise("calls_end_only_for_a_cause")

    def no_crash_no_reboot(self) -> None:
        w = self.world
        sim = w.sim
        name = "no_crash_no_reboot"
        if sim.crash is not None:
            self._file(name, f"the firmware ended: {sim.crash}")
        if sim.reboots != w.reboots_injected:
            self._file(name, f"{sim.reboots} reboots, {w.reboots_injected} injected: {sim.reboot_log}")
        if w.powered and sim.state != "running":
            self._file(name, f"the module is powered but the firmware is {sim.state}")
        if "unexpected error" in sim.trace.text:
            self._file(name, "the firmware logged an unexpected error")
        if w.powered:
            self.held[name] += 1
        self._raise(name)
