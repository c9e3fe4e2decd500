"""`bench/run.py --quick` runs every benchmark and writes a results table for each section (numbers unchecked).
One test per section (`--only`), so that a parallel run spreads them over its workers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

TITLES = {  # bench/run.py SECTIONS -> the heading each writes
    "datapath": "1. Data-path overhead", "stack": "2. Through the whole stack", "footprint": "3. Footprint",
    "build": "4. Build scaling", "sms": "5. SMS latency", "class10": "6. A class 10 link",
    "serialrate": "7. The highest serial rate", "update": "8. A field update",
}


def test_every_section_of_the_bench_is_run_here() -> None:
    sys.path.insert(0, str(ROOT))
    try:
        from bench.run import SECTIONS
    finally:
        sys.path.remove(str(ROOT))
    assert tuple(TITLES) == SECTIONS


@pytest.mark.parametrize("section", list(TITLES))
def test_a_quick_run_of_each_section_writes_its_table(tmp_path: Path, section: str) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--only", section,
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    text = (tmp_path / "RESULTS.md").read_text()
    assert "Machine:" in text
    sections = text.split("\n## ")[1:]
    assert len(sections) == 1, sections
    assert sections[0].startswith(TITLES[section]), sections
    assert "\n|---|" in sections[0], "the section has a table"
    if section == "build":
        assert (tmp_path / "build_scaling.svg").exists()
