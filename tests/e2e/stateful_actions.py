"""What the stateful test's user does, as hypothesis strategies with readable values: SMS texts (with
`{pw}` for the password in force and `{L0}`/`{S0}`/`{D0}` for the test's ports), byte payloads described
by kind, size and seed (so a printed step can be replayed), and the bookkeeping of a run (steps, actions).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from dataclasses import field

from hypothesis import strategies as st

from tests.e2e.stateful_model import PASSWORDS
from tests.e2e.stateful_model import WRONG
from tests.e2e.stateful_model import arg_limits

BAUDS = arg_limits("baud", "baud").values
FORMATS = arg_limits("charformat", "charformat").values
APN_MAX = arg_limits("gprs", "apn").max
USER_MAX = arg_limits("gprs", "username").max
PASS_MAX = arg_limits("gprs", "gprs_password").max
HOST_MAX = arg_limits("mode client", "server").max
MINUTES_MAX = arg_limits("revert", "minutes").max
PHONE_DIGITS = arg_limits("allow", "number")  # min and max digits of a number
ALLOW_MAX = PHONE_DIGITS.repeat
# The test's own phones (reused senders: one unanswered message each at a time), apart from the fresh numbers
# (`Model.new_sender`: +44770090nnnn); the `allow` lists name them in both forms a phone shows (last 9 digits).
PHONES = {"A": "+447700800001", "B": "+447700800002"}
ALLOW_LISTS = ("{pw} allow +447700800001 07700800002", "{pw} allow 07700800002", "{pw} allow any", "{pw} allow")

MODEM_TEXT = (b"\r\nNO CARRIER\r\n", b"\r\nOK\r\n", b"OK", b'\r\n+CMTI: "SM",1\r\n', b"\r\nRING\r\n",
              b'AT#SKTD=0,80,"10.0.0.1",0,0\r', b"ATH\r\n", b"+++", b"\x1a", b"\x00", b"\r\nCONNECT\r\n",
              b"+CONN FROM: 10.1.2.3\r\n", b"\r\nERROR\r\n")


@dataclass(frozen=True)
class Payload:
    """Bytes a device or a peer sends, described so that a printed step is short and replayable."""

    kind: str  # text, random, modem (modem-like text), all256 (every byte value), mixed
    size: int
    seed: int

    def data(self) -> bytes:
        rnd = random.Random(self.seed)
        if self.kind == "text":
            return b"".join(f"msg-{self.seed}-{i};".encode() for i in range(max(1, self.size // 12)))
        if self.kind == "modem":
            return MODEM_TEXT[self.seed % len(MODEM_TEXT)]
        if self.kind == "all256":
            return bytes(range(256))
        if self.kind == "mixed":
            return b"".join(rnd.randbytes(rnd.randint(0, 64)) + rnd.choice(MODEM_TEXT)
                            for _ in range(max(1, self.size // 64)))
        return rnd.randbytes(self.size)


PAYLOADS = st.builds(Payload, kind=st.sampled_from(("text", "random", "modem", "all256", "mixed")),
                     size=st.sampled_from((1, 16, 100, 700, 3000)), seed=st.integers(0, 999))

_VALID = (
    [f"{{pw}} baud {b}" for b in BAUDS] + [f"{{pw}} charformat {f}" for f in FORMATS] + [
        "{pw} charformat 7e1", "{pw} gprs internet", "{pw} gprs orangeinternet user pass",
        "{pw} gprs " + "a" * APN_MAX + " u p",
        "{pw} gprs " + "a" * APN_MAX + " " + "u" * USER_MAX + " " + "p" * PASS_MAX,  # every length at its limit
        "{pw} mode server any {L0}", "{pw} mode server any {L1}", "{pw} mode server 127.0.0.2 {L0}",
        "{pw} mode server ANY {L1}", "{pw} mode client 127.0.0.1 {S0}", "{pw} mode client 127.0.0.1 {S1}",
        "{pw} mode client 127.0.0.1 {S0} maintain", "{pw} mode client 127.0.0.1 {S1} Maintain",
        "{pw} mode client 127.0.0.1 {D0}", "{pw} mode client 127.0.0.1 {D0} maintain",
        "{pw} dialin on", "{pw} dialin off", "{pw} config", "{pw} CONFIG",
        "{pw} mode client any {S0}",  # a host name (that does not resolve): on demand dials fail
        "{pw} mode client gw.test {S0} maintain", "{pw} mode client GW.test {S1}",
        "{pw} mode client " + "a" * (HOST_MAX - 5) + ".test {S0}",  # the longest name
        "{pw} backup backup.example.com {S1}", "{pw} backup 127.0.0.1 {S0}", "{pw} backup off",
        "{pw} revert 0", "{pw} revert 1", "{pw} revert 2", f"{{pw}} revert {MINUTES_MAX}",
        "{pw} status", "{pw} drop", "{pw} reboot", "{pw} allow",
    ])
BAD_CHANGES = ("{pw} gprs wrong.apn", "{pw} mode client 127.0.0.1 {D0} maintain",
               "{pw} mode client nowhere.test {S0} maintain")  # never reach their goal: reverted
DURING_CALL = ("{pw} drop", "{pw} status", "{pw} config", "{pw} baud 19200", "{pw} charformat 7E1",
               "{pw} mode server any {L1}", "{pw} mode client 127.0.0.1 {S1} maintain", "{pw} gprs wrong.apn",
               "{pw} socketting 20 5 0", "{pw} smspassword secret12", "{pw} reboot", "{pw} allow",
               "{pw} backup off")
_INVALID = ("{pw} baud 9601", "{pw} baud", "{pw} charformat 7N1", "{pw} mode server any 0", "{pw} mode",
            "{pw} mode client gw_1.test {S0}", "{pw} mode client 127.0.0.1 {S0} keep", "{pw} reboot now", "{pw}",
            "{pw} drop now", "{pw} status all", f"{{pw}} revert {MINUTES_MAX + 1}", "{pw} backup 127.0.0.1",
            "{pw} mode client " + "a" * (HOST_MAX - 4) + ".test {S0}", "{pw} allow +" + "1" * (PHONE_DIGITS.min - 1),
            "{pw} allow " + "1" * (PHONE_DIGITS.max + 1), "{pw} allow " + " ".join(["07700800002"] * (ALLOW_MAX + 1)),
            "{pw} socketting 65536 10 0", "{pw} socketting 1 2", '{pw} gprs in"ternet', "{pw} dialin maybe",
            "{pw} config now", "{pw} smspassword abc_1", "{pw} update http://x",  # the URL: min 10, max 120
            "{pw} update http://a/" + "b" * 112, "{pw} updatekey abc1234", "{pw} updatekey " + "k" * 33,
            "{pw} gprs " + "a" * (APN_MAX + 1),
            "{pw} gprs internet " + "u" * (USER_MAX + 1), "{pw} gprs internet u " + "p" * (PASS_MAX + 1))
_OTHERS = ("connect config", "connect baud 19200", "") + tuple(f"{w} config" for w in WRONG) + (
    "letmein mode server any {L0}", "admin smspassword x")
SOCKETTING = st.builds("{{pw}} socketting {} {} {}".format, st.sampled_from((0, 1, 5, 20, 300, 65535)),
                       st.sampled_from((0, 1, 10, 255)), st.sampled_from((0, 1, 2, 3, 300, 512)))
SMS_TEXTS_VALID = tuple(_VALID)
SMS_TEXTS = st.one_of(st.sampled_from(_VALID), SOCKETTING, st.sampled_from(_INVALID), st.sampled_from(_OTHERS))
NEW_PASSWORDS = st.sampled_from(PASSWORDS + ("Secret12",))
START_MODES = {  # the first SMS, then a first event: a client calls, the device writes, a caller rings
    "none": ((), ""),
    "server": (("{pw} mode server any {L0}",), ""),
    "server, a client calls": (("{pw} mode server any {L0}",), "client"),
    "server 127.0.0.2, a client calls": (("{pw} mode server 127.0.0.2 {L0}",), "client"),
    "server, dial-in on, a caller rings": (("{pw} mode server any {L0}", "{pw} dialin on"), "caller"),
    "on demand": (("{pw} mode client 127.0.0.1 {S0}",), ""),
    "on demand, the device writes": (("{pw} mode client 127.0.0.1 {S0}",), "device"),
    "maintain": (("{pw} mode client 127.0.0.1 {S0} maintain",), ""),
    "maintain by name, a backup, the server refuses": (
        ("{pw} mode client gw.test {S0} maintain", "{pw} backup backup.example.com {S1}"), "refuse S0"),
}
MDM2 = st.sampled_from(("on", "on", "on", "absent"))  # a module without MDM2: SMS wait for a call's end
WAITS = st.sampled_from((1, 2, 3, 5, 10, 30, 65, 310))  # the long ones: the SIM poll, the socket timeout
SOURCES = st.sampled_from(("127.0.0.2", "127.0.0.3"))  # .2 is the permitted address of `mode server 127.0.0.2`


@dataclass
class Tally:
    """What one test run exercised: examples, steps, actions by name, virtual and real seconds."""

    examples: int = 0
    steps: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    virtual_s: float = 0.0
    equalities: int = 0
    replies: int = 0
    held: Counter[str] = field(default_factory=Counter)  # invariant -> how often its condition held
    paths: Counter[str] = field(default_factory=Counter)  # rare paths inside an invariant -> how often taken

    def line(self) -> str:
        acts = ", ".join(f"{k} {v}" for k, v in sorted(self.actions.items()))
        paths = ", ".join(f"{k} {v}" for k, v in sorted(self.paths.items())) or "none"
        return (f"{self.examples} examples, {self.steps} steps, {self.virtual_s:.0f} virtual s, "
                f"{self.replies} SMS replies judged, {self.equalities} exact byte ledgers; rare paths taken: "
                f"{paths}; actions: {acts}")

    def vacuity(self, names: list[str]) -> str:
        """How often each invariant's condition held; one that never held proved nothing in this run."""
        return ", ".join(f"{n} {self.held[n]}" + (" (NEVER HELD)" if not self.held[n] else "") for n in names)
