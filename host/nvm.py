"""The module's flat file system (a ScriptStore) as a directory the firmware process runs in. The module
while no script runs (the AT parser on the serial port, #STARTMODESCR) is host/startup.py.

export() writes the store's files into the directory before a script runs (and removes files the store no
longer has); collect() takes back what the firmware wrote there (its configuration files) when it stops.
Compiled-module caches (*.pyc, __pycache__) are the PC interpreter's, not the module's, and are skipped.
"""

from __future__ import annotations

from pathlib import Path

from host.modem import ScriptStore


def deployed(dirs: list[Path], entry: str, startmode: tuple[int, int]) -> ScriptStore:
    """A module file system as `build.py deploy` leaves it: every `*.py` of `dirs` (CRLF line endings),
    `entry` selected with #ESCRIPT, `startmode` as #STARTMODESCR."""
    store = ScriptStore()
    for d in dirs:
        for path in sorted(Path(d).glob("*.py")):
            store.files[path.name] = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    store.startup_script = entry
    store.startmode = startmode
    return store


def _module_files(directory: Path) -> dict[str, Path]:
    return {p.name: p for p in directory.iterdir() if p.is_file() and p.suffix != ".pyc"}


def export(store: ScriptStore, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    present = _module_files(directory)
    for name, path in present.items():
        if name not in store.files:
            path.unlink()
    for name, data in store.files.items():
        path = directory / name
        if name not in present or path.read_bytes() != data:
            path.write_bytes(data)


def collect(directory: Path, store: ScriptStore) -> None:
    for name, path in _module_files(directory).items():
        data = path.read_bytes()
        if store.files.get(name) != data:
            store.files[name] = data
