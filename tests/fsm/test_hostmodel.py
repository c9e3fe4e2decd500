"""The host model is a real transitions.Machine built from a spec, with recorders for guards and actions."""

from __future__ import annotations

import pytest
import transitions

from fsm.hostmodel import HostModel
from fsm.pipeline import load_specs
from tests.support import ROOT

REAL = load_specs(ROOT / "fsm" / "specs", ROOT / "runtime", ROOT)
GATEWAY = next(m for m in REAL.specs.machines if m.name == "gateway")


def _gateway(mode: str, maintain: str = "") -> HostModel:
    values = {"mode": mode, "maintain": maintain}
    oracle = {
        "is_server": lambda: values["mode"] == "server",
        "is_client": lambda: values["mode"] == "client",
        "is_maintain": lambda: values["mode"] == "client" and values["maintain"] == "maintain",
        "has_attempts_left": lambda: True,
        "is_wait_over": lambda: False,
    }
    return HostModel(GATEWAY, guard=lambda name, arg: oracle[name]())


def test_it_is_a_transitions_machine_without_auto_transitions() -> None:
    host = _gateway("none")
    assert isinstance(host.machine, transitions.Machine)
    assert not hasattr(host.model, "to_booting")
    assert host.state == "power_on"


@pytest.mark.parametrize(("mode", "maintain", "expected"), [
    ("server", "", "server"),
    ("client", "maintain", "client_maintain"),
    ("client", "", "client_on_demand"),
    ("none", "", "unconfigured"),
])
def test_gateway_boots_and_selects_the_mode_in_spec_order(mode: str, maintain: str, expected: str) -> None:
    host = _gateway(mode, maintain)
    for event in ("start", "ok", "ok", "ok", "select"):
        host.fire(event)
    assert host.state == expected
    assert "action boot_modem" in host.trace
    assert "action setup_gprs" in host.trace


def test_ignored_events_do_nothing_and_timeouts_are_raised_by_the_test() -> None:
    host = _gateway("none")
    host.fire("start")
    host.fire("failed")
    assert host.state == "boot_backoff"
    host.trace.clear()
    host.fire("select")  # ignored in boot_backoff
    assert host.trace == ["event select", "ignored select"]
    assert host.fire_timeout() == "retry"
    assert host.state == "booting"


def test_unhandled_event_is_an_error_in_the_host_model() -> None:
    host = _gateway("none")
    with pytest.raises(KeyError):
        host.fire("no_such_event")
