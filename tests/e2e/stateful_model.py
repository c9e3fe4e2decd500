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

from fsm.pipeline import load
from fsm.spec import argtypes
from fsm.spec.model import Command
from fsm.spec.model import Field
from tests.support import LAYOUT

PASSWORDS = ("connect", "secret12", "x", "abcdefghij12")  # smspassword values the test sets
WRONG = ("letmein", "conect", "connect2x", "admin")  # never one of PASSWORDS
APPLY_S = 10.0  # a confirmed setting is in force this long after its reply (NOTE-CONFIRM: "at once")


@dataclass(frozen=True)
class Settings:
    password: str = "connect"
    apn: str = "internet"
    gprs_user: str = ""
    gprs_pass: str = ""
    baud: str = "9600"
    charformat: str = "8N1"
    mode: str = "none"
    server_ip: str = ""
    server_port: int = 1024
    maintain: str = ""
    permit_ip: str = "any"
    local_port: int = 1024
    sock_timeout_s: int = 300
    send_timeout: int = 10
    packet_size: int = 0
    dialin: str = "off"

    def config_items(self) -> list[str]:
        """What `config` lists, without the `ip` item and the drop counter (docs/sms-commands.md)."""
        if self.mode == "none":
            mode = "mode none"
        elif self.mode == "server":
            mode = f"mode server {self.permit_ip} {self.local_port}"
        else:
            mode = f"mode client {self.server_ip} {self.server_port} {self.maintain}"
        items = [mode, f"gprs {self.apn} {self.gprs_user} ***", f"baud {self.baud}",
                 f"charformat {self.charformat}",
                 f"socketting {self.sock_timeout_s} {self.send_timeout} {self.packet_size}", f"dialin {self.dialin}"]
        return [" ".join(i.split()) for i in items]


@dataclass(frozen=True)
class Expect:
    """What an SMS must get: `confirm` (exactly `reply`, then `changes` are in force), `error` (a reply
    starting `Error: `), `config` (the listing) or `silence` (wrong password: no reply at all)."""

    kind: str
    reply: str = ""
    changes: tuple[tuple[str, object], ...] = ()


def _commands() -> tuple[Command, ...]:
    loaded = load(LAYOUT)
    assert not loaded.findings, loaded.findings
    assert loaded.specs.commands is not None
    return loaded.specs.commands.commands


COMMANDS = _commands()  # the command table as the build loads it: every limit comes from it, none typed twice


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
    if len(args) > len(fields) or len(args) < sum(1 for f in fields if not f.optional):
        return None
    changes: dict[str, object] = dict(cmd.assign)
    for i, f in enumerate(fields):
        v = argtypes.parse(f, args[i]) if i < len(args) else ""  # the manual's normalised value, or None
        if v is None:
            return None
        if f.sets:
            changes[f.sets] = v
    return cmd, changes


def expect(text: str, s: Settings) -> Expect:
    """What the gateway must answer `text` given the settings `s` in force when it handles it."""
    words = text.split()
    if not words or words[0].lower() != s.password:
        return Expect("silence")
    parsed = _parse(words[1:]) if len(words) > 1 else None
    if parsed is None:
        return Expect("error")
    cmd, changes = parsed
    if cmd.name == "config":
        return Expect("config")
    new = dataclasses.replace(s, **changes)  # type: ignore[arg-type]
    shown = cmd.reply % dataclasses.asdict(new)
    return Expect("confirm", "Confirmed: " + " ".join(shown.split()), tuple(sorted(changes.items())))


CONFIG_PART = re.compile(r"Confirmed: config (\d+)/(\d+) (.*)\Z", re.S)


def config_listing(texts: list[str]) -> tuple[list[str], bool]:
    """The items of a `config` reply given as one message or numbered parts; (items, whole)."""
    if len(texts) == 1 and texts[0].startswith("Confirmed: config ") and not CONFIG_PART.match(texts[0]):
        return texts[0][len("Confirmed: config "):].split(", "), True
    parts = [CONFIG_PART.match(t) for t in texts]
    if not parts or None in parts:
        return [], False
    n = int(parts[0].group(2))  # type: ignore[union-attr]
    whole = len(parts) == n and all(int(p.group(1)) == i + 1 for i, p in enumerate(parts) if p)
    return ", ".join(p.group(3) for p in parts if p).split(", "), whole


@dataclass
class SmsRecord:
    """One SMS the test sent, from its own sender number (so every reply names its message)."""

    sender: str
    text: str
    authentic: bool  # the right password when sent (no password change can be pending then)
    delivered_at: float
    epoch: int  # power cuts before it was delivered
    quiet: bool = False  # sent by the quiet `config` check (drop-counter equality)
    replies: list[tuple[float, str, bool]] = field(default_factory=list)  # (time, text, context up)
    done_at: float | None = None  # the whole reply arrived (and was judged)


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

    def new_sender(self) -> str:
        self.senders += 1
        return f"+44770090{self.senders:04d}"

    def confirm(self, at: float, changes: tuple[tuple[str, object], ...]) -> None:
        before = self.settings
        self.settings = dataclasses.replace(before, **dict(changes))  # type: ignore[arg-type]
        self.history.append((at, before, self.settings))
        for name, _ in changes:
            self.changed_at[name] = at
        self.restart_at = at

    def candidates(self, t: float) -> list[Settings]:
        """The settings that may be in force at time t: those confirmed by then, and the ones before a
        change less than APPLY_S old (it may not have been applied yet)."""
        out = [Settings()]
        for at, _before, after in self.history:
            if at > t:
                break
            out = [after, *out] if t - at < APPLY_S else [after]
        return out

    def unanswered(self) -> list[SmsRecord]:
        return [r for r in self.sms if r.authentic and r.done_at is None]

    def password_change_pending(self) -> bool:
        return any([w.lower() for w in r.text.split()[1:2]] == ["smspassword"] for r in self.unanswered())
