"""Property: any event sequence the machine allows (events, timeouts while armed, any guard answers) gives
the same trace in the engine and in the host model. Hypothesis draws the choices, derandomized for CI."""

from __future__ import annotations

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from fsm.modeltest import Graph
from fsm.modeltest import path_from_choices
from tests.conformance.conftest import Case
from tests.conformance.harness import Firmware

_GRAPHS: dict[tuple[str, str], Graph] = {}

CHOICES = st.lists(st.tuples(st.integers(0, 255), st.integers(0, 255)), max_size=30)


@settings(max_examples=100, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(choices=CHOICES)
def test_any_allowed_sequence_gives_the_same_trace(case: Case, firmware: Firmware,
                                                   choices: list[tuple[int, int]]) -> None:
    m = case.machine
    graph = _GRAPHS.setdefault((case.suite.name, m.name), Graph(m))
    path = path_from_choices(m, choices, graph)
    found = case.suite.divergences(firmware, m, [path])
    assert not found, found[0].message()
