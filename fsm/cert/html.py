"""Pack -> `diagrams/cert/`: index.html (inline CSS, diagrams referenced relatively), the SVGs, and the PDF.

Numbers the sections, builds the summary rows and sizes each diagram to the page here; the jinja2 template
(`templates/cert.html.j2`, autoescaped: this is HTML, not code) only loops. Output is deterministic apart from
the pack's build-time line. The PDF is WeasyPrint's rendering of the same HTML (A4, a page per diagram).
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from fsm.cert.evidence import FAILING
from fsm.cert.evidence import OUTCOMES
from fsm.cert.evidence import CertEnvironmentError
from fsm.cert.sections import Pack
from fsm.emit.output import banner
from fsm.emit.output import write_if_changed
from fsm.emit.render import dot_bytes
from fsm.pipeline import BUILD_RULES
from fsm.py15.check import SUBSET_RULES
from fsm.rules import rule_ids
from fsm.rules.modnames import FILE_NAME_RULES

TEMPLATES = Path(__file__).parent / "templates"
FIGURE_MM = (190.0, 232.0)  # width, height a diagram may take on its A4 page (10 mm margins, headings above)
PT_MM = 25.4 / 72
SVG_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')


def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True, autoescape=True)


def figure_width_mm(svg: str) -> float:
    """The width that shows the whole drawing within FIGURE_MM, keeping its proportions (page-wide if it can)."""
    found = SVG_SIZE.search(svg)
    if found is None:
        return FIGURE_MM[0]
    w, h = float(found.group(1)) * PT_MM, float(found.group(2)) * PT_MM
    return round(min(FIGURE_MM[0], FIGURE_MM[1] * w / h), 1)


def toc(pack: Pack) -> list[tuple[str, str, str, list[tuple[str, str, str]]]]:
    """(number, anchor, title, subsections) in document order."""
    parts: list[tuple[str, str, list[tuple[str, str]]]] = [("summary", "Summary", [])]
    if pack.system is not None:
        parts.append(("system", "System: the machines and the events between them", [
            ("system-diagram", "Diagram"), ("system-sends", "Events one machine raises in another"),
            ("system-rules", "Validation report")]))
    for m in pack.machines:
        parts.append((f"m-{m.name}", f"Machine {m.name}", [(f"m-{m.name}-diagram", "Diagram"),
                      (f"m-{m.name}-table", "Transition table"), (f"m-{m.name}-rules", "Validation report")]))
    if pack.commands is not None:
        parts.append(("commands", "SMS command table", [("commands-table", "Commands"),
                      ("commands-settings", "Settings"), ("commands-rules", "Validation report")]))
    parts += [("trace", "Requirement trace matrix", [("trace-matrix", "Requirement \u2192 spec element \u2192 test"),
                                                     ("trace-rules", "Validation report of the requirements")]),
              ("tests", "Test results", [("tests-summary", "Outcomes"), ("tests-failing", "Failing tests"),
                                         ("tests-conformance", "Conformance tests"),
                                         ("tests-properties", "Properties tested")]),
              ("paths", "Path coverage of the model-based tests", []),
              ("e2e", "End-to-end transition coverage", []),
              ("subset", "Python 1.5 subset and file names", [("subset-rules", "Rules"), ("subset-files", "Files")]),
              ("hashes", "SHA-256 of the specs, generated files and firmware", []),
              ("tools", "Tools and versions", [])]
    return [(str(i), anchor, title, [(f"{i}.{j}", a, t) for j, (a, t) in enumerate(subs, 1)])
            for i, (anchor, title, subs) in enumerate(parts, 1)]


def _verdict(bad: bool, ok_text: str, bad_text: str) -> tuple[str, str]:
    return (bad_text, "bad") if bad else (ok_text, "ok")


def summary(pack: Pack) -> list[tuple[str, str, str]]:
    """(item, status text, ok | bad | na) for the summary table."""
    spec = pack.findings_in(rule_ids())
    drift = pack.findings_in(BUILD_RULES)
    subset = pack.findings_in(SUBSET_RULES, FILE_NAME_RULES)
    rows = [("Spec validation", *_verdict(bool(spec), f"passed ({len(pack.machines)} machines, command table, "
                                         "requirements)", f"{len(spec)} finding(s)")),
            ("Generated files match the specs", *_verdict(bool(drift), "yes (no drift)",
                                                           f"{len(drift)} file(s) drifted")),
            ("Python 1.5 subset and file names",
             *_verdict(bool(subset), f"passed ({len(pack.subset.files) if pack.subset else 0} files)",
                       f"{len(subset)} finding(s)"))]
    n = len(pack.trace)
    rows.append(("Requirements with a passing test", *_verdict(bool(pack.uncovered), f"{n} of {n}",
                 f"{n - len(pack.uncovered)} of {n}: {len(pack.uncovered)} not covered")))
    props = pack.properties
    if props:
        bad = [p for p in props if not p.status.startswith("covered")]
        rows.append(("Properties tested (property-based tests)",
                     *_verdict(bool(bad), f"{len(props)} of {len(props)} hold",
                               f"{len(props) - len(bad)} of {len(props)} with a passing test")))
    res = pack.results
    counts = ", ".join(f"{res.count(o)} {o}" for o in OUTCOMES if res.count(o))
    failing = sum(res.count(o) for o in FAILING)
    rows.append(("Test suite", *_verdict(failing > 0, counts or "no tests", counts)))
    conf = pack.conformance
    conf_bad = sum(1 for _, o in conf if o in FAILING)
    conf_text = ", ".join(f"{sum(1 for _, x in conf if x == o)} {o}" for o in OUTCOMES if any(x == o for _, x in conf))
    rows.append(("Conformance tests (tests/conformance/)", *((conf_text, "bad" if conf_bad else "ok") if conf
                 else ("none in the report", "na"))))
    note, cov = pack.paths
    missing = sum(len(m) for _, m in cov)
    rows.append(("Path coverage (fsm/modeltest.py)", *((note, "na") if not cov else
                 _verdict(missing > 0, "complete", f"{missing} item(s) not covered"))))
    e2e = pack.e2e
    if e2e is None or not e2e.source:
        rows.append(("End-to-end transition coverage", "not measured", "na"))
    else:
        taken = sum(s[1] for s in e2e.summary)
        testable = sum(s[2] for s in e2e.summary)
        rows.append(("End-to-end transition coverage", f"{taken} of {testable} testable transitions taken",
                     "ok" if taken >= testable else "bad"))
    return rows


def render_html(pack: Pack, widths: dict[str, float]) -> str:
    outcome_class = {"passed": "ok", "xfailed": "na", "skipped": "na", "not-run": "na"}
    return _env().get_template("cert.html.j2").render(
        banner=banner("html", "fsm/specs/, the test report and the firmware", command="python build.py cert"),
        pack=pack, toc=toc(pack), summary=summary(pack), widths=widths, outcome_class=outcome_class,
        outcomes=OUTCOMES, failing=[t for t in pack.results.tests if t.outcome in FAILING])


def write_html(pack: Pack, out: Path) -> list[Path]:
    """Draw the system diagram and each machine's detailed diagram into `out` and write index.html; return the
    paths. `widths` is keyed by the drawing's file name."""
    drawings = [(m.svg, m.dot) for m in pack.machines]
    if pack.system is not None:
        drawings.insert(0, (pack.system.svg, pack.system.dot))
    written, widths = [], {}
    for name, dot in drawings:
        svg = dot_bytes(dot, "svg", source=name.removesuffix(".svg") + ".dot")
        widths[name] = figure_width_mm(svg.decode("utf-8"))
        write_if_changed(out / name, svg)
        written.append(out / name)
    html = render_html(pack, widths)
    write_if_changed(out / "index.html", html)
    written.insert(0, out / "index.html")
    return written


def write_pdf(html: Path, pdf: Path) -> Path:
    """Render index.html to PDF with WeasyPrint (Pango must be installed: setup.sh does it)."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the Pango libraries are missing
        raise CertEnvironmentError(f"cannot make the PDF: WeasyPrint is not usable ({exc}); run setup.sh, "
                                   "or give --no-pdf") from exc
    weasyprint.HTML(filename=str(html), base_url=str(html.parent)).write_pdf(str(pdf))
    return pdf
