"""Arms the watchdog and, unless told to kick it (file kick.cfg in its directory), hangs until rebooted.

Counts its boots in boots.cfg, its working directory being the module's file system.
"""

import MOD

import fwtest


def read_int(name, default):
    try:
        f = open(name, 'r')
    except IOError:
        return default
    text = f.read()
    f.close()
    return int(text)


boots = read_int('boots.cfg', 0) + 1
f = open('boots.cfg', 'w')
f.write(str(boots))
f.close()
kick = read_int('kick.cfg', 0)
fwtest.report('boot', boots)
MOD.watchdogEnable(5)
while 1:
    MOD.sleep(10)
    if kick:
        MOD.watchdogReset()
