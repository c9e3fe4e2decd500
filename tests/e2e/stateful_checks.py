"""The invariants of the stateful test, one method each (the name says which failed), checked after every
step against the world's record (tests/e2e/stateful_world.py) and the model (stateful_model.py).

PROPERTIES lists them for the certification pack. Bounds are virtual seconds; each says what it covers.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter

from host.nvm import pyo_source
from tests.e2e.stateful_bytes import first_unsent
from tests.e2e.stateful_bytes import split_as_prefixes
from tests.e2e.stateful_model import APPLY_S
from tests.e2e.stateful_model import DEFERRED
from tests.e2e.stateful_model import NO_CALL_TO_DROP
from tests.e2e.stateful_model import NO_MDM2
from tests.e2e.stateful_model import REVERTED
from tests.e2e.stateful_model import UPDATE_BAD
from tests.e2e.stateful_model import UPDATE_WHY
from tests.e2e.stateful_model import Expect
from tests.e2e.stateful_model import Model
from tests.e2e.stateful_model import Settings
from tests.e2e.stateful_model import SmsRecord
from tests.e2e.stateful_model import Trial
from tests.e2e.stateful_model import UpdateJob
from tests.e2e.stateful_model import deferred_reply
from tests.e2e.stateful_model import expect
from tests.e2e.stateful_model import listing
from tests.e2e.stateful_world import DCD_EDGE_S
from tests.e2e.stateful_world import GOOD_APNS
from tests.e2e.stateful_world import STARTMODE
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
DEFER_S = 15.0  # after a call ended (no new one up): the changes kept during it are in force
DROP_S = 10.0  # after `Confirmed: drop`: the call has ended
REBOOT_S = 10.0  # after `Confirmed: reboot`: the module has rebooted
FAILOVER_S = 4 * (60 + 5.0)  # maintain, the server refusing, the backup accepting: 3 failed dials at the capped
# back-off, then a dial to the backup (docs/operation.md §1: the back-off keeps growing across the switch)
REVERT_S = 20.0  # after a trial's deadline: the revert's reply has gone (the trial's tick, the SMS)
OWED_SEND_S = 30.0  # an SMS the module takes may wait this long for the network (+CMGS)
STEP_S = 60.0  # a trial's time left is saved once a minute: a cut adds at most this (docs/sms-commands.md)
GOAL_EDGE_S = 5.0  # a goal seen this close to a trial's deadline may have come too late for the firmware
STATUS_KEYS = ("signal", "net", "operator", "ip", None, "up", "calls", "drops", "sent", "received", "dropped",
               "error", "version")  # the `status` items in order (docs/sms-commands.md); None: the mode and state
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
     "the gateway being able to (powered, registered; during a call too with MDM2): the table's confirmation (with "
     "'(applied when the connection ends)' during a call), the listing, drop's or an error; a wrong password none"),
    ("confirmed_settings_take_effect", "a Confirmed setting is in force within 10 s (one kept during a call when "
     "it ends, within 15 s): serial speed and format, #SKTTO/#DSTO/#PKTSZ, the context, the listening port or "
     "dialled server or backup, the caller's address, dial-in"),
    ("the_gateway_serves_its_mode", "after a call ends (and after boot, network return, settings change) "
     "the gateway listens (server), reconnects (maintain; to the backup within 260 s when the server refuses) or "
     "dials when device bytes come (on demand); `Confirmed: drop` ends the call within 10 s"),
    ("gprs_is_up_whenever_it_can_be", "with the network up and GPRS allowed, the context is up within 130 s of "
     "its return (or of the end of a call it was lost in) and 10 s of a settings change"),
    ("dials_never_outpace_the_back_off", "in maintain mode, dials with no lasting call (a minute) between them are "
     "at least 1, 2, 4 ... 60 s apart (as the firmware counts whole seconds), whatever the server does"),
    ("calls_end_only_for_a_cause", "a call ends only when the peer closes, the socket timeout expires, or "
     "the step cut the network or the power"),
    ("no_crash_no_reboot", "the firmware never ends and the module reboots only when a step cut the power or "
     "after `Confirmed: reboot` (within 10 s)"),
    ("a_change_that_never_reaches_its_goal_is_reverted", "a gprs or mode change whose goal (GPRS up; listening, "
     "connected or waiting) is not reached within `revert` minutes gets `Error: <command> reverted: <why>` and the "
     "last settings that worked back, after the deadline (+ a minute per power cut) and never before it"),
    ("senders_outside_the_allow_list_get_nothing", "an SMS with the right password from a number the `allow` "
     "list leaves out gets no reply and changes nothing"),
    ("dcd_follows_the_call", "DCD towards the device is up exactly while a call carries data (5 s at the edges)"),
    ("one_whole_firmware_runs", "after every step the module's files hold every file fwman.txt lists with its MD5 "
     "(and no compiled copy of another source), no second copy (fwnew.bin, fwold.bin), and the version the update "
     "replies told (`config` and `status` show it; the settings survive an update and a rollback)"),
)
MANIFEST = "fwman.txt"  # fsm/bundle.py
STILL = re.compile(r"Error: update: (.+) \(still running ([0-9a-f]{8})\)\Z", re.S)


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
        # Rare paths inside an invariant, counted on their own so a run's report says whether it took them.
        self.paths: Counter[str] = Counter()
        self.dials: list[float] = []  # when each AT#SKTD went out
        self.setups: list[float] = []  # when each AT#GPRS=1 went out: a mode (and its back-off) starts after it
        self.dials_judged = 0
        self.series = 0  # dials of the current series before the last one judged
        self.timeline_seen = (0, 0, 0, 0)  # sms reboots, deferred marks, power cuts, update reboots taken in
        self.drops: list[tuple[float, int]] = []  # (reply time, call index) of `Confirmed: drop`: the call must end
        self.reboots_due: list[float] = []  # `Confirmed: reboot` reply times not yet followed by a reboot
        self.first_part: dict[str, Reply] = {}  # sender -> the first reply to its message being judged

    def _raise(self, name: str) -> None:
        self._read_record()
        if self.problems[name]:
            raise AssertionError("\n".join(self.problems[name]))

    def _file(self, name: str, what: str) -> None:
        self.problems[name].append(what)

    def _read_record(self) -> None:
        """Files what is new in the record: replies, call starts, AT commands, call ends."""
        w = self.world
        n_reboot, n_mark, n_cut, n_upd = self.timeline_seen
        events: list[tuple[float, int, object]] = [(r.at, 1, r) for r in w.replies[self.replies_seen:]]
        events += [(t, 0, "reboot") for t in w.sms_reboots[n_reboot:]]
        events += [(t, 0, "cut") for t in w.update_reboots[n_upd:]]
        events += [(t, 2, ("mark", up)) for t, up in w.deferred_applied[n_mark:]]
        events += [(t, 0, "cut") for t in w.power_cuts[n_cut:]]
        self.timeline_seen = (len(w.sms_reboots), len(w.deferred_applied), len(w.power_cuts), len(w.update_reboots))
        self.replies_seen = len(w.replies)
        for t, _, ev in sorted(events, key=lambda e: (e[0], e[1])):
            if isinstance(ev, Reply):
                self._take_reply(ev)
            elif ev in ("reboot", "cut"):
                # saved when kept: in force from the next boot, and on trial then (its record was saved with it)
                # unless a trial not yet reached was under way (the firmware resumes that one)
                t_on = self.model.trial
                self.model.apply_deferred(t, trial=t_on is None or t_on.reached_at is not None)
                self.model.pending_write_at = None
                if ev == "reboot":
                    self.reboots_due = [d for d in self.reboots_due if not d <= t <= d + REBOOT_S]
            else:
                assert isinstance(ev, tuple)
                if ev[1] is not None and t > ev[1] + DCD_EDGE_S:  # (a call the modem took as the round ran is new)
                    self._file("confirmed_settings_take_effect",
                               f"t={t:.1f}: the changes kept for the end of the call took effect with a call up "
                               f"since t={ev[1]:.1f}")
                self.model.apply_deferred(t)
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
        for v in w.reboot_violations:
            self._file("no_crash_no_reboot", v)
        w.reboot_violations.clear()
        for v in w.dcd_violations:
            self._file("dcd_follows_the_call", v)
        w.dcd_violations.clear()

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
        exact = rec.quiet and not pending and r.epoch == rec.epoch and not r.call_up
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
        m = self.model
        name = "every_sms_is_answered_in_time"
        recs = [s for s in m.sms if s.sender == r.to]
        if not recs:
            self._file(name, f"t={r.at:.1f}: a reply went to {r.to}, who never wrote: {r.text!r}")
            return
        rec = self._addressee(r, recs)
        if rec is None:
            return
        self._listing_again(rec, r)
        rec.replies.append((r.at, r.text, r.context_up))
        if len(rec.replies) == 1:
            self.first_part[rec.sender] = r  # a listing was made before its first part went: the ledger then
        e: Expect = expect(rec.text, m.settings)
        texts = [t for _, t, _ in rec.replies]
        if e.kind in ("config", "status"):
            if not self._take_listing(rec, r, e.kind, texts):
                return  # more parts to come
        elif e.kind == "confirm":
            self._judge_change(rec, r, e, texts[0])
        elif e.kind == "drop":
            self._judge_drop(rec, r, texts[0])
        elif e.kind == "reboot":
            if texts[0] != e.reply:
                self._file(name, f"{rec.text!r} got {texts[0]!r}, expected {e.reply!r}")
            self.reboots_due.append(r.at)
        elif not texts[0].startswith("Error: "):
            self._file(name, f"{rec.text!r} got {texts[0]!r}, expected an 'Error: ...' reply")
        rec.done_at = r.at
        self.stats[e.kind] = self.stats.get(e.kind, 0) + 1
        self.held["every_sms_is_answered_in_time"] += 1

    def _addressee(self, r: Reply, recs: list[SmsRecord]) -> SmsRecord | None:
        """The message a reply answers, None when it was taken otherwise: a trial's revert, an update's reply,
        a reply to no message waiting for one."""
        m = self.model
        rv = REVERTED.match(r.text)
        if rv and m.revert_owed == r.to:
            m.revert_owed = None  # a revert the test took as made in silence, told once its SMS could go
            self.held["a_change_that_never_reaches_its_goal_is_reverted"] += 1
            self.paths["a revert told once its SMS could go"] += 1
            return None
        if rv and m.trial is not None and m.trial.sender == r.to:
            self._take_revert(r, m.trial, rv)
            return None
        pending = [s for s in recs if s.authentic and s.done_at is None]
        if not pending:
            self._take_unexpected(r, recs)
            return None
        if pending[0].update is not None:
            self._take_update(pending[0], r, pending[0].update)
            return None
        return pending[0]

    def _listing_again(self, rec: SmsRecord, r: Reply) -> None:
        """A listing that begins again: a cut stopped the first before its last part (the message was handled
        again after the boot); with no cut, a second reply."""
        if rec.replies and re.match(r"Confirmed: (config|status) 1/", r.text):
            if any(t >= rec.replies[0][0] for t in self.world.cuts):
                rec.replies = []
            else:
                self._file("every_sms_is_answered_in_time",
                           f"t={r.at:.1f}: {rec.text!r}: its listing began again with no cut: {r.text!r}")

    def _take_listing(self, rec: SmsRecord, r: Reply, kind: str, texts: list[str]) -> bool:
        """A `config` or `status` listing, once all its parts came (False while more are to come)."""
        items, whole = listing(kind, texts)
        if not whole and re.match(rf"Confirmed: {kind} \d+/", texts[-1]):
            return False
        if any(len(t) > 160 for t in texts):
            self._file("every_sms_is_answered_in_time",
                       f"{rec.text!r}: a part of the reply is longer than 160 characters: {texts!r}")
        if kind == "config":
            self._judge_config(rec, self.first_part[rec.sender], items)
        else:
            self._judge_status(rec, r, items)
        return True

    def _take_unexpected(self, r: Reply, recs: list[SmsRecord]) -> None:
        """A reply to a sender with no message waiting for one: a wrong password, a sender outside the allow
        list, or a second reply (only a power cut after the message was delivered explains one)."""
        name = "every_sms_is_answered_in_time"
        done = [s for s in recs if s.authentic]
        if not done:
            last = recs[-1]
            if last.outside:
                self._file("senders_outside_the_allow_list_get_nothing",
                           f"t={r.at:.1f}: {last.text!r} from {last.sender}, which the allow list leaves out, "
                           f"got a reply: {r.text!r}")
            else:
                self._file(name, f"t={r.at:.1f}: {last.text!r} (wrong password) got a reply: {r.text!r}")
        elif not any(t >= s.delivered_at for s in done for t in self.world.power_cuts):
            # (any of the sender's messages delivered before a cut may be handled again after the boot: when two
            # are alike, its replies may be taken for the newer one's)
            self._file(name, f"t={r.at:.1f}: {done[-1].text!r} was answered twice with no power cut: {r.text!r}")

    def _judge_change(self, rec: SmsRecord, r: Reply, e: Expect, text: str) -> None:
        """A settings change: in force at once, or (during a call, with MDM2) kept for the call's end."""
        w, m = self.world, self.model
        later = deferred_reply(rec.text, m.settings, m.deferred)
        if text == e.reply and not e.changes:  # `allow` alone lists: nothing changes
            return
        if text == e.reply:
            m.confirm(r.at, e.changes)
            if e.command.split()[0] in ("gprs", "mode"):
                m.begin_trial(r.at, rec.sender, e.command)
            elif e.command == "revert" and m.settings.revert_min == 0:
                m.trial = None  # `revert 0` ends a trial under way: the change stays
        elif text == later and w.mdm2 and w.call_up_between(rec.delivered_at, r.at):
            if m.deferred_at is None:
                m.deferred_at = r.at
            m.deferred.update(dict(e.changes))
            if e.command.split()[0] in ("gprs", "mode"):
                m.deferred_trial = (rec.sender, e.command)
        else:
            self._file("every_sms_is_answered_in_time",
                       f"{rec.text!r} got {text!r}, expected {e.reply!r}"
                       + (f" (or, during a call, {later!r})" if w.mdm2 else ""))

    def _judge_drop(self, rec: SmsRecord, r: Reply, text: str) -> None:
        w = self.world
        name = "every_sms_is_answered_in_time"
        if text == "Confirmed: drop":
            if not (w.mdm2 and w.call_up_between(rec.delivered_at, r.at)):
                self._file(name, f"t={r.at:.1f}: {rec.text!r} got {text!r} but no call was up since it came")
            up = [c for c in w.calls if c.started_at is not None and c.started_at <= r.at]
            if up:
                self.drops.append((r.at, up[-1].call or 0))
        elif text == NO_CALL_TO_DROP:
            if not w.idle_between(rec.delivered_at, r.at):
                self._file(name, f"t={r.at:.1f}: {rec.text!r} got {text!r} although a call was up all along")
        else:
            self._file(name, f"{rec.text!r} got {text!r}, expected 'Confirmed: drop' or {NO_CALL_TO_DROP!r}")

    def _judge_status(self, rec: SmsRecord, r: Reply, items: list[str]) -> None:
        name = "every_sms_is_answered_in_time"
        modes = {c.mode for c in self.model.candidates(r.at)}
        ok = len(items) == len(STATUS_KEYS) and all(
            key is None or i.split(" ", 1)[0] == key for i, key in zip(items, STATUS_KEYS, strict=False))
        if not ok or items[1] not in ("net home", "net roaming", "net none", "net ?") \
                or items[4].split()[0] not in modes or items[-1] != f"version {self.model.version}" \
                or not re.fullmatch(r"dropped \d+", items[10]) \
                or not re.fullmatch(r"signal (<=-113dBm|>=-51dBm|-\d+dBm|\?)", items[0]):
            self._file(name, f"{rec.text!r} got the status {items!r}; expected the items {STATUS_KEYS} "
                             f"(the mode one of {modes}, version {self.model.version})")

    def _judge_config(self, rec: SmsRecord, r: Reply, items: list[str]) -> None:
        name = "every_sms_is_answered_in_time"
        s = self.model.settings
        head, rest = s.config_items()
        tail = [NO_MDM2] if not self.world.mdm2 else []
        dropped = [i for i in items if re.fullmatch(r"dropped \d+", i)]
        net = items[len(head):len(head) + 1]
        if net and not (net[0].startswith("ip ") or net[0] == "offline"):
            net = []
        want = [*head, *net, *rest, f"version {self.model.version}", *dropped[:1], *tail]
        if items != want or len(dropped) != 1 or (s.mode == "server" and not net):
            self._file(name, f"{rec.text!r} got the listing {items!r}; expected {head + ['(ip)'] + rest} + "
                             f"version {self.model.version}, dropped N{', ' + NO_MDM2 if tail else ''}")
            return
        stale = f"ip {self.world.network.local_ip}"
        if s.mode == "server" and r.context_up and stale not in net:
            self._file(name, f"{rec.text!r}: server mode with GPRS up must show {stale!r}: {items!r}")
        if not r.context_up and stale in net:
            self._file(name, f"{rec.text!r}: GPRS is down but config shows {stale!r}: {items!r}")
        if s.mode != "server" and net and net[0] != "offline":
            self._file(name, f"{rec.text!r}: {net[0]!r} outside server mode: {items!r}")
        self._ledger(r, rec, int(dropped[0].split()[1]))

    def every_sms_is_answered_in_time(self) -> None:
        self._read_record()
        w = self.world
        ready = w.sms_ready_since()
        for rec in self.model.unanswered():
            if rec.update is not None:
                continue  # the update action waits for its outcome and judges it (update_ended)
            if ready is not None and w.now > max(rec.delivered_at, ready) + REPLY_S:
                self._file("every_sms_is_answered_in_time",
                           f"{rec.text!r} from {rec.sender}, delivered at t={rec.delivered_at:.1f}, has no reply at "
                           f"t={w.now:.1f} although the gateway could answer since "
                           f"t={max(rec.delivered_at, ready):.1f} "
                           f"(powered, registered, no call)")
                rec.done_at = w.now  # reported once
        self._raise("every_sms_is_answered_in_time")

    def senders_outside_the_allow_list_get_nothing(self) -> None:
        """A reply to such a sender is filed as it is read; here each one's silence, once its reply time is
        over, counts as judged."""
        self._read_record()
        w = self.world
        ready = w.sms_ready_since()
        for rec in self.model.sms:
            if rec.outside and not rec.judged and ready is not None and w.now > max(rec.delivered_at, ready) + REPLY_S:
                rec.judged = True
                self.held["senders_outside_the_allow_list_get_nothing"] += 1
        self._raise("senders_outside_the_allow_list_get_nothing")

    def dcd_follows_the_call(self) -> None:
        self._read_record()
        self.held["dcd_follows_the_call"] = len(self.world.dcd_judged_up)
        self._raise("dcd_follows_the_call")

    # --- updates
    def _take_update(self, rec: SmsRecord, r: Reply, job: UpdateJob) -> None:
        """A reply to an `update`: with no power cut exactly the sequence its kind must get (a bad bundle's
        refusal saying why; `downloaded, restarting` then `running`, or `rolled back` saying why); with a cut
        (the message may be handled again, the trial ended by the cut) any of them in a possible order, the last
        telling which firmware runs."""
        w, m = self.world, self.model
        name = "every_sms_is_answered_in_time"
        text, v, old = r.text, job.version, job.old
        job.texts.append(text)
        cut = job.cut != "none" or any(c >= rec.delivered_at for c in w.power_cuts)
        bad = job.kind in UPDATE_BAD
        still = STILL.match(text)
        ok = False
        if text == "Confirmed: update" + DEFERRED:
            ok = job.during_call and w.mdm2 and len(job.texts) == 1
        elif text == f"Confirmed: update {v} downloaded, restarting":
            ok = not bad and (cut or not job.downloaded)
            job.downloaded = True
        elif text == f"Confirmed: update {v} running":
            ok = job.downloaded and (job.kind == "good" or cut and job.kind == "hang")
            job.outcome, job.final = v, True
        elif text.startswith(f"Error: update {v} rolled back: "):
            why = text[len(f"Error: update {v} rolled back: "):]
            ok = job.downloaded and (cut or job.kind in UPDATE_WHY and why.startswith(UPDATE_WHY[job.kind]))
            job.outcome, job.final = old, True
        elif still:
            why, running = still.group(1), still.group(2)
            ok = running == old or cut and running == v
            if not cut and "GPRS is not up" not in why:  # (the context may drop just as it is asked)
                ok = ok and bad and UPDATE_BAD[job.kind] in why
            job.outcome = running
            job.final = job.final or running == old
        if not ok:
            self._file(name, f"t={r.at:.1f}: update {job} got {text!r} (the replies so far: {job.texts})")
        if job.final and rec.done_at is None:
            rec.done_at = r.at
            m.updates_told += 1
            self.held[name] += 1
        if job.outcome is not None:
            m.version = job.outcome

    def update_ended(self, rec: SmsRecord) -> None:
        """The update action waited its bound: the outcome must have been told."""
        job = rec.update
        assert job is not None
        self._read_record()
        if not job.final:
            self._file("every_sms_is_answered_in_time",
                       f"t={self.world.now:.1f}: update {job} has not told its outcome (replies: {job.texts})")
            rec.done_at = self.world.now

    def one_whole_firmware_runs(self) -> None:
        """The module's live files (what the running firmware and its next start see) hold one whole firmware:
        every file fwman.txt lists, with its size and MD5; a compiled copy only of the source beside it; no
        download or previous firmware left; the version the replies told."""
        w, m = self.world, self.model
        name = "one_whole_firmware_runs"
        if not w.updates or not w.powered or w.updating is not None or w.sim.state != "running":
            self._raise(name)
            return
        man = w.live(MANIFEST)
        if man is None:
            self._file(name, f"t={w.now:.1f}: no {MANIFEST} on the module")
            self._raise(name)
            return
        lines = man.decode("latin-1").splitlines()
        version = next((ln.split()[1] for ln in lines if ln.startswith("version ")), None)
        count = next((int(ln.split()[1]) for ln in lines if ln.startswith("files ")), -1)
        rows = [ln.split() for ln in lines[lines.index(f"files {count}") + 1:] if ln.strip()] if count >= 0 else []
        if len(rows) != count or not rows:
            self._file(name, f"t={w.now:.1f}: {MANIFEST} lists {len(rows)} files but says {count}")
        for row in rows:
            fname, size, md5 = row[0], int(row[1]), row[2]
            data = w.live(fname) or b""
            if len(data) != size or hashlib.md5(data).hexdigest() != md5:
                self._file(name, f"t={w.now:.1f}: {fname} on the module ({len(data)} bytes) is not the one "
                                 f"{MANIFEST} (version {version}) lists ({size} bytes, {md5})")
            src = pyo_source(w.live(fname + "o"))
            if fname.endswith(".py") and src is not None and src != data:
                self._file(name, f"t={w.now:.1f}: {fname}o is compiled from another source than {fname}")
        for extra in ("fwnew.bin", "fwold.bin"):
            if w.live(extra) is not None:
                self._file(name, f"t={w.now:.1f}: {extra} is still on the module with no update under way")
        if version != m.version:
            self._file(name, f"t={w.now:.1f}: {MANIFEST} names version {version}, the replies told {m.version}")
        if m.updates_told:
            self.held[name] += 1
        self._raise(name)

    # --- reverts
    def _goal_seen(self, since: float, s: Settings) -> bool:
        """The goal of the settings `s` (in force since `since`) was seen reached: the context up with its APN,
        and then listening on its port (server) or connected (maintain); none and on demand need no more."""
        w = self.world
        settled = w.now >= since + APPLY_S
        ctx = any(t >= since and up and apn == s.apn for t, up, apn in w.ctx_log) or (
            settled and bool(w.ctx_log) and w.ctx_log[-1][1] and w.ctx_log[-1][2] == s.apn)
        if not ctx:
            return False
        if s.mode == "server":
            return any(t >= since and port == s.local_port for t, port in w.listen_log) or (
                settled and w.listen_log[-1][1] == s.local_port)
        if s.mode == "client" and s.maintain:
            return any(c.kind == "server" and c.started_at is not None and c.started_at >= since for c in w.calls)
        return True

    def _trial_latest(self, t: Trial) -> float:
        """The latest a trial's revert may come: its deadline, the time the module was off or rebooting and a
        minute per cut (the time left is saved once a minute), and the reply's time."""
        w = self.world
        late = t.start + t.revert_s + REVERT_S
        late += sum(1 for c in w.power_cuts + w.sms_reboots if c >= t.start) * (STEP_S + BOOT_S)
        for c in w.power_cuts:
            if c >= t.start:
                ons = [p for p in w.power_ons if p >= c]
                late += (ons[0] if ons else w.now) - c
        return late

    def _take_revert(self, r: Reply, t: Trial, rv: re.Match[str]) -> None:
        m = self.model
        name = "a_change_that_never_reaches_its_goal_is_reverted"
        self.held[name] += 1
        if rv.group(1) != t.command:
            self._file(name, f"t={r.at:.1f}: {r.text!r}, but the change on trial is {t.command!r}")
        if r.at < t.start + t.revert_s - 2 * CLOCK_SLACK_S:
            self._file(name, f"t={r.at:.1f}: {r.text!r} before the deadline t={t.start + t.revert_s:.1f} "
                             f"({t.command} on trial since t={t.start:.1f} for {t.revert_s:.0f} s)")
        if t.reached_at is not None and t.reached_at < t.start + t.revert_s - GOAL_EDGE_S:
            self._file(name, f"t={r.at:.1f}: {r.text!r}, but the change reached its goal at t={t.reached_at:.1f}")
        if rv.group(2) == "not reverted" or t.fallback is None:
            self._file(name, f"t={r.at:.1f}: {r.text!r}; the settings that last worked: {t.fallback}")
        else:
            m.confirm(r.at, m.worked or t.fallback)
        m.trial = None

    def a_change_that_never_reaches_its_goal_is_reverted(self) -> None:
        self._read_record()
        w, m = self.world, self.model
        name = "a_change_that_never_reaches_its_goal_is_reverted"
        t = m.trial
        if t is not None and t.reached_at is None and w.powered and self._goal_seen(t.start, m.settings):
            t.reached_at = w.now
            if w.now < t.start + t.revert_s - GOAL_EDGE_S:  # clearly in time: the trial is over
                self.held[name] += 1
                m.worked, m.trial = m.settings.trial_part(), None
        elif t is None and w.powered and not m.deferred and m.worked != m.settings.trial_part() \
                and self._goal_seen(m.restart_at, m.settings):
            m.worked = m.settings.trial_part()  # the settings in force worked: a revert would bring them back
        t = m.trial
        if t is not None and w.now > self._trial_latest(t):
            if t.reached_at is None:
                since = t.start + t.revert_s - 5
                could = (w.powered and w.net_up_since is not None and w.net_up_since <= since
                         and not any(c >= since for c in w.cuts) and (w.mdm2 or w.idle_between(since, w.now)))
                if could:
                    self._file(name, f"t={w.now:.1f}: {t.command} on trial since t={t.start:.1f} for "
                                     f"{t.revert_s:.0f} s never reached its goal, and no revert came by "
                                     f"t={self._trial_latest(t):.1f}; settings {m.settings}")
                elif t.fallback is not None:
                    m.confirm(w.now, m.worked or t.fallback)  # reverted; the reply could not go yet
                    m.revert_owed, m.revert_owed_at = t.sender, w.now
                    self.paths["a revert whose SMS could not go at its deadline"] += 1
            m.trial = None
        self._owed_revert_comes()
        self._raise(name)

    def _owed_revert_comes(self) -> None:
        """A revert's SMS that could not go at its deadline goes after the first SMS round that can send it: a
        SIM poll (a minute) once the module is up with a network and, without MDM2, no call."""
        w, m = self.world, self.model
        if m.revert_owed is None or m.revert_owed_at is None or not w.powered or w.net_up_since is None \
                or w.updating is not None:
            return
        since = max(m.revert_owed_at, w.net_up_since, w.powered_since + BOOT_S, w.updated_at + BOOT_S)
        calls = any(c.started_at is not None and (c.ended_at is None or c.ended_at >= since) for c in w.calls)
        if w.now > since + REPLY_S + OWED_SEND_S and (w.mdm2 or not calls):
            self._file("a_change_that_never_reaches_its_goal_is_reverted",
                       f"t={w.now:.1f}: the revert the test took as made at t={m.revert_owed_at:.1f} (its SMS could "
                       f"not go then) was never told to {m.revert_owed}, though it could go since t={since:.1f}")
            m.revert_owed = None


    # --- settings
    def _changed(self, *names: str) -> float:
        return max(self.model.changed_at.get(n, 0.0) for n in names)

    def _take_at(self, t: float, text: str) -> None:
        """Every dial and every listen the firmware starts uses settings that may be in force then."""
        cands = self.model.candidates(t)
        name = "confirmed_settings_take_effect"
        if text == "AT#GPRS=1":
            self.setups.append(t)
        d = SKTD.match(text)
        http = self.world.http
        if d and http is not None and int(d.group(1)) == http.port:
            return  # an update's download (its URL names the test's HTTP server)
        if d:
            self.dials.append(t)
            port, ip = int(d.group(1)), d.group(2).lower()
            if not any(s.mode == "client" and (s.server_port, s.server) == (port, ip)
                       or s.mode == "client" and s.backup == "on" and (s.backup_port, s.backup_host) == (port, ip)
                       for s in cands):
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
            w = self.world
            ok = any(s.mode == "client" and (s.server_port == c.port and w.resolve(s.server) == "127.0.0.1"
                                             or s.backup == "on" and s.backup_port == c.port
                                             and w.resolve(s.backup_host) == "127.0.0.1") for s in cands)
        else:
            ok = c.kind == "csd" and any(s.mode == "server" and s.dialin == "on" for s in cands)
        if not ok:
            self._file("confirmed_settings_take_effect",
                       f"t={t:.1f}: the gateway took call {c.call} ({c.kind} {c.name} to port {c.port} from "
                       f"{c.source or '-'}), which the confirmed settings do not allow: {cands[0]}")

    @staticmethod
    def _context_wanted(s: Settings) -> dict[str, object]:
        """The modem's GPRS and socket settings the settings `s` ask for."""
        pkt_sz = max(s.packet_size, 3) if s.packet_size else 0  # 1 and 2 go as 3 (runtime/gwboot.py)
        return {"skt_to": s.sock_timeout_s, "ds_to": s.send_timeout, "pkt_sz": pkt_sz,
                "cgdcont": {1: ("IP", s.apn)}, "userid": s.gprs_user, "passw": s.gprs_pass}

    def confirmed_settings_take_effect(self) -> None:
        self._read_record()
        w, s = self.world, self.model.settings
        name = "confirmed_settings_take_effect"
        kept = self.model.deferred_at
        if kept is not None and w.powered and not w.call_up() and w.last_call_end >= kept \
                and w.now > w.last_call_end + DEFER_S:
            self._file(name, f"t={w.now:.1f}: the changes kept during the call that ended at t={w.last_call_end:.1f} "
                             f"({self.model.deferred}) have not taken effect")
            self.model.deferred_at = None
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
                want = self._context_wanted(s)
                got = {k: modem[k] for k in want}
                # (past a trial's deadline the settings that last worked may be back: see Model.candidates)
                wants = [self._context_wanted(c) for c in self.model.candidates(w.now)]
                since = self._changed("sock_timeout_s", "send_timeout", "packet_size", "apn", "gprs_user", "gprs_pass")
                # A call that came in as the reply went keeps the context: the mode restarts when it ends.
                due = max(since, w.last_call_end) + APPLY_S
                if since > 0 and not w.call_up() and w.now >= due:
                    self.held[name] += 1  # a confirmed GPRS or socket setting that must be in force now
                if not w.call_up() and w.now >= due and got not in wants:
                    self._file(name, f"t={w.now:.1f}: the GPRS context is up with {got}, but {want} was confirmed at "
                                     f"t={since:.1f}")
        self._raise(name)

    # --- the mode
    def _settled_at(self) -> float | None:
        """When the gateway must be serving its mode again after power-on, the network's return and the
        last settings change (None while it cannot: no power, no network, no GPRS)."""
        w = self.world
        if not w.powered or w.gprs_ok_since is None or self.model.settings.apn not in GOOD_APNS \
                or w.updating is not None:
            return None  # (a bad APN keeps the context down until it is reverted; an update stops the mode)
        return max(w.powered_since + BOOT_S, w.net_returned_at + NET_S, self.model.restart_at + APPLY_S,
                   w.updated_at + BOOT_S)

    def _circumstances(self, server: str | None) -> tuple[object, ...]:
        w = self.world
        acc = w.servers[server].accepting_since if server in w.servers else None
        return (w.epoch, w.powered, w.gprs_ok_since, self.model.restart_at, acc)

    def _target(self, backup: bool = False) -> str | None:
        """Our server the client mode dials (or its backup), when it accepts."""
        s, w = self.model.settings, self.world
        host, port = (s.backup_host, s.backup_port) if backup else (s.server, s.server_port)
        if s.mode != "client" or (backup and s.backup != "on") or w.resolve(host) != "127.0.0.1":
            return None
        for name, srv in w.servers.items():
            if port == srv.port and srv.accepting_since is not None:
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
            self._judge_maintain(settled)
        self._judge_drops()
        self._raise(name)

    def _judge_maintain(self, settled: float) -> None:
        """Maintain: connected again within its bound, to the server or, when it does not answer, the backup."""
        w, s = self.world, self.model.settings
        name = "the_gateway_serves_its_mode"
        target, backup = self._target(), self._target(backup=True)
        if s.mode == "client" and s.maintain and target:
            due = max(settled, w.servers[target].accepting_since or 0.0, w.last_call_end) + REDIAL_S
            if w.now >= due - REDIAL_S:
                self.held[name] += 1
            if w.now >= due:
                self._file(name, f"t={w.now:.1f}: maintain mode, {target} accepting, but no connection since "
                                 f"t={due - REDIAL_S:.1f}")
        elif s.mode == "client" and s.maintain and backup:  # the server does not answer: failover
            due = max(settled, w.servers[backup].accepting_since or 0.0, w.last_call_end,
                      self._server_down_since()) + FAILOVER_S
            if w.now >= due - FAILOVER_S:
                self.held[name] += 1
            if w.now >= due:
                self._file(name, f"t={w.now:.1f}: maintain mode, the server does not answer, the backup {backup} "
                                 f"accepts, but no connection since t={due - FAILOVER_S:.1f}")

    def _judge_drops(self) -> None:
        """`Confirmed: drop`: the call it was for has ended within DROP_S."""
        w = self.world
        name = "the_gateway_serves_its_mode"
        for at, call in list(self.drops):
            if w.calls[call].ended_at is not None:
                self.drops.remove((at, call))
                self.held[name] += 1
            elif w.now > at + DROP_S:
                self._file(name, f"t={w.now:.1f}: `Confirmed: drop` at t={at:.1f}, but call {call} is still up")
                self.drops.remove((at, call))

    def _server_down_since(self) -> float:
        """Since when the server client mode dials does not answer (refuses, or its name does not resolve)."""
        s, w = self.model.settings, self.world
        for srv in w.servers.values():
            if srv.port == s.server_port and w.resolve(s.server) == "127.0.0.1":
                return srv.refusing_since
        return 0.0

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
        if sim.reboots != w.reboots_injected + w.reboots_requested:
            self._file(name, f"{sim.reboots} reboots, {w.reboots_injected} injected, {w.reboots_requested} asked for "
                             f"by SMS: {sim.reboot_log}")
        for due in self.reboots_due:
            if w.now > due + REBOOT_S:
                self._file(name, f"t={w.now:.1f}: `Confirmed: reboot` at t={due:.1f}, and no reboot followed")
                self.reboots_due.remove(due)
        starting = w.updates and sim.state == "at" and w.now <= w.powered_since + STARTMODE[1] + 1  # #STARTMODESCR
        if w.powered and sim.state != "running" and not starting:
            self._file(name, f"the module is powered but the firmware is {sim.state}")
        crashes = sim.trace.text.count("unexpected error")
        if crashes > w.expected_crashes:  # (a firmware on trial that crashes at import: one each)
            self._file(name, f"the firmware logged an unexpected error ({crashes}, {w.expected_crashes} expected "
                             f"from updates to a firmware that crashes)")
        if w.powered:
            self.held[name] += 1
        self._raise(name)
