"""A field update end to end: a unit deployed as `build.py deploy` leaves it, an SMS `update <url>`, the bundle from
a plain HTTP server on loopback over the modem's own socket, the reboot into the boot loader, the trial, the
confirmation or the rollback, each told by SMS; and power cuts at the steps of an update."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from fsm.bundle import firmware_files
from fsm.bundle import pack
from fsm.bundle import update_files
from fsm.interpreters import Interpreter
from host.nvm import deployed
from tests.e2e.gateway import Gateway
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
    gw = started(firmware_python, tmp_path / "nvm", "connect mode server any 2040")
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
    gw = started(firmware_python, tmp_path / "nvm", "connect mode server any 2041")
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
        assert "mode server any 2041" in gw.config()  # the settings survived both changes of firmware
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
