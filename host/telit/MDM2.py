"""MDM2: the emulated Telit built-in for the module's second AT instance; the same API as MDM.

Each call is one request to the simulator (simlink, host/link.py). Timeouts are tenths of a second;
data is a str with one character per byte. send/sendbyte return 1, or -1 when flow control (CTS) held
the data back for the whole timeout; receive returns the first chunk that arrives or ''.
"""

import simlink

_call = simlink.call

if not _call('MDM2.present', ''):
    # A module without MDM2 (Simulator(mdm2='absent'), `build.py simulate --no-mdm2`): the import fails
    raise ImportError('No module named MDM2')


def send(string, timeout):
    return _call('MDM2.send %d' % timeout, string)


def receive(timeout):
    return _call('MDM2.receive %d' % timeout, '')


def read():
    return _call('MDM2.read', '')


def sendbyte(byte, timeout):
    return _call('MDM2.sendbyte %d %d' % (byte, timeout), '')


def readbyte():
    return _call('MDM2.readbyte', '')


def getDCD():
    return _call('MDM2.getDCD', '')


def getCTS():
    return _call('MDM2.getCTS', '')


def getDSR():
    return _call('MDM2.getDSR', '')


def getRI():
    return _call('MDM2.getRI', '')


def setRTS(value):
    return _call('MDM2.setRTS %d' % value, '')


def setDTR(value):
    return _call('MDM2.setDTR %d' % value, '')
