"""Power cuts at every step of saving the configuration: the firmware is killed after a varying number
of serviced built-in calls once the SMS that changes the settings is in the SIM. After the reboot the
settings are exactly the old or exactly the new ones, never a mix, never the defaults.
"""

from __future__ import annotations

from tests.hardening.harness import check_settings_valid
from tests.hardening.harness import newest_settings

OLD = "connect gprs oldapn olduser oldpass"
NEW = "connect gprs newapn newuser newpass"


def test_power_cut_at_every_step_of_a_save(hgw_factory, soak: bool) -> None:
    gw = hgw_factory()
    assert gw.command(OLD) == "Confirmed: gprs oldapn olduser ***"
    old = newest_settings(gw.nvm)
    # How many built-in calls a whole save takes: from delivery to the reply.
    start = gw.sim.calls
    gw.sms(NEW)
    gw.until(lambda: gw.sim.modem.sim_messages() == [], "the reference save")
    span = gw.sim.calls - start
    new = newest_settings(gw.nvm)
    assert new is not None
    assert new["apn"] == "newapn"
    seen = set()
    texts = [OLD, NEW]
    step = 1 if soak else max(1, span // 60)
    cut_at = 0
    while cut_at <= span + 2:
        want_old = newest_settings(gw.nvm)
        text = texts[0] if want_old["apn"] == "newapn" else texts[1]
        target = gw.sim.calls + cut_at
        gw.sms(text)
        gw.until(lambda target=target: gw.sim.calls >= target, f"{cut_at} calls into handling {text!r}")
        gw.sim.power_cut(restart=True)
        gw.booted()
        got = newest_settings(gw.nvm)
        assert got is not None, "the defaults after a cut"
        check_settings_valid(got)
        assert got in (old, new), got
        boots = [line for line in gw.sim.trace.lines() if "firmware started" in line]
        assert "settings stored" in boots[-1], boots[-1]
        seen.add(got["apn"])
        # The firmware restarts with what is stored; the unfinished message is handled again.
        gw.handle_all("the message left in the SIM")
        assert newest_settings(gw.nvm) == (new if text == NEW else old)
        cut_at += step
    assert seen == {"oldapn", "newapn"}
    assert gw.sim.crash is None
