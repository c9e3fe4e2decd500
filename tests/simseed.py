"""The seed every simulator of a test session cuts and merges its reads with (host/chunks.py), and the
kindnesses the suites of the product firmware run with: none (as hard as the module) unless overridden.

`pytest --sim-seed N` or `SIM_SEED=N pytest` repeats a run; otherwise a random seed is drawn once per
session. The seed is printed in the session header and with every failing test. `--sim-kindness a,b`
makes every firmware suite's simulator that much kinder (to tell whether a failure is one of them).
`--sim-module-speed N` (bytecodes per second, or pessimistic / central / optimistic) makes the e2e gateways
charge the firmware's computing as the module would (host/README.md "Module speed"); tests that name their
own speed keep it.
"""

from __future__ import annotations

import os
import random

from host.kindness import STRICT
from host.kindness import Kindness
from host.speed import parse_speed

ENV = "SIM_SEED"
_seed: int | None = None
_kindness: Kindness = STRICT  # --sim-kindness
_module_speed: int | None = None  # --sim-module-speed


def configure(option: int | None) -> int:
    """Fixes the session's seed: the option, else $SIM_SEED, else a random one."""
    global _seed
    if option is not None:
        _seed = option
    elif os.environ.get(ENV, "").strip():
        _seed = int(os.environ[ENV])
    else:
        _seed = random.randrange(1 << 31)
    return _seed


def sim_seed() -> int:
    """The session's seed (drawn at random when no session configured one, e.g. outside pytest)."""
    return _seed if _seed is not None else configure(None)


def how_to_repeat() -> str:
    return f"simulator seed {sim_seed()}: repeat with --sim-seed {sim_seed()} (or {ENV}={sim_seed()})"


def configure_kindness(option: str | None) -> None:
    """--sim-kindness: 'none' or names separated by commas (ValueError naming the allowed ones)."""
    global _kindness
    if option is not None:
        names = [] if option.strip() == "none" else [n.strip() for n in option.split(",") if n.strip()]
        _kindness = Kindness.of(names)


def kindness() -> Kindness:
    """What the suites of the product firmware run with: none (STRICT) unless --sim-kindness says."""
    return _kindness


def configure_module_speed(option: str | None) -> None:
    """--sim-module-speed: bytecodes per second or a preset name (ValueError otherwise); None: free computing."""
    global _module_speed
    _module_speed = parse_speed(option) if option is not None else None


def module_speed() -> int | None:
    """The module speed of the session's e2e gateways (None: the firmware's computing is free)."""
    return _module_speed
