"""The boot loader (runtime/fwboot.py) against power cuts: a cut at every step of an install, of a rollback and
of a confirmation leaves, after the next starts, exactly one whole firmware (the old or the new, never a mix,
never neither) and a boot record that says which (docs/design/update.md section 4). Runs the real boot loader in
a firmware interpreter process, one process per start, as the module would run it."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from fsm.interpreters import Interpreter
from tests.runtime.fwunit import evaluate

OLD = {"alpha.py": b"A = 1\r\n" * 900, "beta.py": b"B = 1\r\n", "gone.py": b"G = 1\r\n" * 40}
NEW = {"alpha.py": b"A = 2\r\n" * 1100, "beta.py": b"B = 1\r\n", "fresh.py": b"F = 2\r\n" * 30}
NAMES = sorted(set(OLD) | set(NEW) | {f"{n}o" for n in set(OLD) | set(NEW)})
KEY = "ownerkey1"
MAX_STARTS = 4  # starts after a cut before the record must have settled
SENDER = "+447700900001"


def bundle(files: dict[str, bytes], version: str, key: str = KEY) -> bytes:
    """A bundle as docs/design/update.md section 2 describes it."""
    header = f"family telit-py15\nversion {version}\nboot b0070000\nfiles {len(files)}\n"
    header += "".join(f"{n} {len(d)} {hashlib.md5(d).hexdigest()}\n" for n, d in files.items())
    body = header.encode() + b"".join(files.values())
    mac = hmac.new(key.encode(), body, hashlib.md5).hexdigest()
    return f"SMSGW 1 {mac}\n".encode() + body


def manifest(files: dict[str, bytes], version: str) -> bytes:
    whole = bundle(files, version)
    return whole[whole.index(b"\n") + 1:len(whole) - sum(len(d) for d in files.values())]


def md5s(files: dict[str, bytes]) -> dict[str, str | None]:
    out: dict[str, str | None] = dict.fromkeys(NAMES)
    out.update({n: hashlib.md5(d).hexdigest() for n, d in files.items()})
    return out


def installed_old(nvm: Path) -> None:
    """A unit running the old firmware (compiled), as deploy and the first start leave it."""
    for name, data in OLD.items():
        (nvm / name).write_bytes(data)
        (nvm / f"{name}o").write_bytes(b"compiled " + data[:20])
    (nvm / "fwman.txt").write_bytes(manifest(OLD, "0ld00000"))


def staged(nvm: Path, python: Interpreter) -> None:
    """The updater's work done: fwnew.bin, fwold.bin and the record `install` (the switch point)."""
    installed_old(nvm)
    new, old = bundle(NEW, "ne000000"), b"SMSGW 1 " + b"0" * 32 + b"\n" + manifest(OLD, "0ld00000") + b"".join(
        OLD.values())
    (nvm / "fwnew.bin").write_bytes(new)
    (nvm / "fwold.bin").write_bytes(old)
    fields = {"state": "install", "version": "ne000000", "old": "0ld00000", "boots": "0", "sender": SENDER,
              "newmd5": hashlib.md5(new).hexdigest(), "oldmd5": hashlib.md5(old).hexdigest()}
    assert evaluate(python, ["bootcheck"], [f"bootcheck.save({fields!r})"], cwd=nvm) == [1]


def start(python: Interpreter, nvm: Path, call: str) -> str:
    return evaluate(python, ["bootcheck"], [call], cwd=nvm)[0]


def settle(python: Interpreter, nvm: Path, call: str) -> str:
    """Starts the module (no more cuts) until a start ends with the firmware running; returns its state."""
    for _ in range(MAX_STARTS):
        got = start(python, nvm, call)
        if got not in ("cut", "rebooted"):
            return got
    raise AssertionError("the boot loader never let a firmware run")


def files(python: Interpreter, nvm: Path) -> dict[str, str | None]:
    return evaluate(python, ["bootcheck"], [f"bootcheck.files({NAMES!r})"], cwd=nvm)[0]


def record(python: Interpreter, nvm: Path) -> tuple[str, str, str, str, str]:
    return tuple(evaluate(python, ["bootcheck"], ["bootcheck.record()"], cwd=nvm)[0])


def test_an_install_uninterrupted_runs_the_new_firmware_on_trial_then_confirmed(
        firmware_python: Interpreter, tmp_path: Path) -> None:
    staged(tmp_path, firmware_python)
    assert start(firmware_python, tmp_path, "bootcheck.boot(-1)") == "trial"
    assert files(firmware_python, tmp_path) == md5s(NEW)  # gone.py and every stale .pyo removed
    assert (tmp_path / "fwman.txt").read_bytes() == manifest(NEW, "ne000000")
    assert (tmp_path / "fwold.bin").stat().st_size > 0  # kept for a rollback during the trial
    assert (tmp_path / "fwnew.bin").stat().st_size == 0
    assert start(firmware_python, tmp_path, "bootcheck.boot_and_confirm(-1)") == "run"  # a second start
    # a second start of the new firmware before it reached its mode: the old one is back
    assert files(firmware_python, tmp_path) == md5s(OLD)
    assert record(firmware_python, tmp_path)[0] == "run"
    assert record(firmware_python, tmp_path)[4] == ("Error: update ne000000 rolled back: "
                                                   "restarted before reaching its mode")


@pytest.mark.req("UPD-ATOMIC")
def test_a_cut_at_every_step_of_an_install_leaves_the_new_firmware_whole_on_trial(
        firmware_python: Interpreter, tmp_path: Path) -> None:
    cut = 1
    while True:
        nvm = tmp_path / f"cut{cut}"
        nvm.mkdir()
        staged(nvm, firmware_python)
        if start(firmware_python, nvm, f"bootcheck.boot({cut})") != "cut":
            break  # every step was cut once
        assert settle(firmware_python, nvm, "bootcheck.boot(-1)") == "trial", f"cut at step {cut}"
        assert files(firmware_python, nvm) == md5s(NEW), f"cut at step {cut}"
        assert (nvm / "fwman.txt").read_bytes() == manifest(NEW, "ne000000")
        cut += 1
    assert cut > 10, "the install had fewer steps than files written: the cut never fell inside it"


@pytest.mark.req("UPD-ATOMIC", "UPD-TRIAL")
def test_a_cut_at_every_step_of_a_rollback_leaves_the_old_firmware_whole(
        firmware_python: Interpreter, tmp_path: Path) -> None:
    cut = 1
    while True:
        nvm = tmp_path / f"cut{cut}"
        nvm.mkdir()
        staged(nvm, firmware_python)
        assert start(firmware_python, nvm, "bootcheck.boot(-1)") == "trial"
        # the new firmware crashed, hung or lost power before reaching its mode: this start rolls it back
        if start(firmware_python, nvm, f"bootcheck.boot({cut})") != "cut":
            break
        assert settle(firmware_python, nvm, "bootcheck.boot(-1)") == "run", f"cut at step {cut}"
        assert files(firmware_python, nvm) == md5s(OLD), f"cut at step {cut}"
        assert (nvm / "fwman.txt").read_bytes() == manifest(OLD, "0ld00000")
        assert record(firmware_python, nvm)[4].startswith("Error: update ne000000 rolled back: ")
        cut += 1
    assert cut > 10


@pytest.mark.req("UPD-ATOMIC", "UPD-CONFIRM")
def test_a_cut_at_every_step_of_a_first_start_that_reaches_its_mode_leaves_one_whole_firmware(
        firmware_python: Interpreter, tmp_path: Path) -> None:
    """The first start installs, goes on trial and (the firmware reached its mode) confirms. A cut before the trial
    began repeats the install; a cut once it began is a restart on trial, so the old firmware comes back; a cut
    after the confirmation was saved keeps the new one."""
    outcomes = set()
    cut = 1
    while True:
        nvm = tmp_path / f"cut{cut}"
        nvm.mkdir()
        staged(nvm, firmware_python)
        got = start(firmware_python, nvm, f"bootcheck.boot_and_confirm({cut})")
        if got != "cut":
            assert got == "run"
            break
        state = settle(firmware_python, nvm, "bootcheck.boot(-1)")
        report = record(firmware_python, nvm)[4]
        if report.startswith("Error: update ne000000 rolled back: "):
            want, outcome = md5s(OLD), "rolled back"
        else:
            want, outcome = md5s(NEW), state
        assert state in ("trial", "run"), f"cut at step {cut}"
        assert files(firmware_python, nvm) == want, f"cut at step {cut}: {record(firmware_python, nvm)}"
        outcomes.add(outcome)
        cut += 1
    assert outcomes == {"trial", "rolled back", "run"}, "a cut fell in each part of the first start"
    last = tmp_path / f"cut{cut}"
    assert (last / "fwold.bin").stat().st_size == 0
    assert record(firmware_python, last)[4] == "Confirmed: update ne000000 running"
    assert files(firmware_python, last) == md5s(NEW)


@pytest.mark.req("UPD-ATOMIC")
def test_a_cut_at_every_step_of_the_switch_leaves_the_old_firmware_or_the_new_one_installing(
        firmware_python: Interpreter, tmp_path: Path) -> None:
    """The updater's last step writes fwold.bin and then the record `install`: a cut anywhere in it, the record's
    write included, leaves the old firmware running (and the two bundles removed at the next start); once the record
    is whole, the next start installs the new one."""
    outcomes = set()
    cut = 1
    while True:
        nvm = tmp_path / f"cut{cut}"
        nvm.mkdir()
        installed_old(nvm)
        (nvm / "fwnew.bin").write_bytes(bundle(NEW, "ne000000"))  # downloaded and checked
        got = start(firmware_python, nvm, f"bootcheck.stage({cut}, {SENDER!r})")
        if got != "cut":
            assert got == "install"
            break
        state = settle(firmware_python, nvm, "bootcheck.boot(-1)")
        if state == "run":
            assert files(firmware_python, nvm) == {**md5s(OLD), **{f"{n}o": files(firmware_python, nvm)[f"{n}o"]
                                                                for n in OLD}}, f"cut at step {cut}"
            assert not (nvm / "fwnew.bin").read_bytes()
            assert not (nvm / "fwold.bin").read_bytes()
        else:
            assert state == "trial", f"cut at step {cut}"
            assert files(firmware_python, nvm) == md5s(NEW), f"cut at step {cut}"
        outcomes.add(state)
        cut += 1
    assert outcomes == {"run"}
    assert cut == 10, "9 steps: fwold.bin opened, its first line, header, 4 pieces of files; the record opened, written"
    last = tmp_path / f"cut{cut}"
    assert settle(firmware_python, last, "bootcheck.boot(-1)") == "trial"
    assert files(firmware_python, last) == md5s(NEW)


def test_a_damaged_download_in_flash_is_not_installed(firmware_python: Interpreter, tmp_path: Path) -> None:
    staged(tmp_path, firmware_python)
    data = bytearray((tmp_path / "fwnew.bin").read_bytes())
    data[-5] ^= 0x20
    (tmp_path / "fwnew.bin").write_bytes(bytes(data))
    assert settle(firmware_python, tmp_path, "bootcheck.boot(-1)") == "run"
    assert files(firmware_python, tmp_path) == md5s(OLD)
    assert record(firmware_python, tmp_path)[4] == ("Error: update ne000000 rolled back: "
                                                   "the download was damaged in flash")


def test_a_leftover_download_is_removed_at_the_next_start(firmware_python: Interpreter, tmp_path: Path) -> None:
    installed_old(tmp_path)
    (tmp_path / "fwnew.bin").write_bytes(bundle(NEW, "ne000000")[:5000])  # a power cut during the download
    assert start(firmware_python, tmp_path, "bootcheck.boot(-1)") == "run"
    assert (tmp_path / "fwnew.bin").stat().st_size == 0
    sources = {n: v for n, v in files(firmware_python, tmp_path).items() if n.endswith(".py")}
    assert sources == {n: v for n, v in md5s(OLD).items() if n.endswith(".py")}
    assert (tmp_path / "alpha.pyo").read_bytes().startswith(b"compiled")  # nothing else was touched


def test_the_keyed_checksum_is_hmac_md5(firmware_python: Interpreter) -> None:
    body = "family telit-py15\n" + "x" * 5000
    want = hmac.new(KEY.encode(), body.encode(), hashlib.md5).hexdigest()
    assert evaluate(firmware_python, ["bootcheck"], [f"bootcheck.mac({KEY!r}, {body!r})"])[0] == want
