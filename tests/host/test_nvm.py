"""The module's file system while a script runs (host/nvm.py): the compiled copies (`.pyo`) the module makes and
runs, stale ones included, the script commands on MDM/MDM2 on the live files, what collect() takes back, and the
PC interpreter's caches that must never serve code."""

from __future__ import annotations

from pathlib import Path

import pytest

from fsm import bundle
from host import deploy
from host import nvm
from host.modem import ScriptStore
from host.simulator import Simulator
from tests.host.conftest import FIRMWARE
from tests.host.conftest import MakeSim
from tests.host.conftest import unescape
from tests.support import LAYOUT

ENTRY = "main.py"


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode()


def module(value: str) -> bytes:
    return crlf(f"VALUE = '{value}'\n")


# --- without a firmware: the store's side


def test_each_module_but_the_entry_gets_a_pyo_of_the_size_deploy_counts() -> None:
    store = nvm.deployed(list(LAYOUT.firmware_dirs), ENTRY, (0, 10))
    assert store.files[bundle.MANIFEST] == bundle.manifest(deploy.firmware_files()), "deployed() writes fwman.txt"
    before = store.used()
    written = nvm.compile_modules(store)
    sources = {n: d for n, d in store.files.items() if n.endswith(".py")}
    assert sorted(written) == sorted(n + "o" for n in sources if n != ENTRY), "the entry is run, never imported"
    for name in written:
        assert len(store.files[name]) == deploy.compiled_size(name[:-1], sources[name[:-1]])
        assert nvm.pyo_source(store.files[name]) == sources[name[:-1]]
    # deploy's free-space plan counts every module's .pyo (the entry's too: from above), so what the module
    # writes at the first start always fits where deploy said the firmware fits
    planned = sum(deploy.compiled_size(n, d) for n, d in sources.items())
    assert store.used() - before == planned - deploy.compiled_size(ENTRY, sources[ENTRY])
    assert nvm.compile_modules(store) == [], "a valid .pyo is kept: compiled once"


def test_no_room_no_pyo_and_a_module_that_does_not_compile_gets_none() -> None:
    store = ScriptStore(capacity=1000)
    store.startup_script = ENTRY
    store.files.update({ENTRY: b"import a\r\n", "a.py": module("a"), "bad.py": b"def (:\r\n"})
    room = store.free()
    store.files["filler.txt"] = b"x" * (room - nvm.compiled_size("a.py", module("a")) + 1)
    assert nvm.compile_modules(store) == []
    del store.files["filler.txt"]
    assert nvm.compile_modules(store) == ["a.pyo"]


@pytest.mark.parametrize("pyo", [b"", b"\x99N\r\n", b"garbage", b"\x03\xf3\r\n\0\0\0\0c\0\0\0"])
def test_an_empty_or_foreign_pyo_has_no_magic_and_is_compiled_again(pyo: bytes) -> None:
    store = ScriptStore()
    store.startup_script = ENTRY
    store.files.update({ENTRY: b"import a\r\n", "a.py": module("new"), "a.pyo": pyo})
    assert nvm.pyo_source(pyo) is None
    assert nvm.compile_modules(store) == ["a.pyo"]
    assert nvm.pyo_source(store.files["a.pyo"]) == module("new")


def test_a_valid_pyo_of_an_older_source_is_kept() -> None:
    store = ScriptStore()
    store.startup_script = ENTRY
    store.files.update({ENTRY: b"import a\r\n", "a.py": module("new"), "a.pyo": nvm.make_pyo("a.py", module("old"))})
    assert nvm.compile_modules(store) == []
    assert nvm.pyo_source(store.files["a.pyo"]) == module("old")


def test_collect_takes_back_what_the_firmware_wrote_and_deleted_never_pc_caches(tmp_path: Path) -> None:
    store = ScriptStore()
    store.files.update({"a.py": b"1", "b.txt": b"2", "c.txt": b"3"})
    store.hidden.add("c.txt")
    nvm.export(store, tmp_path)
    (tmp_path / "b.txt").write_bytes(b"changed")
    (tmp_path / "c.txt").unlink()
    (tmp_path / "new.txt").write_bytes(b"new")
    (tmp_path / "a.pyc").write_bytes(b"a PC cache")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"a PC cache")
    nvm.collect(tmp_path, store)
    assert store.files == {"a.py": b"1", "b.txt": b"changed", "new.txt": b"new"}
    assert store.hidden == set()
    nvm.export(store, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py", "b.txt", "new.txt"], "PC caches removed"


def test_live_files_list_free_and_delete(tmp_path: Path) -> None:
    store = ScriptStore(capacity=10_000)
    store.startup_script = ENTRY
    live = nvm.LiveFiles(tmp_path, store)
    (tmp_path / "b.txt").write_bytes(b"12345")
    (tmp_path / "a.py").write_bytes(b"123")
    (tmp_path / "a.pyc").write_bytes(b"PC cache: not the module's")
    assert live.listing() == {"a.py": 3, "b.txt": 5}
    assert live.free() == 10_000 - 8
    assert live.delete("b.txt")
    assert not live.delete("b.txt")
    assert live.listing() == {"a.py": 3}
    live.startup_script = "other.py"
    assert store.startup_script == "other.py"
    alone = nvm.LiveFiles(tmp_path)
    assert alone.startup_script is None
    assert alone.free() == ScriptStore().capacity - 3


# --- with a firmware running from the store (tests/host/firmware/nvmops.py)


def lines(answer: str) -> list[str]:
    """The lines of an AT answer nvmops.py reported, without the echo of the command."""
    text = unescape(answer).decode("latin-1")
    return [line for line in text.replace("\r", "\n").split("\n") if line and not line.startswith("AT")]


class Module:
    """A module whose NVM holds nvmops.py as the entry, fwtest.py and test modules; each run() powers it on
    (start mode 0, DTR low: the script runs at once) and returns the reports of that run."""

    def __init__(self, make_sim: MakeSim, **modules: str) -> None:
        self.store = ScriptStore(write_rate=None)
        self.store.startup_script = ENTRY
        self.store.files[ENTRY] = crlf((FIRMWARE / "nvmops.py").read_text())
        self.store.files["fwtest.py"] = crlf((FIRMWARE / "fwtest.py").read_text())
        for name, value in modules.items():
            self.store.files[name + ".py"] = module(value)
        self.make_sim = make_sim
        self.sim: Simulator | None = None

    def run(self, *steps: str) -> list[tuple[str, str]]:
        self.store.files["nvmops.cfg"] = ("\n".join(steps) + "\n").encode()
        if self.sim is None:
            self.sim = self.make_sim(None, scripts=self.store, dtr_asserted=False)
        else:
            self.sim.power_cut(restart=True)
        sim = self.sim
        start = len(sim.trace.lines())
        sim.run_until(lambda: "done=1" in sim.trace.lines()[start:], 60, "the script's steps")
        sim.run_until(lambda: sim.state == "at", 30, "the script to end")  # collect() has run
        out = []
        for line in sim.trace.lines()[start:]:
            key, _, value = line.partition("=")
            if key in ("at", "value"):
                out.append((key, value))
        return out


def test_a_stale_pyo_runs_until_it_is_deleted_or_emptied(make_sim: MakeSim) -> None:
    """The module runs the compiled copy of an older source after the source is replaced (docs/design/telit.md
    §1.2, the harsher reading): a tool that replaces a module must delete or empty its .pyo first."""
    m = Module(make_sim, mod="v1")
    assert m.run("import mod") == [("value", "v1")]
    assert nvm.pyo_source(m.store.files["mod.pyo"]) == module("v1"), "the first start compiled mod.py"
    m.store.files["mod.py"] = module("v2")  # replaced, the .pyo left: as an uploader that forgets it
    assert m.run("import mod") == [("value", "v1")], "the stale compiled copy runs"
    assert m.run("import mod") == [("value", "v1")], "at every start"
    m.store.files["mod.pyo"] = b""  # emptied: no magic number, compiled again at the next start
    assert m.run("import mod") == [("value", "v2")]
    assert nvm.pyo_source(m.store.files["mod.pyo"]) == module("v2")
    m.store.files["mod.py"] = module("v3")
    assert m.run("import mod") == [("value", "v2")]
    del m.store.files["mod.pyo"]  # deleted (AT#DSCRIPT on the physical port, as deploy does)
    assert m.run("import mod") == [("value", "v3")]


def test_script_commands_on_mdm_and_mdm2_work_on_the_live_files(make_sim: MakeSim) -> None:
    m = Module(make_sim, mod="v1", other="o1")
    m.run()  # the first start: every module gets its .pyo
    m.store.files["mod.py"] = module("v2")  # now mod.pyo is stale
    got = m.run("empty own.txt", "write note abc", "at mdm AT#LSCRIPT", "at mdm2 AT#ESCRIPT?",
                'at mdm AT#DSCRIPT="mod.pyo"', "import mod", 'at mdm2 AT#DSCRIPT="nosuch.txt"',
                'at mdm AT#WSCRIPT="x.py",1', 'at mdm AT#ESCRIPT="other.py"', "at mdm AT#ESCRIPT?")
    answers = [lines(value) if key == "at" else value for key, value in got]
    listing = answers[0]
    live = {**m.store.files, "mod.pyo": nvm.make_pyo("mod.py", module("v1"))}  # as listed (the .pyo went later)
    sizes = [f'#LSCRIPT: "{name}",{len(live[name])}' for name in sorted(live)]
    assert listing == [*sizes, f"#LSCRIPT: free bytes: {m.store.capacity - sum(len(d) for d in live.values())}",
                       "OK"], "the live files, their .pyo included, and what is left of the capacity"
    assert '#LSCRIPT: "own.txt",0' in sizes, "a file the script wrote itself is listed"
    assert '#LSCRIPT: "note.py",' + str(len(module("abc"))) in sizes
    assert answers[1:] == [['#ESCRIPT: "main.py"', "OK"], ["OK"],
                           "v2",  # a .pyo deleted during the run counts at once: the import compiles mod.py
                           ["ERROR"],  # no such file
                           ["ERROR"],  # #WSCRIPT is not answered on MDM
                           ["OK"], ['#ESCRIPT: "other.py"', "OK"]]
    assert "mod.pyo" not in m.store.files or nvm.pyo_source(m.store.files["mod.pyo"]) is None
    assert m.store.files["own.txt"] == b""
    assert m.store.startup_script == "other.py", "#ESCRIPT on MDM selects the script the module starts"


def test_a_source_the_script_replaces_runs_only_once_its_pyo_is_gone(make_sim: MakeSim) -> None:
    """During one run: a module the script rewrites with open() still runs from its .pyo; emptying the .pyo with
    open() works like deleting it (the fallback when AT#DSCRIPT answers ERROR, docs/design/update.md §4)."""
    m = Module(make_sim, one="v1", two="v1")
    m.run()
    assert m.run("write one v2", "write two v2", "empty two.pyo", "import one", "import two") == [
        ("value", "v1"), ("value", "v2")]
    assert m.run("import one", "import two") == [("value", "v1"), ("value", "v2")]
    assert nvm.pyo_source(m.store.files["two.pyo"]) == module("v2"), "compiled again at the next start"


def test_the_pc_interpreters_caches_never_serve_code_nor_come_back_as_files(make_sim: MakeSim) -> None:
    """A PC interpreter caches compiled modules beside their sources keyed on the time stamp (1.5.2 and 2.7: to
    the second), so a file rewritten within a second could run stale: none of its caches is used or collected."""
    m = Module(make_sim, mod="v1")
    m.run("import mod")
    sim = m.sim
    assert sim is not None
    assert sim.nvm_dir is not None
    (sim.nvm_dir / "mod.pyc").write_bytes(b"stale")
    (sim.nvm_dir / "__pycache__").mkdir(exist_ok=True)
    (sim.nvm_dir / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"stale")
    del m.store.files["mod.pyo"]
    m.store.files["mod.py"] = module("v2")
    assert m.run("write made v3", "import made", "import mod") == [("value", "v3"), ("value", "v2")]
    assert not [n for n in m.store.files if n.endswith(".pyc")], "a .pyc is the PC's, never the module's"
    assert not (sim.nvm_dir / "__pycache__").exists()
