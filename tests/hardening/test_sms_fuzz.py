"""SMS fuzzing: thousands of realistic and random messages, through the real gateway in SIM-sized batches
and through the firmware's parser in one firmware process. The firmware never dies or reboots; every
message gets exactly one reply (`Confirmed: ...` or `Error: ...`; a split `config` counts as one) or
silence when the password is wrong; no reply exceeds 160 characters; the stored settings are always
within the command table's limits, and still are after a reboot.
"""

from __future__ import annotations

import ast

from hypothesis import HealthCheck
from hypothesis import Phase
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from fsm.interpreters import Interpreter
from host.modem.cmd_sms import septets
from tests.hardening import corpus
from tests.hardening.harness import HGateway
from tests.hardening.harness import check_settings_valid
from tests.hardening.harness import newest_settings
from tests.support import GENERATED
from tests.support import RUNTIME
from tests.support import STUBS
from tests.support import run_firmware

BATCH = 120          # messages per SIM store (capacity raised from 20)
ROUNDS = 10          # batches per gateway boot in CI (x2 interpreters: 2400 messages end to end)
SOAK_ROUNDS = 40
MAX_SMS = 160  # septets: an extension character such as [ or | takes two


def _group_replies(outbox: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for number, text in outbox:
        out.setdefault(number, []).append(text)
    return out


def _is_one_reply(texts: list[str]) -> bool:
    """One reply: a single Confirmed/Error, or the numbered parts of one `config` listing."""
    if len(texts) == 1:
        return texts[0].startswith("Confirmed: ") or texts[0].startswith("Error: ")
    n = len(texts)
    return all(t.startswith(f"Confirmed: config {i + 1}/{n} ") for i, t in enumerate(texts))


def run_batch(gw: HGateway, messages: list[tuple[str, str]]) -> None:
    password = str((newest_settings(gw.nvm) or {"password": "connect"})["password"])
    before = len(gw.outbox)
    gw.deliver(messages)
    gw.handle_all(f"the gateway to handle a batch of {len(messages)} messages", timeout_s=120)
    gw.run(2)
    gw.assert_alive()
    assert gw.sim.reboots == 0, gw.sim.reboot_log
    replies = _group_replies(gw.outbox[before:])
    assert set(replies) <= {s for s, _ in messages}, "a reply went to someone who did not write"
    for number, text in messages:
        got = replies.get(number, [])
        words = corpus.to_wire(text).split()
        authentic = bool(words) and words[0].lower() == password
        if not authentic:
            assert got == [], f"{text!r} (wrong password) got {got!r}"
            continue
        assert _is_one_reply(got), f"{text!r} got {got!r}"
        assert all(septets(t) <= MAX_SMS for t in got), got
        # A password appears in a reply only in the smspassword confirmation to its sender.
        if not got[0].startswith("Confirmed: smspassword "):
            assert password not in " ".join(got).lower().split(), (text, got)
        if got[0].startswith("Confirmed: smspassword "):
            password = got[0].split()[-1]
    stored = newest_settings(gw.nvm)
    if stored is not None:
        check_settings_valid(stored)
        assert stored["password"] == password


def test_realistic_sms_through_the_gateway(hgw_factory, soak: bool) -> None:
    gw = hgw_factory(sms_capacity=BATCH)
    # The corpus sets client modes with loopback addresses: a dial must never reach another test's server (a call
    # would keep changes for its end, and the oracle reads the password in force from the flash).
    gw.network.refuse_connections = True
    rounds = SOAK_ROUNDS if soak else ROUNDS
    first = 0
    for r in range(rounds):
        password = str((newest_settings(gw.nvm) or {"password": "connect"})["password"])
        msgs = corpus.batch(seed=1000 + r, size=BATCH, password=password, first=first)
        first += BATCH
        run_batch(gw, msgs)
    texts = [t for _, t in gw.outbox]
    assert sum(t.startswith("Confirmed: ") for t in texts) > 50
    assert sum(t.startswith("Error: ") for t in texts) > 50
    # The settings survive a reboot and `config` still answers.
    stored = newest_settings(gw.nvm)
    gw.sim.power_cut(restart=True)
    gw.booted()
    password = str((stored or {"password": "connect"})["password"])
    reply = gw.replies([f"{password} config"], sender="+447700900999")
    assert reply, "config got no reply"
    assert _is_one_reply(reply), reply
    assert reply[0].startswith("Confirmed: config"), reply
    assert stored is None or newest_settings(gw.nvm) == stored
    gw.assert_alive()


@settings(max_examples=25, derandomize=True, deadline=None, phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(texts=st.lists(corpus.TEXTS, min_size=40, max_size=40))
def _hypothesis_batches(gw: HGateway, texts: list[str]) -> None:
    base = len(gw.outbox) * 7 + len(gw.sim.modem.at_log)  # unique senders across examples
    run_batch(gw, [(f"+3161{base:07d}{i:03d}", t) for i, t in enumerate(texts)])


def test_hypothesis_sms_through_the_gateway(hgw_factory) -> None:
    gw = hgw_factory(sms_capacity=50)
    gw.network.refuse_connections = True  # as above: no dial reaches another test's server
    _hypothesis_batches(gw)


# --- the parser in one firmware process: thousands of messages per interpreter

PARSE_EXPR = ("(lambda r: (r[0], r[0] == 1 and r[1] or (r[0] == 0 and smscmd.confirmation(r[1], "
              "merged(V, r[2])) or None), r[0] == 0 and items_sorted(r[2]) or None))"
              "(smscmd.parse(%s, V, fsm_commands))")
# The firmware-side runner, in the Python 1.5 subset: files are not iterable in 1.5.2 (readline), and it has
# no dict() or sorted() (the helpers below).
RUNNER_152 = """import sys
def merged(a, b):
    d = {}
    d.update(a)
    d.update(b)
    return d
def items_sorted(d):
    x = list(d.items())
    x.sort()
    return x
V = {}
NAMES = {'V': V, 'merged': merged, 'items_sorted': items_sorted}
for n in sys.argv[1:]:
    NAMES[n] = __import__(n)
while 1:
    line = sys.stdin.readline()
    if not line:
        break
    sys.stdout.write(repr(eval(line[:-1], NAMES)) + '\\n')
"""


def parse_in_firmware(python: Interpreter, texts: list[str], password: str = "connect") -> list[tuple]:
    setup = (f"V.update(cfgstore.defaults(fsm_commands)) or V.update({{'password': {password!r}}}) or 0")
    lines = [setup] + [PARSE_EXPR % ascii(corpus.to_wire(t)) for t in texts]
    proc = run_firmware(python, None, [RUNTIME, GENERATED, STUBS],
                        args=("-c", RUNNER_152, "smscmd", "fsm_commands", "cfgstore"),
                        stdin="\n".join(lines) + "\n", timeout_s=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = [ast.literal_eval(x) for x in proc.stdout.split("\n")[:-1]]
    assert len(out) == len(lines)
    return out[1:]


def test_parser_fuzz_in_firmware(firmware_python: Interpreter, soak: bool) -> None:
    import random

    rnd = random.Random(7)
    n = 20000 if soak else 3000
    texts = [corpus.message(rnd) for _ in range(n)]
    texts += [t for _, t in corpus.batch(8, 200)]
    results = parse_in_firmware(firmware_python, texts)
    seen = {0: 0, 1: 0, 2: 0}
    for text, (status, reply, _changes) in zip(texts, results, strict=True):
        seen[status] += 1
        _check_reply(text, status, reply)
    assert all(seen.values()), seen  # each outcome was exercised


def _check_reply(text: str, status: int, reply: str) -> None:
    """Only `connect ...` is a command (status 2: not one), and any reply fits one SMS."""
    words = corpus.to_wire(text).split()
    assert (status == 2) == (not words or words[0].lower() != "connect"), (text, status)
    if status == 1:
        assert septets("Error: " + reply) <= MAX_SMS, f"{text!r}: error reply of {septets(reply) + 7} septets"
    if status == 0:
        assert septets(reply) <= MAX_SMS, (text, reply)


LONG_WORDS = ["connect " + "x" * 170, "connect mode client 10.0.0.1 1 " + "k" * 150, "connect baud " + "9" * 150,
              "connect " + "é" * 158, "connect mode " + "s" * 150, "connect gprs " + "a" * 300]


@settings(max_examples=5, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck),
          phases=(Phase.explicit, Phase.generate))
@given(texts=st.lists(corpus.TEXTS, min_size=300, max_size=300))
def _hypothesis_parse(python: Interpreter, texts: list[str]) -> None:
    texts = texts + LONG_WORDS
    for text, (status, reply, _) in zip(texts, parse_in_firmware(python, texts), strict=True):
        _check_reply(text, status, reply)


def test_parser_hypothesis_in_firmware(firmware_python: Interpreter) -> None:
    _hypothesis_parse(firmware_python)
