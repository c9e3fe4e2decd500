"""A field update end to end: a unit deployed as `build.py deploy` leaves it, an SMS `update <url>`, the bundle from
a plain HTTP server on loopback over the modem's own socket, the reboot into the boot loader, the trial, the
confirmation or the rollback, each told by SMS; and power cuts at the steps of an update."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from fsm.bundle import firmware_files
from fsm.bundle import pack
from fsm.bundle import update_files
from fsm.interpreters import Interpreter
from host.nvm import compiled_size
from host.nvm import deployed
from host.nvm import pyo_source
from tests.e2e.gateway import Gateway
from tests.e2e.gateway import connect_to_gateway
from tests.e2e.gateway import listen_on_free_port
from tests.support import LAYOUT
from tests.support import LoopbackHttp
from tests.support import free_port

KEY = "ownerkey1"
QUIET_S = 0.05
STARTMODE = (1, 10)


def version_now() -> str:
    text = (LAYOUT.generated / "fsm_commands.py").read_text()
    found = re.search(r"^VERSION = '([0-9a-f]{8})'", text, re.M)
    assert found
    return found.group(1)


def new_firmware(version: str, edit: Callable[[dict[str, bytes]], None] | None = None) -> dict[str, bytes]:
    """Today's firmware files reporting `version`, changed by `edit`."""
    files = firmware_files(LAYOUT.firmware_dirs)
    old = version_now()
    files["fsm_commands.py"] = files["fsm_commands.py"].replace(
        f"VERSION = '{old}'".encode(), f"VERSION = '{version}'".encode())
    if edit is not None:
        edit(files)
    return files


def deployed_gateway(python: Interpreter, nvm: Path) -> Gateway:
    """A unit as `build.py deploy` leaves it. The HTTP server is a thread: the virtual clock waits QUIET_S of
    quiet before it jumps, so the server's answer comes in clock time (tests/e2e/test_httpget.py does the same)."""
    return Gateway(python, nvm, scripts=deployed(list(LAYOUT.firmware_dirs), "main.py", STARTMODE),
                   quiet_s=QUIET_S)


def publish(http: LoopbackHttp, name: str, data: bytes) -> str:
    (http.root / name).write_bytes(data)
    return http.url(name)


def status_version(gw: Gateway, password: str = "connect") -> str:
    reply = " ".join(gw.replies([f"{password} status"]))
    found = re.search(r"version ([0-9a-f]{8})", reply)
    assert found, reply
    return found.group(1)


def live(gw: Gateway, name: str) -> bytes | None:
    """A file of the module's file system as the running firmware sees it (None when absent or emptied)."""
    path = gw.nvm / name
    data = path.read_bytes() if path.exists() else b""
    return data or None


def listens(gw: Gateway) -> int:
    return sum("session: listening on" in line for line in gw.sim.trace.lines())


def until_reply(gw: Gateway, start: int, what: str, timeout_s: float = 60) -> str:
    gw.until(lambda: len(gw.outbox) > start, what, timeout_s)
    return gw.outbox[start][1]


@pytest.mark.req("UPD-SMS", "UPD-REPLY", "UPD-CONFIRM", "UPD-SETTINGS", "UPD-KEY")
def test_an_update_from_a_plain_http_server_replaces_the_firmware_and_keeps_the_settings(
        firmware_python: Interpreter, tmp_path: Path, http_server: LoopbackHttp) -> None:
    gw = deployed_gateway(firmware_python, tmp_path / "nvm")
    try:
        assert gw.command(f"connect updatekey {KEY}") == "Confirmed: updatekey set"
        assert gw.command("connect smspassword s3cret") == "Confirmed: smspassword s3cret"
        url = publish(http_server, "new.bin", pack(new_firmware("a1b2c3d4"), KEY))
        before = len(gw.outbox)
        gw.sms(f"s3cret update {url}")
        assert until_reply(gw, before, "the download's reply") == "Confirmed: update a1b2c3d4 downloaded, restarting"
        assert until_reply(gw, before + 1, "the new firmware's confirmation", 120) == (
            "Confirmed: update a1b2c3d4 running")
        assert [why for _, why in gw.sim.reboot_log] == ["watchdog"], "one restart, into the boot loader"
        restart = gw.sim.reboot_log[0][0]
        dcd = [(t, v) for t, line, v in gw.sim.serial.line_log if line == "DCD" and t >= restart]
        assert dcd[0][1] == 0
        # the script starts after the start mode's window for AT commands: DCD low then, not after the install
        assert dcd[0][0] - restart < STARTMODE[1] + 1
        assert status_version(gw, "s3cret") == "a1b2c3d4"  # and the password survived the update
        assert live(gw, "fwold.bin") is None  # removed once the new firmware was confirmed
        assert live(gw, "fwnew.bin") is None  # removed once installed
        assert b"version a1b2c3d4" in live(gw, "fwman.txt")
    finally:
        gw.close()


def started(python: Interpreter, nvm: Path, *commands: str) -> Gateway:
    """A deployed unit with the update key, after `commands` (each confirmed)."""
    gw = deployed_gateway(python, nvm)
    for text in (f"connect updatekey {KEY}", *commands):
        assert gw.command(text).startswith("Confirmed: "), text
    return gw


def crash_at_import(files: dict[str, bytes]) -> None:
    files["gwloop.py"] = files["gwloop.py"].replace(b"import MDM\r\n", b"import MDM\r\nimport nosuchmodule\r\n", 1)


def hang_before_the_mode(files: dict[str, bytes]) -> None:
    """A firmware that runs and kicks the watchdog but never reaches its mode (GPRS is never set up)."""
    files["gwboot.py"] = files["gwboot.py"].replace(b"def setup_gprs(m, arg):\r\n",
                                                    b"def setup_gprs(m, arg):\r\n    return\r\n", 1)


@pytest.mark.req("UPD-REPLY")
@pytest.mark.parametrize(("case", "reply"), [
    ("404", "HTTP 404"),
    ("corrupt", "corrupt bundle: fsm_watch.py does not match its checksum"),  # the last file is cut
    ("other key", "not signed with this unit's update key"),
    ("half", "short download: got"),
    ("same version", "is already running"),
    ("refused", "connection refused"),
    ("not a bundle", "not a firmware bundle"),
])
def test_a_bad_download_changes_nothing_and_says_why(
        firmware_python: Interpreter, tmp_path: Path, http_server: LoopbackHttp, case: str, reply: str) -> None:
    port = free_port()
    gw = started(firmware_python, tmp_path / "nvm", f"connect mode server any {port}")
    try:
        old = version_now()
        data = pack(new_firmware("b2c3d4e5"), KEY)
        if case == "404":
            http_server.mode = "404"
        elif case == "corrupt":
            assert list(update_files(new_firmware("b2c3d4e5")))[-1] == "fsm_watch.py"
            data = data[:-3] + b"#\r\n"  # a byte of the last file changed in transit
        elif case == "other key":
            data = pack(new_firmware("b2c3d4e5"), "someoneelse9")
        elif case == "half":
            http_server.mode = "half"
        elif case == "same version":
            data = pack(new_firmware(old), KEY)
        elif case == "not a bundle":
            data = b"<html>Welcome to nginx!</html>\n"
        url = publish(http_server, "fw.bin", data)
        if case == "refused":
            url = f"http://127.0.0.1:{free_port()}/fw.bin"
        listening = listens(gw)
        before = len(gw.outbox)
        gw.sms(f"connect update {url}")
        got = until_reply(gw, before, "the update's reply")
        assert got.startswith("Error: update: "), got
        assert reply in got
        assert got.endswith(f" (still running {old})")
        gw.until(lambda: listens(gw) > listening, "the server to listen again")
        assert live(gw, "fwnew.bin") is None
        assert live(gw, "fwold.bin") is None
        assert status_version(gw) == old
    finally:
        gw.close()


@pytest.mark.req("UPD-TRIAL", "UPD-SETTINGS")
@pytest.mark.parametrize(("edit", "why"), [
    (crash_at_import, "crashed: "),
    (hang_before_the_mode, "did not reach its mode within 10 minutes"),
])
def test_a_firmware_that_fails_on_trial_is_rolled_back_and_the_sender_told_why(
        firmware_python: Interpreter, tmp_path: Path, http_server: LoopbackHttp,
        edit: Callable[[dict[str, bytes]], None], why: str) -> None:
    port = free_port()
    gw = started(firmware_python, tmp_path / "nvm", f"connect mode server any {port}")
    try:
        old = version_now()
        url = publish(http_server, "bad.bin", pack(new_firmware("c3d4e5f6", edit), KEY))
        before = len(gw.outbox)
        listening = listens(gw)
        gw.sms(f"connect update {url}")
        assert until_reply(gw, before, "the download's reply") == "Confirmed: update c3d4e5f6 downloaded, restarting"
        text = until_reply(gw, before + 1, "the rollback's report", 120)
        assert text.startswith(f"Error: update c3d4e5f6 rolled back: {why}"), text
        gw.until(lambda: listens(gw) > listening, "the old firmware to listen again")
        assert status_version(gw) == old
        assert f"mode server any {port}" in gw.config()  # the settings survived both changes of firmware
        assert live(gw, "fwold.bin") is None
        assert b"version " + old.encode() in live(gw, "fwman.txt")
    finally:
        gw.close()


@pytest.mark.req("UPD-KEY")
def test_a_unit_without_an_update_key_takes_no_update(
        firmware_python: Interpreter, tmp_path: Path, http_server: LoopbackHttp) -> None:
    gw = deployed_gateway(firmware_python, tmp_path / "nvm")
    try:
        url = publish(http_server, "fw.bin", pack(new_firmware("d4e5f6a7"), KEY))
        assert gw.replies([f"connect update {url}"]) == [
            f"Error: update: no update key on this unit (send updatekey first) (still running {version_now()})"]
        assert http_server.requests == []
        assert "updatekey" not in gw.config()  # never shown
    finally:
        gw.close()


def whole_firmware(gw: Gateway) -> str:
    """The version the module's files hold, after checking they are one whole firmware: every file fwman.txt lists,
    with its size and MD5, and no compiled copy older than its source (the simulator keeps the source each .pyo
    was compiled from)."""
    manifest = live(gw, "fwman.txt")
    assert manifest is not None
    lines = manifest.decode().splitlines()
    count = int(lines[3].split()[1])
    for row in lines[4:4 + count]:
        name, size, md5 = row.split()
        data = live(gw, name)
        assert data is not None, f"{name} is missing"
        assert (len(data), hashlib.md5(data).hexdigest()) == (int(size), md5), f"{name} is not the one listed"
        compiled = pyo_source(live(gw, f"{name}o"))
        assert compiled is None or compiled == data, f"{name}o was compiled from another {name}"
    return lines[1].split()[1]


# Where a cut falls: after this trace line (or when the predicate holds), in an update's order.
CUT_POINTS: list[tuple[str, Callable[[Gateway, int], bool]]] = [
    ("the request taken", lambda gw, n: traced_after(gw, n, "update: from ")),
    ("the dial", lambda gw, n: traced_after(gw, n, "httpget: AT#SKTD")),
    ("the download half way", lambda gw, n: len(live(gw, "fwnew.bin") or b"") > 60000),
    ("the download's end", lambda gw, n: traced_after(gw, n, " bytes downloaded")),
    ("the checks done", lambda gw, n: traced_after(gw, n, " checked")),
    ("the old firmware half kept", lambda gw, n: len(live(gw, "fwold.bin") or b"") > 60000),
    ("the reply sent", lambda gw, n: traced_after(gw, n, "downloaded, restarting")),
    ("the install begun", lambda gw, n: traced_after(gw, n, "boot: installing")),
    ("the trial begun", lambda gw, n: traced_after(gw, n, "boot: on trial")),
]


REPLY_POINT = [where for where, _ in CUT_POINTS].index("the reply sent")  # the record says install before it


def traced_after(gw: Gateway, n: int, text: str) -> bool:
    return any(text in line for line in gw.sim.trace.lines()[n:])


@pytest.mark.req("UPD-ATOMIC", "UPD-TRIAL", "UPD-SETTINGS")
def test_a_power_cut_at_each_step_of_an_update_leaves_one_whole_firmware_running(
        firmware_python: Interpreter, tmp_path: Path, http_server: LoopbackHttp) -> None:
    """One unit, one update per step with the power cut there: before the boot record says install, the old
    firmware runs and the partial files go; after it, the new one is installed (again if the cut fell in the
    install) and goes on trial, and a cut during the trial rolls it back. Either way the files are one whole
    firmware and it is the version `status` shows."""
    port = free_port()
    gw = started(firmware_python, tmp_path / "nvm", f"connect mode server any {port}")
    try:
        running = version_now()
        for i, (where, reached) in enumerate(CUT_POINTS):
            version = f"e{i:07x}"
            url = publish(http_server, f"{version}.bin", pack(new_firmware(version), KEY))
            n = len(gw.sim.trace.lines())
            sent = len(gw.outbox)
            gw.sms(f"connect update {url}")
            gw.until(lambda: reached(gw, n), where, 120)  # noqa: B023 - called within this iteration
            gw.sim.power_cut(restart=True)
            gw.until(lambda: listens_since(gw, n) > 0, f"a firmware to listen after a cut at {where}", 120)  # noqa: B023 - called within this iteration
            gw.run(5)
            told = [text for _, text in gw.outbox[sent:]]
            on_module = whole_firmware(gw)
            assert status_version(gw) == on_module, where
            assert on_module in (running, version), where
            if i < REPLY_POINT:
                assert on_module == running, f"a cut at {where} installed the new firmware"
                assert told == [f"Error: update: a restart interrupted it (still running {running})"], where
            elif where == "the trial begun":
                assert on_module == running, "a cut during the trial must roll back"
                assert told[-1].startswith(f"Error: update {version} rolled back: restarted before"), told
            else:
                assert on_module == version, f"a cut at {where} lost the new firmware"
                assert told[-1] == f"Confirmed: update {version} running", told
            assert live(gw, "fwnew.bin") is None
            assert live(gw, "fwold.bin") is None
            assert f"mode server any {port}" in gw.config()
            running = on_module
    finally:
        gw.close()


def listens_since(gw: Gateway, n: int) -> int:
    return sum("session: listening on" in line for line in gw.sim.trace.lines()[n:])


@pytest.mark.req("UPD-REPLY")
@pytest.mark.parametrize(("free", "says"), [
    (200_000, r"no space on the module \(\d+ bytes free\)"),  # not even the copy of the running firmware
    (300_000, r"no space on the module \(the bundle has \d+ bytes, \d+ fit\)"),  # its Content-Length says
])
def test_a_module_without_room_for_both_firmwares_says_so_and_keeps_running(
        firmware_python: Interpreter, tmp_path: Path, http_server: LoopbackHttp, free: int, says: str) -> None:
    """The unit needs room for the download and for a copy of the firmware it runs (the rollback), and says so
    before it stores anything: at the check when the copy alone does not fit, at the download's head else."""
    store = deployed(list(LAYOUT.firmware_dirs), "main.py", STARTMODE)
    compiled = sum(compiled_size(n, d) for n, d in store.files.items() if n.endswith(".py") and n != "main.py")
    store.capacity = store.used() + compiled + free
    gw = Gateway(firmware_python, tmp_path / "nvm", scripts=store, quiet_s=QUIET_S)
    try:
        assert gw.command(f"connect updatekey {KEY}") == "Confirmed: updatekey set"
        url = publish(http_server, "big.bin", pack(new_firmware("f5e6d7c8"), KEY))
        before = len(gw.outbox)
        gw.sms(f"connect update {url}")
        got = until_reply(gw, before, "the update's reply")
        assert re.fullmatch(rf"Error: update: {says} \(still running {version_now()}\)", got), got
        assert live(gw, "fwnew.bin") is None
        assert status_version(gw) == version_now()
    finally:
        gw.close()


@pytest.mark.req("UPD-SMS", "OPS-DEFER")
def test_an_update_asked_during_a_connection_waits_for_its_end(
        firmware_python: Interpreter, tmp_path: Path, http_server: LoopbackHttp) -> None:
    gw = started(firmware_python, tmp_path / "nvm")
    try:
        url = publish(http_server, "late.bin", pack(new_firmware("a9b8c7d6"), KEY))
        port = listen_on_free_port(gw)
        client = connect_to_gateway(gw, port, "127.0.0.5")
        try:
            gw.until(lambda: gw.traced("session: online"), "the call to be accepted")
            assert gw.replies([f"connect update {url}"]) == ["Confirmed: update (applied when the connection ends)"]
            assert http_server.requests == []  # nothing while the call is up
            before = len(gw.outbox)
        finally:
            client.close()
        assert until_reply(gw, before, "the update after the call") == (
            "Confirmed: update a9b8c7d6 downloaded, restarting")
        assert until_reply(gw, before + 1, "the new firmware's confirmation", 120) == (
            "Confirmed: update a9b8c7d6 running")
    finally:
        gw.close()


@pytest.mark.req("UPD-REPLY", "UPD-ATOMIC")
def test_an_installed_firmware_that_no_longer_matches_its_manifest_is_not_replaced(
        firmware_python: Interpreter, tmp_path: Path, http_server: LoopbackHttp) -> None:
    """The copy kept for a rollback is checked file by file: a damaged installed file would make a rollback
    restore a broken firmware, so the update is refused (a visit with `build.py deploy` mends the unit)."""
    gw = started(firmware_python, tmp_path / "nvm")
    try:
        with (gw.nvm / "opstatus.py").open("ab") as f:
            f.write(b"# a flash cell that flipped\r\n")
        url = publish(http_server, "fw.bin", pack(new_firmware("b1b2b3b4"), KEY))
        before = len(gw.outbox)
        gw.sms(f"connect update {url}")
        assert until_reply(gw, before, "the update's reply") == (
            "Error: update: the installed opstatus.py is damaged, no rollback would be possible "
            f"(still running {version_now()})")
        assert live(gw, "fwold.bin") is None
        assert live(gw, "fwnew.bin") is None
    finally:
        gw.close()
