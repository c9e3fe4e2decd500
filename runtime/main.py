# The firmware's entry script: the watchdog first, then everything else inside the one catch-all.
#
# On the module the first boot compiles every imported .py; an import that fails (a half-written file,
# no room for the .pyo) or any exception later must not end the script, which would stay stopped until a
# reset: it is written to the trace port (SER2) and the module is rebooted by the watchdog
# (docs/design/decisions.md section 9). Only built-in modules are imported before the watchdog runs.

import MOD
import SER2
import sys

WATCHDOG_S = 120   # longer than any single wait (a #GPRS=1 or #SKTD of 60-70 s); every wait kicks it


def log_exception(where):
    # The current exception and its traceback lines, on the trace port.
    kind, value, tb = sys.exc_info()
    SER2.send(where + ': ' + str(kind) + ' ' + str(value) + '\r\n')
    while tb is not None:
        code = tb.tb_frame.f_code
        SER2.send('  ' + code.co_filename + ':' + str(tb.tb_lineno) + ' ' + code.co_name + '\r\n')
        tb = tb.tb_next


def reboot():
    # Lets the watchdog restart the module (the script must never just end).
    MOD.watchdogEnable(1)
    while 1:
        MOD.sleep(10)


def main():
    MOD.watchdogEnable(WATCHDOG_S)
    try:
        import gwloop
        gwloop.run()
    except:  # noqa: E722 - the one catch-all: log and reboot, never end the script (decisions.md section 9)
        log_exception('gateway: unexpected error, rebooting')
    reboot()


main()
