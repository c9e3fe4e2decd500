"""The loopback HTTP server the update tests download from (tests.support.LoopbackHttp, fixture http_server):
a plain server, and each way it can misbehave, seen by a plain HTTP/1.0 client on a raw socket."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.support import LoopbackHttp

BODY = bytes(range(256)) * 40  # 10240 bytes, every byte value


def get(server: LoopbackHttp, name: str) -> tuple[int, dict[str, str], bytes]:
    """An HTTP/1.0 GET as the firmware sends it: the status, the headers, and every byte until the server closes."""
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(f"GET /{name} HTTP/1.0\r\nHost: {server.host}\r\n\r\n".encode())
        got = b""
        while chunk := sock.recv(65536):
            got += chunk
    head, _, body = got.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in header_lines)}
    return int(status_line.split(" ")[1]), headers, body


def test_it_serves_a_folder_as_any_plain_server_does(http_server: LoopbackHttp) -> None:
    (http_server.root / "fw.bin").write_bytes(BODY)
    assert http_server.url("fw.bin") == f"http://127.0.0.1:{http_server.port}/fw.bin"
    status, headers, body = get(http_server, "fw.bin")
    assert (status, headers["content-length"], body) == (200, str(len(BODY)), BODY)
    assert get(http_server, "missing.bin")[0] == 404
    assert http_server.requests == ["/fw.bin", "/missing.bin"]


def test_each_misbehaviour(http_server: LoopbackHttp) -> None:
    (http_server.root / "fw.bin").write_bytes(BODY)
    http_server.mode = "404"
    assert get(http_server, "fw.bin")[0] == 404
    http_server.mode = "half"
    status, headers, body = get(http_server, "fw.bin")
    assert (status, headers["content-length"], body) == (200, str(len(BODY)), BODY[: len(BODY) // 2])
    http_server.mode = "wrong_length"
    status, headers, body = get(http_server, "fw.bin")
    assert (status, headers["content-length"], body) == (200, str(len(BODY) + 100), BODY)
    http_server.length_delta = -10
    assert get(http_server, "fw.bin")[1]["content-length"] == str(len(BODY) - 10)
    assert get(http_server, "nothing.bin")[0] == 404, "a misbehaving server still has no file it does not have"
    http_server.mode = "ok"
    assert get(http_server, "fw.bin")[2] == BODY


def test_stopped_it_refuses_connections(tmp_path: Path) -> None:
    with LoopbackHttp(tmp_path) as server:
        (tmp_path / "a").write_bytes(b"x")
        assert get(server, "a")[2] == b"x"
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((server.host, server.port), timeout=5).close()
