"""Echoes SER back to SER and checks that the first 256 bytes are the byte values 0..255 in order.

Also echoes MDM: the same 256 bytes sent to the modem in command mode come back as its echo (ATE1).
"""

import MDM
import MOD
import SER

import fwtest


def latin1_ok(data):
    i = 0
    while i < 256:
        if ord(data[i]) != i:
            return 0
        i = i + 1
    return 1


def mdm_echo():
    sent = ''
    i = 0
    while i < 256:
        sent = sent + chr(i)
        i = i + 1
    MDM.send(sent, 10)
    got = ''
    while len(got) < 256:
        chunk = MDM.receive(10)
        if len(chunk) == 0:
            break
        got = got + chunk
    good = 0
    if len(got) == 256:
        good = latin1_ok(got)
    fwtest.report('mdm_latin1', good)


mdm_echo()
fwtest.report('ready', 1)
first = ''
reported = 0
total = 0
while 1:
    d = SER.receive(10)
    if len(d) > 0:
        SER.send(d)
        total = total + len(d)
        if not reported:
            first = first + d
            if len(first) >= 256:
                fwtest.report('ser_latin1', latin1_ok(first))
                reported = 1
    MOD.watchdogReset()
