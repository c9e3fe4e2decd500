"""The classic Telit SER<->MDM copy loop (the baseline of the data-path benchmark), Python 1.5 subset.

Brings GPRS up, dials the server named in `copyloop.cfg` (`<ip> <port>`), then copies both ways while DCD
is high, as Telit's SER_MDM sample does.
"""

import MDM
import MOD
import SER


def command(cmd, tenths):
    MDM.send(cmd + '\r', 5)
    got = ''
    while tenths > 0:
        chunk = MDM.receive(1)
        if len(chunk) == 0:
            tenths = tenths - 1
            continue
        got = got + chunk
        if got[-4:] == 'OK\r\n' or got[-7:] == 'ERROR\r\n' or got[-9:] == 'CONNECT\r\n':
            return got
    return got


def main():
    f = open('copyloop.cfg', 'r')
    words = f.read()
    f.close()
    cut = 0
    while words[cut] != ' ':
        cut = cut + 1
    ip = words[:cut]
    port = int(words[cut + 1:])
    SER.set_speed('115200', '8N1')  # as the gateway's `connect baud 115200` (it also makes the pty raw)
    command('ATE0', 20)
    command('AT+CGDCONT=1,"IP","internet"', 20)
    command('AT#GPRS=1', 100)
    command('AT#SKTD=0,%d,"%s",0,0' % (port, ip), 600)
    while MDM.getDCD() == 1:
        d = SER.read()
        if len(d) > 0:
            MDM.send(d, 50)
        r = MDM.read()
        if len(r) > 0:
            SER.send(r)
        if len(d) == 0 and len(r) == 0:
            MOD.watchdogReset()


main()
