"""`config` and `status` at their longest: every setting at its longest value from the command table, the largest
counters, the longest operator name, IP, state and error; every part of each reply is at most 160 septets and the
parts are numbered `k/n`. Run inside every firmware interpreter."""

from __future__ import annotations

import ast
import re

import pytest

from fsm.interpreters import Interpreter
from fsm.pipeline import load_specs
from fsm.spec.model import Field
from tests.runtime.fwunit import assigned
from tests.runtime.fwunit import evaluate
from tests.support import GENERATED
from tests.support import ROOT

TABLE = load_specs(ROOT / "fsm" / "specs", ROOT / "runtime", ROOT).specs.commands
assert TABLE is not None
BIG = 2**31 - 1  # the largest counter a 32-bit 1.5.2 holds
LONGEST_IP = "255.255.255.255"
EXTENDED = "{"  # a character of the GSM extension table: two septets
MODULES = ["replycheck", "fsm_gateway", "fsm_session"]


def _longest(f: Field, char: str) -> str | int:
    """The longest value an argument can store: the largest number, the longest text (of `char`), the longest
    word of a list, `repeat` numbers of the most digits."""
    if f.type == "int":
        assert f.max is not None
        return f.max
    if f.type == "text":
        return char * (f.max or 0)
    if f.type == "password":
        return "z" * (f.max or 0)
    if f.type == "ipv4_or_any":
        return LONGEST_IP
    if f.type == "host":
        return "h" * (f.max or 0)  # a host name at its longest is longer than any address
    if f.type == "phone":
        return " ".join(["+" + "9" * (f.max or 0)] * f.repeat)
    values = f.values if f.type != "onoff" else ("off",)
    return max(values, key=len)


def _values(mode: str, char: str) -> dict[str, str | int]:
    values: dict[str, str | int] = {s.name: s.default for s in TABLE.settings}
    for c in TABLE.commands:
        for f in c.fields:
            if f.sets:
                values[f.sets] = _longest(f, char)
    values["mode"] = mode
    return values


def _check_parts(head: str, parts: list[str], septets: list[int]) -> None:
    assert all(n <= 160 for n in septets), list(zip(parts, septets, strict=True))
    if len(parts) > 1:
        for k, part in enumerate(parts, 1):
            assert re.match(rf"{re.escape(head)} {k}/{len(parts)} \S", part), part


@pytest.mark.req("OPS-STATUS-SPLIT", "CMD-CONFIG")
@pytest.mark.parametrize("mode", ["server", "client"])
def test_the_longest_config_reply_fits_160_septets_per_numbered_part(firmware_python: Interpreter, mode: str) -> None:
    exprs = [f"replycheck.config({_values(mode, char)!r}, {LONGEST_IP!r}, {BIG})" for char in ("a", EXTENDED)]
    (items, parts), (_, wide_parts) = evaluate(firmware_python, MODULES, exprs)
    assert len(parts) > 1, "the longest listing takes more than one message"
    for p in (parts, wide_parts):
        septets = evaluate(firmware_python, MODULES, [f"replycheck.septets({x!r})" for x in p])
        _check_parts("Confirmed: config", p, septets)
    joined = ", ".join(re.sub(r"^Confirmed: config \d+/\d+ ", "", p) for p in parts)
    assert joined == ", ".join(items), "no item of plain characters is cut"
    assert f"allow {' '.join(['+' + '9' * 14] * 8)}" in items
    assert f"dropped {BIG}" in items


@pytest.mark.req("OPS-STATUS", "OPS-STATUS-SPLIT", "OPS-VERSION")
def test_the_longest_status_reply_fits_160_septets_per_numbered_part(firmware_python: Interpreter) -> None:
    """Every gateway and session state, the longest error the firmware notes, the longest operator name (16
    characters, all of them two-septet ones too), counters at 2**31-1 and the clock there too."""
    errors = ["modem boot failed", "not registered", "gprs refused", "dial failed", "listen failed",
              "answer failed", "sms save failed", "gprs lost"]
    error = max(errors, key=len)
    readings = [("0", "5", "W" * 16), ("99", "1", EXTENDED * 20), None]
    states = assigned(GENERATED / "fsm_gateway.py", "STATES")
    assert isinstance(states, ast.Tuple)
    n = len(states.elts)
    exprs = []
    for reading in readings:
        for gw in range(n):
            exprs.append(f"replycheck.status({_values('client', 'a')!r}, {LONGEST_IP!r}, {BIG}, {error!r}, "
                         f"{reading!r}, {gw}, fsm_session.S_LISTEN_BACKOFF)")
    results = evaluate(firmware_python, MODULES, exprs)
    for _items, parts in results:
        septets = evaluate(firmware_python, MODULES, [f"replycheck.septets({x!r})" for x in parts])
        _check_parts("Confirmed: status", parts, septets)
    items, parts = results[0]
    assert items[:3] == ["signal <=-113dBm", "net roaming", "operator " + "W" * 16]
    assert f"calls {BIG}" in items
    assert f"sent {BIG}k" in items
    assert any(i.startswith("error modem boot failed 24855d") for i in items), items
    assert results[n][0][:3] == ["signal ?", "net home", "operator " + EXTENDED * 8], "16 septets of the name"
    assert results[2 * n][0][:3] == ["signal ?", "net ?", "operator ?"], "the modem could not be asked"
