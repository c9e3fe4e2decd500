"""Results as Markdown: sections of tables with their goals, the machine, the interpreters, how to reproduce."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from fsm.interpreters import Interpreter


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append([_cell(c) for c in cells])

    def markdown(self) -> str:
        lines = ["| " + " | ".join(self.headers) + " |", "|" + "---|" * len(self.headers)]
        lines += ["| " + " | ".join(r) + " |" for r in self.rows]
        return "\n".join(lines)


@dataclass
class Section:
    title: str
    intro: str
    tables: list[tuple[str, Table]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)  # goals missed, said plainly
    images: list[str] = field(default_factory=list)  # file names beside RESULTS.md

    def markdown(self) -> str:
        parts = [f"## {self.title}", "", self.intro, ""]
        for caption, table in self.tables:
            if caption:
                parts += [f"**{caption}**", ""]
            parts += [table.markdown(), ""]
        for image in self.images:
            parts += [f"![{image}]({image})", ""]
        if self.missed:
            parts += ["**Goals missed:**", ""] + [f"- {m}" for m in self.missed] + [""]
        parts += [f"- {n}" for n in self.notes]
        return "\n".join(parts).rstrip() + "\n"


def _cell(value: object) -> str:
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:.0f}"
        if abs(value) >= 1:
            return f"{value:.2f}"
        return f"{value:.3g}"
    return str(value)


def verdict(ok: bool) -> str:
    return "met" if ok else "**MISSED**"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def socat_version() -> str:
    try:
        out = subprocess.run(["socat", "-V"], capture_output=True, text=True, timeout=10).stdout
    except OSError:
        return "not installed"
    for line in out.splitlines():
        if "socat version" in line:
            return line.split("version", 1)[1].split(" on ")[0].strip()
    return "unknown"


def header(pythons: list[Interpreter], quick: bool, elapsed_s: float) -> str:
    interps = ", ".join(f"{p.id} = {p.version} (`{p.path}`)" for p in pythons)
    run = "`--quick` (reduced sizes: for the test, not for reading)" if quick else "full"
    return "\n".join([
        "# Benchmarks",
        "",
        "Produced by `python bench/run.py`; do not edit by hand.",
        "",
        f"- Date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}; run: {run}; took "
        f"{elapsed_s:.0f} s",
        f"- Machine: {cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        f"- PC Python {platform.python_version()}; firmware interpreters: {interps}; socat {socat_version()}",
        "- Reproduce: `.venv/bin/python bench/run.py` (about 35 minutes on 2 cores; `--quick` under 2 minutes,"
        " `--out DIR` to write elsewhere, `--only NAME` for one section). The firmware interpreters are "
        "`fsm.interpreters.firmware_pythons()` (`FIRMWARE_PYTHONS` overrides).",
        "",
    ])
