"""SMS command parsing against the generated table: every limit just inside and just outside, under
every firmware interpreter. The cases are derived from the command table spec, never typed twice."""

from __future__ import annotations

import ast
from collections.abc import Callable

from fsm.interpreters import Interpreter
from fsm.pipeline import load_specs
from fsm.spec.model import Command
from fsm.spec.model import Field
from tests.runtime.fwunit import assigned
from tests.runtime.fwunit import evaluate
from tests.runtime.fwunit import int_constants
from tests.support import GENERATED
from tests.support import ROOT
from tests.support import RUNTIME

TABLE = load_specs(ROOT / "fsm" / "specs", ROOT / "runtime", ROOT).specs.commands
assert TABLE is not None
VALID, INVALID, AUTH_FAILED = 0, 1, 2
GOOD = {"enum": None, "int": None, "host": "192.168.0.1", "ipv4_or_any": "any", "password": "abc123",
        "text": "internet", "keyword": None, "onoff": "on", "phone": "+447700900001"}

COMMANDS = ("gprs baud charformat mode backup socketting smspassword dialin revert config status drop reboot allow "
            "update updatekey")


def _good(f: Field) -> str:
    if f.type in ("enum", "keyword"):
        return f.values[0]
    if f.type == "int":
        return str(f.min)
    return GOOD[f.type]


def _password_cases(args: Callable[[str], str], lo: int) -> list[tuple[str, bool]]:
    """Capitals are taken (in lower case), other characters are not, and one character short is too short."""
    out = [(args("Abc" + "a" * (lo - 3)), True), (args("ab_c" + "a" * (lo - 4)), False)]
    return out + [(args("a" * (lo - 1)), False)] if lo > 1 else out


def _cases(c: Command) -> list[tuple[str, bool]]:
    """(argument list, accepted?) cases for every field's limits, the others kept valid."""
    out = []
    for i, f in enumerate(c.fields):
        def args(value: str, i: int = i) -> str:
            vals = [_good(g) for g in c.fields]
            vals[i] = value
            return " ".join(v for v in vals if v != "")
        if f.type == "int":
            assert f.min is not None
            assert f.max is not None
            out += [(args(str(f.min - 1)), False), (args(str(f.min)), True),
                    (args(str(f.max)), True), (args(str(f.max + 1)), False), (args("12a"), False)]
        elif f.type == "enum":
            out += [(args(v), True) for v in f.values] + [(args(f.values[0].lower()), True), (args("9999"), False)]
        elif f.type in ("password", "text"):
            assert f.min is not None
            assert f.max is not None
            lo = max(f.min, 1)
            out += [(args("a" * lo), True), (args("a" * f.max), True), (args("a" * (f.max + 1)), False)]
            if f.type == "password":
                out += _password_cases(args, lo)
            else:
                out += [(args('in"ternet'), False)]
        elif f.type in ("host", "ipv4_or_any"):
            out += [(args("10.0.0.1"), True), (args("255.255.255.255"), True), (args("256.0.0.1"), False),
                    (args("10.0.0"), False), (args("any"), True)]
            if f.type == "host":
                assert f.min is not None
                assert f.max is not None
                out += [(args("a" * f.min), True), (args("a" * f.max), True), (args("a" * (f.max + 1)), False),
                        (args("gw_1.example.com"), False), (args("-gw.example.com"), False)]
        elif f.type == "onoff":
            out += [(args("on"), True), (args("OFF"), True), (args("maybe"), False)]
        elif f.type == "keyword":
            out += [(args(f.values[0].capitalize()), True), (args("keep"), False)]
        elif f.type == "phone":
            assert f.min is not None
            assert f.max is not None
            out += [(args("+" + "1" * (f.min - 1)), False), (args("1" * f.min), True), (args("+" + "1" * f.max), True),
                    (args("1" * (f.max + 1)), False), (args("+44-7700"), False)]
            counts = (f.repeat - 1, f.repeat, f.repeat + 1)
            out += [(args(" ".join([GOOD["phone"]] * n)), n <= f.repeat) for n in counts]
    return out


def test_every_limit_of_every_command(firmware_python: Interpreter) -> None:
    texts, wanted = [], []
    for c in TABLE.commands:
        for argtext, ok in _cases(c):
            texts.append(f"connect {c.name} {argtext}".strip())
            wanted.append(ok)
    results = evaluate(firmware_python, ["smscheck"], [f"smscheck.run({t!r})" for t in texts])
    for text, ok, (status, detail, reply) in zip(texts, wanted, results, strict=True):
        if ok:
            assert status == VALID, f"{text!r} was refused: {detail}"
            assert reply.startswith("Confirmed: "), reply
            assert len(reply) <= 160
        else:
            assert status == INVALID, f"{text!r} was accepted: {detail}"
            assert len("Error: " + detail) <= 160


def test_error_messages_say_what_is_wrong_and_what_is_allowed(firmware_python: Interpreter) -> None:
    cases = {
        "connect baud 9601": "baud must be one of 300 1200 2400 4800 9600 19200 38400 57600 115200",
        "connect charformat 9N1": "charformat must be one of 8N2 8E1 8O1 8N1 7E1 7O1",
        "connect mode server any 0": "localport must be a number 1..65535",
        "connect mode client 1.2.3 80": ("server must be an IP address like 192.168.0.100, or a host name of 1-40 "
                                         "characters of a-z 0-9 - ."),
        "connect socketting 300 10 513": "packet_size must be a number 0..512",
        "connect smspassword toolongpassword": "new_password must be 1-12 characters of 0-9 a-z",
        "connect dialin maybe": "status must be one of on off",
        "connect mode": "mode must be followed by server or client",
        "connect mode server any": "missing arguments; format: mode server <permitted_ip> <localport>",
        "connect baud 9600 8N1": "too many arguments; format: baud <baud>",
        "connect restart": f"unknown command 'restart'; commands: {COMMANDS.removesuffix(' updatekey')} ...",
        "connect x": f"unknown command 'x'; commands: {COMMANDS}",  # the whole list fits one SMS
        "connect": f"no command; commands: {COMMANDS}",
        "connect drop now": "too many arguments; format: drop",
        "connect reboot 5": "too many arguments; format: reboot",
        "connect config all": "too many arguments; format: config",
        "connect abcdefghijklmnopqrstuvw": ("unknown command 'abcdefghijklmnop...'; commands: "
                                            f"{COMMANDS.removesuffix(' allow update updatekey')} ..."),
    }
    results = evaluate(firmware_python, ["smscheck"], [f"smscheck.run({t!r})" for t in cases])
    assert [r[:2] for r in results] == [(INVALID, msg) for msg in cases.values()]


def test_password_and_words_are_case_insensitive_and_a_wrong_one_is_silent(firmware_python: Interpreter) -> None:
    texts = ["Connect Baud 115200", "CONNECT MODE CLIENT 10.0.0.1 1024 MAINTAIN", "connect2 baud 115200",
             "", "   ", "baud 115200", "connect\nbaud\n115200"]
    results = evaluate(firmware_python, ["smscheck"], [f"smscheck.run({t!r})" for t in texts])
    assert results[0] == (VALID, {"baud": "115200"}, "Confirmed: baud 115200")
    assert results[1] == (VALID,
                          {"server": "10.0.0.1", "server_port": 1024, "maintain": "maintain", "mode": "client"},
                          "Confirmed: mode client 10.0.0.1 1024 maintain")
    assert [r[0] for r in results[2:6]] == [AUTH_FAILED] * 4
    assert results[6][0] == VALID


def test_allow_takes_up_to_8_numbers_alone_lists_them_and_any_restores_everyone(firmware_python: Interpreter) -> None:
    eight = " ".join(f"+4477009000{k:02d}" for k in range(1, 9))
    results = evaluate(firmware_python, ["smscheck"], [
        "smscheck.run('connect allow')",
        "smscheck.run('connect Allow 07700900001')",
        f"smscheck.run('connect allow {eight}')",
        f"smscheck.run('connect allow {eight} 07700900009')",
        "smscheck.run('connect allow ANY')",
        "smscheck.run('connect allow any 07700900001')",
        "smscheck.run('connect allow 12')",
    ])
    assert results[0] == (VALID, {}, "Confirmed: allow any")
    assert results[1] == (VALID, {"allowed": "07700900001"}, "Confirmed: allow 07700900001")
    assert results[2] == (VALID, {"allowed": eight}, "Confirmed: allow " + eight)
    assert results[3] == (INVALID, "too many arguments; format: allow [number ...] (at most 8)", None)
    assert results[4] == (VALID, {"allowed": "any"}, "Confirmed: allow any")
    assert results[5] == (INVALID, "too many arguments; format: allow any", None)
    assert results[6] == (INVALID, "number must be a phone number: an optional + then 3-14 digits", None)


def test_senders_are_compared_on_their_last_9_digits(firmware_python: Interpreter) -> None:
    listing = "07700900001 +33612345678 112"
    cases = {"+447700900001": 1, "447700900001": 1, "07700900001": 1, "+447700900002": 0, "0033612345678": 1,
             "+33612345678": 1, "112": 1, "+112": 1, "1112": 0, "Vodafone": 0, "": 0, "7700900001": 1}
    got = evaluate(firmware_python, ["smsguard"], [f"smsguard.is_allowed({s!r}, {listing!r})" for s in cases])
    assert got == list(cases.values())
    assert evaluate(firmware_python, ["smsguard"], ["smsguard.is_allowed('Vodafone', 'any')",
                                                    "smsguard.is_allowed('+1', '')"]) == [1, 1]


def test_confirmations_hide_the_gprs_password_and_echo_a_new_sms_password(firmware_python: Interpreter) -> None:
    results = evaluate(firmware_python, ["smscheck"], [
        "smscheck.run('connect gprs orangeinternet user pass')",
        "smscheck.run('connect gprs orangeinternet')",
        "smscheck.run('connect smspassword Connect2')",
    ])
    assert results[0][2] == "Confirmed: gprs orangeinternet user ***"
    assert results[0][1] == {"apn": "orangeinternet", "gprs_user": "user", "gprs_pass": "pass"}
    assert results[1][1] == {"apn": "orangeinternet", "gprs_user": "", "gprs_pass": ""}
    assert results[2][2] == "Confirmed: smspassword connect2"


def test_the_parsers_column_names_fit_every_generated_command_row() -> None:
    """runtime/smscmd.py owns the names of a command row's columns (CMD_*) and of an argument row's (ARG_*);
    every row of generated/fsm_commands.py holds, under each name, what commands.yaml says for it."""
    cmd = int_constants(RUNTIME / "smscmd.py", "CMD_")
    arg = int_constants(RUNTIME / "smscmd.py", "ARG_")
    assert sorted(cmd.values()) == list(range(7)), cmd
    assert sorted(arg.values()) == list(range(9)), arg
    settings = [s.name for s in TABLE.settings]
    rows = assigned(GENERATED / "fsm_commands.py", "COMMANDS")
    assert isinstance(rows, ast.Tuple)
    assert len(rows.elts) == len(TABLE.commands)
    for c, row in zip(TABLE.commands, rows.elts, strict=True):
        assert isinstance(row, ast.Tuple), c.name
        assert len(row.elts) == len(cmd), c.name
        col = {name: row.elts[i] for name, i in cmd.items()}
        assert ast.literal_eval(col["CMD_WORDS"]) == c.words
        assert ast.literal_eval(col["CMD_REQ"]) == c.req, c.name
        assert ast.literal_eval(col["CMD_REPLY"]) == c.reply, c.name
        assert ast.literal_eval(col["CMD_ASSIGN"]) == tuple((settings.index(k), v) for k, v in c.assign), c.name
        during = col["CMD_DURING_CALL"]
        assert isinstance(during, ast.Name), c.name
        assert during.id == "DC_" + c.during_call.upper(), c.name
        action = col["CMD_ACTION"]
        assert (action.attr if isinstance(action, ast.Attribute) else ast.literal_eval(action)) == c.action, c.name
        args = col["CMD_ARGS"]
        assert isinstance(args, ast.Tuple), c.name
        assert len(args.elts) == len(c.fields), c.name
        for f, a in zip(c.fields, args.elts, strict=True):
            assert isinstance(a, ast.Tuple), (c.name, f.name)
            assert len(a.elts) == len(arg), (c.name, f.name)
            kind = a.elts[arg["ARG_TYPE"]]
            assert isinstance(kind, ast.Name), (c.name, f.name)
            got = {n: kind.id if n == "ARG_TYPE" else ast.literal_eval(a.elts[i]) for n, i in arg.items()}
            assert got == {
                "ARG_NAME": f.name, "ARG_TYPE": "A_" + f.type.upper(),
                "ARG_SETTING": settings.index(f.sets) if f.sets else -1, "ARG_VALUES": f.values,
                "ARG_MIN": -1 if f.min is None else f.min, "ARG_MAX": -1 if f.max is None else f.max,
                "ARG_OPTIONAL": int(f.optional), "ARG_SECRET": int(f.secret), "ARG_REPEAT": f.repeat,
            }, (c.name, f.name)


def test_a_parse_result_is_read_by_its_names(firmware_python: Interpreter) -> None:
    """parse's result, read by smsact through smscmd.P_*: the status, the command row (or the error), the changes."""
    parse = "smscmd.parse('connect baud %s', cfgstore.defaults(fsm_commands), fsm_commands)"
    got = evaluate(firmware_python, ["smscmd", "cfgstore", "fsm_commands"], [
        f"{parse % 2400}[smscmd.P_STATUS]",
        f"{parse % 2400}[smscmd.P_COMMAND][smscmd.CMD_WORDS]",
        f"{parse % 2400}[smscmd.P_CHANGES]",
        f"{parse % 2401}[smscmd.P_STATUS]",
        f"{parse % 2401}[smscmd.P_ERROR]",
    ])
    assert got == [VALID, ("baud",), {"baud": "2400"}, INVALID,
                   "baud must be one of 300 1200 2400 4800 9600 19200 38400 57600 115200"]
