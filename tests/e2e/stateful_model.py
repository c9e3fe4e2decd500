"""The stateful test's model of the gateway as its manual describes it: the settings the user has been
told are in force (`Confirmed:` replies), what each SMS must be answered, what `config` must list, and
which settings may be in force at a given time (a change takes a bound to apply).

Written from the manual and the command table (fsm/specs/commands.yaml: grammar, limits, replies, loaded as
the build loads it; what each argument type accepts is fsm/spec/argtypes.py's), independently of runtime/.
Times are virtual seconds.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from dataclasses import field

from fsm.emit.codegen import firmware_version
from fsm.pipeline import load
from fsm.spec import argtypes
from fsm.spec.model import Command
from fsm.spec.model import CommandTable
from fsm.spec.model import Field
from tests.support import LAYOUT

PASSWORDS = ("connect", "secret12", "x", "abcdefghij12")  # smspassword values the test sets
WRONG = ("letmein", "conect", "connect2x", "admin")  # never one of PASSWORDS
TRIAL_EARLY_S = 2.0  # the firmware counts a trial in whole seconds: its revert may come this much early
APPLY_S = 10.0  # a confirmed setting is in force this long after its reply (NOTE-CONFIRM: "at once")
# The gateway's own words beyond the command table (docs/sms-commands.md "During a connection", "What `config`
# shows", "Settings that undo themselves"): the suffix of a change kept for the end of a call, `drop` with no call,
# the `config` item of a module without MDM2, the unsolicited reply of a trial that failed.
DEFERRED = " (applied when the connection ends)"
NO_CALL_TO_DROP = "Error: no connection to drop"
NO_MDM2 = "sms in calls off"
REVERTED = re.compile(r"Error: (gprs|mode server|mode client) (reverted|not reverted): (.+)\Z", re.S)
ALLOW_DIGITS = 9  # senders are compared with the `allow` list on their last 9 digits


def _table() -> CommandTable:
    loaded = load(LAYOUT)
    assert not loaded.findings, loaded.findings
    assert loaded.specs.commands is not None
    return loaded.specs.commands


TABLE = _table()
COMMANDS = TABLE.commands  # the command table as the build loads it: every limit comes from it, none typed twice
DEFAULTS = {s.name: s.default for s in TABLE.settings}  # the first-boot values
VERSION = firmware_version(LAYOUT.specs, LAYOUT.runtime)  # what `config` and `status` show as `version`
# The settings a `gprs` or `mode` change sets: what a revert restores (docs/sms-commands.md, revert).
TRIAL_VERBS = ("gprs", "mode")
TRIAL_SETTINGS = tuple(sorted({f.sets for c in COMMANDS if c.words[0] in TRIAL_VERBS for f in c.fields if f.sets}
                              | {k for c in COMMANDS if c.words[0] in TRIAL_VERBS for k, _ in c.assign}))


@dataclass(frozen=True)
class Settings:
    """The settings of the command table, with its first-boot values (the field names are checked against it)."""

    password: str = str(DEFAULTS["password"])
    apn: str = str(DEFAULTS["apn"])
    gprs_user: str = str(DEFAULTS["gprs_user"])
    gprs_pass: str = str(DEFAULTS["gprs_pass"])
    baud: str = str(DEFAULTS["baud"])
    charformat: str = str(DEFAULTS["charformat"])
    mode: str = str(DEFAULTS["mode"])
    server: str = str(DEFAULTS["server"])
    server_port: int = int(DEFAULTS["server_port"])
    backup: str = str(DEFAULTS["backup"])
    backup_host: str = str(DEFAULTS["backup_host"])
    backup_port: int = int(DEFAULTS["backup_port"])
    maintain: str = str(DEFAULTS["maintain"])
    permit_ip: str = str(DEFAULTS["permit_ip"])
    local_port: int = int(DEFAULTS["local_port"])
    sock_timeout_s: int = int(DEFAULTS["sock_timeout_s"])
    send_timeout: int = int(DEFAULTS["send_timeout"])
    packet_size: int = int(DEFAULTS["packet_size"])
    dialin: str = str(DEFAULTS["dialin"])
    revert_min: int = int(DEFAULTS["revert_min"])
    allowed: str = str(DEFAULTS["allowed"])
    updatekey: str = str(DEFAULTS["updatekey"])

    def config_items(self) -> tuple[list[str], list[str]]:
        """What `config` lists before and after the network item (`ip ...`/`offline`), without the version,
        the drop counter and the MDM2 item: each command's settings as the command that would set them, the
        mode first; none of a command that sets nothing, of one whose reply would show a secret setting, or of
        one that assigns what is not in force (docs/sms-commands.md, "What `config` shows")."""
        v = dataclasses.asdict(self)
        secret = {s.name for s in TABLE.settings if not s.in_config}
        head = ["mode none"] if self.mode == "none" else []
        rest: list[str] = []
        for c in COMMANDS:
            sets = [f for f in c.fields if f.sets]
            if not sets and not c.assign:
                continue
            if any(f.sets in secret and not f.secret for f in sets) or any(v[k] != val for k, val in c.assign):
                continue
            text = " ".join((c.reply % v).split())
            if text in rest:
                continue
            (head if c.words[0] == "mode" else rest).append(text)
        return head, rest

    def allows(self, sender: str) -> bool:
        """Whether the `allow` list takes `sender` (compared on the last 9 digits)."""
        if self.allowed == "any":
            return True
        return sender[-ALLOW_DIGITS:] in {n[-ALLOW_DIGITS:] for n in self.allowed.split()}

    def trial_part(self) -> dict[str, object]:
        v = dataclasses.asdict(self)
        return {k: v[k] for k in TRIAL_SETTINGS}


assert {f.name for f in dataclasses.fields(Settings)} == set(DEFAULTS), "Settings must follow the command table"


@dataclass(frozen=True)
class Expect:
    """What an SMS must get: `confirm` (exactly `reply`, then `changes` are in force; during a call with the
    suffix DEFERRED, in force when it ends), `error` (a reply starting `Error: `), `config` or `status` (the
    listing), `drop` (`reply` with a call up, else NO_CALL_TO_DROP), `reboot` (`reply`, then a reboot) or
    `silence` (wrong password, a sender outside the `allow` list: no reply at all)."""

    kind: str
    reply: str = ""
    changes: tuple[tuple[str, object], ...] = ()
    command: str = ""  # the command's words ('mode client')


def arg_limits(command: str, arg: str) -> Field:
    """An argument of the command table (for the test's boundary texts)."""
    cmd = next(c for c in COMMANDS if c.name == command)
    return next(f for f in cmd.fields if f.name == arg)


def _parse(words: list[str]) -> tuple[Command, dict[str, object]] | None:
    """(command, settings it sets) for a well-formed command, None otherwise."""
    rows = [c for c in COMMANDS if tuple(w.lower() for w in words[:len(c.words)]) == c.words]
    if not rows:
        return None
    cmd = max(rows, key=lambda c: len(c.words))
    args, fields = words[len(cmd.words):], cmd.fields
    if len(args) < sum(1 for f in fields if not f.optional):
        return None
    if not (fields and fields[-1].repeat > 1) and len(args) > len(fields):
        return None
    changes: dict[str, object] = dict(cmd.assign)
    for i, f in enumerate(fields):
        if f.repeat > 1:  # a list: every word left (`allow` alone lists and changes nothing)
            v = argtypes.parse_words(f, args[i:]) if args[i:] else None
            if args[i:] and v is None:
                return None
            if v is not None and f.sets:
                changes[f.sets] = v
            continue
        v = argtypes.parse(f, args[i]) if i < len(args) else ""  # the manual's normalised value, or None
        if v is None:
            return None
        if f.sets:
            changes[f.sets] = v
    return cmd, changes


def expect(text: str, s: Settings, sender: str = "") -> Expect:
    """What the gateway must answer `text` from `sender` given the settings `s` in force when it handles it:
    silence for a sender the `allow` list leaves out or a wrong password; `config`, `status`, `drop`, `reboot`
    (their replies depend on the moment); otherwise the command table's confirmation and the changes."""
    words = text.split()
    if not words or words[0].lower() != s.password or (sender and not s.allows(sender)):
        return Expect("silence")
    parsed = _parse(words[1:]) if len(words) > 1 else None
    if parsed is None:
        return Expect("error")
    cmd, changes = parsed
    if cmd.name == "update":
        return Expect("update", command="update")  # its replies come as the update goes (stateful_checks)
    if cmd.name in ("config", "status", "drop", "reboot"):
        return Expect(cmd.name, "Confirmed: " + cmd.reply)
    new = dataclasses.replace(s, **changes)  # type: ignore[arg-type]
    shown = cmd.reply % dataclasses.asdict(new)
    return Expect("confirm", "Confirmed: " + " ".join(shown.split()), tuple(sorted(changes.items())), cmd.name)


def deferred_reply(text: str, s: Settings, kept: dict[str, object]) -> str:
    """The reply to a change kept for the end of a call: the confirmation of the settings in force with what was
    kept before and this change, and the suffix."""
    e = expect(text, dataclasses.replace(s, **kept))  # type: ignore[arg-type]
    return e.reply + DEFERRED


def listing(kind: str, texts: list[str]) -> tuple[list[str], bool]:
    """The items of a `config` or `status` reply given as one message or numbered parts; (items, whole)."""
    head = f"Confirmed: {kind} "
    part = re.compile(rf"Confirmed: {kind} (\d+)/(\d+) (.*)\Z", re.S)
    if len(texts) == 1 and texts[0].startswith(head) and not part.match(texts[0]):
        return texts[0][len(head):].split(", "), True
    parts = [part.match(t) for t in texts]
    if not parts or None in parts:
        return [], False
    n = int(parts[0].group(2))  # type: ignore[union-attr]
    whole = len(parts) == n and all(int(p.group(1)) == i + 1 for i, p in enumerate(parts) if p)
    return ", ".join(p.group(3) for p in parts if p).split(", "), whole


def config_listing(texts: list[str]) -> tuple[list[str], bool]:
    return listing("config", texts)


UPDATE_BAD = {"corrupt": "corrupt bundle: ", "other key": "not signed with this unit's update key",
              "404": "HTTP 404"}  # a bundle that must not install, and the words its refusal must hold
UPDATE_WHY = {"crash": "crashed: ", "hang": "did not reach its mode within 10 minutes"}  # why a rollback


@dataclass
class UpdateJob:
    """An `update <url>` the test sent: the bundle's kind (good, corrupt, other key, 404, crash: crashes at import,
    hang: never reaches its mode), its version, the version running when it was asked, where a power cut came
    (none, download, reply, install, trial) and what the replies told so far."""

    kind: str
    version: str
    old: str
    cut: str = "none"
    during_call: bool = False
    texts: list[str] = field(default_factory=list)
    downloaded: bool = False  # `downloaded, restarting` came
    outcome: str | None = None  # the version that runs, as the final reply says
    final: bool = False


@dataclass
class SmsRecord:
    """One SMS the test sent, from its own sender number (so every reply names its message) or from one of the
    test's phones (one unanswered message each at a time)."""

    sender: str
    text: str
    authentic: bool  # the right password when sent, from a sender the `allow` list takes (nothing can be pending)
    delivered_at: float
    epoch: int  # power cuts before it was delivered
    quiet: bool = False  # sent by the quiet `config` check (drop-counter equality)
    outside: bool = False  # the right password from a sender the `allow` list leaves out: it must get nothing
    judged: bool = False  # (outside) its silence was judged once the reply time was over
    replies: list[tuple[float, str, bool]] = field(default_factory=list)  # (time, text, context up)
    done_at: float | None = None  # the whole reply arrived (and was judged)
    update: UpdateJob | None = None  # an `update` the test asked (its replies: stateful_checks._take_update)


@dataclass
class Trial:
    """A gprs or mode change on trial (docs/sms-commands.md, revert): it must reach its goal within revert_s."""

    sender: str
    command: str  # 'gprs', 'mode server', 'mode client'
    start: float  # the change took effect (its reply, or the end of the call it was kept for)
    revert_s: float
    settings: dict[str, object]  # the trial settings of the change
    fallback: dict[str, object] | None  # the last that worked when it began
    reached_at: float | None = None  # the test saw the goal reached with the change


@dataclass
class Model:
    """The settings in force as far as the user was told, with their history."""

    settings: Settings = field(default_factory=Settings)
    history: list[tuple[float, Settings, Settings]] = field(default_factory=list)  # (reply time, before, after)
    changed_at: dict[str, float] = field(default_factory=dict)  # setting -> reply time of its last change
    restart_at: float = 0.0  # the last confirmed command (every one restarts the mode)
    sms: list[SmsRecord] = field(default_factory=list)
    senders: int = 0
    # the last device write in client mode: its bytes may wait in the firmware's RAM (for a call, or kept by the
    # pump when one ended too soon to carry them: a held `+` burst, a server that closes at once)
    pending_write_at: float | None = None
    mdm2: bool = True  # the module has MDM2: SMS are answered during calls
    deferred: dict[str, object] = field(default_factory=dict)  # changes confirmed during a call, for its end
    deferred_trial: tuple[str, str] | None = None  # (sender, command) of a gprs/mode change among them
    trial: Trial | None = None
    worked: dict[str, object] | None = None  # the trial settings that last reached their goal
    revert_owed: str | None = None  # the sender of a revert made while its SMS could not go (it comes later)
    revert_owed_at: float | None = None  # when the test took that revert as made
    deferred_at: float | None = None  # the first change kept for the end of the call
    version: str = VERSION  # the firmware version that runs, as the update replies told
    updates_told: int = 0  # updates whose outcome was told (`running`, `rolled back`, a refusal)

    def new_sender(self) -> str:
        self.senders += 1
        return f"+44770090{self.senders:04d}"

    def confirm(self, at: float, changes: tuple[tuple[str, object], ...] | dict[str, object],
                restarts: bool = True) -> None:
        before = self.settings
        self.settings = dataclasses.replace(before, **dict(changes))  # type: ignore[arg-type]
        self.history.append((at, before, self.settings))
        for name, _ in dict(changes).items():
            self.changed_at[name] = at
        if restarts:
            self.restart_at = at

    def begin_trial(self, at: float, sender: str, command: str) -> None:
        """A gprs or mode change took effect: on trial when `revert` is on (a new one replaces the old)."""
        self.trial = None
        if self.settings.revert_min > 0:
            self.trial = Trial(sender, command, at, self.settings.revert_min * 60.0, self.settings.trial_part(),
                               self.worked)

    def apply_deferred(self, at: float, trial: bool = True) -> None:
        """The changes kept during a call take effect: the call ended (a gprs or mode change among them goes on
        trial), or a boot read them saved (a gprs or mode change among them was saved on trial with them, so it is
        on trial from the boot; `trial` False: a trial under way when it was kept goes on instead)."""
        if self.deferred:
            self.confirm(at, self.deferred)
            if self.deferred_trial is not None and trial:
                self.begin_trial(at, *self.deferred_trial)
        self.deferred, self.deferred_trial, self.deferred_at = {}, None, None

    def candidates(self, t: float) -> list[Settings]:
        """The settings that may be in force at time t: those confirmed by then, and the ones before a
        change less than APPLY_S old (it may not have been applied yet)."""
        out = [Settings()]
        for at, _before, after in self.history:
            if at > t:
                break
            out = [after, *out] if t - at < APPLY_S else [after]
        trial = self.trial
        if trial is not None and trial.fallback is not None and t >= trial.start + trial.revert_s - TRIAL_EARLY_S:
            # Past its deadline a trial may have been reverted without a word: the revert's SMS cannot go during a
            # call without MDM2 or with the network gone, and the test learns of it only when it gives up waiting.
            out.append(dataclasses.replace(self.settings, **(self.worked or trial.fallback)))  # type: ignore[arg-type]
        return out

    def unanswered(self) -> list[SmsRecord]:
        return [r for r in self.sms if r.authentic and r.done_at is None]

    def password_change_pending(self) -> bool:
        """A change of the password or the `allow` list is on its way or kept for a call's end: the next
        message's fate depends on when it is handled."""
        if any(k in ("password", "allowed") for k in self.deferred):
            return True
        for r in self.unanswered():
            e = expect(r.text, self.settings)
            if e.kind == "confirm" and any(k in ("password", "allowed") for k, _ in e.changes):
                return True
        return False
