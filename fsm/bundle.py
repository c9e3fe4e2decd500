"""The update bundle and the installed-firmware manifest (docs/design/update.md §2): one file a plain HTTP server
serves, that a unit checks and installs.

    SMSGW 1 <mac>\\n              magic, format, HMAC-MD5 (RFC 2104) of everything after this line, 32 hex digits
    family telit-py15\\n          the firmware family
    version <8 hex>\\n            the firmware's VERSION (generated/fsm_commands.py, fsm/emit/codegen.py)
    boot <8 hex>\\n               the boot loader it needs: sha256 of the BOOT_FILES as deployed, first 8 hex
    files <n>\\n
    <name> <size> <md5 hex>\\n    n lines, in install order
    <data of file 1>...         exactly the sizes above (CRLF line endings, as deploy writes them)

`fwman.txt` (MANIFEST) is the same text from `family` to the last file line: deploy writes it with the firmware
(manifest()), and a unit writes it at each install. Every file here is what deploy uploads: the firmware's `*.py`
(firmware_files), CRLF line endings. The boot loader (BOOT_FILES) is never in a bundle; only deploy writes it.

A leaf of the toolchain: only firmware_version (fsm/emit/codegen.py) is imported, lazily, where a bundle is built.
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from fsm.errors import Refused
from fsm.errors import UsageError
from fsm.layout import Layout
from fsm.rules.modnames import MAX_FILE_NAME

MAGIC = "SMSGW"
FORMAT = 1
FAMILY = "telit-py15"
BOOT_FILES = ("main.py", "fwboot.py")  # the immutable boot loader: never in a bundle (docs/design/update.md §1)
MANIFEST = "fwman.txt"  # the manifest of the installed firmware on the module
VERSION_FILE = "fsm_commands.py"  # the generated module that holds the firmware's VERSION
UNVERSIONED = "0" * 8  # the version of a file set without VERSION_FILE (what the generated default is)
ID_DIGITS = 8  # hex digits of the version and of the boot loader's id
KEY_MIN = 8
KEY_MAX = 32
_KEY = re.compile(r"[a-z0-9]+")  # as the unit takes it: `updatekey` lowers what a phone capitalised
_HEX32 = re.compile(r"[0-9a-f]{32}")
_HEX8 = re.compile(r"[0-9a-f]{8}")


class BundleError(Refused):
    """A bundle that must not be installed, or one that cannot be built: what is wrong (exit 1)."""


class BadKey(UsageError):
    """The update key (or its file) is not usable: 8 to 32 lower-case letters and digits (exit 2)."""


def deployed_bytes(data: bytes) -> bytes:
    """A file as deploy writes it on the module: CRLF line endings whatever the checkout has."""
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def firmware_files(dirs: tuple[Path, ...] = Layout.here().firmware_dirs) -> dict[str, bytes]:
    """Every module of the firmware (runtime/ then generated/, each in name order), CRLF line endings: what
    deploy uploads, and (but for BOOT_FILES) what a bundle holds, in this order."""
    out: dict[str, bytes] = {}
    for folder in dirs:
        for path in sorted(Path(folder).glob("*.py")):
            out[path.name] = deployed_bytes(path.read_bytes())
    return out


def boot_id(files: Mapping[str, bytes]) -> str:
    """The boot loader's id: the first 8 hex digits of a sha256 over the BOOT_FILES of `files` (as deployed, in
    BOOT_FILES order; a boot file the set lacks counts as empty)."""
    h = hashlib.sha256()
    for name in BOOT_FILES:
        h.update(files.get(name, b""))
    return h.hexdigest()[:ID_DIGITS]


def version_of(files: Mapping[str, bytes]) -> str:
    """The VERSION the firmware in `files` reports (`config`, `status`): read from its VERSION_FILE;
    UNVERSIONED for a set without one."""
    data = files.get(VERSION_FILE)
    if data is None:
        return UNVERSIONED
    for node in ast.parse(data.replace(b"\r\n", b"\n")).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "VERSION" for t in node.targets):
            value = ast.literal_eval(node.value)
            if isinstance(value, str) and _HEX8.fullmatch(value):
                return value
    raise BundleError(f"{VERSION_FILE}: no VERSION = '<8 hex digits>' assignment")


def update_files(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The files a bundle carries and a manifest lists: all but the boot loader and the manifest itself."""
    return {n: d for n, d in files.items() if n not in BOOT_FILES and n != MANIFEST}


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()  # a checksum the module computes (md5 module), not a signature


def manifest(files: Mapping[str, bytes]) -> bytes:
    """fwman.txt for a firmware made of `files` (names as on the module, bytes as deployed): family, the version
    it reports, the boot loader's id, then one `<name> <size> <md5>` line per file but the boot loader."""
    listed = update_files(files)
    lines = [f"family {FAMILY}", f"version {version_of(files)}", f"boot {boot_id(files)}", f"files {len(listed)}"]
    lines += [f"{name} {len(data)} {_md5(data)}" for name, data in listed.items()]
    return "".join(line + "\n" for line in lines).encode("ascii")


def with_manifest(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """`files` and, last, their MANIFEST: what deploy uploads."""
    out = {n: d for n, d in files.items() if n != MANIFEST}
    out[MANIFEST] = manifest(files)
    return out


def check_key(key: str, where: str = "the update key") -> str:
    """The key as given, when it is 8 to 32 of a-z 0-9 (the unit keeps the key it is sent in lower case, so a key
    with capitals could never match); BadKey saying what is wrong otherwise."""
    if not _KEY.fullmatch(key) or not key.isascii():
        raise BadKey(f"{where}: the update key must be lower-case letters and digits only (a-z, 0-9): the unit "
                     "takes `updatekey` in lower case")
    if not KEY_MIN <= len(key) <= KEY_MAX:
        raise BadKey(f"{where}: the update key has {len(key)} characters; it needs {KEY_MIN} to {KEY_MAX}")
    return key


def read_key_file(path: Path) -> str:
    """The key in `path`: its one line (surrounding white space and the line end are ignored)."""
    try:
        text = Path(path).read_text(encoding="ascii")
    except FileNotFoundError:
        raise BadKey(f"{path}: no such key file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadKey(f"{path}: cannot read the key file ({exc})") from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) != 1:
        raise BadKey(f"{path}: the key file must hold the key on one line ({len(lines)} non-empty lines found)")
    return check_key(lines[0], str(path))


def mac(key: str, body: bytes) -> str:
    """HMAC-MD5 (RFC 2104) of `body` with the update key, 32 lower-case hex digits."""
    return hmac.new(check_key(key).encode("ascii"), body, hashlib.md5).hexdigest()


def pack(files: Mapping[str, bytes], key: str) -> bytes:
    """A bundle of the firmware `files` (as deployed; BOOT_FILES name the boot loader it needs, not sent)."""
    for name in files:
        stem = name.removesuffix(".py")
        if not name or " " in name or len(name) > MAX_FILE_NAME or len(stem + ".pyo") > MAX_FILE_NAME:
            raise BundleError(f"{name}: a file name on the module holds {MAX_FILE_NAME} characters including "
                              "'.pyo', and no space")
    body = manifest(files) + b"".join(update_files(files).values())
    return f"{MAGIC} {FORMAT} {mac(key, body)}\n".encode("ascii") + body


def firmware_version(layout: Layout) -> str:
    """The version of the firmware in `layout`, as generated into VERSION_FILE; BundleError if that file is older
    than the sources (the build was not run since the last edit)."""
    from fsm.emit.codegen import firmware_version as from_sources  # lazy: the code generator loads jinja2

    want = from_sources(layout.specs, layout.runtime)
    path = layout.generated / VERSION_FILE
    have = version_of({VERSION_FILE: path.read_bytes()}) if path.is_file() else None
    if have != want:
        raise BundleError(f"{path} says version {have}, the sources are version {want}: run `python build.py` "
                          "first, so that the firmware reports the version the bundle carries")
    return want


@dataclass(frozen=True)
class Built:
    path: Path
    version: str
    boot: str
    size: int
    files: int


def default_path(layout: Layout, version: str) -> Path:
    return layout.root / "build" / f"smsgw-{version}.bin"


def build(layout: Layout, key: str, out: Path | None = None) -> Built:
    """Writes the bundle of the firmware in `layout` (default build/smsgw-<version>.bin)."""
    version = firmware_version(layout)
    files = firmware_files(layout.firmware_dirs)
    assert version_of(files) == version
    data = pack(files, key)
    path = out if out is not None else default_path(layout, version)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return Built(path, version, boot_id(files), len(data), len(update_files(files)))


@dataclass(frozen=True)
class Bundle:
    """A bundle read and checked by read()."""

    family: str
    version: str
    boot: str
    files: dict[str, bytes]  # install order
    manifest: bytes  # the fwman.txt a unit writes when it installs this bundle


def _line(data: bytes, at: int, what: str) -> tuple[str, int]:
    end = data.find(b"\n", at)
    if end < 0:
        raise BundleError(f"not a bundle: it ends before {what}")
    try:
        return data[at:end].decode("ascii"), end + 1
    except UnicodeDecodeError:
        raise BundleError(f"not a bundle: {what} is not text") from None


def _field(data: bytes, at: int, name: str, pattern: re.Pattern[str]) -> tuple[str, int]:
    text, at = _line(data, at, f"the {name} line")
    word, _, value = text.partition(" ")
    if word != name or not pattern.fullmatch(value):
        raise BundleError(f"corrupt: {name!r} line expected, found {text[:40]!r}")
    return value, at


def _file_table(data: bytes, at: int) -> tuple[list[tuple[str, int, str]], int]:
    count, at = _field(data, at, "files", re.compile(r"[0-9]{1,4}"))
    table: list[tuple[str, int, str]] = []
    for i in range(int(count)):
        text, at = _line(data, at, f"file line {i + 1}")
        m = re.fullmatch(r"([^ /]{1,16}) ([0-9]{1,7}) ([0-9a-f]{32})", text)
        if m is None:
            raise BundleError(f"corrupt: file line {i + 1} is {text[:40]!r}")
        if any(name == m[1] for name, _, _ in table):
            raise BundleError(f"corrupt: {m[1]} listed twice")
        table.append((m[1], int(m[2]), m[3]))
    return table, at


def read(data: bytes, key: str, *, family: str = FAMILY, boot: str | None = None) -> Bundle:
    """Parses and checks a bundle as a unit does: the first line, the keyed checksum, the family (and the boot
    loader when `boot` is given), every file's size and MD5. BundleError says what is wrong."""
    first, start = _line(data, 0, "the first line")
    parts = first.split(" ")
    if len(parts) != 3 or parts[0] != MAGIC:
        raise BundleError("not a bundle (no 'SMSGW' first line)")
    if parts[1] != str(FORMAT):
        raise BundleError(f"bundle format {parts[1]!r}, this reader knows {FORMAT}")
    if not _HEX32.fullmatch(parts[2]):
        raise BundleError("corrupt: the checksum on the first line is not 32 hex digits")
    if not hmac.compare_digest(mac(key, data[start:]), parts[2]):
        raise BundleError("wrong checksum: corrupt, or signed with another key")
    got_family, at = _field(data, start, "family", re.compile(r"[a-z0-9-]+"))
    if got_family != family:
        raise BundleError(f"wrong firmware family {got_family!r}, this unit is {family!r}")
    version, at = _field(data, at, "version", _HEX8)
    got_boot, at = _field(data, at, "boot", _HEX8)
    if boot is not None and got_boot != boot:
        raise BundleError(f"needs boot loader {got_boot}, this unit has {boot} (deploy it at the site)")
    table, end = _file_table(data, at)
    listed = sum(size for _, size, _ in table)
    if end + listed != len(data):
        raise BundleError(f"corrupt: the files hold {len(data) - end} bytes, the manifest lists {listed}")
    files: dict[str, bytes] = {}
    at = end
    for name, size, md5 in table:
        files[name] = data[at : at + size]
        at += size
        if _md5(files[name]) != md5:
            raise BundleError(f"corrupt: {name} does not match its MD5")
    return Bundle(got_family, version, got_boot, files, data[start:end])
