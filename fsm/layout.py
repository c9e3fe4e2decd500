"""Where the project's parts live: the one description of the tree, used by the build, the simulator, the
deploy tool, the tests and the benchmarks. A leaf (it imports nothing from the project), so the simulator
can read it without loading the toolchain.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Layout:
    """Where a project's parts live; tests point it at temporary trees."""

    root: Path
    specs: Path
    runtime: Path
    generated: Path
    diagrams: Path
    emulated: Path  # the emulated Telit built-ins, also held to the Python 1.5 subset

    @classmethod
    def of(cls, root: Path) -> Layout:
        return cls(root, root / "fsm" / "specs", root / "runtime", root / "generated", root / "diagrams",
                   root / "host" / "telit")

    @classmethod
    def here(cls) -> Layout:
        """This checkout: the folder that holds the fsm package."""
        return cls.of(Path(__file__).resolve().parents[1])

    @property
    def parts(self) -> tuple[Path, ...]:
        """Every folder the build reads or writes (a copy of these is a project the build runs on)."""
        return self.specs, self.runtime, self.generated, self.diagrams, self.emulated

    @property
    def firmware_dirs(self) -> tuple[Path, Path]:
        """The firmware's modules, in import-path order (the hand-written ones first)."""
        return self.runtime, self.generated

    @property
    def probe(self) -> Path:
        """The module probe (probe/): firmware-side code too, run on a module once (host/README.md)."""
        return self.root / "probe"

    @property
    def main(self) -> Path:
        """The firmware's entry script."""
        return self.runtime / "main.py"
