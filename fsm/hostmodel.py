"""The host model: a real `transitions.Machine` built from a spec, its callbacks bound to recorders.

It is the reference the generated tables are compared with (docs/design/decisions.md §2). Guards answer what the test
says they answer; every callback and lifecycle step is recorded in a trace whose lines match the engine's
trace hook: `event e`, `ignored e`, `no-transition e`, `transition i`, `exit s`, `enter s`,
`guard g`, `action a`, `timeout e`. Timeouts are not timers here: the test raises them with
`fire_timeout()` (the engine measures them with the module's clock).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from transitions import EventData
from transitions import Machine as TMachine

from fsm.spec.model import Machine

GuardOracle = Callable[[str, Any], bool]  # (guard name, event argument) -> outcome


class HostModel:
    def __init__(self, machine: Machine, guard: GuardOracle | None = None,
                 on_action: Callable[[str, Any], None] | None = None) -> None:
        self.spec = machine
        self.trace: list[str] = []
        self._guard = guard or (lambda name, arg: True)
        self._on_action = on_action
        self.model = _Model()
        self.machine = TMachine(
            model=self.model,
            states=[self._state(s.name) for s in machine.states],
            initial=machine.initial,
            auto_transitions=False,
            queued=True,
            send_event=True,
            ignore_invalid_triggers=False,
            prepare_event=[self._on_event],
            finalize_event=[self._on_done],
        )
        for t in machine.transitions:
            self.machine.add_transition(
                t.trigger, t.source, t.dest,  # dest None: internal, as in the spec
                prepare=[self._action(a) for a in t.prepare],
                conditions=[self._guard_cb(g) for g in t.conditions],
                unless=[self._guard_cb(g) for g in t.unless],
                before=[self._mark(f"transition {t.index}")] + [self._action(a) for a in t.before],
                after=[self._action(a) for a in t.after],
            )
        for s in machine.states:
            for e in s.ignore:  # an ignored event: an internal transition without callbacks
                self.machine.add_transition(e, s.name, None)

    def _state(self, name: str) -> dict[str, Any]:
        s = self.spec.state(name)
        assert s is not None
        return {
            "name": name,
            "on_enter": [self._mark(f"enter {name}")] + [self._action(a) for a in s.on_enter],
            "on_exit": [self._mark(f"exit {name}")] + [self._action(a) for a in s.on_exit],
        }

    def _mark(self, line: str) -> Callable[[EventData], None]:
        def record(_: EventData) -> None:
            self.trace.append(line)
        return record

    def _action(self, name: str) -> Callable[[EventData], None]:
        def act(ev: EventData) -> None:
            self.trace.append(f"action {name}")
            if self._on_action is not None:
                self._on_action(name, _arg(ev))
        return act

    def _guard_cb(self, name: str) -> Callable[[EventData], bool]:
        def check(ev: EventData) -> bool:
            self.trace.append(f"guard {name}")
            return bool(self._guard(name, _arg(ev)))
        return check

    def _on_event(self, ev: EventData) -> None:
        name = ev.event.name
        self.trace.append(f"event {name}")
        s = self.spec.state(self.state)
        if s is not None and name in s.ignore:
            self.trace.append(f"ignored {name}")

    def _on_done(self, ev: EventData) -> None:
        s = self.spec.state(ev.state.name)
        if not ev.result and ev.error is None and s is not None and ev.event.name not in s.ignore:
            self.trace.append(f"no-transition {ev.event.name}")

    @property
    def state(self) -> str:
        return str(self.model.state)

    def fire(self, event: str, arg: Any = None) -> None:
        """Raise one event (queued behind any event a callback raises, as the engine does)."""
        self.machine.events[event].trigger(self.model, arg)

    def fire_timeout(self) -> str:
        """Raise the current state's timeout event; returns its name."""
        s = self.spec.state(self.state)
        if s is None or s.timeout is None:
            raise ValueError(f"state '{self.state}' has no timeout")
        self.trace.append(f"timeout {s.timeout.event}")
        self.fire(s.timeout.event)
        return s.timeout.event


class _Model:
    """The object transitions attaches state and trigger methods to (kept apart from HostModel's names)."""

    state: str


def _arg(ev: EventData) -> Any:
    return ev.args[0] if ev.args else None
