"""Differential runs: the same paths through the `transitions` host model and through the generated tables
under runtime/engine.py in a firmware interpreter process, compared line by line.

A `Firmware` is one long-lived runner process (tests/runtime/firmware/tablerun.py) fed whole batches of
paths over its stdin; a `Suite` is one spec folder with its recording firmware, its host models and the
positive values its timeouts and variables read. A divergence is shrunk to the shortest diverging prefix.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from transitions import MachineError

from fsm.hostmodel import HostModel
from fsm.interpreters import Interpreter
from fsm.modeltest import ARMED
from fsm.modeltest import WAITED
from fsm.modeltest import EventPath
from fsm.modeltest import Step
from fsm.pipeline import load_specs
from fsm.spec.loader import Loaded
from fsm.spec.model import Machine
from tests.conformance.mutants import Mutant
from tests.conformance.mutants import mutants
from tests.conformance.recgen import write_firmware
from tests.support import FIRMWARE_ENCODING
from tests.support import FIXTURE
from tests.support import ROOT
from tests.support import RUNTIME
from tests.support import SPECS
from tests.support import TABLE_RUNNER
from tests.support import launch_firmware

SPEC_SETS = {  # name -> (spec folder, runtime folder the validator checks callback names against)
    "specs": (SPECS, RUNTIME),
    "fixture": (FIXTURE / "specs", FIXTURE / "runtime"),
}


def load_set(name: str) -> Loaded:
    spec_dir, runtime_dir = SPEC_SETS[name]
    return load_specs(spec_dir, runtime_dir, ROOT)


def values_for(m: Machine) -> dict[str, int]:
    """A distinct positive value for every setting a timeout reads and every machine variable."""
    keys = {s.timeout.key for s in m.states if s.timeout is not None and s.timeout.key is not None}
    keys |= {v.name for v in m.variables}
    return {k: 5 + 4 * i for i, k in enumerate(sorted(keys))}


class Firmware:
    """One runner process under one interpreter, with `gen_dir` (tables and rec) and runtime/ on its path."""

    def __init__(self, python: Interpreter, gen_dir: Path) -> None:
        self.python = python
        self._copies = tempfile.TemporaryDirectory(prefix="tablerun-")  # a 1.5.2 writes its .pyc files here
        launch = launch_firmware(python, TABLE_RUNNER, [gen_dir, RUNTIME], Path(self._copies.name))
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(launch.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                                     env=launch.env, encoding=FIRMWARE_ENCODING, bufsize=1, cwd=self._copies.name)
        self._write_error: BaseException | None = None

    def _write(self, data: str) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except OSError as err:  # the runner died: reported by the reader with its stderr
            self._write_error = err

    def run(self, scripts: list[list[str]]) -> list[list[str]]:
        """Runs each script (ending with `end`) and returns each one's output lines."""
        assert self.proc.stdout is not None
        writer = threading.Thread(target=self._write, args=("".join(ln + "\n" for s in scripts for ln in s),))
        writer.start()
        outs: list[list[str]] = []
        current: list[str] = []
        try:
            while len(outs) < len(scripts):
                line = self.proc.stdout.readline()
                if not line:
                    self._stderr.seek(0)
                    err = self._stderr.read().decode(errors="replace")
                    why = f" (writing its input: {self._write_error})" if self._write_error else ""
                    raise RuntimeError(f"the conformance runner died under {self.python.id}{why}:\n{err}")
                line = line.rstrip("\n")
                if line == "end":
                    outs.append(current)
                    current = []
                else:
                    current.append(line)
        finally:
            writer.join()
        return outs

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._stderr.close()
        self._copies.cleanup()


@dataclass
class Divergence:
    machine: Machine
    python: str
    module: str
    path: EventPath  # the shortest prefix that diverges
    host: list[str]
    engine: list[str]

    @property
    def first(self) -> int:
        for i, (a, b) in enumerate(zip(self.host, self.engine, strict=False)):
            if a != b:
                return i
        return min(len(self.host), len(self.engine))

    def spec_lines(self) -> list[str]:
        """The transitions of the last step's cell and every transition the two traces name in that step."""
        m = self.machine
        idx: set[int] = set()
        if self.path.steps:
            last = self.path.steps[-1]
            idx |= {t.index for t in m.transitions_from(last.source, last.event)}
        for trace in (self.host, self.engine):
            tail = trace[_last_state(trace[:-1]):]
            idx |= {int(ln.split()[1]) for ln in tail if ln.startswith("transition ") and ln.split()[1].isdigit()}
        out = []
        for i in sorted(idx):
            if 0 <= i < len(m.transitions):
                t = m.transitions[i]
                out.append(f"{t.loc}: transition {i}: {t.arrow}")
        return out

    def message(self) -> str:
        i = self.first
        lines = [
            f"{self.machine.name}: the engine ({self.python}, tables {self.module}) and the transitions host "
            f"model differ after {len(self.path.steps)} step(s): start; {self.path.text}",
            f"first difference at trace line {i + 1}: host {_at(self.host, i)!r}, engine {_at(self.engine, i)!r}",
            "spec lines involved:",
            *("  " + s for s in self.spec_lines()),
        ]
        start = _last_state(self.host[:i])
        lines.append(f"host trace | engine trace (from line {start + 1}; the lines before are identical):")
        for j in range(start, max(len(self.host), len(self.engine))):
            mark = ">>" if j == i else "  "
            lines.append(f"{mark} {_at(self.host, j):<32} | {_at(self.engine, j)}")
        return "\n".join(lines)


def _at(lines: list[str], i: int) -> str:
    return lines[i] if i < len(lines) else "(nothing)"


def _last_state(lines: list[str]) -> int:
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].startswith("state "):
            return i
    return 0


class Suite:
    """One spec folder: its machines, their recording firmware in `gen_dir`, host models and values."""

    def __init__(self, name: str, loaded: Loaded, gen_dir: Path) -> None:
        self.name = name
        self.machines = {m.name: m for m in loaded.specs.machines}
        self.gen_dir = write_firmware(loaded.specs.machines, gen_dir)
        self.mutants: dict[str, list[tuple[str, Mutant]]] = {}  # machine -> (module, mutant), written beside
        for m in loaded.specs.machines:
            source = (gen_dir / f"{m.module}.py").read_text()
            self.mutants[m.name] = []
            for k, mu in enumerate(mutants(m, source, values_for(m))):
                module = f"mu_{m.name}_{k}"
                (gen_dir / f"{module}.py").write_text(mu.source)
                self.mutants[m.name].append((module, mu))
        self._hosts: dict[str, _Host] = {}
        self._traces: dict[EventPath, list[str]] = {}

    def script(self, m: Machine, path: EventPath, module: str | None = None) -> list[str]:
        values = values_for(m)
        lines = [f"machine {module or m.module}"] + [f"value {k} {v}" for k, v in values.items()] + ["start"]
        for step in path.steps:
            lines.append(" ".join(["guards"] + [f"{g} {int(v)}" for g, v in step.outcomes]))
            if step.wait:
                lines.append(f"wait {_wait_s(m, step, values)}")
            elif step.timeout:
                lines.append(f"timeout {_left_s(m, step, values)}")
            else:
                lines.append(f"event {step.event}")
        return [*lines, "end"]

    def host_trace(self, m: Machine, path: EventPath) -> list[str]:
        if path not in self._traces:
            if m.name not in self._hosts:
                self._hosts[m.name] = _Host(m)
            self._traces[path] = self._hosts[m.name].run(path)
        return self._traces[path]

    def divergences(self, fw: Firmware, m: Machine, paths: list[EventPath], module: str | None = None,
                    limit: int = 10) -> list[Divergence]:
        """Runs the paths (one batch); returns a shrunk divergence for each of the first `limit` that diverge."""
        outs = fw.run([self.script(m, p, module) for p in paths])
        found = []
        for p, out in zip(paths, outs, strict=True):
            if out != self.host_trace(m, p) and len(found) < limit:
                found.append(self.shrink(fw, m, p, module))
        return found

    def shrink(self, fw: Firmware, m: Machine, path: EventPath, module: str | None = None) -> Divergence:
        """The shortest prefix of a diverging path that still diverges (all prefixes in one batch)."""
        prefixes = [path.prefix(n) for n in range(len(path.steps) + 1)]
        outs = fw.run([self.script(m, p, module) for p in prefixes])
        for p, out in zip(prefixes, outs, strict=True):
            host = self.host_trace(m, p)
            if out != host:
                return Divergence(m, fw.python.id, module or m.module, p, host, out)
        raise AssertionError(f"{m.name}: '{path.text}' diverged once but none of its prefixes does now")


def _left_s(m: Machine, step: Step, values: dict[str, int]) -> int:
    """Seconds from the step's start to the source state's deadline (1 once a wait ran the clock near it)."""
    if step.phase == WAITED:
        return 1
    s = m.state(step.source)
    assert s is not None, f"no state '{step.source}'"
    assert s.timeout is not None, f"no timeout in '{step.source}'"
    if s.timeout.key is not None:
        return values[s.timeout.key]
    return s.timeout.seconds or 0


def _wait_s(m: Machine, step: Step, values: dict[str, int]) -> int:
    return _left_s(m, step, values) - 1 if step.phase == ARMED else 1


class _Host:
    """A host model reused across paths: reset to the initial state, guards answered from the step."""

    def __init__(self, m: Machine) -> None:
        self.m = m
        self.answers: dict[str, bool] = {}
        self.values = values_for(m)
        self.model = HostModel(m, guard=lambda name, arg: self.answers.get(name, False))

    def run(self, path: EventPath) -> list[str]:
        self.model.machine.set_state(self.m.initial, model=self.model.model)
        self.model.trace.clear()
        out = [f"state {self.model.state}"]
        for step in path.steps:
            self.answers = step.guards
            try:
                if step.wait:  # nothing fires (runner: `waited n`)
                    self.model.trace.append(f"waited {_wait_s(self.m, step, self.values)}")
                elif step.timeout:  # the engine must not fire one second early (runner: `waited n-1`)
                    self.model.trace.append(f"waited {_left_s(self.m, step, self.values) - 1}")
                    self.model.fire_timeout()
                else:
                    self.model.fire(step.event)
            except MachineError:  # neither handled nor ignored (the validator makes it impossible)
                self.model.trace += [f"event {step.event}", f"unhandled {step.event}"]
            out += self.model.trace
            out.append(f"state {self.model.state}")
            self.model.trace.clear()
        return out
