"""Markdown transition, state, event, command and setting tables: columns, rows, escaping, rewrites."""

from __future__ import annotations

import dataclasses
import re

from fsm.emit.tables import cell
from fsm.emit.tables import commands_table_md
from fsm.emit.tables import expected_tables
from fsm.emit.tables import field_text
from fsm.emit.tables import machine_table_md
from fsm.pipeline import load_specs
from fsm.spec.model import Field
from fsm.spec.model import SpecSet
from tests.support import ROOT

FIXTURE = ROOT / "tests" / "fsm" / "fixtures" / "good"
LOADED = load_specs(FIXTURE / "specs", FIXTURE / "runtime", ROOT)
SPECS = LOADED.specs
(DOOR,) = SPECS.machines
TABLE = SPECS.commands
assert TABLE is not None

TRANSITION_HEADER = "| # | state | event | guard | actions | next state | req | spec line |"
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def section(md: str, title: str) -> list[str]:
    """The table lines under a `## title` heading."""
    lines = md.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0].splitlines()
    return [line for line in lines if line.startswith("|")]


def cells(row: str) -> list[str]:
    return [c.strip() for c in UNESCAPED_PIPE.split(row)[1:-1]]


def test_transition_table_has_one_row_per_transition_with_the_columns_in_order() -> None:
    rows = section(machine_table_md(DOOR), "Transitions")
    assert rows[0] == TRANSITION_HEADER
    assert rows[1] == "|---:|---|---|---|---|---|---|---|"
    body = rows[2:]
    assert len(body) == len(DOOR.transitions)
    assert [int(cells(r)[0]) for r in body] == [t.index for t in DOOR.transitions]
    assert cells(body[1]) == ["1", "closed", "open_req", "is_allowed && !is_jammed",
                              "prepare: count_attempt; motor_open, log_opened", "opened", "DOOR-2",
                              "tests/fsm/fixtures/good/specs/door.yaml:44"]


def test_internal_reflexive_and_fallback_transitions_read_as_such() -> None:
    body = [cells(r) for r in section(machine_table_md(DOOR), "Transitions")[2:]]
    assert body[2][5] == "(internal)"
    assert body[6][5] == "opened (re-entered)"
    assert body[3][3] == "else if is_jammed"


def test_state_and_event_tables_cover_every_state_and_event() -> None:
    md = machine_table_md(DOOR)
    states = [cells(r) for r in section(md, "States")[2:]]
    assert [s[0] for s in states] == ["off (initial)", "closed", "opened", "closing", "locked", "broken"]
    opened = states[2]
    assert opened[1:6] == ["Open", "motor_stop", "log_leaving", "", "after hold_open_s s raise auto_close"]
    assert states[5][7] == "yes"
    events = [cells(r) for r in section(md, "Events")[2:]]
    assert [e[0] for e in events] == list(DOOR.event_names)
    assert events[6] == ["alarm", "", "closing", "timeout of closing"]


def test_every_row_has_as_many_cells_as_its_header_even_with_pipes_in_the_text() -> None:
    nasty = "open | shut <b> \\ and\nmore"
    states = tuple(dataclasses.replace(s, description=nasty, label=nasty) for s in DOOR.states)
    machine = dataclasses.replace(DOOR, states=states, description=nasty)
    md = machine_table_md(machine)
    for title in ("Transitions", "States", "Events"):
        rows = section(md, title)
        assert all(len(cells(r)) == len(cells(rows[0])) for r in rows)
    assert cells(section(md, "States")[2])[8] == "open \\| shut &lt;b&gt; \\\\ and more"
    assert cell("a|b") == "a\\|b"


def test_commands_table_reads_arguments_as_a_user_would() -> None:
    md = commands_table_md(TABLE)
    rows = section(md, "Commands")
    assert rows[0] == "| command | arguments | settings changed | reply | req | description | spec line |"
    body = [cells(r) for r in rows[2:]]
    assert [b[0] for b in body] == ["hold &lt;seconds&gt;", "code &lt;new_code&gt;"]
    assert body[0][1:5] == ["seconds: 1..3600 s", "hold_open_s", "Confirmed: hold &lt;hold_open_s&gt;", "DOOR-6"]
    assert body[1][1] == "new_code: 1-12 characters of 0-9 a-z (secret)"


def test_field_texts_for_every_argument_type() -> None:
    loc = TABLE.loc
    assert field_text(Field("baud", loc, "enum", values=("300", "9600"))) == "baud: one of 300 9600"
    assert field_text(Field("port", loc, "int", min=1, max=65535)) == "port: 1..65535"
    assert field_text(Field("send", loc, "int", min=0, max=255, unit="100 ms")) == "send: 0..255 x 100 ms"
    assert field_text(Field("ip", loc, "ipv4_or_any", optional=True)) == "[ip: IPv4 address a.b.c.d, or any]"
    assert field_text(Field("dialin", loc, "onoff")) == "dialin: on or off"
    assert field_text(Field("maintain", loc, "keyword", values=("maintain",), optional=True)) == (
        "[maintain: the word 'maintain']")
    assert field_text(Field("apn", loc, "text", min=1, max=63)) == "apn: 1-63 characters, no spaces or quotes"


def test_settings_table_hides_secret_defaults() -> None:
    rows = [cells(r) for r in section(commands_table_md(TABLE), "Settings")[2:]]
    assert rows == [
        ["hold_open_s", "int", "30", "yes", "hold", "how long the door stays open"],
        ["code", "str", "***", "no", "code", ""],
    ]


def test_tables_are_deterministic_and_named_per_machine() -> None:
    again = load_specs(FIXTURE / "specs", FIXTURE / "runtime", ROOT).specs
    assert expected_tables(SPECS) == expected_tables(again)
    files = expected_tables(SPECS)
    assert sorted(files) == ["commands.md", "door.md"]
    assert files["door.md"].startswith("<!-- DO NOT EDIT: generated by `python build.py` from "
                                       "tests/fsm/fixtures/good/specs/door.yaml")
    assert all(text.endswith("\n") and "\r" not in text for text in files.values())


def test_no_command_table_means_no_commands_md() -> None:
    assert sorted(expected_tables(SpecSet(SPECS.machines, None, ()))) == ["door.md"]
