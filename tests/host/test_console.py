"""`python build.py simulate` (host/console.py) driven by a piped script of commands, as a demo would be."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from fsm.errors import EXIT_ENVIRONMENT
from fsm.errors import EXIT_USAGE
from fsm.interpreters import Interpreter
from host import console
from tests.host.conftest import FIRMWARE
from tests.host.conftest import FIRMWARE_KINDNESS
from tests.simseed import kindness
from tests.support import ROOT
from tests.support import free_port

# The test firmwares get what tests/host/conftest.py FIRMWARE_KINDNESS names, as console options.
FIRMWARE_KINDNESS_ARGS = [arg for name in FIRMWARE_KINDNESS.given() for arg in ("--kind", name)]
# The product firmware (runtime/) gets what tests/e2e/gateway.py says it still needs.
PRODUCT_KINDNESS = [arg for name in kindness().given() for arg in ("--kind", name)]
SCRIPT = """help
wait 5
sms +447700900001 hello there
wait 5
outbox
call
wait 4
call
call hangup
fault error AT\\+CMGL 2 +CMS ERROR: 500
fault silence AT#GPRS
fault refuse on
fault stall on
fault stall off
fault drop
fault restore
fault clear
apns internet other.apn
apns
apns any
fault bogus
frobnicate
trace 2
status
"""


def simulate(
        args: list[str], stdin: str, kind_args: list[str] = FIRMWARE_KINDNESS_ARGS) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "host.console", *kind_args, *args], input=stdin,
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_a_piped_demo_runs_every_command(firmware_python: Interpreter, tmp_path: Path) -> None:
    port = free_port()
    (tmp_path / "listen.cfg").write_text(str(port))
    args = ["--virtual", "--python", firmware_python.path, "--entry", str(FIRMWARE / "smsecho.py"),
            "--path", str(FIRMWARE), "--nvm", str(tmp_path)]
    proc = simulate(args, SCRIPT)  # no quit: end of input stops it
    out = proc.stdout.splitlines()
    assert proc.returncode == 0, proc.stderr
    assert out[0].startswith("serial: /dev/pts/")
    assert "commands:" in out
    assert f"modem: listening on 127.0.0.1:{port} (TCP)" in out
    assert "sms: stored at index 1" in out
    assert "outbox 1: to +447700900001: echo: hello there" in out
    assert "call: +447700900123 ringing, rings 1" in out
    assert "call: +447700900123 ringing, rings 2" in out  # a RING every 3 s
    assert "call: +447700900123 ended, rings 2" in out
    for fault in ("error AT\\+CMGL 2 +CMS ERROR: 500", "silence AT#GPRS", "refuse on", "stall on", "stall off", "drop",
                  "restore", "clear"):
        assert f"fault: {fault}: ok" in out
    assert out.count("apns: internet other.apn") == 2
    assert "apns: any" in out
    assert "trace: ready=1" in out
    assert "trace: answered=+447700900001" in out
    assert "clock_s: 14.0" in out
    assert "reboots: 0" in out
    assert proc.stderr.splitlines() == ["error: fault: unknown fault 'bogus'; see help",
                                        "error: unknown command 'frobnicate'; type help"]


def test_quit_stops_before_the_rest_of_the_input(tmp_path: Path) -> None:
    args = ["--virtual", "--entry", str(FIRMWARE / "smsecho.py"), "--path", str(FIRMWARE), "--nvm", str(tmp_path)]
    proc = simulate(args, "wait 1\nquit\nwait 1000\n")
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[-1] == "clock: 1.0 s"


def test_a_firmware_crash_is_reported_and_the_console_goes_on(tmp_path: Path) -> None:
    args = ["--virtual", "--entry", str(FIRMWARE / "crasher.py"), "--path", str(FIRMWARE), "--nvm", str(tmp_path)]
    proc = simulate(args, "wait 1\nstatus\n")
    assert proc.returncode == 0
    assert "firmware: firmware exited with status 1 at clock 0.0 s:" in proc.stdout
    assert "ZeroDivisionError" in proc.stdout
    assert "state: ended" in proc.stdout


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [(["--python", "/nonexistent/python1.5"], EXIT_ENVIRONMENT, "firmware interpreter not found"),
     (["--entry", "/nonexistent/main.py"], EXIT_USAGE, "firmware entry script not found"),
     (["--bogus"], EXIT_USAGE, "unrecognized arguments")],
)
def test_bad_options_give_the_documented_exit_codes(argv: list[str], code: int, message: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert console.main(argv) == code
    assert message in capsys.readouterr().err


def _smsecho_args(python: Interpreter, nvm: Path) -> list[str]:
    return ["--virtual", "--python", python.path, "--entry", str(FIRMWARE / "smsecho.py"), "--path", str(FIRMWARE),
            "--nvm", str(nvm)]


BAD_LINES = """fault error [unclosed
wait 1
call hangup
call send x
wait 1
wait -5
wait nan
wait inf
wait soon
trace many
fault error AT twice
fault silence AT 0
wait 1
status
"""


def test_every_bad_line_gets_one_clear_error_and_the_console_goes_on(firmware_python: Interpreter,
                                                                     tmp_path: Path) -> None:
    proc = simulate(_smsecho_args(firmware_python, tmp_path), BAD_LINES)
    assert proc.returncode == 0, proc.stderr
    errors = proc.stderr.splitlines()
    assert errors == [
        "error: fault: bad regex '[unclosed': unterminated character set at position 0",
        "error: no call in progress",
        "error: no call in progress",
        "error: wait: seconds must be a finite number >= 0, got '-5'",
        "error: wait: seconds must be a finite number >= 0, got 'nan'",
        "error: wait: seconds must be a finite number >= 0, got 'inf'",
        "error: wait: seconds must be a finite number >= 0, got 'soon'",
        "error: trace: count must be a whole number >= 0, got 'many'",
        "error: fault: count must be a whole number >= 1, got 'twice'",
        "error: fault: count must be a whole number >= 1, got '0'",
    ]
    out = proc.stdout.splitlines()
    assert [line for line in out if line.startswith("clock: ") and line.endswith(" s")] == [
        "clock: 1.0 s", "clock: 2.0 s", "clock: 3.0 s"]  # the bad waits let no time pass
    assert not [line for line in out if line.startswith("call:")]  # nobody called "hangup"
    assert "state: running" in out
    assert not [line for line in out if line.startswith("fault:")]  # no fault was armed by a bad line


POWER = """help
wait 2
power cut
power cut
status
wait 5
power on
power on
wait 2
power cycle
wait 2
reboot
wait 2
status
"""


def test_power_commands_cut_boot_and_cycle_the_module(firmware_python: Interpreter, tmp_path: Path) -> None:
    proc = simulate(_smsecho_args(firmware_python, tmp_path), POWER)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    for text in ("  power cut                         the module loses power (the firmware dies mid-call)",
                 "  power on                          power comes back: the module boots",
                 "  power cycle | reboot              power cut, then power on"):
        assert text in out
    assert "power: off" in out
    assert "state: off" in out  # status while off
    assert "firmware: reboot #1 (power on)" in out
    assert "firmware: reboot #2 (power cut)" in out
    assert "firmware: reboot #3 (power cut)" in out
    assert "reboots: 3" in out
    assert out.count("trace: ready=1") == 0  # (trace not asked)
    assert proc.stderr.splitlines() == ["error: power: the module is already off",
                                        "error: power: the module is already on"]


def test_simulate_a_deployed_module_whose_device_sends_atz_at_power_up(firmware_python: Interpreter) -> None:
    """`build.py simulate --deployed 0 --device-boot-text ATZ --device-dtr off`: the gateway starts and answers."""
    script = "wait 20\nsms +447700900001 connect config\nwait 30\noutbox\nstatus\n"
    args = ["--virtual", "--python", firmware_python.path, "--deployed", "0", "--device-boot-text", "ATZ",
            "--device-dtr", "off"]
    proc = simulate(args, script, PRODUCT_KINDNESS)
    assert proc.returncode == 0, proc.stderr
    assert "outbox 1: to +447700900001: Confirmed: config 1/2 mode none" in proc.stdout, proc.stdout + proc.stderr
    assert "state: running" in proc.stdout


def test_simulate_start_mode_1_with_a_device_that_sends_atz_never_starts(firmware_python: Interpreter) -> None:
    proc = simulate(["--virtual", "--python", firmware_python.path, "--deployed", "1", "--device-boot-text", "ATZ"],
                    "wait 60\nsms +447700900001 connect config\nwait 30\noutbox\nstatus\n", PRODUCT_KINDNESS)
    assert proc.returncode == 0, proc.stderr
    assert "outbox: empty" in proc.stdout
    assert "state: at" in proc.stdout


DNS = """dns
dns Gw.Example.TEST 127.0.0.1
dns gw.example.test 10.0.0
dns bad_name.test 127.0.0.1
dns -lead.test 127.0.0.1
dns other.test 10.0.0.2
dns other.test -
dns missing.test -
dns one two three
dns
wait 20
sms +447700900001 connect mode client gw.example.test {port} maintain
wait 30
outbox
"""


@pytest.mark.req("OPS-HOST-NAME")
def test_dns_lists_sets_and_forgets_names_and_the_gateway_dials_the_name(firmware_python: Interpreter) -> None:
    """`dns <name> <ip>` at the console: the product firmware in client mode by host name reaches the server the
    table names (a real listening socket on loopback)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        proc = simulate(["--virtual", "--python", firmware_python.path], DNS.format(port=port), PRODUCT_KINDNESS)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    dns = [line for line in out if line.startswith("dns: ")]
    assert dns == ["dns: empty (every name fails to resolve)",
                   "dns: gw.example.test 127.0.0.1",
                   "dns: gw.example.test 127.0.0.1", "dns: other.test 10.0.0.2",
                   "dns: gw.example.test 127.0.0.1",
                   "dns: gw.example.test 127.0.0.1",
                   "dns: gw.example.test 127.0.0.1"]
    assert proc.stderr.splitlines() == [
        "error: dns: '10.0.0' is not an IPv4 address (or - to forget the name)",
        "error: dns: 'bad_name.test' is not a host name (letters, digits, - and .)",
        "error: dns: '-lead.test' is not a host name (letters, digits, - and .)",
        "error: usage: dns | dns <name> <ip> | dns <name> -",
    ]
    assert f"outbox 1: to +447700900001: Confirmed: mode client gw.example.test {port} maintain" in out
    assert f"modem: socket out 127.0.0.1:{port} up" in out, proc.stdout
