#!/usr/bin/env python3
"""`python bench/run.py [--quick] [--out DIR] [--only NAME]`: runs every benchmark on this machine and writes
RESULTS.md (and the build-scaling plot) into DIR, by default bench/.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from collections.abc import Callable
from pathlib import Path

from fsm.layout import Layout  # installed with the project (setup.sh); it says where the rest of the tree is

ROOT = Layout.here().root
if str(ROOT) not in sys.path:  # run as `python bench/run.py`: the bench package is not installed
    sys.path.insert(0, str(ROOT))

from bench import buildscale  # noqa: E402
from bench import class10  # noqa: E402
from bench import datapath  # noqa: E402
from bench import footprint  # noqa: E402
from bench import serialrate  # noqa: E402
from bench import smslat  # noqa: E402
from bench import stack  # noqa: E402
from bench import update  # noqa: E402
from bench.report import Section  # noqa: E402
from bench.report import header  # noqa: E402
from fsm.interpreters import Interpreter  # noqa: E402
from fsm.interpreters import firmware_pythons  # noqa: E402

SECTIONS = ("datapath", "stack", "footprint", "build", "sms", "class10", "serialrate", "update")


def _plan(pythons: list[Interpreter], quick: bool, out: Path) -> dict[str, Callable[[], Section]]:
    by_id = {p.id: p for p in pythons}
    py3 = by_id.get("py3", pythons[0])
    py27 = by_id.get("py27")
    return {
        "datapath": lambda: datapath.run([p for p in pythons if p.id in ("py3", "py27")] or pythons[:1], quick),
        "stack": lambda: stack.run(py3, quick),
        "footprint": lambda: footprint.run(py27, quick),
        "build": lambda: buildscale.run(quick, out),
        "sms": lambda: smslat.run(py3, quick),
        "class10": lambda: class10.run([p for p in pythons if p.id in ("py3", "py27")] or pythons[:1], quick),
        "serialrate": lambda: serialrate.run(py3, quick),
        "update": lambda: update.run(([py3] if quick else [p for p in pythons if p.id in ("py3", "py27")])
                                     or pythons[:1], quick),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="small sizes, under 2 minutes (the test's mode)")
    p.add_argument("--out", type=Path, default=ROOT / "bench", help="where RESULTS.md goes (default bench/)")
    p.add_argument("--only", choices=SECTIONS, action="append", help="run only this section (repeatable)")
    p.add_argument("--splice", action="store_true",
                   help="with --only: put the sections run in place of theirs in RESULTS.md, keep the others")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    pythons = firmware_pythons()
    plan = _plan(pythons, args.quick, args.out)
    parts = []
    for name in args.only or SECTIONS:
        t = time.monotonic()
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        section = plan[name]()
        print(f"bench: {name} took {time.monotonic() - t:.0f} s", file=sys.stderr, flush=True)
        parts.append(section.markdown())
    text = header(pythons, args.quick, time.monotonic() - started) + "\n" + "\n".join(parts)
    if args.splice and args.only and (args.out / "RESULTS.md").is_file():
        text = splice((args.out / "RESULTS.md").read_text(), parts, args.only, time.monotonic() - started)
    (args.out / "RESULTS.md").write_text(text)
    print(f"wrote {args.out / 'RESULTS.md'}")
    return 0


def splice(old: str, parts: list[str], names: list[str], elapsed_s: float) -> str:
    """`old` with each of `parts` in place of the section of the same number (or added, in number order), and a
    header line saying which sections were re-run on their own, when."""
    head, *sections = old.split("\n## ")
    by_number = {s.split(".", 1)[0]: "## " + s.rstrip("\n") + "\n" for s in sections}
    for part in parts:
        by_number[part[3:].split(".", 1)[0]] = part
    when = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    note = (f"- Re-run on their own and put in place (`bench/run.py --splice --only {' --only '.join(names)}`): "
            f"{', '.join(names)}, {when}, {elapsed_s:.0f} s; the other sections are from the runs above.")
    head = head.rstrip("\n").replace("\n- Machine:", "\n" + note + "\n- Machine:", 1)
    return head + "\n\n" + "\n".join(by_number[k] for k in sorted(by_number, key=int))


if __name__ == "__main__":
    sys.exit(main())
