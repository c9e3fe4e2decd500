"""MDM: the emulated Telit built-in for the module's first AT instance (docs/design/telit.md section 2.1).

Each call is one request to the simulator (simlink, host/link.py). Timeouts are tenths of a second;
data is a str with one character per byte. send/sendbyte return 1, or -1 when flow control (CTS) held
the data back for the whole timeout; receive returns the first chunk that arrives or ''.
"""

import simlink

_call = simlink.call


def send(string, timeout):
    return _call('MDM.send %d' % timeout, string)


def receive(timeout):
    return _call('MDM.receive %d' % timeout, '')


def read():
    return _call('MDM.read', '')


def sendbyte(byte, timeout):
    return _call('MDM.sendbyte %d %d' % (byte, timeout), '')


def readbyte():
    return _call('MDM.readbyte', '')


def getDCD():
    return _call('MDM.getDCD', '')


def getCTS():
    return _call('MDM.getCTS', '')


def getDSR():
    return _call('MDM.getDSR', '')


def getRI():
    return _call('MDM.getRI', '')


def setRTS(value):
    return _call('MDM.setRTS %d' % value, '')


def setDTR(value):
    return _call('MDM.setDTR %d' % value, '')
