"""Answers every SMS with 'echo: <text>' (polling +CMGL), after GPRS is up and, when listen.cfg names a
port, a #SKTL listener on it. The console tests drive it."""

import MDM
import MOD

import fwtest


def wait_for(text, tenths):
    got = ''
    while fwtest.find(got, text) < 0:
        chunk = MDM.receive(tenths)
        if len(chunk) == 0:
            return got
        got = got + chunk
    return got


def listen_port():
    try:
        f = open('listen.cfg', 'r')
    except IOError:
        return 0
    port = int(f.read())
    f.close()
    return port


def setup():
    for cmd in ('ATE0', 'AT+CMGF=1', 'AT+CGDCONT=1,"IP","internet"', 'AT#GPRS=1'):
        fwtest.at(MDM, cmd, 50)
    port = listen_port()
    if port:
        fwtest.at(MDM, 'AT#SKTL=1,0,%d,0' % port, 50)


def field(text, start):
    """The text between the next pair of double quotes at or after `start`, and the index after it."""
    q1 = start + fwtest.find(text[start:], '"')
    q2 = q1 + 1 + fwtest.find(text[q1 + 1:], '"')
    return text[q1 + 1:q2], q2 + 1


def answer(listing):
    i = fwtest.find(listing, '+CMGL: ')
    if i < 0:
        return
    comma = i + fwtest.find(listing[i:], ',')
    index = int(listing[i + 7:comma])
    stat, after = field(listing, comma)
    sender, after = field(listing, after)
    start = after + fwtest.find(listing[after:], '\r\n') + 2
    text = listing[start:start + fwtest.find(listing[start:], '\r\n')]
    MDM.send('AT+CMGS="' + sender + '"\r', 10)
    wait_for('> ', 50)
    MDM.send('echo: ' + text, 10)
    MDM.sendbyte(26, 10)
    wait_for('OK', 50)
    fwtest.at(MDM, 'AT+CMGD=%d' % index, 50)
    fwtest.report('answered', sender)


setup()
fwtest.report('ready', 1)
while 1:
    answer(fwtest.at(MDM, 'AT+CMGL="ALL"', 50))
    MOD.sleep(10)
