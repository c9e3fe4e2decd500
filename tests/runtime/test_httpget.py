"""The download of the field update (runtime/httpget.py) in the firmware interpreter: the URL parser at its
limits, the head parser, the request, and fetch() on a scripted MDM that cuts and merges the answer exactly
where a test wants (the end-to-end tests, tests/e2e/test_httpget.py, meet the simulator's random cuts)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from fsm.interpreters import Interpreter
from tests.runtime.fwunit import RUNNER
from tests.runtime.fwunit import evaluate
from tests.support import GENERATED
from tests.support import RUNTIME
from tests.support import STUBS
from tests.support import run_firmware

SCRIPTED = Path(__file__).parent / "mdmscript"  # a scripted MDM and a still MOD, ahead of the inert stubs
NC = "\r\nNO CARRIER\r\n"
CONNECT = "\r\nCONNECT\r\n"
HOST_MAX = 40
BAD_HOST = "the host must be an IP address or a name of 1-40 characters of a-z 0-9 - ."


def fetch(python: Interpreter, runs: list[tuple[list[tuple[str, int]], int]]) -> list[tuple]:
    """fetchcheck.run(items, most) for each run, in one firmware process."""
    exprs = [f"fetchcheck.run({items!r}, {most})" for items, most in runs]
    proc = run_firmware(python, RUNNER, [SCRIPTED, RUNTIME, GENERATED, STUBS], args=("fetchcheck",),
                        stdin="\n".join(exprs) + "\n")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(runs), proc.stdout + proc.stderr
    assert not any(line.startswith("raised") for line in lines), lines
    return [ast.literal_eval(line) for line in lines]


URLS = [
    # (url, (error or None, host, port, path))
    ("http://192.168.0.10/fw.bin", (None, "192.168.0.10", 80, "/fw.bin")),
    ("HTTP://Example.COM:8080/a/b?c=d", (None, "example.com", 8080, "/a/b?c=d")),
    ("http://example.com", (None, "example.com", 80, "/")),
    ("http://example.com:1/", (None, "example.com", 1, "/")),
    ("http://example.com:65535/", (None, "example.com", 65535, "/")),
    ("http://" + "a" * HOST_MAX + "/", (None, "a" * HOST_MAX, 80, "/")),
    ("http://a/", (None, "a", 80, "/")),
    ("http://example.com:0/", "the port must be a number 1..65535"),
    ("http://example.com:65536/", "the port must be a number 1..65535"),
    ("http://example.com:/", "the port must be a number 1..65535"),
    ("http://example.com:8o/", "the port must be a number 1..65535"),
    ("http://" + "a" * (HOST_MAX + 1) + "/", BAD_HOST),
    ("http:///x", BAD_HOST),
    ("http://user@example.com/", BAD_HOST),
    ("http://1.2.3.256/", BAD_HOST),
    ("http://example.com/a\"b", "the path must be printable, without spaces or quotes"),
    ("https://example.com/", "https is not supported: use http://"),
    ("ftp://example.com/", "the URL must start with http://"),
    ("example.com/fw.bin", "the URL must start with http://"),
]


def test_the_url_parser_at_its_limits(firmware_python: Interpreter) -> None:
    got = evaluate(firmware_python, ["httpget"], [f"httpget.parse_url({u!r})" for u, _ in URLS])
    for (url, want), result in zip(URLS, got, strict=True):
        if isinstance(want, str):
            assert result == (want, None, 0, None), url
        else:
            assert result == want, url


HEADS = [
    ("HTTP/1.0 200 OK\r\nContent-Length: 12\r\n\r\n", (None, 12)),
    ("HTTP/1.1 200 OK\r\nServer: x\r\ncontent-length:  7 \r\n\r\n", (None, 7)),
    ("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", (None, 0)),
    ("HTTP/1.0 200 OK\r\nContent-Length: 999999999\r\n\r\n", (None, 999999999)),
    ("HTTP/1.0 200 OK\r\nContent-Length: 1000000000\r\n\r\n", ("too big: 1000000000 bytes", -1)),
    ("HTTP/1.0 200 OK\r\nContent-Length: 12a\r\n\r\n", ("bad Content-Length", -1)),
    ("HTTP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n", ("bad Content-Length", -1)),
    ("HTTP/1.0 200 OK\r\nContent-Type: x\r\n\r\n", ("no Content-Length", -1)),
    ("HTTP/1.0 404 Not Found\r\nContent-Length: 3\r\n\r\n", ("HTTP 404", -1)),
    ("HTTP/1.1 302 Found\r\nLocation: http://x/\r\n\r\n", ("HTTP 302", -1)),
    ("SSH-2.0-OpenSSH\r\n\r\n", ("not an HTTP answer", -1)),
    ("\r\n\r\n", ("not an HTTP answer", -1)),
]


def test_the_head_parser(firmware_python: Interpreter) -> None:
    got = evaluate(firmware_python, ["httpget"], [f"httpget.parse_head({h!r})" for h, _ in HEADS])
    assert got == [want for _, want in HEADS]


def test_the_end_of_the_head_is_found_with_crlf_or_a_bare_lf(firmware_python: Interpreter) -> None:
    texts = ["A\r\nB\r\n\r\nbody", "A\nB\n\nbody", "A\r\nB\r\n\r", "A\r\nB\r\n", "A\n\r\nB\n\nC"]
    got = evaluate(firmware_python, ["httpget"], [f"httpget.head_end({t!r})" for t in texts])
    assert got == [8, 5, -1, -1, 4]


@pytest.mark.parametrize("size", [3, 300, 512])
def test_the_request_fills_whole_packets(firmware_python: Interpreter, size: int) -> None:
    [req] = evaluate(firmware_python, ["httpget"], [f"httpget.request('example.com', '/fw.bin', {size})"])
    assert req.startswith("GET /fw.bin HTTP/1.0\r\nHost: example.com\r\nConnection: close\r\nX-Pad: ")
    assert req.endswith("\r\n\r\n")
    assert req.count("\r\n\r\n") == 1
    assert len(req) % size == 0


def head(length: int, status: str = "200 OK") -> str:
    return f"HTTP/1.0 {status}\r\nContent-Length: {length}\r\n\r\n"


def test_a_head_cut_inside_its_blank_line_and_merged_with_the_body(firmware_python: Interpreter) -> None:
    body = "0123456789"
    h = head(len(body))
    runs = [
        # the head cut in its CR LF CR LF, the body's start merged with the head's end, its end with NO CARRIER
        ([(CONNECT + h[:-3], 1), (h[-3:-1], 1), (h[-1:] + body[:4], 1), (body[4:] + NC, 0)], 100),
        # everything in the chunk of CONNECT: the answer, NO CARRIER, a URC held during the call
        ([(CONNECT + h + body + NC + "+CMTI: \"SM\",3\r\n", 0)], 100),
        # one byte a chunk
        ([(CONNECT, 1)] + [(c, 1) for c in h + body[:-1]] + [(body[-1] + NC, 0)], 100),
        # a bare LF head
        ([(CONNECT + "HTTP/1.0 200 OK\nContent-Length: 10\n\n" + body, 1), (NC, 0)], 100),
    ]
    for error, got, data, request, _urcs, escaped in fetch(firmware_python, runs):
        assert (error, got, data, escaped) == (None, len(body), body, 0)
        assert request.startswith("GET /b HTTP/1.0\r\nHost: example.com\r\n")
    assert fetch(firmware_python, runs[1:2])[0][4] == ['+CMTI: "SM",3']


def test_what_follows_the_body_is_never_body(firmware_python: Interpreter) -> None:
    body = "ab" + NC + "cd"  # the modem's text inside the body, while DCD is up: data
    runs = [
        ([(CONNECT + head(len(body)) + body, 1), (NC, 0)], 100),
        # the server sends more than its Content-Length
        ([(CONNECT + head(len(body)) + body + "EXTRA", 1), (NC, 0)], 100),
        # DCD fell: the modem's NO CARRIER after 5 bytes of a 19-byte body, in the same chunk (a naive count: 19)
        ([(CONNECT + head(5 + len(NC)) + "abcde" + NC, 0)], 100),
        # ... with the NO CARRIER cut, its first part in a chunk read while DCD still showed the call
        ([(CONNECT + head(40) + "abcde", 1), ("\r\nNO CAR", 0), ("RIER\r\n", 0)], 100),
    ]
    got = fetch(firmware_python, runs)
    assert [r[:3] for r in got] == [
        (None, len(body), body),
        (None, len(body), body),
        ("short download: got 5 of 19 bytes", 5, "abcde"),
        ("short download: got 5 of 40 bytes", 5, "abcde"),
    ]


def test_the_body_the_modem_still_holds_when_dcd_falls_is_read_to_the_end(firmware_python: Interpreter) -> None:
    """The server sent everything and closed: DCD is low while 20 kB of body still wait in the modem, in chunks of
    500 bytes (far more than the old 20 receives after DCD fell), one holding the modem's text as data more than
    4 kB before the end; then the real NO CARRIER and the URCs the modem held, which go to the AT driver."""
    data = "".join(chr(32 + i % 90) for i in range(20_000))
    body = data[:10_000] + NC + data[10_000:]
    urcs = '\r\n+CMTI: "SM",4\r\n\r\nRING\r\n'
    rest = [(body[i:i + 500], 0) for i in range(500, len(body), 500)]
    runs = [([(CONNECT + head(len(body)) + body[:500], 1), *rest, (NC + urcs, 0)], 50_000),
            # the same body, its NO CARRIER and URCs cut inside and merged with the last bytes of the body
            ([(CONNECT + head(len(body)) + body[:500], 1), *rest[:-1], (rest[-1][0] + NC[:5], 0),
              (NC[5:] + urcs[:9], 0), (urcs[9:], 0)], 50_000)]
    for error, got, received, _, queued, _ in fetch(firmware_python, runs):
        assert (error, got) == (None, len(body))
        assert received == body
        assert queued == ['+CMTI: "SM",4', "RING"]


def test_refusals_end_the_call_before_any_body_is_given(firmware_python: Interpreter) -> None:
    runs = [
        ([(CONNECT + head(1000)[:20], 1), (head(1000)[20:] + "x" * 100, 1)], 999),
        ([(CONNECT + head(3, "404 Not Found"), 1), ("abc", 1)], 100),
        ([(CONNECT + "HTTP/1.0 200 OK\r\n\r\nabc", 1)], 100),
        ([(CONNECT + "HTTP/1.0 200 OK\r\n", 1), ("X: " + "y" * 5000, 1)], 100),
        ([(CONNECT + head(100) + "abc", 1)], 100),  # then nothing: the no-progress timeout
        ([(CONNECT + head(100)[:10], 0), (NC, 0)], 100),
    ]
    got = fetch(firmware_python, runs)
    assert [(r[0], r[1], r[2], r[5]) for r in got] == [
        ("too big: 1000 bytes", 0, "", 1),
        ("HTTP 404", 0, "", 1),
        ("no Content-Length", 0, "", 1),
        ("not an HTTP answer", 0, "", 1),
        ("timed out after 3 bytes", 3, "abc", 1),
        ("no HTTP answer", 0, "", 0),
    ]


def test_dial_failures_name_the_cause(firmware_python: Interpreter) -> None:
    cases = ["httpget._dial_error(None, 'example.com', '', 0)",
             "httpget._dial_error(None, 'example.com', 'NO CARRIER', 2)",
             f"httpget._dial_error(None, 'example.com', 'NO CARRIER', {29})",
             f"httpget._dial_error(None, 'example.com', 'NO CARRIER', {30})"]
    assert evaluate(firmware_python, ["httpget"], cases) == [
        "no answer from example.com", "connection refused", "connection refused", "no answer from example.com"]
