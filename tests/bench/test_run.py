"""`bench/run.py --quick` runs every benchmark and writes a results table for each section (numbers unchecked)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support import ROOT


def test_quick_run_writes_every_section(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    text = (tmp_path / "RESULTS.md").read_text()
    for title in ("1. Data-path overhead", "2. Through the whole stack", "3. Footprint", "4. Build scaling",
                  "5. SMS latency", "6. A class 10 link"):
        assert f"## {title}" in text
    sections = text.split("\n## ")[1:]
    assert len(sections) == 6
    assert all("\n|---|" in s for s in sections), "every section has a table"
    assert (tmp_path / "build_scaling.svg").exists()
    assert "Machine:" in text
