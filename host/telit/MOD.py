"""MOD: the emulated Telit built-in for time, sleep, the watchdog and power saving (docs/design/telit.md section 2.3).

Each call is one request to the simulator (simlink, host/link.py). secCounter is whole seconds of the
simulator clock; sleep takes tenths of a second; watchdogEnable and powerSaving take seconds. A watchdog
not reset within its period reboots the module (the simulator restarts the firmware process).
"""

import simlink

_call = simlink.call


def secCounter():
    return _call('MOD.secCounter', '')


def sleep(tenths):
    return _call('MOD.sleep %d' % tenths, '')


def watchdogEnable(seconds):
    return _call('MOD.watchdogEnable %d' % seconds, '')


def watchdogReset():
    return _call('MOD.watchdogReset', '')


def watchdogDisable():
    return _call('MOD.watchdogDisable', '')


def powerSaving(seconds):
    return _call('MOD.powerSaving %d' % seconds, '')


def powerSavingExitCause():
    return _call('MOD.powerSavingExitCause', '')
