"""AT#SLED, the status LED: its modes and blink times with their limits (min-1, min, max, max+1), the read
and test forms, the LED seen from both AT instances, and a module without the command."""

from __future__ import annotations

import pytest

from tests.host.modem.helpers import command
from tests.host.modem.helpers import new_modem
from tests.host.modem.helpers import ok


def test_the_led_is_off_at_power_on_and_the_test_form_gives_the_ranges() -> None:
    _, modem = new_modem()
    assert modem.led.describe() == "off"
    assert ok(modem, "AT#SLED?") == ["#SLED: 0,10,10"]
    assert ok(modem, "AT#SLED=?") == ["#SLED: (0-3),(1-100),(1-100)"]
    assert modem.describe()["led"] == "off"


@pytest.mark.parametrize(("template", "lo", "hi"), [("AT#SLED={}", 0, 3), ("AT#SLED=3,{},10", 1, 100),
                                                    ("AT#SLED=3,10,{}", 1, 100)])
def test_each_parameter_is_taken_within_its_range_only(template: str, lo: int, hi: int) -> None:
    _, modem = new_modem()
    for value, answer in ((lo - 1, "ERROR"), (lo, "OK"), (hi, "OK"), (hi + 1, "ERROR")):
        before = ok(modem, "AT#SLED?")
        assert command(modem, template.format(value)) == [answer], value
        if answer == "ERROR":
            assert ok(modem, "AT#SLED?") == before, "a refused setting changes nothing"


def test_the_patterns_are_described_and_logged_in_order() -> None:
    clock, modem = new_modem()
    ok(modem, "AT#SLED=3,2,28")
    clock.advance(5)
    ok(modem, "AT#SLED=1")
    ok(modem, "AT#SLED=1")
    ok(modem, "AT#SLED=2")
    assert modem.led.describe() == "module"
    assert modem.led.patterns() == ["blink 0.2 s on 2.8 s off", "on", "module"]
    assert [t for t, _ in modem.led.log] == [0, 5, 5, 5]
    assert command(modem, "AT#SLED=3,5,5,5") == ["ERROR"]
    assert command(modem, "AT#SLED") == ["ERROR"]


def test_mdm2_sets_the_same_led() -> None:
    _, modem = new_modem()
    modem.second.write(b"ATE0\r")
    ok(modem, "AT#SLED=3,5,5", port=modem.second)
    assert ok(modem, "AT#SLED?") == ["#SLED: 3,5,5"]


def test_a_module_without_the_command_answers_error_to_every_form() -> None:
    _, modem = new_modem()
    modem.led.supported = False
    for line in ("AT#SLED=0", "AT#SLED?", "AT#SLED=?", "AT#SLED=3,5,5"):
        assert command(modem, line) == ["ERROR"], line
    assert modem.led.log == []
    assert modem.describe()["led"] == "no AT#SLED"
