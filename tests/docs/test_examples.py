"""The examples the user documents show are what the code produces: the simulator walkthrough of
docs/simulator.md (run as printed), the deploy output of docs/deploy.md (a deploy to the simulator's module), and
every SMS reply of the example tables in docs/ (the firmware's own parser, under every firmware interpreter).

A page marks an example with `<!-- example: ... -->` on the line before its table or code block. When one fails,
the message shows what the code printed: put that in the page (after checking that the change is wanted).
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path

from fsm.interpreters import Interpreter
from host.modem import ScriptStore
from tests.host.test_deploy import Bridge
from tests.runtime.fwunit import evaluate
from tests.simseed import sim_seed
from tests.support import ROOT
from tests.support import free_port

DOCS = ROOT / "docs"
NO_REPLY = "(no reply)"


def example_blocks(page: Path, marker: str) -> list[list[str]]:
    """The lines of each table or fenced block that follows an `<!-- example: <marker>` line."""
    lines = page.read_text().splitlines()
    out = []
    for i, line in enumerate(lines):
        if not line.startswith(f"<!-- example: {marker}"):
            continue
        j = i + 1
        if lines[j].startswith("```"):
            end = lines.index("```", j + 1)
            out.append(lines[j + 1:end])
        else:
            end = j
            while end < len(lines) and lines[end].startswith("|"):
                end += 1
            out.append(lines[j:end])
    return out


def _cell(text: str) -> str:
    text = text.strip().replace("\\|", "|")
    return text[1:-1] if text.startswith("`") and text.endswith("`") else text


def sms_examples() -> list[tuple[str, str, str]]:
    """(page, message, reply) of every SMS example table in docs/."""
    out = []
    for page in sorted(DOCS.rglob("*.md")):
        for block in example_blocks(page, "sms replies"):
            for row in block[2:]:
                cells = re.split(r"(?<!\\)\|", row)[1:-1]
                out.append((page.name, _cell(cells[0]), _cell(cells[1])))
    return out


# The reply the firmware sends to `text` with the first-boot settings: parse, then the confirmation or the error.
REPLY = ("(lambda r, v: (r[0] == 0 and smscmd.confirmation(r[1], (v.update(r[2]) or v))) or "
         "(r[0] == 1 and 'Error: ' + r[1]) or '')(smscmd.parse({text!r}, cfgstore.defaults(fsm_commands), "
         "fsm_commands), cfgstore.defaults(fsm_commands))")


def test_every_sms_reply_in_the_documents_is_the_firmwares(firmware_python: Interpreter) -> None:
    examples = sms_examples()
    assert len(examples) >= 20
    got = evaluate(firmware_python, ["smscmd", "cfgstore", "fsm_commands"],
                   [REPLY.format(text=message) for _, message, _ in examples])
    wrong = [f"{page}: `{message}` -> {reply or NO_REPLY!r}, the page says {said!r}"
             for (page, message, said), reply in zip(examples, got, strict=True) if (reply or NO_REPLY) != said]
    assert not wrong, "\n".join(wrong)


def _walkthrough() -> tuple[str, list[str]]:
    command = "\n".join(example_blocks(DOCS / "simulator.md", "walkthrough command")[0])
    script = re.search(r"printf '([^']*)'", command)
    assert script is not None
    assert "build.py simulate --virtual" in command
    return script.group(1).replace("\\n", "\n"), example_blocks(DOCS / "simulator.md", "walkthrough output")[0]


def test_the_simulator_walkthrough_prints_what_the_page_shows() -> None:
    script, shown = _walkthrough()
    port = str(free_port())
    proc = subprocess.run([sys.executable, "build.py", "simulate", "--virtual", "--seed", str(sim_seed())],
                          input=script.replace("4001", port), capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.replace(port, "4001").replace(sys.executable, "<clone>/.venv/bin/python")
    out = out.replace(str(ROOT), "<clone>")
    out = re.sub(r"/dev/pts/\d+", "/dev/pts/<n>", out)
    out = re.sub(r"seed: \d+", "seed: <seed>", out)
    out = re.sub(r"version [0-9a-f]{8}\b", "version <version>", out)  # the firmware's, changed by any runtime edit
    assert out.splitlines() == shown, "docs/simulator.md should show:\n" + out
    # the first-boot config reply, in its two numbered parts
    replies = [line.split(": ", 2)[2] for line in out.splitlines() if line.startswith(("outbox 1:", "outbox 2:"))]
    assert [r.split(" ", 3)[:3] for r in replies] == [["Confirmed:", "config", "1/2"], ["Confirmed:", "config", "2/2"]]
    for page in ("sms-commands.md", "quick-start.md"):
        text = (DOCS / page).read_text()
        for reply in replies:
            assert f"`{reply}`" in text, f"docs/{page} should quote the first-boot config reply: {reply}"


def _masked(lines: list[str]) -> list[str]:
    return [" ".join(re.sub(r"\d+", "N", line).split()) for line in lines]


def _matches(shown: list[str], printed: list[str]) -> bool:
    """Lines equal but for their numbers; a `...` line of the page stands for any number of lines."""
    want, got = _masked(shown), _masked(printed)

    @functools.cache
    def match(i: int, j: int) -> bool:
        if i == len(want):
            return j == len(got)
        if want[i] == "...":
            return any(match(i + 1, k) for k in range(j, len(got) + 1))
        return j < len(got) and want[i] == got[j] and match(i + 1, j + 1)

    return match(0, 0)


def _deploy(bridge: Bridge, *args: str) -> list[str]:
    """What `build.py deploy --port <the module> ...` prints, the progress bar's last state where a terminal
    shows it."""
    proc = subprocess.run([sys.executable, "build.py", "deploy", "--port", bridge.path, *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.replace(bridge.path, "/dev/ttyUSB0").splitlines()
    bar = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""  # text mode reads each \r as a line end
    if bar:
        at = next(i for i, line in enumerate(lines) if line.startswith("deployed"))
        lines.insert(at, bar)
    return lines


def test_the_deploy_output_is_what_the_page_shows() -> None:
    first, update = example_blocks(DOCS / "deploy.md", "deploy")
    store = ScriptStore(write_rate=None)  # how fast flash is written is not what this example is about
    store.files.update({"main.py": b"old", "main.pyo": b"old main"})
    bridge = Bridge(store)
    try:
        printed = _deploy(bridge, "--run")
        assert _matches(first, printed), "docs/deploy.md should show (numbers aside):\n" + "\n".join(printed)
        store.files.update({"gwcfg_a.txt": b"1\n0\n", "gwcfg_b.txt": b"2\n0\n"})
        printed = _deploy(bridge, "--dry-run")
        assert _matches(update, printed), "docs/deploy.md should show (numbers aside):\n" + "\n".join(printed)
    finally:
        bridge.close()


def test_dotted_lines_stand_for_any_lines_and_numbers_for_any_numbers() -> None:
    assert _matches(["a 1", "...", "z 2"], ["a 7", "b", "c", "z 9"])
    assert _matches(["a 1", "...", "z 2"], ["a 7", "z 9"])
    assert not _matches(["a 1", "z 2"], ["a 7", "b", "z 9"])
    assert not _matches(["a 1", "...", "z 2"], ["a 7", "b"])
    assert Path(__file__).parent.name == "docs"
