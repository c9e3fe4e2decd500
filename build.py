#!/usr/bin/env python3
"""The one command line: `python build.py [build|check|cert|simulate|deploy|bundle|probe|probe-check] ...`.

Exit codes (fsm/errors.py): 0 ok, 1 invalid specs or drift, 2 usage, 3 environment (no `dot`, no interpreter).
Diagnostics go to stderr as `file:line:col: rule: message`; results to stdout.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fsm.errors import EXIT_FINDINGS  # noqa: E402 - after the sys.path line above
from fsm.errors import EXIT_OK  # noqa: E402
from fsm.errors import EXIT_USAGE  # noqa: E402
from fsm.errors import ToolError  # noqa: E402
from fsm.errors import exit_code  # noqa: E402
from fsm.errors import report as report_error  # noqa: E402
from fsm.findings import did_you_mean  # noqa: E402


def _print_findings(findings: list) -> None:
    for f in findings:
        print(f, file=sys.stderr)


def cmd_build(args: argparse.Namespace) -> int:
    """Validate the specs, generate the firmware tables, write and draw the diagrams."""
    from fsm.emit.render import render
    from fsm.pipeline import Layout
    from fsm.pipeline import build

    started = time.monotonic()
    layout = Layout.of(args.root)
    report = build(layout)
    if report.findings:
        _print_findings(report.findings)
        print(f"build: {len(report.findings)} problem(s); nothing was written" if not report.written
              else f"build: {len(report.findings)} problem(s) in the firmware files", file=sys.stderr)
        return EXIT_FINDINGS
    for p in report.written:
        print(f"wrote     {p.relative_to(layout.root)}" if p.exists() else f"removed   {p.relative_to(layout.root)}")
    if args.verbose:
        for p in report.unchanged:
            print(f"unchanged {p.relative_to(layout.root)}")
    rendered = 0
    if args.draw:
        try:
            for dot in sorted(layout.diagrams.glob("*.dot")):
                rendered += len(render(dot))
        except ToolError as exc:  # no Graphviz (GraphvizMissing), or dot failed on a file (RenderError)
            return report_error("build", exc)
    loaded = report.loaded
    assert loaded is not None
    n_tables = 1 if loaded.specs.commands else 0
    print(f"built {len(loaded.specs.machines)} machine(s) and {n_tables} command table(s): "
          f"{len(report.written)} file(s) written, {len(report.unchanged)} unchanged, {rendered} drawing(s) "
          f"rendered in {time.monotonic() - started:.2f} s")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    """Validate, run the Python 1.5 subset checker and the file-name rules, and detect drift; writes nothing."""
    from fsm.pipeline import Layout
    from fsm.pipeline import check

    started = time.monotonic()
    report = check(Layout.of(args.root), with_diff=args.diff)
    for d in report.diffs:
        sys.stdout.write(d)
    if report.findings:
        _print_findings(report.findings)
        print(f"check: {len(report.findings)} problem(s)", file=sys.stderr)
        return EXIT_FINDINGS
    print(f"check: ok in {time.monotonic() - started:.2f} s")
    return EXIT_OK


def cmd_cert(args: argparse.Namespace) -> int:
    """Write the certification pack diagrams/cert/ (index.html and a PDF) from the specs, the tests and the firmware."""
    from fsm.cert.pack import run
    from fsm.pipeline import Layout

    started = time.monotonic()
    layout = Layout.of(args.root)
    try:
        outcome = run(layout, results=args.results, coverage=args.coverage, pdf=args.pdf)
    except ToolError as exc:  # an unreadable --results/--coverage file (2); no Graphviz, WeasyPrint, suite (3)
        return report_error("cert", exc)
    for p in outcome.written:
        print(f"wrote     {p.relative_to(layout.root) if p.is_relative_to(layout.root) else p}")
    pack = outcome.pack
    covered = len(pack.trace) - len(pack.uncovered)
    if pack.findings:
        _print_findings(pack.findings)
        print(f"cert: {len(pack.findings)} problem(s), {covered} of {len(pack.trace)} requirement(s) covered; "
              "the pack shows them", file=sys.stderr)
        return EXIT_FINDINGS
    print(f"cert: {covered} of {len(pack.trace)} requirement(s) covered, {len(pack.results.tests)} test(s), "
          f"{len(pack.hashes)} file(s) hashed in {time.monotonic() - started:.2f} s")
    return EXIT_OK


CERT_EPILOG = """\
test results: without --results, cert runs the whole suite itself:
  .venv/bin/python -m pytest -q -p no:cacheprovider --req-report diagrams/cert/test-results.json
With --results PATH it reads a report written earlier by `pytest --req-report PATH` instead (and copies it
into the pack). Tests declare what they cover with @pytest.mark.req("CMD-BAUD", ...).

end-to-end coverage: JSON {"<machine>": {"<transition index>": <count>}} from --coverage PATH, else
build/e2e-coverage.json when it exists; without either the pack says "not measured".

exit status: 0 pack written, no findings; 1 pack written with findings (invalid spec, drift, subset,
a requirement with no passing test, a failed test); 2 usage or an unreadable --results/--coverage file;
3 environment (no Graphviz, no WeasyPrint/Pango for the PDF, the test suite could not run).
"""


def cmd_simulate(args: argparse.Namespace) -> int:
    """Run the firmware in the simulator with a console on stdin (see host/README.md)."""
    from host.console import main as console_main

    return console_main(args.rest)


def cmd_deploy(args: argparse.Namespace) -> int:
    """Upload the firmware to a Telit module over its serial port (deploy --help lists the options)."""
    from host.deploy import main as deploy_main

    return deploy_main(args.rest)


def cmd_probe(args: argparse.Namespace) -> int:
    """Run the module probe on a Telit module and read its report back (probe --help lists the options)."""
    from host.probe import probe_main

    return probe_main(args.rest)


def cmd_probe_check(args: argparse.Namespace) -> int:
    """Compare a module probe report with the simulator's model of the module (probe-check --help)."""
    from host.probe import check_main

    return check_main(args.rest)

def cmd_bundle(args: argparse.Namespace) -> int:
    """Write the update bundle: the firmware, its manifest, version and keyed checksum (docs/design/update.md)."""
    from fsm import bundle
    from fsm.pipeline import Layout

    layout = Layout.of(args.root)
    key = bundle.read_key_file(args.key_file)
    built = bundle.build(layout, key, args.out)
    shown = built.path.relative_to(layout.root) if built.path.is_relative_to(layout.root) else built.path
    print(f"wrote     {shown}")
    print(f"bundle: version {built.version}, {built.size} bytes, {built.files} files "
          f"(for boot loader {built.boot}, family {bundle.FAMILY})")
    return EXIT_OK


BUNDLE_EPILOG = """\
The key file holds the update key on one line: 8 to 32 lower-case letters and digits, the key the units were given
(SMS `updatekey`). Serve the bundle with any HTTP server (`python -m http.server`) and send the unit
`<password> update http://<host>:<port>/<file>`. Exit status: 0 written; 1 the generated firmware is older
than the sources (run `python build.py`) or a file name does not fit the module; 2 a bad or missing key file.
"""

Command = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, Command] = {
    "build": cmd_build,
    "check": cmd_check,
    "cert": cmd_cert,
    "simulate": cmd_simulate,
    "deploy": cmd_deploy,
    "bundle": cmd_bundle,
    "probe": cmd_probe,
    "probe-check": cmd_probe_check,
}

PASS_THROUGH = ("simulate", "deploy", "probe", "probe-check")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="build.py", description=__doc__.splitlines()[0])
    p.add_argument("--root", type=Path, default=ROOT, help="project root (default: this file's folder)")
    p.add_argument("--traceback", action="store_true", help="show Python's traceback on an internal error")
    sub = p.add_subparsers(dest="command", metavar="{" + ",".join(COMMANDS) + "}")
    b = sub.add_parser("build", help=cmd_build.__doc__, description=cmd_build.__doc__)
    b.add_argument("--draw", action=argparse.BooleanOptionalAction, default=True,
                   help="render the DOT files to SVG and PDF with Graphviz (default: yes)")
    b.add_argument("-v", "--verbose", action="store_true", help="also list unchanged files")
    c = sub.add_parser("check", help=cmd_check.__doc__, description=cmd_check.__doc__)
    c.add_argument("--diff", action="store_true", help="print a unified diff for each drifted file")
    r = sub.add_parser("cert", help=cmd_cert.__doc__, description=cmd_cert.__doc__, epilog=CERT_EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("--results", type=Path, metavar="PATH",
                   help="read this pytest --req-report JSON instead of running the test suite")
    r.add_argument("--coverage", type=Path, metavar="PATH",
                   help="end-to-end transition counts as JSON (default: build/e2e-coverage.json if it exists)")
    r.add_argument("--pdf", action=argparse.BooleanOptionalAction, default=True,
                   help="also write diagrams/cert/certification.pdf with WeasyPrint (default: yes)")
    s = sub.add_parser("simulate", help=cmd_simulate.__doc__, description=cmd_simulate.__doc__, add_help=False)
    s.add_argument("rest", nargs=argparse.REMAINDER, help="simulator options (simulate --help lists them)")
    d = sub.add_parser("deploy", help=cmd_deploy.__doc__, description=cmd_deploy.__doc__, add_help=False)
    d.add_argument("rest", nargs=argparse.REMAINDER, help="deploy options (deploy --help lists them)")
    for name, run in (("probe", cmd_probe), ("probe-check", cmd_probe_check)):
        pr = sub.add_parser(name, help=run.__doc__, description=run.__doc__, add_help=False)
        pr.add_argument("rest", nargs=argparse.REMAINDER, help=f"{name} options ({name} --help lists them)")

    u = sub.add_parser("bundle", help=cmd_bundle.__doc__, description=cmd_bundle.__doc__, epilog=BUNDLE_EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    u.add_argument("--key-file", type=Path, required=True, metavar="FILE", help="the update key, on one line")
    u.add_argument("--out", type=Path, metavar="PATH", help="where to write it (default: build/smsgw-<version>.bin)")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    # `python build.py` alone builds; an unknown first word gets the nearest command suggested.
    first = next((a for a in argv if not a.startswith("-")), None)
    if first is None:
        argv.append("build")
    elif first not in COMMANDS and argv.index(first) == 0:
        hint = did_you_mean(first, COMMANDS)
        print(f"build.py: unknown command '{first}'{hint}; commands: {', '.join(COMMANDS)}", file=sys.stderr)
        return EXIT_USAGE
    if argv[0] in PASS_THROUGH:
        # These subcommands parse their own options (`build.py deploy --help` shows them).
        return COMMANDS[argv[0]](argparse.Namespace(rest=argv[1:], traceback=False))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    try:
        return COMMANDS[args.command](args)
    except ToolError as exc:
        if args.traceback:
            raise
        return report_error(f"build.py {args.command}", exc)
    except Exception as exc:
        if args.traceback:
            raise
        print(f"build.py: internal error: {exc!r} (run with --traceback for details)", file=sys.stderr)
        traceback.print_exc(limit=0)
        return exit_code(exc)


if __name__ == "__main__":
    sys.exit(main())
