"""The module's flat file system (a ScriptStore) as a directory the firmware process runs in. The module
while no script runs (the AT parser on the serial port, #STARTMODESCR) is host/startup.py.

prepare() readies a start: the module's compiled copies (`X.pyo`, below) are brought up to date in the store,
export() writes the store's files into the directory (and removes files the store no longer has, and every
cache the PC interpreter left there), and import_view() writes the folder the firmware imports through.
collect() takes back what the firmware changed in the directory (files it wrote, files it deleted) when it
stops. LiveFiles is that directory while the script runs, as the script commands on MDM/MDM2 see it.
Compiled-module caches (*.pyc, __pycache__) are the PC interpreter's, not the module's: never collected.

Compiled copies, as the module keeps them (docs/design/telit.md §1.2): the module compiles an imported `X.py`
into `X.pyo` beside it and from then on runs the `.pyo`, also after `X.py` is replaced (the harsher reading of
the public uploaders, which delete the `.pyo` first), until the `.pyo` is deleted or holds no valid compiled
module (an empty file has no magic number: compiled again). Emulated so:
- At each start every `X.py` of the store but the entry script (run, not imported: never compiled to a file)
  that has no valid `X.pyo` gets one (compiled_size bytes: what deploy's free-space plan counts), holding the
  source it was compiled from. No room: no `.pyo`, the module runs the source (CPython's import ignores a
  compiled file it cannot write: the Python 1.5 tutorial, "Compiled" Python files; that Telit's does too is a guess).
- The firmware imports through stubs (import_view): importing `X` runs the source inside the live `X.pyo`
  when it is valid, else the live `X.py`: a `.pyo` the firmware deletes (AT#DSCRIPT) or empties during the run
  counts at once. Not emulated: the `.pyo` an import during the run would write appears at the next start.
- The PC interpreter's own caches can never serve stale code: the stubs compile from the live files at each
  import, and export() removes every `.pyc` and `__pycache__` an interpreter left in the directory.
"""

from __future__ import annotations

import marshal
import shutil
from pathlib import Path

from fsm import bundle
from host.modem import ScriptStore

PYO_MAGIC = b"\x99N\r\n"  # Python 1.5.2's magic number, as the module's compiled files begin
PYO_MARK = b"sim:"  # where a real .pyo has its time stamp: this one is the simulator's (the source follows)
PYO_HEADER = len(PYO_MAGIC) + len(PYO_MARK)  # 8, as a real .pyo's header
STUB_HELPER = "_simpyo"  # the import view's helper module (not a firmware name: the subset forbids a leading _)
PC_CACHE_DIR = "__pycache__"


def compiled_size(name: str, source: bytes) -> int:
    """The size of the `.pyo` the module writes when it first imports `name`, estimated from above: the
    larger of the source size and the length of this interpreter's compiled code object (marshal), an
    eighth more for what that cannot tell (1.5.2 marshals every name in full where 2.7 and 3 share
    repeated strings), plus the header. CPython 3 code objects of these modules are 0.8 to 1.6 times the
    size of Python 2.7's, and the source is larger where they are smaller (bench/RESULTS.md, footprint);
    tests/host/test_deploy.py checks the estimate against every firmware interpreter found, 1.5.2 when
    FIRMWARE_PYTHONS names one."""
    code = compile(source.replace(b"\r\n", b"\n"), name, "exec", dont_inherit=True)
    size = max(len(source), len(marshal.dumps(code)))
    return size + size // 8 + PYO_HEADER


def make_pyo(name: str, source: bytes) -> bytes:
    """The simulator's `name`o: the header, the source it was compiled from, NUL padding to compiled_size.
    SyntaxError/ValueError when the source does not compile (the module writes no .pyo either)."""
    data = PYO_MAGIC + PYO_MARK + source
    return data + b"\0" * max(0, compiled_size(name, source) - len(data))


def pyo_source(data: bytes | None) -> bytes | None:
    """The source a `.pyo` was compiled from; None when it is absent or not a valid compiled module (the
    module compiles the `.py` again)."""
    if data is None or not data.startswith(PYO_MAGIC + PYO_MARK):
        return None
    return data[PYO_HEADER:].split(b"\0", 1)[0]


def compile_modules(store: ScriptStore) -> list[str]:
    """What the module's imports write at a start: an `X.pyo` for every `X.py` (but the entry script) that has
    no valid one and fits in the free space. Returns the names written."""
    written = []
    for name in sorted(store.files):
        if not name.endswith(".py") or name == store.startup_script:
            continue
        pyo = name + "o"
        if pyo_source(store.files.get(pyo)) is not None:
            continue
        try:
            data = make_pyo(name, store.files[name])
        except (SyntaxError, ValueError):
            continue  # the import fails on the module too; it writes nothing
        if len(data) - len(store.files.get(pyo, b"")) <= store.free():
            store.files[pyo] = data
            store.hidden.discard(pyo)
            written.append(pyo)
    return written


def deployed(dirs: list[Path], entry: str, startmode: tuple[int, int]) -> ScriptStore:
    """A module file system as `build.py deploy` leaves it: every `*.py` of `dirs` (CRLF line endings) and
    their manifest `fwman.txt` (fsm/bundle.py), `entry` selected with #ESCRIPT, `startmode` as #STARTMODESCR."""
    store = ScriptStore()
    store.files.update(bundle.with_manifest(bundle.firmware_files(tuple(Path(d) for d in dirs))))
    store.startup_script = entry
    store.startmode = startmode
    return store


def _module_files(directory: Path) -> dict[str, Path]:
    return {p.name: p for p in directory.iterdir() if p.is_file() and p.suffix != ".pyc"}


def clear_pc_caches(directory: Path) -> None:
    """Removes what a PC interpreter caches beside imported sources (a 1.5.2 always writes `.pyc`)."""
    for path in directory.glob("*.pyc"):
        path.unlink()
    shutil.rmtree(directory / PC_CACHE_DIR, ignore_errors=True)


def export(store: ScriptStore, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    clear_pc_caches(directory)
    present = _module_files(directory)
    for name, path in present.items():
        if name not in store.files:
            path.unlink()
    for name, data in store.files.items():
        path = directory / name
        if name not in present or path.read_bytes() != data:
            path.write_bytes(data)


def collect(directory: Path, store: ScriptStore) -> None:
    """The store becomes what the directory holds (export() made them equal at the start): files the firmware
    wrote or changed come in, files it deleted (AT#DSCRIPT on MDM) go."""
    live = _module_files(directory)
    for name in [n for n in store.files if n not in live]:
        del store.files[name]
        store.hidden.discard(name)
    for name, path in live.items():
        data = path.read_bytes()
        if store.files.get(name) != data:
            store.files[name] = data


# The import view's helper, run by the firmware's interpreter (1.5.2, 2.7 and 3): it is the simulator's, not
# firmware, so it may use what the firmware may not (hasattr, eval of a code object), but only what all three have.
_HELPER = r'''# The simulator's stand-in for the module's compiled copies (host/nvm.py): not firmware.
NVM = %(nvm)r
MAGIC = %(magic)r


def _text(data):
    if type(data) != type(''):
        data = data.decode('latin-1')
    return data


def _read(path):
    try:
        f = open(path, 'rb')
    except IOError:
        return None
    data = f.read()
    f.close()
    return _text(data)


def _find(s, sub):
    if hasattr(s, 'find'):
        return s.find(sub)
    import string
    return string.find(s, sub)


def _replace(s, old, new):
    if hasattr(s, 'replace'):
        return s.replace(old, new)
    import string
    return string.replace(s, old, new)


def load(g, name):
    # The module `name` into the globals g: the source inside a valid name.pyo, else name.py (both live).
    path = NVM + '/' + name + '.py'
    src = _read(path + 'o')
    if src is not None and src[:len(MAGIC)] == MAGIC:
        src = src[len(MAGIC):]
        end = _find(src, chr(0))
        if end >= 0:
            src = src[:end]
    else:
        src = _read(path)
        if src is None:
            raise ImportError('No module named ' + name)
    g['__file__'] = path
    eval(compile(_replace(src, '\r\n', '\n') + '\n', path, 'exec'), g)
'''

_STUB = """import %(helper)s
%(helper)s.load(globals(), %(name)r)
del %(helper)s
"""


def import_view(store: ScriptStore, directory: Path, view: Path) -> Path:
    """Writes into `view` (emptied first) what the firmware imports through: a stub per `X.py` of the store
    (importing it runs the live `X.pyo`'s source when valid, else the live `X.py`: see the module's text) and
    a copy of the entry script, which runs from there so that `view` comes first on the path. Returns that
    copy; the firmware's path is then [view, directory (modules written during the run), the built-ins]."""
    assert store.startup_script is not None
    shutil.rmtree(view, ignore_errors=True)
    view.mkdir(parents=True)
    nvm = str(Path(directory).resolve())
    magic = (PYO_MAGIC + PYO_MARK).decode("latin-1")
    (view / f"{STUB_HELPER}.py").write_text(_HELPER % {"nvm": nvm, "magic": magic}, encoding="latin-1")
    for name in store.files:
        if name.endswith(".py") and name != store.startup_script:
            (view / name).write_text(_STUB % {"helper": STUB_HELPER, "name": name[:-3]}, encoding="latin-1")
    entry = view / store.startup_script
    entry.write_bytes(store.files[store.startup_script])
    return entry


def prepare(store: ScriptStore, directory: Path, view: Path) -> Path:
    """A start of the selected script: compiled copies, the directory, the import view; returns the entry to run."""
    compile_modules(store)
    export(store, directory)
    return import_view(store, directory, view)


class LiveFiles:
    """The module's file system while a script runs, as AT#LSCRIPT, AT#DSCRIPT and AT#ESCRIPT on MDM/MDM2 see
    it: the directory the firmware writes (its files now, not the store's as they were at the start), with the
    store's capacity; without a store (a firmware run from the PC's files) the default capacity and no script
    selected."""

    def __init__(self, directory: Path, store: ScriptStore | None = None) -> None:
        self.directory = Path(directory)
        self.store = store
        self.capacity = store.capacity if store is not None else ScriptStore().capacity
        self._script: str | None = None  # #ESCRIPT without a store

    def listing(self) -> dict[str, int]:
        """name -> size of every file, in name order."""
        files = _module_files(self.directory) if self.directory.is_dir() else {}
        return {name: files[name].stat().st_size for name in sorted(files)}

    def free(self) -> int:
        return max(0, self.capacity - sum(self.listing().values()))

    def delete(self, name: str) -> bool:
        path = self.directory / name
        if name not in self.listing():
            return False
        path.unlink()
        return True

    @property
    def startup_script(self) -> str | None:
        return self.store.startup_script if self.store is not None else self._script

    @startup_script.setter
    def startup_script(self, name: str) -> None:
        if self.store is not None:
            self.store.startup_script = name
        else:
            self._script = name
