"""The update bundle (fsm/bundle.py, docs/design/update.md §2): its exact format, the keyed checksum, the key's
limits, what the reader refuses, the version it carries, and `build.py bundle`."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest

import build
from fsm import bundle
from fsm.bundle import BundleError
from fsm.emit.codegen import firmware_version
from fsm.layout import Layout
from tests.runtime.fwunit import assigned
from tests.support import GENERATED
from tests.support import LAYOUT
from tests.support import ROOT

KEY = "owner2024key"


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return bundle.firmware_files(LAYOUT.firmware_dirs)


@pytest.fixture(scope="module")
def packed(files: dict[str, bytes]) -> bytes:
    return bundle.pack(files, KEY)


def rfc2104_hmac_md5(key: bytes, data: bytes) -> str:
    """HMAC as RFC 2104 writes it (what the firmware computes with its md5 module): H(K^opad, H(K^ipad, data))."""
    block = key.ljust(64, b"\0")
    inner = hashlib.md5(bytes(b ^ 0x36 for b in block) + data).digest()
    return hashlib.md5(bytes(b ^ 0x5C for b in block) + inner).hexdigest()


def test_the_bundle_is_the_documented_text_then_the_files(files: dict[str, bytes], packed: bytes) -> None:
    lines = packed.split(b"\n")
    first = lines[0].decode()
    assert re.fullmatch(r"SMSGW 1 [0-9a-f]{32}", first)
    version = assigned(GENERATED / "fsm_commands.py", "VERSION").value  # type: ignore[attr-defined]
    assert lines[1:5] == [b"family telit-py15", f"version {version}".encode(), lines[3],
                          f"files {len(bundle.update_files(files))}".encode()]
    boot = hashlib.sha256(files["main.py"] + files.get("fwboot.py", b"")).hexdigest()[:8]
    assert lines[3] == f"boot {boot}".encode()
    shipped = {n: d for n, d in files.items() if n not in ("main.py", "fwboot.py")}
    listed = [line.decode().split(" ") for line in lines[5 : 5 + len(shipped)]]
    assert [name for name, _, _ in listed] == list(shipped), "install order: runtime/ then generated/, by name"
    for name, size, md5 in listed:
        assert int(size) == len(shipped[name])
        assert md5 == hashlib.md5(shipped[name]).hexdigest()
    header_end = sum(len(line) + 1 for line in lines[: 5 + len(shipped)])
    assert packed[header_end:] == b"".join(shipped.values())
    body = packed[len(first) + 1 :]
    assert first.split(" ")[2] == rfc2104_hmac_md5(KEY.encode(), body)
    assert bundle.manifest(files) == packed[len(first) + 1 : header_end], "fwman.txt is the body's header"
    for data in shipped.values():
        assert b"\n" not in data.replace(b"\r\n", b""), "CRLF line endings, as deploy writes them"


def test_the_reader_gives_back_the_files_and_the_manifest(files: dict[str, bytes], packed: bytes) -> None:
    got = bundle.read(packed, KEY, boot=bundle.boot_id(files))
    assert got.files == bundle.update_files(files)
    assert "main.py" not in got.files
    assert got.version == firmware_version(LAYOUT.specs, LAYOUT.runtime)
    assert got.manifest == bundle.manifest(files)
    assert (got.family, got.boot) == ("telit-py15", bundle.boot_id(files))


def _resigned(data: bytes, key: str = KEY) -> bytes:
    """`data` (a bundle's bytes after its first line) with a correct first line: a bundle the owner signed."""
    return f"SMSGW 1 {bundle.mac(key, data)}\n".encode() + data


def _one_more_file(body: bytes) -> bytes:
    return re.sub(rb"\nfiles ([0-9]+)\n", lambda m: b"\nfiles %d\n" % (int(m[1]) + 1), body, count=1)


def _body(packed: bytes) -> bytes:
    return packed[packed.index(b"\n") + 1 :]


@pytest.mark.parametrize(("damage", "says"), [
    (lambda b: b[:-1] + bytes([b[-1] ^ 1]), "wrong checksum"),                      # one bit of the last file
    (lambda b: b[: len(b) // 2], "wrong checksum"),                                 # a short download
    (lambda b: b"SMSGW 1 " + b"0" * 32 + b"\n" + _body(b), "wrong checksum"),
    (lambda b: b"<html>404 Not Found</html>\n", "not a bundle"),
    (lambda b: b"", "not a bundle"),
    (lambda b: b"SMSGW 2 " + b[8:], "bundle format '2'"),
    (lambda b: b"SMSGW 1 xyz\n" + _body(b), "not 32 hex digits"),
    (lambda b: _resigned(_body(b).replace(b"family telit-py15", b"family telit-py27", 1)), "wrong firmware family"),
    (lambda b: _resigned(_body(b)[:-1] + bytes([_body(b)[-1] ^ 1])), "does not match its MD5"),
    (lambda b: _resigned(_body(b)[:-5]), "the manifest lists"),
    (lambda b: _resigned(_body(b) + b"x"), "the manifest lists"),
    (lambda b: _resigned(_body(b).replace(b"\nversion ", b"\nversio ", 1)), "'version' line expected"),
    (lambda b: _resigned(_one_more_file(_body(b))), "corrupt: file line"),
])
def test_the_reader_refuses_what_must_not_be_installed(packed: bytes, damage, says: str) -> None:  # noqa: ANN001
    with pytest.raises(BundleError, match=re.escape(says)):
        bundle.read(damage(packed), KEY)


def test_another_key_or_another_boot_loader_is_refused(files: dict[str, bytes], packed: bytes) -> None:
    with pytest.raises(BundleError, match="signed with another key"):
        bundle.read(packed, "owner2024kez")
    with pytest.raises(BundleError, match="needs boot loader .* this unit has 00000000"):
        bundle.read(packed, KEY, boot="00000000")
    assert bundle.read(_resigned(_body(packed), "otherkey99"), "otherkey99").files == bundle.update_files(files)


@pytest.mark.parametrize(("key", "ok"), [
    ("a" * 7, False), ("a" * 8, True), ("ab3" * 10 + "zz", True), ("Abcdefgh", False), ("a" * 33, False),
    ("abcd efgh", False), ("abcdefgh!", False), ("abcdéfgh", False), ("", False), ("0123456789", True),
])
def test_the_key_is_8_to_32_lower_case_letters_and_digits(key: str, ok: bool) -> None:
    if ok:
        assert bundle.check_key(key) == key
        assert len(bundle.mac(key, b"x")) == 32
    else:
        with pytest.raises(bundle.BadKey, match="update key"):
            bundle.check_key(key)


def test_the_manifest_of_a_file_set_names_what_it_reports(files: dict[str, bytes]) -> None:
    text = bundle.manifest(files).decode()
    assert text.startswith(f"family telit-py15\nversion {firmware_version(LAYOUT.specs, LAYOUT.runtime)}\n")
    assert f"files {len(bundle.update_files(files))}\n" in text
    assert "main.py" not in text
    toy = bundle.manifest({"a.py": b"x\r\n"})
    assert toy == f"family telit-py15\nversion 00000000\nboot {bundle.boot_id({})}\nfiles 1\n" \
                  f"a.py 3 {hashlib.md5(b'x' + bytes([13, 10])).hexdigest()}\n".encode()
    withman = bundle.with_manifest(files)
    assert list(withman)[-1] == "fwman.txt"
    assert withman["fwman.txt"] == bundle.manifest(files)
    assert bundle.manifest(withman) == bundle.manifest(files), "the manifest never lists itself"


def test_a_file_name_the_module_cannot_hold_is_refused() -> None:
    with pytest.raises(BundleError, match="16 characters"):
        bundle.pack({"thirteenchars.py": b"x"}, KEY)  # thirteenchars.pyo has 17
    assert bundle.read(bundle.pack({"twelvechars_.py": b"x"}, KEY), KEY).files == {"twelvechars_.py": b"x"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for part in ("fsm/specs", "runtime", "generated"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


@pytest.mark.req("UPD-BUNDLE")
def test_build_py_bundle_writes_it_and_prints_version_and_size(project: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    key_file = tmp_path / "key.txt"
    key_file.write_text(KEY + "\n")
    assert build.main(["--root", str(project), "bundle", "--key-file", str(key_file)]) == 0
    version = firmware_version(LAYOUT.specs, LAYOUT.runtime)
    written = project / "build" / f"smsgw-{version}.bin"
    out = capsys.readouterr().out
    assert f"wrote     build/smsgw-{version}.bin" in out
    assert f"bundle: version {version}, {written.stat().st_size} bytes, " in out
    assert bundle.read(written.read_bytes(), KEY).version == version
    elsewhere = tmp_path / "out" / "fw.bin"
    assert build.main(["--root", str(project), "bundle", "--key-file", str(key_file), "--out", str(elsewhere)]) == 0
    assert elsewhere.read_bytes() == written.read_bytes(), "the same sources give the same bundle"


@pytest.mark.parametrize(("content", "says"), [
    (None, "no such key file"),
    ("short1\n", "has 6 characters; it needs 8 to 32"),
    ("with space 1\n", "letters and digits only"),
    ("Capital1key\n", "lower-case letters and digits only"),
    ("key1key1\nkey2key2\n", "on one line (2 non-empty lines found)"),
    ("\n\n", "on one line (0 non-empty lines found)"),
])
def test_a_bad_key_file_is_a_usage_error_saying_why(project: Path, tmp_path: Path, content: str | None, says: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    key_file = tmp_path / "key.txt"
    if content is not None:
        key_file.write_text(content)
    assert build.main(["--root", str(project), "bundle", "--key-file", str(key_file)]) == 2
    assert says in capsys.readouterr().err
    assert not (project / "build").exists()


def test_a_runtime_edited_without_rebuilding_gives_no_bundle(project: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """The bundle's version must be the one the firmware reports: generated/ older than the sources is refused."""
    (tmp_path / "key.txt").write_text(KEY)
    compat = project / "runtime" / "compat.py"
    compat.write_bytes(compat.read_bytes() + b"# edited\n")
    assert build.main(["--root", str(project), "bundle", "--key-file", str(tmp_path / "key.txt")]) == 1
    assert "run `python build.py` first" in capsys.readouterr().err
    assert build.main(["--root", str(project), "build", "--no-draw"]) == 0
    assert build.main(["--root", str(project), "bundle", "--key-file", str(tmp_path / "key.txt")]) == 0
    assert bundle.firmware_version(Layout.of(project)) != firmware_version(LAYOUT.specs, LAYOUT.runtime)
