"""Every error the tools raise on purpose, and the exit code each one means: the one place exit codes live.

A leaf module: it imports nothing from the project, so `build.py`, the toolchain and the simulator console can
all use it. The class says who is at fault (cog's `CogUsageError`, pip's status codes): the user's command line
or input file (`UsageError`, exit 2), the machine it runs on (`EnvironmentProblem`, exit 3), or nobody: what the
command acted on said no (`Refused`, exit 1, as findings). Findings (invalid specs, drift) are not exceptions:
the checkers return them and the command exits 1. `exit_code` is the one mapping from an exception to an exit
status; `report` prints the one line a command shows for it.
"""

from __future__ import annotations

import sys
from typing import TextIO

__all__ = [
    "EXIT_ENVIRONMENT",
    "EXIT_FINDINGS",
    "EXIT_OK",
    "EXIT_USAGE",
    "EnvironmentProblem",
    "Refused",
    "ToolError",
    "UsageError",
    "exit_code",
    "report",
]

EXIT_OK = 0
EXIT_FINDINGS = 1  # invalid specs, drift, subset findings, a requirement without a passing test
EXIT_USAGE = 2  # a bad option, a missing or unreadable input file
EXIT_ENVIRONMENT = 3  # a missing program or library (Graphviz, WeasyPrint, an interpreter), a tool that failed


class ToolError(Exception):
    """Base of every error the tools raise on purpose; `exit_code` is the status a command exits with."""

    exit_code = EXIT_ENVIRONMENT


class UsageError(ToolError):
    """The command line or an input file named on it is wrong: the user can fix it (exit 2)."""

    exit_code = EXIT_USAGE


class EnvironmentProblem(ToolError):
    """Something the tools need on this machine is missing or failed (exit 3)."""

    exit_code = EXIT_ENVIRONMENT


class Refused(ToolError):
    """What the command acted on said no (a module out of room, answering ERROR, reading a file back
    different): the command ran as asked and failed (exit 1)."""

    exit_code = EXIT_FINDINGS


def exit_code(exc: BaseException) -> int:
    """The exit status for an exception: its class's code, or 3 for one no tool raises on purpose (a bug)."""
    return exc.exit_code if isinstance(exc, ToolError) else EXIT_ENVIRONMENT


def report(prog: str, exc: BaseException, stream: TextIO | None = None) -> int:
    """Print `prog: message` to stderr (or `stream`) and return the exit status for `exc`."""
    print(f"{prog}: {exc}", file=stream if stream is not None else sys.stderr)
    return exit_code(exc)
