"""SER: the emulated Telit built-in for the physical serial port ASC0, the gateway's RS232 side.

Each call is one request to the simulator (simlink, host/link.py); the API is that of docs/design/telit.md section 2.2.
Timeouts are tenths of a second; data is a str with one character per byte; send has no timeout.
set_speed takes strings ('9600', '8N1') and returns 1, or -1 for a value the module rejects.
"""

import simlink

_call = simlink.call


def set_speed(speed, format='8N1'):
    return _call('SER.set_speed', speed + '\n' + format)


def send(string):
    return _call('SER.send', string)


def receive(timeout):
    return _call('SER.receive %d' % timeout, '')


def read():
    return _call('SER.read', '')


def sendbyte(byte):
    return _call('SER.sendbyte %d' % byte, '')


def readbyte():
    return _call('SER.readbyte', '')


def setDCD(value):
    return _call('SER.setDCD %d' % value, '')


def setCTS(value):
    return _call('SER.setCTS %d' % value, '')


def setDSR(value):
    return _call('SER.setDSR %d' % value, '')


def setRI(value):
    return _call('SER.setRI %d' % value, '')


def getRTS():
    return _call('SER.getRTS', '')


def getDTR():
    return _call('SER.getDTR', '')
