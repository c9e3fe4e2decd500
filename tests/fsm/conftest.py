"""Fixtures of tests/fsm: the model-based path tests (test_modeltest.py) use the conformance suite's machines."""

from tests.conformance.conftest import case  # noqa: F401 - fixture: one machine of a spec set and its suite
from tests.conformance.conftest import pool  # noqa: F401 - fixture behind `case`
from tests.conformance.conftest import pytest_generate_tests  # noqa: F401 - parametrizes `machine_ref`
