"""The error tree: every error the tools raise on purpose (the toolchain, the simulator console, the deploy tool)
derives from ToolError and maps to its exit code."""

from __future__ import annotations

import io

import pytest

from fsm import errors
from fsm.cert.evidence import CertEnvironmentError
from fsm.cert.evidence import CertInputError
from fsm.emit.render import GraphvizMissing
from fsm.emit.render import RenderError
from host.console import ConsoleError
from host.deploy import DeployError
from host.deploy import NoModule


@pytest.mark.parametrize(("cls", "code"), [
    (CertInputError, errors.EXIT_USAGE),
    (CertEnvironmentError, errors.EXIT_ENVIRONMENT),
    (GraphvizMissing, errors.EXIT_ENVIRONMENT),
    (RenderError, errors.EXIT_ENVIRONMENT),
    (errors.Refused, errors.EXIT_FINDINGS),
    (DeployError, errors.EXIT_FINDINGS),  # the module refused something
    (NoModule, errors.EXIT_ENVIRONMENT),  # no module answers, the port cannot be opened
    (ConsoleError, errors.EXIT_USAGE),
])
def test_each_error_class_maps_to_its_exit_code(cls: type[errors.ToolError], code: int) -> None:
    assert issubclass(cls, errors.ToolError)
    assert errors.exit_code(cls("x")) == code


def test_an_unexpected_exception_is_an_environment_failure_and_report_prints_one_line() -> None:
    assert errors.exit_code(KeyError("x")) == errors.EXIT_ENVIRONMENT
    out = io.StringIO()
    assert errors.report("cert", CertInputError("results.json: not a test report"), out) == errors.EXIT_USAGE
    assert out.getvalue() == "cert: results.json: not a test report\n"


def test_errors_is_a_leaf() -> None:
    source = errors.__file__
    with open(source, encoding="utf-8") as f:
        assert "from fsm" not in f.read()
