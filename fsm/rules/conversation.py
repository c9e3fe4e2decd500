"""The machines' conversation: which machine raises which event in another, as runtime/ does it and as the specs
declare it (`from:` on the receiving machine's event); two rules hold them equal.

A send is a runtime line naming another machine's event constant (`ctx.gw.t.E_NET_LOST`,
`fsm_session.E_RING`); naming the running machine's own (`m.t.E_DONE`) is not one. Who sends it is whoever runs
that line: a machine runs its callbacks (the functions its spec names; the sms machine also the command actions,
through the command row's action column) and every function they call; the main loop (`loop` in `from:`) runs
the firmware's top-level code and what it calls. A line several of them reach is a send of each.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fsm.findings import Loc
from fsm.findings import did_you_mean
from fsm.spec.loader import Loaded
from fsm.spec.machine_spec import MAIN_LOOP
from fsm.spec.model import Machine
from fsm.spec.rulebook import SPEC_RULES
from fsm.spec.runtime_scan import COMMAND_ACTIONS
from fsm.spec.runtime_scan import MODULE_BODY
from fsm.spec.runtime_scan import EventRef

__all__ = ["LOOP", "Send", "sends"]

LOOP = MAIN_LOOP  # the sender that runs the firmware's top-level code (and so its main loop)

Found = Iterator[tuple[Loc, str]]


@dataclass(frozen=True)
class Send:
    sender: str  # a machine's name, or LOOP
    target: str  # the receiving machine's name ('' when the line does not say which machine)
    event: str
    ref: EventRef  # the runtime line
    via: tuple[str, ...]  # the call path from the sender's callback (or top-level code) to the line's function


def _runs(loaded: Loaded) -> dict[str, dict[str, tuple[str, ...]]]:
    """Function key -> {sender: the shortest call path from one of its roots}."""
    calls = dict(loaded.runtime.calls)
    keys = {f"{f.module}.{f.name}": f for f in loaded.runtime.functions}
    actions: list[str] = []
    if loaded.specs.commands is not None:
        actions = [k for c in loaded.specs.commands.commands if c.action for k in keys if keys[k].name == c.action]
    roots: dict[str, list[str]] = {}
    for m in loaded.specs.machines:
        names = {name for _, name, _ in m.callbacks()}
        roots[m.name] = sorted(k for k, f in keys.items() if f.name in names)
    roots[LOOP] = sorted(k for k in calls if k.endswith("." + MODULE_BODY))
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for sender, starts in roots.items():
        paths = {k: (k,) for k in starts}
        todo = list(starts)
        while todo:
            key = todo.pop(0)
            for callee in calls.get(key, ()):
                for nxt in actions if callee == COMMAND_ACTIONS else [callee]:
                    if nxt not in paths:
                        paths[nxt] = (*paths[key], nxt)
                        todo.append(nxt)
        for key, path in paths.items():
            out.setdefault(key, {})[sender] = path
    return out


def _target(loaded: Loaded, ref: EventRef) -> str:
    by_module = {m.module: m.name for m in loaded.specs.machines}
    if ref.via == "module":
        return by_module.get(ref.target, "")
    if ref.via == "context":
        return by_module.get(dict(loaded.runtime.machine_attrs).get(ref.target, ""), "")
    return ""


def sends(loaded: Loaded) -> list[Send]:
    """Every send in runtime/, once per sender that runs it; a line that no sender reaches has sender ''."""
    runs = _runs(loaded)
    out = []
    for ref in loaded.runtime.event_refs:
        if ref.via == "self":
            continue
        target = _target(loaded, ref)
        senders = runs.get(ref.function, {}) or {"": ()}
        out += [Send(s, target, ref.event, ref, via) for s, via in sorted(senders.items()) if not s or s != target]
    return out


def _who(sender: str) -> str:
    return "the main loop" if sender == LOOP else f"the {sender} machine"


def _path(send: Send) -> str:
    steps = [k for k in send.via if not k.endswith("." + MODULE_BODY)]
    return f" (through {' -> '.join(steps)})" if len(steps) > 1 else ""


@SPEC_RULES.rule("undeclared-send", "every event one machine (or the main loop) raises in another is declared "
                                    "in the receiving machine's spec: `from:` on the event")
def check_undeclared_send(loaded: Loaded) -> Found:
    machines = {m.name: m for m in loaded.specs.machines}
    for s in sends(loaded):
        at = s.ref.loc
        if not s.target:
            yield at, (f"'{s.ref.text}' names event '{s.event}' of a machine the checker cannot tell: name it through "
                       "the context (ctx.gw, ctx.sess, ...) or its tables module (fsm_<machine>)")
            continue
        m = machines[s.target]
        event = m.event(s.event)
        if event is None:
            yield at, f"'{s.target}' has no event '{s.event}'{did_you_mean(s.event, m.event_names)}"
        elif not s.sender:
            yield at, (f"sends '{s.event}' to '{s.target}' from code that neither a machine's callbacks nor the main "
                       "loop call (as far as the checker sees): call it from where it is declared to be sent")
        elif s.sender not in event.senders:
            yield at, (f"{_who(s.sender)} sends '{s.event}' to '{s.target}' here{_path(s)}, but {m.path} does not "
                       f"declare it: add {s.sender} to the `from:` of event '{s.event}'")


@SPEC_RULES.rule("unused-sender", "every sender an event declares in `from:` raises it somewhere in runtime/")
def check_unused_sender(loaded: Loaded) -> Found:
    found = {(s.sender, s.target, s.event) for s in sends(loaded)}
    names = [m.name for m in loaded.specs.machines]
    for m in loaded.specs.machines:
        for e in m.events:
            for sender, loc in zip(e.senders, e.sender_locs, strict=True):
                if sender == m.name:
                    yield loc, f"'{e.name}' is an event of '{m.name}' itself: `from:` names other machines only"
                elif sender not in names and sender != LOOP:
                    yield loc, (f"'{sender}' in the `from:` of '{e.name}' is not a machine, nor '{LOOP}' (the main "
                                f"loop){did_you_mean(sender, [*names, LOOP])}")
                elif (sender, m.name, e.name) not in found:
                    yield loc, (f"nothing {_who(sender)} runs in runtime/ sends '{e.name}' to '{m.name}'; "
                                f"remove {sender} from its `from:`")


def declared(machines: tuple[Machine, ...]) -> list[tuple[str, str, str, Loc]]:
    """(sender, receiver, event, where declared) of every `from:` entry, receivers and events in spec order."""
    return [(s, m.name, e.name, loc) for m in machines for e in m.events
            for s, loc in zip(e.senders, e.sender_locs, strict=True)]
