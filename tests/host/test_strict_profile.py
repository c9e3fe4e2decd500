"""As hard as the module, the saved profile: the modem powers up with a saved AT&W profile (`--profile "&C0 S0=2 E1"`,
`Simulator(profile=...)`); the settings do what the Telit AT reference says (80000ST10025a: &C p43, S0 p60, V and the
numeric codes p11/p15, +CMEE p11); ATZ restores the saved profile. As hard as the module by default: WORST_PROFILE."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fsm.interpreters import Interpreter
from host.clock import VirtualClock
from host.kindness import STRICT
from host.kindness import WORST_PROFILE
from host.kindness import Kindness
from host.modem import Modem
from host.modem.csd import RING_PERIOD_S
from host.modem.profile import profile_from_text
from host.modem.state import Profile
from tests.host.conftest import Probe
from tests.host.conftest import unescape
from tests.host.modem.helpers import track
from tests.host.test_console import FIRMWARE
from tests.host.test_console import simulate


def powered_up(text: str) -> tuple[VirtualClock, Modem]:
    clock = VirtualClock()
    return clock, track(Modem(clock, saved_profile=profile_from_text(text)))


def answer(modem: Modem, line: bytes) -> bytes:
    modem.write(line + b"\r")
    return modem.read()


def test_c0_holds_dcd_high_without_a_call_and_c1_lets_it_follow_the_carrier() -> None:
    _, modem = powered_up("&C0")
    assert modem.dcd() == 1
    assert answer(modem, b"AT&C1") == b"AT&C1\r\r\nOK\r\n"
    assert modem.dcd() == 0
    assert answer(modem, b"AT&C") == b"AT&C\r\r\nOK\r\n"  # no digit is &C0 (p43)
    assert modem.dcd() == 1


def test_s0_answers_a_data_call_by_itself_after_that_many_rings() -> None:
    clock, modem = powered_up("S0=2 E0")
    call = modem.ring()
    assert modem.read() == b"\r\nRING\r\n"
    clock.advance(RING_PERIOD_S)
    modem.poll()
    assert modem.read() == b"\r\nRING\r\n\r\nCONNECT 9600\r\n"
    assert call.answered
    assert modem.dcd() == 1


def test_v0_gives_numeric_result_codes_and_bare_information_text() -> None:
    _, modem = powered_up("V0 E0")
    assert answer(modem, b"AT") == b"0\r"
    assert answer(modem, b"AT+CSQ") == b"+CSQ: 20,0\r\n0\r"
    assert answer(modem, b"ATX9") == b"4\r"
    modem.ring()
    assert modem.read() == b"2\r"
    assert answer(modem, b"ATA") == b"1\r"  # CONNECT 9600 is 1 under SELINT 2 (p15)
    assert answer(modem, b"ATV1") == b""  # in data mode now: nothing comes back


@pytest.mark.parametrize(("cmee", "reply"), [("0", b"\r\nERROR\r\n"), ("1", b"\r\n+CME ERROR: 3\r\n"),
                                             ("2", b"\r\n+CME ERROR: operation not allowed\r\n")])
def test_cmee_chooses_the_error_format(cmee: str, reply: bytes) -> None:
    _, modem = powered_up(f"+CMEE={cmee} E0")
    assert answer(modem, b"AT+CPIN=1234") == reply


def test_e1_echoes_and_atz_restores_the_saved_profile() -> None:
    _, modem = powered_up("&C0 S0=2 E1")
    assert answer(modem, b"ATE0V0&C1S0=0") == b"ATE0V0&C1S0=0\r0\r"
    assert modem.settings["s0"] == 0
    assert modem.dcd() == 0
    assert answer(modem, b"ATZ") == b"\r\nOK\r\n"  # verbose codes again, as saved (the line came unechoed)
    assert (modem.settings["amp_c"], modem.settings["s0"], modem.dcd()) == (0, 2, 1)
    assert answer(modem, b"AT&F") == b"AT&F\r\r\nOK\r\n"
    assert modem.state.profile == Profile()


def test_a_profile_text_is_checked_by_the_modem_itself() -> None:
    assert profile_from_text("&C0 S0=2 E1") == Profile(amp_c=0, s0=2)
    assert profile_from_text(Profile(amp_c=0, verbose=False).as_text()) == Profile(amp_c=0, verbose=False)
    with pytest.raises(ValueError, match="answers 'S0=300' with 'ERROR'"):
        profile_from_text("S0=300")
    with pytest.raises(ValueError, match="'D123' is not a profile setting"):
        profile_from_text("D123")


def test_the_simulator_powers_up_with_the_worst_profile_unless_asked(make_sim: Callable) -> None:
    assert make_sim("wdog.py", kind=STRICT).modem.state.saved_profile == profile_from_text(WORST_PROFILE)
    assert make_sim("wdog.py", kind=Kindness(factory_profile=True)).modem.state.saved_profile == Profile()
    sim = make_sim("wdog.py", profile="&C0 S0=2 E1")
    assert sim.modem.state.profile == Profile(amp_c=0, s0=2)
    sim.modem.main.write(b"ATS0=5&W\r")
    sim.power_cut(restart=True)
    assert sim.modem.state.profile.s0 == 5  # the profile is NVM: a power cycle keeps what &W saved


def test_a_firmware_that_sets_its_settings_at_boot_works_whatever_the_profile(probe: Callable[..., Probe]) -> None:
    p = probe(["mdm ATE0V1&C1S0=0+CMEE=1", "sleep 5", "mdm AT", "sleep 5", "mcollect NOTHING 5", "dcd"],
              kind=STRICT, profile=WORST_PROFILE)
    p.wait("done")
    # The old profile echoes the line (E1); V1, set on that line, already shapes its result code.
    assert b"".join(unescape(v) for v in p.values("mchunk")) == b"ATE0V1&C1S0=0+CMEE=1\r\r\nOK\r\n\r\nOK\r\n"
    assert p.values("dcd") == ["0"]


def test_the_console_takes_a_profile(firmware_python: Interpreter, tmp_path: Path) -> None:
    args = ["--virtual", "--python", firmware_python.path, "--entry", str(FIRMWARE / "smsecho.py"), "--path",
            str(FIRMWARE), "--nvm", str(tmp_path)]
    proc = simulate([*args, "--profile", "&C0 S0=2 E1"], "status\n", kind_args=[])
    assert proc.returncode == 0, proc.stderr
    assert "saved_profile: E1 V1 &C0 S0=2 S7=60 S12=50 +CMEE=0 +CRC=0" in proc.stdout
    bad = simulate([*args, "--profile", "&C9"], "status\n", kind_args=[])
    assert bad.returncode == 2
    assert bad.stderr.strip() == "simulate: profile: the modem answers '&C9' with 'ERROR'"
