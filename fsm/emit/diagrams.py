"""Machine -> Graphviz DOT text in UML state-diagram notation, with a legend inside the drawing.

Owns the DOT files in `diagrams/` (`<machine>.dot`, `<machine>-detailed.dot`, and `system.dot`: the machines and
the events between them; all drift-checked). Pure text: no Graphviz call here (see `fsm/emit/render.py`), no
timestamps, states in spec order, edges in transition index order, ids taken from names, `\\n` endings. The label
text and the legend come from `fsm/emit/notation.py`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from fsm.emit.notation import TIMEOUT_COLOR
from fsm.emit.notation import WRAP
from fsm.emit.notation import br
from fsm.emit.notation import esc
from fsm.emit.notation import is_timeout_edge
from fsm.emit.notation import label_lines
from fsm.emit.notation import legend_label
from fsm.emit.notation import note
from fsm.emit.notation import quote
from fsm.emit.notation import row
from fsm.emit.notation import trace_lines
from fsm.emit.notation import uml_label
from fsm.emit.notation import wrap
from fsm.emit.output import banner
from fsm.spec.machine_spec import MAIN_LOOP
from fsm.spec.model import Machine
from fsm.spec.model import State
from fsm.spec.model import Transition

FONT = "Helvetica,Arial,sans-serif"
INITIAL_NODE = "(initial)"  # cannot collide with a state: state names are identifiers
JUNCTION_MIN = 3  # one spec entry from this many states to one state is drawn through a junction


def _internal_rows(m: Machine, s: State, detailed: bool) -> list[str]:
    rows = []
    for t in m.transitions_from(s.name):
        if t.dest is not None:
            continue
        text = br(label_lines(t, WRAP - 6))
        if is_timeout_edge(m, t):
            text = f'<FONT COLOR="{TIMEOUT_COLOR}">{text}</FONT>'
        if t.label:
            text += note(f"<I>{esc(t.label)}</I>") + '<BR ALIGN="LEFT"/>'
        if detailed:
            text += note(br(trace_lines([t])))
        rows.append(row(text))
    return rows


def state_label(m: Machine, s: State, *, detailed: bool = False) -> str:
    """The UML state box: name (and label), then `entry/exit/do/after`, then internal transitions."""
    head = f"<B>{esc(s.name)}</B>"
    if detailed:
        head += " " + note(f"#L{s.loc.line}")
    rows = [row(head, "CENTER")]
    if s.label and s.label != s.name:
        rows.append(row(f"<I>{esc(s.label)}</I>", "CENTER"))
    body = []
    if s.on_enter:
        body.append(row(br(wrap(["entry / " + s.on_enter[0], *s.on_enter[1:]]))))
    if s.on_exit:
        body.append(row(br(wrap(["exit / " + s.on_exit[0], *s.on_exit[1:]]))))
    if s.activity:
        body.append(row(br([f"do / {s.activity}"])))
    if s.timeout:
        text = br([f"after {s.timeout.text} / {s.timeout.event}"])
        body.append(row(f'<FONT COLOR="{TIMEOUT_COLOR}">{text}</FONT>'))
    internal = _internal_rows(m, s, detailed)
    ignored = []
    if detailed and s.ignore:
        ignored.append(row(note(br(wrap(["ignore: " + s.ignore[0], *s.ignore[1:]])))))
    out = rows
    for part in (body, internal, ignored):
        if part:
            out = [*out, "<HR/>", *part]
    return '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">' + "".join(out) + "</TABLE>"


def edge_label(m: Machine, ts: Sequence[Transition], *, detailed: bool = False) -> str:
    """The label of one transition, or of a junction (`ts`: one spec entry from several sources)."""
    t = ts[0]
    text = br(label_lines(t))
    if all(is_timeout_edge(m, x) for x in ts):
        text = f'<FONT COLOR="{TIMEOUT_COLOR}">{text}</FONT>'
    if t.label:
        text += note(f"<I>{esc(t.label)}</I>") + '<BR ALIGN="LEFT"/>'
    if detailed:
        text += note(br(trace_lines(ts)))
    return text


def _attrs(pairs: Sequence[tuple[str, str]]) -> str:
    """`[k=v, ...]`; a non-empty label is HTML-like, every other value a quoted string."""
    parts = [f"{k}=<{v}>" if k == "label" and v else f"{k}={quote(v)}" for k, v in pairs]
    return "[" + ", ".join(parts) + "];"


def _tooltip(t: Transition) -> str:
    return f"T{t.index} {t.source} -> {t.dest}: {uml_label(t)}" + (f" ({t.description})" if t.description else "")


def _colour(timeout: bool) -> list[tuple[str, str]]:
    return [("color", TIMEOUT_COLOR)] if timeout else []


def _loop_lines(m: Machine, ts: list[Transition], detailed: bool) -> list[str]:
    """A state's reflexive transitions as one self-loop with one label block each, in spec order.

    dot draws several labelled self-loops of one node on top of each other, so they share one loop.
    """
    blocks = '<BR ALIGN="LEFT"/>'.join(edge_label(m, [t], detailed=detailed) for t in ts)
    # an empty first column keeps the loop's arc off the text of a tall label
    label = ('<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0"><TR><TD WIDTH="8"></TD>'
             f'<TD ALIGN="LEFT" BALIGN="LEFT">{blocks}</TD></TR></TABLE>')
    attrs = [("id", "-".join(f"t{t.index}" for t in ts)), ("label", label),
             *_colour(all(is_timeout_edge(m, t) for t in ts)), ("tooltip", "; ".join(_tooltip(t) for t in ts))]
    return [f"  {quote(ts[0].source)} -> {quote(ts[0].source)} {_attrs(attrs)}"]


def depths(m: Machine) -> dict[str, int]:
    """Breadth-first distance of each state from the initial one over external transitions (layout hint)."""
    depth = {m.initial: 0}
    todo = [m.initial]
    while todo:
        src = todo.pop(0)
        for t in m.transitions_from(src):
            if t.dest is not None and t.dest not in depth:
                depth[t.dest] = depth[src] + 1
                todo.append(t.dest)
    return depth


def _junction_lines(m: Machine, ts: list[Transition], detailed: bool) -> list[str]:
    """One spec entry from several states to one state: UML junction (small dot), labelled once after it.

    When the target lies nearer the initial state than every source (`close` back to `closed`), the edges
    are written target -> junction -> sources with `dir=back`: drawn the same, but dot puts the junction
    beside the target instead of below all the sources with one long edge around the drawing.
    """
    depth = depths(m)
    far = len(depth) + 1
    back = depth.get(ts[0].dest, far) < min(depth.get(t.source, far) for t in ts)
    node, dest = quote(f"(J{ts[0].index})"), quote(ts[0].dest or "")
    out = [f"  {node} "
           f"{_attrs([('id', f'junction_t{ts[0].index}'), ('shape', 'point'), ('width', '0.08'), ('label', '')])}"]
    for t in ts:
        attrs = [("id", f"t{t.index}"), ("arrowhead", "none"), ("arrowtail", "none"),
                 *_colour(is_timeout_edge(m, t)), ("tooltip", _tooltip(t))]
        ends = f"{node} -> {quote(t.source)}" if back else f"{quote(t.source)} -> {node}"
        out.append(f"  {ends} {_attrs(attrs)}")
    attrs = [("id", f"j{ts[0].index}"), ("label", edge_label(m, ts, detailed=detailed)),
             *_colour(all(is_timeout_edge(m, t) for t in ts)), ("tooltip", "; ".join(_tooltip(t) for t in ts))]
    if back:
        attrs.append(("dir", "back"))
    out.append(f"  {dest} -> {node} {_attrs(attrs)}" if back else f"  {node} -> {dest} {_attrs(attrs)}")
    return out


def edge_groups(m: Machine) -> list[list[Transition]]:
    """External transitions grouped as drawn, in order of their first member's index.

    A group is one plain edge, all reflexive transitions of a state (one self-loop), or one spec entry
    with JUNCTION_MIN or more sources leading to the same other state (a junction).
    """
    groups: dict[tuple[str, object], list[Transition]] = {}
    for t in m.transitions:
        if t.dest is None:
            continue
        if t.dest == t.source:
            key: tuple[str, object] = ("loop", t.source)
        else:
            fan = [x for x in m.transitions if x.loc == t.loc and x.dest == t.dest and x.source != x.dest]
            key = ("junction", (t.loc, t.dest)) if len(fan) >= JUNCTION_MIN else ("edge", t.index)
        groups.setdefault(key, []).append(t)
    return sorted(groups.values(), key=lambda g: g[0].index)


def dot_source(m: Machine, *, detailed: bool = False) -> str:
    """Deterministic DOT text for one machine (see the module docstring)."""
    out = [
        banner("dot", m.path, m.sha256),
        f"digraph {quote(m.name + ('-detailed' if detailed else ''))} {{",
        f'  graph [charset="UTF-8", rankdir="TB", fontname={quote(FONT)}, fontsize="11", nodesep="0.3",'
        ' ranksep="0.45", labelloc="b", labeljust="l", pad="0.2"];',
        f'  node [fontname={quote(FONT)}, fontsize="11", shape="box", style="rounded", margin="0.06,0.04"];',
        f'  edge [fontname={quote(FONT)}, fontsize="10", arrowsize="0.7"];',
        "",
        "  // initial pseudo-state and states, in spec order",
        f"  {quote(INITIAL_NODE)} "
        + _attrs([("id", "initial"), ("shape", "point"), ("width", "0.16"), ("label", ""),
                  ("tooltip", f"initial state: {m.initial}")]),
    ]
    for s in m.states:
        attrs = [("id", f"state_{s.name}"), ("label", state_label(m, s, detailed=detailed))]
        if s.final:
            attrs.append(("peripheries", "2"))
        attrs.append(("tooltip", s.description or s.label or s.name))
        out.append(f"  {quote(s.name)} {_attrs(attrs)}")
    out += ["", "  // transitions, in spec order (internal ones are listed inside their state)"]
    if m.initial:
        out.append(f"  {quote(INITIAL_NODE)} -> {quote(m.initial)} {_attrs([('id', 'initial_edge')])}")
    for ts in edge_groups(m):
        t = ts[0]
        if t.dest == t.source:
            out += _loop_lines(m, ts, detailed)
        elif len(ts) > 1:
            out += _junction_lines(m, ts, detailed)
        else:
            attrs = [("id", f"t{t.index}"), ("label", edge_label(m, ts, detailed=detailed)),
                     *_colour(is_timeout_edge(m, t)), ("tooltip", _tooltip(t))]
            out.append(f"  {quote(t.source)} -> {quote(t.dest)} {_attrs(attrs)}")
    out += ["", f"  label=<{legend_label(m, detailed=detailed)}>;", "}", ""]
    return "\n".join(out)


SYSTEM = "system"  # diagrams/system.dot: the machines and the events between them
LEFT = '<BR ALIGN="LEFT"/>'


def _sender_box(name: str) -> str:
    """A sender that is not a machine: the main loop (`loop` in `from:`)."""
    title = "main loop" if name == MAIN_LOOP else name
    return f"<B>{esc(title)}</B><BR/>" + note(esc("not a machine: raises events from outside them"), 10)


def _machine_box(m: Machine) -> str:
    """The machine's name, its description, and its state sets (what another machine may ask)."""
    rows = [row(f"<B>{esc(m.name)}</B>", "CENTER")]
    if m.description:
        rows.append(row(note(br(textwrap.wrap(m.description, 36)), 10)))
    for tag, states in m.state_sets.items():
        rows.append(row(note(br(wrap([f"in {tag}: {states[0]}", *states[1:]], WRAP)), 10)))
    return '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">' + "".join(rows) + "</TABLE>"


def _system_legend(machines: Sequence[Machine]) -> str:
    lines = [
        f'<FONT POINT-SIZE="14"><B>{SYSTEM}</B>: the machines and the events between them</FONT>',
        note(esc("An arrow: the events its tail raises in its head, as the head's spec declares them"), 10),
        note(esc("(`from:` on the event); `build.py check` holds runtime/ to them. A machine's own events"), 10),
        note(esc("are in its own diagram. `in <tag>`: a state set other machines may ask (`tags:`)."), 10),
        *[note(esc(f"{m.path} (sha256 {m.sha256[:12]})"), 10) for m in machines],
    ]
    return LEFT.join(lines) + LEFT


def system_dot(machines: Sequence[Machine]) -> str:
    """The system diagram: one box per machine (and one for the main loop when it raises events), one arrow per
    sender and receiver, labelled with the events the receiver declares `from:` that sender, in spec order."""
    names = [m.name for m in machines]
    arrows: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for m in machines:
        for e in m.events:
            for sender in e.senders:
                arrows.setdefault((sender, m.name), []).append((e.name, e.description))
    out = [
        banner("dot", "the events' `from:` in " + ", ".join(m.path for m in machines), checked=True),
        f"digraph {quote(SYSTEM)} {{",
        f'  graph [charset="UTF-8", rankdir="TB", fontname={quote(FONT)}, fontsize="11", nodesep="0.6",'
        ' ranksep="0.8", labelloc="b", labeljust="l", pad="0.2"];',
        f'  node [fontname={quote(FONT)}, fontsize="11", shape="box", style="rounded", margin="0.1,0.06"];',
        f'  edge [fontname={quote(FONT)}, fontsize="10", arrowsize="0.7"];',
        "",
        "  // senders that are not machines (the main loop), then the machines in spec order",
    ]
    for s in sorted({s for s, _ in arrows} - set(names)):
        attrs = [("id", f"sender_{s}"), ("label", _sender_box(s)), ("style", "dashed"),
                 ("tooltip", "the main loop" if s == MAIN_LOOP else s)]
        out.append(f"  {quote(s)} {_attrs(attrs)}")
    for m in machines:
        attrs = [("id", f"machine_{m.name}"), ("label", _machine_box(m)), ("tooltip", m.path)]
        out.append(f"  {quote(m.name)} {_attrs(attrs)}")
    out += ["", "  // one arrow per sender and receiver: the events the receiver declares `from:` the sender"]
    for (sender, receiver), events in arrows.items():
        tip = "; ".join(f"{name}: {text}" if text else name for name, text in events)
        attrs = [("id", f"send_{sender}_{receiver}"), ("label", br([name for name, _ in events])),
                 ("tooltip", f"{sender} to {receiver}: {tip}")]
        out.append(f"  {quote(sender)} -> {quote(receiver)} {_attrs(attrs)}")
    out += ["", f"  label=<{_system_legend(machines)}>;", "}", ""]
    return "\n".join(out)


def expected_dot_files(machines: Sequence[Machine]) -> dict[str, str]:
    """File name in `diagrams/` -> DOT text: every machine, both variants, and the system diagram."""
    out: dict[str, str] = {}
    for m in machines:
        out[f"{m.name}.dot"] = dot_source(m)
        out[f"{m.name}-detailed.dot"] = dot_source(m, detailed=True)
    if machines:
        if f"{SYSTEM}.dot" in out:
            raise ValueError(f"a machine named '{SYSTEM}' would overwrite the system diagram")
        out[f"{SYSTEM}.dot"] = system_dot(machines)
    return out
