"""The UML notation as text: label lines, guards, traceability notes, escaping, and the legend explaining them.

Shared by the DOT writer (`fsm/emit/diagrams.py`) and the Markdown tables (`fsm/emit/tables.py`), so a transition reads
the same in the drawing, the table and the traces. Pure text; HTML-like label pieces are escaped (& < > ").
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence

from fsm.spec.model import Machine
from fsm.spec.model import Transition

TIMEOUT_COLOR = "#b35900"  # edges and box lines of timeout events (orange-brown, legible in grey print)
NOTE_COLOR = "#555555"  # requirement ids, spec lines, ignored events, transition labels
WRAP = 44  # characters per label line before it wraps


def esc(text: str) -> str:
    """Escape text for an HTML-like label (and fold line breaks, which HTML labels ignore anyway)."""
    text = " ".join(str(text).split())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def quote(text: str) -> str:
    """A DOT double-quoted string (ids, attribute values)."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def wrap(parts: Sequence[str], width: int = WRAP, sep: str = ", ") -> list[str]:
    """Join parts with sep, starting a new line before a part that would pass `width` characters."""
    lines: list[str] = []
    cur = ""
    for i, part in enumerate(parts):
        piece = part + (sep.rstrip() if i < len(parts) - 1 else "")
        if cur and len(cur) + 1 + len(piece) > width:
            lines.append(cur)
            cur = "    " + piece
        else:
            cur = f"{cur} {piece}" if cur else piece
    if cur:
        lines.append(cur)
    return lines


def guard_text(t: Transition) -> str:
    """`[a && !b]`, `[else if a]` for a fallback, `[else]` for a fallback without guards, or ''."""
    guards = " && ".join(t.guards)
    if t.fallback:
        return f"[else if {guards}]" if guards else "[else]"
    return f"[{guards}]" if guards else ""


def label_lines(t: Transition, width: int = WRAP) -> list[str]:
    """The UML label `event [guard] / action, action` as plain-text lines of about `width` characters.

    Prepare actions run before the guards are evaluated, so they are not part of the UML label; the
    transition table lists them.
    """
    lines = [t.trigger]
    guard = guard_text(t)
    if guard:
        if len(lines[-1]) + 1 + len(guard) <= width:
            lines[-1] += " " + guard
        else:
            lines.append(guard)
    actions = t.before + t.after
    if actions:
        acts = wrap(["/ " + actions[0], *actions[1:]], width)
        if len(lines[-1]) + 1 + len(acts[0]) <= width:
            lines[-1] += " " + acts.pop(0)
        lines += acts
    return lines


def uml_label(t: Transition) -> str:
    """The UML label on one line, as in tooltips: `event [else if guard] / a, b`."""
    return " ".join(line.strip() for line in label_lines(t, width=10**9))


def index_text(ts: Sequence[Transition]) -> str:
    """`T3`, or `T12-T15` for consecutive numbers (one spec entry with several sources), else `T1, T4`."""
    idx = [t.index for t in ts]
    if len(idx) > 2 and idx == list(range(idx[0], idx[-1] + 1)):
        return f"T{idx[0]}-T{idx[-1]}"
    return ", ".join(f"T{i}" for i in idx)


def trace_lines(ts: Sequence[Transition], width: int = 32) -> list[str]:
    """`T3 #L41` then `{REQ-1, REQ-2}` (wrapped): transition number(s), spec line, requirement ids."""
    reqs = list(ts[0].req) if ts[0].req else ["untraced"]
    reqs[0] = "{" + reqs[0]
    reqs[-1] += "}"
    return [f"{index_text(ts)} #L{ts[0].loc.line}", *wrap(reqs, width)]


def br(lines: Iterable[str], align: str = "LEFT") -> str:
    """Escaped lines, each ended by a line break; leading spaces (a wrapped line's indent) are kept."""
    out = []
    for line in lines:
        text = line.lstrip(" ")
        out.append("&#160;" * (len(line) - len(text)) + esc(text) + f'<BR ALIGN="{align}"/>')
    return "".join(out)


def note(text: str, size: int = 9) -> str:
    return f'<FONT POINT-SIZE="{size}" COLOR="{NOTE_COLOR}">{text}</FONT>'


def row(content: str, align: str = "LEFT") -> str:
    return f'<TR><TD ALIGN="{align}" BALIGN="LEFT">{content}</TD></TR>'


def is_timeout_edge(m: Machine, t: Transition) -> bool:
    """Whether the transition is taken on the event its source state's timeout raises."""
    s = m.state(t.source)
    return bool(s and s.timeout and s.timeout.event == t.trigger)


def _legend_rows(detailed: bool) -> list[tuple[str, str]]:
    """(symbol, meaning) rows; a row with an empty meaning is a section heading."""
    final_state = (
        '<TABLE BORDER="1" STYLE="rounded" CELLBORDER="0" CELLPADDING="1" CELLSPACING="2">'
        '<TR><TD BORDER="1" STYLE="rounded">state</TD></TR></TABLE>'
    )
    timeout = f'<FONT COLOR="{TIMEOUT_COLOR}">'
    rows = [
        ("Arrows", ""),
        ("● ──▶ state", "initial state"),
        (final_state, "final state (double border): the machine stays there"),
        (esc("event [guard && !other] / a, b"),
         "transition: on <I>event</I>, when <I>guard</I> holds and <I>other</I> does not,"
         '<BR ALIGN="LEFT"/>run the actions <I>a</I> then <I>b</I> and change state'),
        (esc("event [else if guard]"), "fallback: tried only when the earlier transitions of that event are not taken"),
        ("↻ self-loop", "reflexive transition: the state is left and entered again (exit and entry run);"
         '<BR ALIGN="LEFT"/>several of one state share one loop, one label each, tried in that order'),
        ("──•──▶", "junction: one transition of the spec, from each state with a line into the dot"),
        (timeout + "──▶ e</FONT>", "transition taken on the timeout event of its source state"),
        ("In a state box", ""),
        ("<B>name</B>", "the state (its label in italics below)"),
        ("entry / a", "actions run on entering the state"),
        ("exit / a", "actions run on leaving the state"),
        ("do / f", "activity run while the machine is in the state"),
        (timeout + esc("after N s / e") + "</FONT>",
         "timeout: N seconds after entering (a number or a setting), the state raises <I>e</I>"),
        (esc("event [guard] / a"), "internal transition (below a second line): actions only, no exit or entry"),
    ]
    if detailed:
        rows += [
            (note("ignore: e1, e2"), "events the state ignores (neither handled nor an error)"),
            ("Traceability", ""),
            (note('T3 #L41<BR ALIGN="LEFT"/>{REQ-1, REQ-2}'),
             "transition number (# in the transition table), its line in the spec, its requirement ids"),
        ]
    return rows


def legend_label(m: Machine, *, detailed: bool = False) -> str:
    """The graph label: a title block and a two-column table explaining the notation."""
    variant = "detailed diagram" if detailed else "diagram"
    title = f"<B>{esc(m.name)}</B> state machine {variant}"
    sub = f"from {esc(m.path)} (sha256 {m.sha256[:12]})"
    if m.description:
        sub = esc(m.description) + '<BR ALIGN="LEFT"/>' + sub
    cells = []
    for sym, text in _legend_rows(detailed):
        if not text:
            cells.append(f'<TR><TD COLSPAN="2" ALIGN="LEFT"><I>{sym}</I></TD></TR>')
        else:
            cells.append(f'<TR><TD ALIGN="LEFT" BALIGN="LEFT">{sym}</TD>'
                         f'<TD ALIGN="LEFT" BALIGN="LEFT">{text}</TD></TR>')
    return (
        '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="4">'
        f'<TR><TD ALIGN="LEFT" BALIGN="LEFT"><FONT POINT-SIZE="14">{title}</FONT>'
        f'<BR ALIGN="LEFT"/>{note(sub, 10)}</TD></TR>'
        '<TR><TD ALIGN="LEFT"><TABLE BORDER="1" COLOR="#999999" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">'
        f'<TR><TD COLSPAN="2" ALIGN="LEFT"><FONT POINT-SIZE="12"><B>Legend</B></FONT></TD></TR>{"".join(cells)}'
        "</TABLE></TD></TR></TABLE>"
    )
