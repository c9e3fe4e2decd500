# MOD for the download's unit tests: a clock that stands still, a watchdog that counts its kicks.

kicks = 0


def secCounter():
    return 0


def watchdogReset():
    global kicks
    kicks = kicks + 1


def sleep(tenths):
    pass
