"""GPIO: the emulated Telit built-in for the general purpose pins and the ADC (docs/design/telit.md section 2.4).

Each call is one request to the simulator (simlink, host/link.py). Pins are 1..13, direction 0 input,
1 output, 2 alternate function; calls return -1 for a pin or value out of range. getADC(n), n 1..3,
returns millivolts as an int.
"""

import simlink

_call = simlink.call


def setIOdir(pin, value, direction):
    return _call('GPIO.setIOdir %d %d %d' % (pin, value, direction), '')


def setIOvalue(pin, value):
    return _call('GPIO.setIOvalue %d %d' % (pin, value), '')


def getIOvalue(pin):
    return _call('GPIO.getIOvalue %d' % pin, '')


def getIOdir(pin):
    return _call('GPIO.getIOdir %d' % pin, '')


def getADC(channel):
    return _call('GPIO.getADC %d' % channel, '')
