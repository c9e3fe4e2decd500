"""GPRS context activation and the socket parameters (#SKTTO, #DSTO, #PKTSZ, #SKTCT, #SKTSAV, #SKTRST)."""

from __future__ import annotations

import pytest

from host.modem import Network
from tests.host.modem.helpers import command
from tests.host.modem.helpers import gprs_up
from tests.host.modem.helpers import new_modem
from tests.host.modem.helpers import ok

# command, settings key, (value, accepted) at each bound, factory default
PARAMS = [
    ("#SKTTO", "skt_to", [(0, True), (65535, True), (65536, False)], 90),
    ("#DSTO", "ds_to", [(0, True), (255, True), (256, False)], 50),
    ("#PKTSZ", "pkt_sz", [(0, True), (1, False), (2, False), (3, True), (512, True), (513, False)], 300),
    ("#SKTCT", "skt_ct", [(9, False), (10, True), (1200, True), (1201, False)], 600),
]


@pytest.mark.parametrize(("name", "key", "cases", "default"), PARAMS)
def test_socket_parameters_accept_their_range_and_read_back(
    name: str, key: str, cases: list[tuple[int, bool]], default: int
) -> None:
    _, modem = new_modem()
    assert ok(modem, f"AT{name}?") == [f"{name}: {default}"]
    for value, accepted in cases:
        before = modem.settings[key]
        assert command(modem, f"AT{name}={value}") == (["OK"] if accepted else ["ERROR"]), value
        assert modem.settings[key] == (value if accepted else before)
        assert ok(modem, f"AT{name}?") == [f"{name}: {modem.settings[key]}"]
    assert command(modem, f"AT{name}=-1") == ["ERROR"]


def test_sktsav_stores_and_sktrst_restores_factory_values() -> None:
    _, modem = new_modem()
    ok(modem, "AT#SKTTO=300;#DSTO=10;#PKTSZ=0")
    ok(modem, "AT#SKTSAV")
    saved = modem.settings["saved_sock"]
    assert isinstance(saved, dict)
    assert (saved["skt_to"], saved["ds_to"], saved["pkt_sz"]) == (300, 10, 0)
    ok(modem, "AT#SKTRST")
    assert ok(modem, "AT#SKTTO?;#DSTO?;#PKTSZ?;#SKTCT?") == [
        "#SKTTO: 90",
        "#DSTO: 50",
        "#PKTSZ: 300",
        "#SKTCT: 600",
    ]


def test_context_user_and_password_are_stored() -> None:
    _, modem = new_modem()
    ok(modem, 'AT+CGDCONT=1,"IP","orangeinternet","0.0.0.0",0,0')
    ok(modem, 'AT#USERID="user";#PASSW="pass"')
    assert ok(modem, "AT+CGDCONT?;#USERID?") == [
        '+CGDCONT: 1,"IP","orangeinternet","0.0.0.0",0,0',
        '#USERID: "user"',
    ]
    assert modem.settings["userid"] == "user"
    assert modem.settings["passw"] == "pass"
    assert command(modem, "AT#PASSW?") == ["ERROR"]
    for bad in (
        'AT+CGDCONT=0,"IP","x"',
        'AT+CGDCONT=6,"IP","x"',
        'AT+CGDCONT=1,"PPP","x"',
        "AT+CGDCONT=1,IP,x",
    ):
        assert command(modem, bad) == ["ERROR"], bad
    assert command(modem, 'AT#USERID="' + "u" * 31 + '"') == ["ERROR"]
    ok(modem, "AT+CGDCONT=1")
    assert ok(modem, "AT+CGDCONT?") == []


def test_gprs_activation_reports_the_local_ip() -> None:
    network = Network(local_ip="10.20.30.40")
    _, modem = new_modem(network=network)
    assert ok(modem, "AT#GPRS?") == ["#GPRS: 0"]
    ok(modem, 'AT+CGDCONT=1,"IP","internet"')
    assert command(modem, "AT#GPRS=1") == ["+IP: 10.20.30.40", "OK"]
    assert ok(modem, "AT#GPRS?") == ["#GPRS: 1"]
    assert modem.settings["gprs_active"] is True
    assert command(modem, "AT#GPRS=1") == ["ERROR"]  # already active
    ok(modem, "AT#GPRS=0")
    assert ok(modem, "AT#GPRS?") == ["#GPRS: 0"]
    assert modem.describe()["ip"] is None


@pytest.mark.parametrize("why", ["searching", "denied", "no-gprs", "dropped", "no-context"])
def test_gprs_activation_fails_without_network_or_context(why: str) -> None:
    network = Network()
    _, modem = new_modem(network=network)
    if why != "no-context":
        ok(modem, 'AT+CGDCONT=1,"IP","internet"')
    if why == "searching":
        network.registered = 2
    elif why == "denied":
        network.registered = 3
    elif why == "no-gprs":
        network.gprs_ok = False
    elif why == "dropped":
        network.drop()
    assert command(modem, "AT#GPRS=1") == ["ERROR"]
    assert modem.settings["gprs_active"] is False


def test_a_network_that_serves_some_apns_refuses_the_others() -> None:
    network = Network()
    _, modem = new_modem(network=network)
    network.apns = {"internet", "other.apn"}
    ok(modem, 'AT+CGDCONT=1,"IP","wrong.apn"')
    assert command(modem, "AT#GPRS=1") == ["ERROR"]
    assert modem.settings["gprs_active"] is False
    ok(modem, 'AT+CGDCONT=1,"IP","other.apn"')
    assert command(modem, "AT#GPRS=1") == [f"+IP: {network.local_ip}", "OK"]
    ok(modem, "AT#GPRS=0")
    network.apns = None  # any
    ok(modem, 'AT+CGDCONT=1,"IP","wrong.apn"')
    assert command(modem, "AT#GPRS=1") == [f"+IP: {network.local_ip}", "OK"]


def test_roaming_registration_is_good_enough_and_restore_brings_it_back() -> None:
    network = Network()
    _, modem = new_modem(network=network)
    network.registered = 5
    network.drop()
    assert ok(modem, "AT+CREG?") == ["+CREG: 0,2"]
    network.restore()
    assert ok(modem, "AT+CREG?") == ["+CREG: 0,5"]
    gprs_up(modem)
