# The firmware's entry script: the watchdog first, then the boot loader (fwboot.py), which installs or rolls
# back a field update when its record says so and runs the firmware inside the one catch-all.
#
# This file and fwboot.py are never replaced over the air (docs/design/update.md section 1). An import that
# fails (a half-written file, no room for the .pyo) must not end the script, which would stay stopped until a
# reset: it is written to the trace port (SER2) and the module is rebooted by the watchdog
# (docs/design/decisions.md section 9). Only built-in modules are imported before the watchdog runs.

import MOD
import SER2

WATCHDOG_S = 120   # longer than any single wait (a #GPRS=1 or #SKTD of 60-70 s); every wait kicks it


def main():
    MOD.watchdogEnable(WATCHDOG_S)
    try:
        import fwboot
    except:  # noqa: E722 - a boot loader that cannot load: reboot, never end the script
        SER2.send('boot: the boot loader does not load, rebooting\r\n')
        MOD.watchdogEnable(1)
        while 1:
            MOD.sleep(10)
    fwboot.start()


main()
