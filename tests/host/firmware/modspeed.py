"""For the tests of module speed (tests/host/test_module_speed.py): modspeed.cfg holds one line.

  loop <n>      report start=1, run <n> iterations of a loop that calls a function, report end=1
  perbyte <n>   at 115200, receive serial bytes and run a Python loop over each (a checksum), until <n>
                came or the line is idle for 2 s: report total=<bytes>
  pump <n>      the same, handling each chunk whole (its length only), as the gateway's pump does
  write <n>     report start=1, write <n> bytes to modspeed.out in 4096-byte pieces, report end=1
Python 1.5 subset.
"""

import MOD
import SER

import fwtest


def step(i):
    return i + 1


def loop(n):
    fwtest.report('start', 1)
    i = 0
    while i < n:
        i = step(i)
    fwtest.report('end', 1)


def write(n):
    fwtest.report('start', 1)
    f = open('modspeed.out', 'w')
    piece = 'x' * 4096
    left = n
    while left > 0:
        f.write(piece[:min(left, 4096)])
        left = left - 4096
    f.close()
    fwtest.report('end', 1)


def checksum(data, c):
    i = 0
    n = len(data)
    while i < n:
        c = (c * 31 + ord(data[i])) & 65535
        i = i + 1
    return c


def receive(n, perbyte):
    SER.set_speed('115200', '8N1')
    receive = SER.receive
    fwtest.report('ready', 1)
    total = 0
    idle = 0
    c = 0
    while total < n and idle < 20:
        data = receive(1)
        if len(data) == 0:
            if total > 0:
                idle = idle + 1
        else:
            idle = 0
            total = total + len(data)
            if perbyte:
                c = checksum(data, c)
        MOD.watchdogReset()
    fwtest.report('total', total)


line = open('modspeed.cfg', 'r').readline()
i = 0
while line[i] != ' ':
    i = i + 1
mode = line[:i]
count = int(line[i + 1:])
if mode == 'loop':
    loop(count)
elif mode == 'write':
    write(count)
else:
    receive(count, mode == 'perbyte')
fwtest.report('done', 1)
while 1:
    MOD.sleep(10)
