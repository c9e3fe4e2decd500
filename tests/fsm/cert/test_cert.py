"""build.py cert on a copy of the project: the HTML names everything, findings fail, the PDF has pages.

The test results come from small report files written here (or a two-test suite inside the copy), never
from this suite itself, so the pack's own tests never run the whole suite recursively.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

import build
from fsm.cert import sections
from fsm.cert.evidence import CertInputError
from fsm.cert.evidence import Results
from fsm.cert.evidence import hashed_files
from fsm.cert.evidence import read_results
from fsm.cert.html import summary
from fsm.cert.pack import HASHED
from fsm.findings import Finding
from fsm.findings import Loc
from fsm.pipeline import load_specs
from tests.support import ROOT


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the specs, firmware and pyproject.toml, built (no drawings), outside git: once per module."""
    root = tmp_path_factory.mktemp("built") / "proj"
    for part in ("fsm/specs", "runtime", "host/telit"):  # sources only, whatever an interpreter compiled there
        shutil.copytree(ROOT / part, root / part, ignore=shutil.ignore_patterns("*.pyc", "*.pyo", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    assert build.main(["--root", str(root), "build", "--no-draw"]) == 0
    return root


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    """The built project, copied for this test (which may edit it)."""
    root = tmp_path / "proj"
    shutil.copytree(built, root)
    return root


def requirement_ids(root: Path) -> list[str]:
    loaded = load_specs(root / "fsm" / "specs", root / "runtime", root)
    return [r.id for r in loaded.specs.requirements]


def write_results(path: Path, tests: list[tuple[str, str, list[str]]]) -> Path:
    data = {"format": 1, "exitstatus": 0, "tests": [{"nodeid": n, "outcome": o, "req": r} for n, o, r in tests]}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def all_covered(root: Path, tmp_path: Path) -> Path:
    ids = requirement_ids(root)
    return write_results(tmp_path / "results.json", [
        ("tests/e2e/test_all.py::test_everything[py3]", "passed", ids),
        ("tests/conformance/test_x.py::test_same_trace[gateway]", "passed", []),
        ("tests/conformance/test_x.py::test_known_gap", "xfailed", []),
    ])


def cert(root: Path, *args: str) -> int:
    return build.main(["--root", str(root), "cert", *args])


def html_of(root: Path) -> str:
    return (root / "diagrams" / "cert" / "index.html").read_text(encoding="utf-8")


def pdf_pages(data: bytes) -> int:
    """Page objects in a PDF, looking inside compressed object streams too."""
    chunks = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            chunks.append(zlib.decompressobj().decompress(m.group(1)))
        except zlib.error:
            continue
    return sum(len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", c)) for c in chunks)


def test_the_html_names_every_machine_requirement_and_hash(project: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert cert(project, "--results", str(all_covered(project, tmp_path)), "--no-pdf") == 0
    out = capsys.readouterr().out
    ids = requirement_ids(project)
    assert f"cert: {len(ids)} of {len(ids)} requirement(s) covered" in out
    html = html_of(project)
    for name in ("gateway", "session", "sms"):
        assert f'<h1 id="m-{name}">' in html
        assert f'src="{name}-detailed.svg"' in html
        assert (project / "diagrams" / "cert" / f"{name}-detailed.svg").read_text().lstrip().startswith("<?xml")
    for rid in ids:
        assert f'<tr class="ok" id="req-{rid}">' in html
    files = [p for part in ("fsm/specs", "generated", "runtime", "host/telit") for p in (project / part).iterdir()
             if p.is_file()]
    assert len(files) > 10
    for p in files:
        assert hashlib.sha256(p.read_bytes()).hexdigest() in html, p
    assert "<b>Not measured.</b>" in html
    assert "tests/conformance/test_x.py::test_known_gap" in html
    assert "Version</th><td class=\"mono\">unversioned</td>" in html
    assert json.loads((project / "diagrams" / "cert" / "test-results.json").read_text())["format"] == 1


def test_the_pack_shows_the_system_diagram_and_every_declared_send_with_its_runtime_lines(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cert(project, "--results", str(all_covered(project, tmp_path)), "--no-pdf") == 0
    html = html_of(project)
    assert '<h1 id="system">2 System: the machines and the events between them</h1>' in html
    assert 'src="system.svg"' in html
    assert (project / "diagrams" / "cert" / "system.svg").read_text().lstrip().startswith("<?xml")
    watch = (project / "runtime" / "watchact.py").read_text().splitlines()
    line = next(n for n, text in enumerate(watch, 1) if "E_NET_LOST" in text)
    row = re.search(r"<tr><td>gateway</td><td class=\"mono\">net_lost</td><td>sms</td>.*?</tr>", html)
    assert row, "the sms machine's net_lost (config asks the watch's question)"
    assert f"runtime/watchact.py:{line}" in row.group(0)
    assert "<td class=\"bad\">nowhere</td>" not in html
    for rule in ("undeclared-send", "unused-sender"):
        assert f'<td class="mono">{rule}</td>' in html
    # A send the specs do not declare fails cert and is shown in the system section's report.
    spec = project / "fsm/specs/gateway.yaml"
    spec.write_text(spec.read_text().replace("from: [session, watch, sms]", "from: [session, watch]"))
    assert cert(project, "--results", str(all_covered(project, tmp_path)), "--no-pdf") == 1
    err = capsys.readouterr().err
    assert f"runtime/watchact.py:{line}:25: undeclared-send: the sms machine sends 'net_lost'" in err
    html = html_of(project)
    assert re.search(r"<td class=\"mono\">undeclared-send</td><td>[^<]*</td><td class=\"bad\">", html)


def test_the_html_is_the_same_on_every_run_apart_from_the_build_time(project: Path, tmp_path: Path) -> None:
    results = all_covered(project, tmp_path)
    assert cert(project, "--results", str(results), "--no-pdf") == 0
    first = html_of(project)
    assert cert(project, "--results", str(results), "--no-pdf") == 0
    changed = [(a, b) for a, b in zip(first.splitlines(), html_of(project).splitlines(), strict=True) if a != b]
    assert all("<th>Built</th>" in a for a, _ in changed)


def test_a_requirement_without_a_passing_test_fails_cert_and_shows_red(project: Path, tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    ids = requirement_ids(project)
    results = write_results(tmp_path / "r.json", [
        ("tests/e2e/test_a.py::test_most", "passed", ids[2:]),
        ("tests/e2e/test_a.py::test_second[py3]", "failed", [ids[1]]),
    ])
    assert cert(project, "--results", str(results), "--no-pdf") == 1
    err = capsys.readouterr().err
    assert re.search(rf"^fsm/specs/requirements\.yaml:\d+:\d+: uncovered-requirement: requirement '{ids[0]}' has no "
                     rf"passing test \(no test declares it\); mark one with @pytest\.mark\.req\(\"{ids[0]}\"\)$",
                     err, re.M)
    assert re.search(rf"uncovered-requirement: requirement '{ids[1]}' has no passing test \(1 failed\)", err)
    assert "tests/e2e/test_a.py: test-failed: tests/e2e/test_a.py::test_second[py3]: failed" in err
    assert f"cert: 3 problem(s), {len(ids) - 2} of {len(ids)} requirement(s) covered" in err
    html = html_of(project)  # written all the same, so the engineer can see why
    for rid in ids[:2]:
        assert f'<tr class="bad" id="req-{rid}">' in html
    assert '<td class="bad">NOT COVERED: no test declares it' in html
    assert f'<tr class="ok" id="req-{ids[2]}">' in html


def test_a_test_naming_an_unknown_requirement_is_a_finding(project: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    ids = requirement_ids(project)
    results = write_results(tmp_path / "r.json", [("tests/e2e/test_a.py::test_x[py3]", "passed", [*ids, "CMD-BAUDD"]),
                                                  ("tests/e2e/test_a.py::test_x[py27]", "passed", ["CMD-BAUDD"])])
    assert cert(project, "--results", str(results), "--no-pdf") == 1
    err = capsys.readouterr().err
    assert err.count("test-unknown-requirement") == 1
    assert ("tests/e2e/test_a.py: test-unknown-requirement: tests/e2e/test_a.py::test_x declares requirement "
            "'CMD-BAUDD', not in requirements.yaml (did you mean 'CMD-BAUD'?)") in err


def test_a_spec_edited_without_regenerating_fails_cert_with_drift(project: Path, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    spec = project / "fsm" / "specs" / "gateway.yaml"
    spec.write_text(spec.read_text().replace("description: Boot, network", "description: Edited. Boot, network", 1))
    assert cert(project, "--results", str(all_covered(project, tmp_path)), "--no-pdf") == 1
    err = capsys.readouterr().err
    drift = ("generated/fsm_gateway.py: drift: differs from what the specs produce (from fsm/specs/gateway.yaml); "
             "run `python build.py`")
    assert drift in err.splitlines()
    html = html_of(project)
    assert '<td class="mono bad">drift</td>' in html
    assert '<td class="mono">drift</td><td>the generated files match what the specs produce' in html
    assert "Edited. Boot, network" in html


def test_e2e_counts_show_per_transition_and_unknown_ones_are_findings(project: Path, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    coverage = tmp_path / "cov.json"
    coverage.write_text(json.dumps({"gateway": {"0": 3, "1": 2}, "sms": {}}))
    capsys.readouterr()
    assert cert(project, "--results", str(all_covered(project, tmp_path)), "--coverage", str(coverage),
                "--no-pdf") == 1, "a testable transition the end-to-end suite never took fails the pack"
    assert "e2e-uncovered: T2 booting --failed--> boot_backoff of 'gateway' was not taken" in capsys.readouterr().err
    html = html_of(project)
    assert f"read from <span class=\"mono\">{coverage}</span>" in html
    assert '<td class="num ok">3</td>' in html
    machines = load_specs(project / "fsm" / "specs", project / "runtime", project).specs.machines
    testable = sum(1 for m in machines for t in m.transitions if not t.untestable)
    assert f'<td class="bad">2 of {testable} testable transitions taken</td>' in html
    coverage.write_text(json.dumps({"gateway": {"999": 1}, "modem": {"0": 1}}))
    capsys.readouterr()
    assert cert(project, "--results", str(all_covered(project, tmp_path)), "--coverage", str(coverage),
                "--no-pdf") == 1
    err = capsys.readouterr().err
    assert "e2e-coverage: 'gateway' has no transition 999" in err
    assert "e2e-coverage: machine 'modem' is not in the specs" in err


def test_when_path_coverage_fails_the_pack_says_it_was_not_computed(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(m: object) -> list[object]:
        raise RuntimeError("broken")

    monkeypatch.setattr(sections, "covering_paths", broken)
    assert cert(project, "--results", str(all_covered(project, tmp_path)), "--no-pdf") == 0
    html = html_of(project)
    assert "not computed: fsm/modeltest.py failed: RuntimeError(&#39;broken&#39;)" in html
    assert "transitions 24/24" not in html


def test_not_measured_e2e_coverage_lists_what_the_specs_mark_untestable(project: Path, tmp_path: Path) -> None:
    spec = project / "fsm" / "specs" / "gateway.yaml"
    text = spec.read_text()
    anchor = "    description: The configuration (or the first-boot defaults) is loaded; boot the modem.\n"
    assert anchor in text
    spec.write_text(text.replace(anchor, anchor + "    untestable: the simulator always boots with a configuration\n"))
    assert build.main(["--root", str(project), "build", "--no-draw"]) == 0
    assert cert(project, "--results", str(all_covered(project, tmp_path)), "--no-pdf") == 0
    html = html_of(project)
    assert "<b>Not measured.</b>" in html
    assert ("<tr><td>gateway</td><td>T0 power_on \u2192 booting on start</td>"
            "<td>the simulator always boots with a configuration</td></tr>") in html


@pytest.mark.parametrize(("name", "text"), [("results", "{not json"), ("results", '{"format": 9, "tests": []}'),
                                            ("coverage", '{"gateway": {"x": 1}}')])
def test_an_unreadable_input_file_is_a_usage_error(project: Path, tmp_path: Path, name: str, text: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    args = ["--results", str(bad)] if name == "results" else ["--results", str(all_covered(project, tmp_path)),
                                                              "--coverage", str(bad)]
    assert cert(project, *args, "--no-pdf") == 2
    assert capsys.readouterr().err.startswith(f"cert: {bad}: ")


def test_the_pdf_is_a_valid_pdf_of_several_pages(project: Path, tmp_path: Path) -> None:
    assert cert(project, "--results", str(all_covered(project, tmp_path))) == 0
    data = (project / "diagrams" / "cert" / "certification.pdf").read_bytes()
    assert data.startswith(b"%PDF-1.")
    assert data.rstrip().endswith(b"%%EOF")
    assert pdf_pages(data) > 10


def _tiny_suite(root: Path, ids: list[str]) -> None:
    tests = root / "tests"
    tests.mkdir()
    (tests / "__init__.py").write_text("")
    shutil.copy(ROOT / "tests" / "reqtrace.py", tests / "reqtrace.py")
    (tests / "conftest.py").write_text('pytest_plugins = ["tests.reqtrace"]\n')
    (tests / "test_tiny.py").write_text(
        "import pytest\n\n\n"
        f"@pytest.mark.req(*{ids!r})\n"
        "def test_covers_everything():\n    pass\n\n\n"
        '@pytest.mark.req("CMD-BAUD")\n'
        '@pytest.mark.xfail(reason="a known gap", strict=True)\n'
        "def test_known_gap():\n    assert False\n\n\n"
        '@pytest.mark.skip(reason="no modem")\n'
        "def test_skipped():\n    pass\n")


def test_without_results_cert_runs_the_projects_suite_with_the_report_plugin(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _tiny_suite(project, requirement_ids(project))
    assert cert(project, "--no-pdf") == 0
    report = json.loads((project / "diagrams" / "cert" / "test-results.json").read_text())
    outcomes = {t["nodeid"]: (t["outcome"], t["req"]) for t in report["tests"]}
    assert outcomes == {
        "tests/test_tiny.py::test_covers_everything": ("passed", sorted(requirement_ids(project))),
        "tests/test_tiny.py::test_known_gap": ("xfailed", ["CMD-BAUD"]),
        "tests/test_tiny.py::test_skipped": ("skipped", []),
    }
    assert ("-m pytest -q -p no:cacheprovider --req-report diagrams/cert/test-results.json` run by build.py cert "
            "(pytest exit status 0)") in html_of(project)


def test_the_plugin_reports_failures_and_setup_errors(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_bad.py").write_text(
        "import pytest\n\n\n@pytest.fixture\ndef broken():\n    raise RuntimeError('no port')\n\n\n"
        "@pytest.mark.req('A', 'B', 'A')\ndef test_fails():\n    assert 1 == 2\n\n\n"
        "@pytest.mark.req('C')\nclass TestX:\n    def test_error(self, broken):\n        pass\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    req: requirement ids\n")
    report = tmp_path / "out" / "r.json"
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.reqtrace",
                           "--rootdir", str(tmp_path), "--req-report", str(report), str(tmp_path / "tests")],
                          cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "PATH": ""}, capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    tests = {t["nodeid"]: (t["outcome"], t["req"]) for t in json.loads(report.read_text())["tests"]}
    assert tests == {"tests/test_bad.py::test_fails": ("failed", ["A", "B"]),
                     "tests/test_bad.py::TestX::test_error": ("error", ["C"])}


def test_the_plugin_records_the_properties_a_test_checks(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_props.py").write_text(
        "import pytest\n\n\n@pytest.mark.properties(b_holds='B holds', a_holds='A holds')\n"
        "@pytest.mark.req('A')\ndef test_random_use():\n    pass\n\n\ndef test_plain():\n    pass\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    req: ids\n    properties: invariants\n")
    report = tmp_path / "r.json"
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.reqtrace",
                           "--rootdir", str(tmp_path), "--req-report", str(report), str(tmp_path / "tests")],
                          cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "PATH": ""}, capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    tests = {t["nodeid"]: t for t in json.loads(report.read_text())["tests"]}
    assert tests["tests/test_props.py::test_random_use"]["properties"] == {"a_holds": "A holds", "b_holds": "B holds"}
    assert "properties" not in tests["tests/test_props.py::test_plain"]


def test_the_pack_lists_the_properties_tested(project: Path, tmp_path: Path) -> None:
    ids = requirement_ids(project)
    path = tmp_path / "r.json"
    data = {"format": 1, "exitstatus": 1, "tests": [
        {"nodeid": "tests/e2e/test_all.py::test_everything", "outcome": "passed", "req": ids},
        {"nodeid": "tests/e2e/test_s.py::test_random_use[py3]", "outcome": "passed", "req": [],
         "properties": {"bytes_pass": "only peer bytes reach the device", "no_crash": "the firmware never ends"}},
        {"nodeid": "tests/e2e/test_s.py::test_random_use[py27]", "outcome": "failed", "req": [],
         "properties": {"bytes_pass": "only peer bytes reach the device"}},
        {"nodeid": "tests/e2e/test_t.py::test_other", "outcome": "failed", "req": [],
         "properties": {"replies": "every SMS is answered"}}]}
    path.write_text(json.dumps(data), encoding="utf-8")
    assert cert(project, "--results", str(path), "--no-pdf") == 1  # the failed tests
    html = html_of(project)
    assert '<h2 id="tests-properties">' in html
    assert ('<tr class="ok"><td class="mono">bytes_pass</td><td>only peer bytes reach the device</td>' in html)
    assert '<tr class="bad"><td class="mono">replies</td><td>every SMS is answered</td>' in html
    assert "2 of 3 with a passing test" in html
    path.write_text(json.dumps({**data, "tests": [{**data["tests"][1], "properties": ["bytes_pass"]}]}))
    with pytest.raises(CertInputError, match="optional \"properties\""):
        read_results(path, "a test")


def test_the_pack_hashes_sources_only_whatever_an_interpreter_compiled(tmp_path: Path) -> None:
    """A 1.5.2 firmware run cannot be told not to write .pyc files: stray compiled files are never hashed."""
    stray = [ROOT / "runtime" / "zz_stray_test.pyc", ROOT / "runtime" / "zz_stray_test.pyo",
             ROOT / "runtime" / "__pycache__" / "zz_stray_test.cpython-311.pyc"]
    made_cache = not stray[2].parent.exists()
    try:
        for p in stray:
            p.parent.mkdir(exist_ok=True)
            p.write_bytes(b"\x99N\r\n compiled, not a source")
        listed = hashed_files(ROOT, [*HASHED, ("runtime/*", "everything"), ("runtime/**/*", "everything below")])
        names = {path for _, path, _ in listed}
        assert "runtime/main.py" in names
        assert not [n for n in names if n.endswith((".pyc", ".pyo")) or "__pycache__" in n], names
    finally:
        for p in stray:
            p.unlink(missing_ok=True)
        if made_cache:
            stray[2].parent.rmdir()


def test_the_summary_counts_a_finding_in_the_row_of_its_registry() -> None:
    spec = Finding(Loc("fsm/specs/gateway.yaml", 3, 9), "generated-module-too-long", "too long")
    file_name = Finding(Loc("runtime/averylongmodulename.py"), "module-name-too-long", "too long")
    pack = sections.Pack("p", "1", "now", Results("", (), ""), [spec, file_name, file_name])
    rows = {item: text for item, text, _ in summary(pack)}
    assert rows["Spec validation"] == "1 finding(s)"
    assert rows["Python 1.5 subset and file names"] == "2 finding(s)"
    assert rows["Generated files match the specs"] == "yes (no drift)"
