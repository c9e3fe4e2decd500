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

from fsm.interpreters import Interpreter
from host.nvm import deployed
from tests.e2e.gateway import Gateway
from tests.support import LAYOUT
from tests.support import LoopbackHttp

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
