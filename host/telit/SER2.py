"""SER2: the emulated Telit built-in for ASC1, the trace port; what the firmware sends is the trace log.

Each call is one request to the simulator (simlink, host/link.py); the API is that of docs/design/telit.md section 2.2.
Timeouts are tenths of a second; data is a str with one character per byte; send has no timeout.
set_speed takes strings ('9600', '8N1') and returns 1, or -1 for a value the module rejects.
"""

import simlink

_call = simlink.call


def set_speed(speed, format='8N1'):
    return _call('SER2.set_speed', speed + '\n' + format)


def send(string):
    return _call('SER2.send', string)


def receive(timeout):
    return _call('SER2.receive %d' % timeout, '')


def read():
    return _call('SER2.read', '')


def sendbyte(byte):
    return _call('SER2.sendbyte %d' % byte, '')


def readbyte():
    return _call('SER2.readbyte', '')


def setDCD(value):
    return _call('SER2.setDCD %d' % value, '')


def setCTS(value):
    return _call('SER2.setCTS %d' % value, '')


def setDSR(value):
    return _call('SER2.setDSR %d' % value, '')


def setRI(value):
    return _call('SER2.setRI %d' % value, '')


def getRTS():
    return _call('SER2.getRTS', '')


def getDTR():
    return _call('SER2.getDTR', '')
