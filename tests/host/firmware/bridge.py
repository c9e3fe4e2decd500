"""The classic Telit gateway loop: GPRS up, #SKTD to 127.0.0.1:<port> from bridge.cfg ('<port> <sktto>'),
then copy SER<->MDM while DCD is high; the modem's closing NO CARRIER is not forwarded.
"""

import MDM
import MOD
import SER

import fwtest

NO_CARRIER = '\r\nNO CARRIER\r\n'


def config():
    f = open('bridge.cfg', 'r')
    text = f.read()
    f.close()
    i = fwtest.find(text, ' ')
    return int(text[:i]), int(text[i + 1:])


def setup(port, sktto):
    steps = (('ATE0', 'OK'), ('AT+CGDCONT=1,"IP","internet"', 'OK'), ('AT#SKTTO=%d' % sktto, 'OK'),
             ('AT#GPRS=1', '+IP:'), ('AT#SKTD=0,%d,"127.0.0.1",0,0' % port, 'CONNECT'))
    for step in steps:
        got = fwtest.at(MDM, step[0], 100)
        if fwtest.find(got, step[1]) < 0:
            fwtest.report('failed', step[0] + ' -> ' + got)
            return 0
    return 1


def bridge():
    while MDM.getDCD() == 1:
        d = SER.read()
        if len(d) > 0:
            MDM.send(d, 50)
        r = MDM.read()
        if len(d) == 0 and len(r) == 0:
            r = MDM.receive(1)
        if len(r) > 0:
            if MDM.getDCD() == 0 and fwtest.until(r, NO_CARRIER):
                r = r[:-len(NO_CARRIER)]
            SER.send(r)


cfg = config()
if setup(cfg[0], cfg[1]):
    fwtest.report('connected', MOD.secCounter())
    bridge()
    fwtest.report('closed', MOD.secCounter())
while 1:
    MOD.sleep(100)
