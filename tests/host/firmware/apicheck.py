"""Exercises every emulated built-in once and reports what it returned (fwtest lines on SER2).

Marks ('mark=<name>') let the test read the clock when each was written.
"""

import GPIO
import MDM
import MDM2
import MOD
import SER
import SER2

import fwtest

r = fwtest.report


def check_types():
    r('sec_type', fwtest.typename(MOD.secCounter()))
    r('mark', 'sleep0')
    MOD.sleep(25)
    r('mark', 'sleep1')
    got = MDM.receive(30)
    r('mdm_receive', fwtest.typename(got) + ' ' + str(len(got)))
    r('mark', 'mdmrx')
    got = SER.receive(15)
    r('ser_receive', fwtest.typename(got) + ' ' + str(len(got)))
    r('mark', 'serrx')
    r('ser_readbyte', SER.readbyte())
    r('mdm_readbyte', MDM.readbyte())
    r('ser_read', fwtest.typename(SER.read()) + ' ' + str(len(SER.read())))
    r('mdm_read', fwtest.typename(MDM.read()) + ' ' + str(len(MDM.read())))
    r('mod_sleep0', fwtest.typename(MOD.sleep(0)))


def check_speeds():
    pairs = (('9600', '8N1'), ('115200', '7E1'), ('300', '8E2'), ('14400', '8N1'), ('9600', '9N1'),
             ('9600', '8N3'), ('110', '8N1'), ('9600 ', '8N1'))
    for pair in pairs:
        r('speed ' + pair[0] + '/' + pair[1], SER.set_speed(pair[0], pair[1]))
    r('speed default', SER.set_speed('19200'))
    r('speed2', SER2.set_speed('57600', '8N1'))


def check_calls():
    r('ser_send', SER.send('hello'))
    r('ser_sendbyte', SER.sendbyte(0))
    r('ser_sendbyte_bad', SER.sendbyte(256))
    SER.setDCD(1)
    SER.setCTS(0)
    SER.setDSR(1)
    r('set_ri', fwtest.typename(SER.setRI(1)))
    r('rts', SER.getRTS())
    r('dtr', SER.getDTR())
    r('mdm_at', fwtest.at(MDM, 'ATE0', 20))
    r('mdm_lines', '%d %d %d %d' % (MDM.getDCD(), MDM.getCTS(), MDM.getDSR(), MDM.getRI()))
    r('set_dtr', fwtest.typename(MDM.setDTR(0)))
    MDM.setRTS(0)
    r('mdm_sendbyte', MDM.sendbyte(65, 10))
    MDM.sendbyte(84, 10)
    r('mdm_after_byte', fwtest.at(MDM, '', 10))
    r('mdm_sendbyte_bad', MDM.sendbyte(-1, 10))
    r('mdm2_at', fwtest.at(MDM2, 'AT+CSQ', 20))
    r('gpio_dir', GPIO.setIOdir(3, 1, 1))
    r('gpio_dir_bad', GPIO.setIOdir(99, 0, 1))
    r('gpio_set', GPIO.setIOvalue(3, 0))
    r('gpio_get', GPIO.getIOvalue(3))
    r('gpio_in', GPIO.getIOvalue(4))
    r('adc', GPIO.getADC(1))
    MOD.watchdogEnable(100)
    MOD.watchdogReset()
    r('wd_disable', fwtest.typename(MOD.watchdogDisable()))


def check_errors():
    try:
        MDM.send(5, 10)
    except:  # noqa: E722 - 1.5 has no 'except E as e'; the name comes from sys.exc_info()
        r('send_int', fwtest.raised())
    try:
        MOD.sleep('x')
    except:  # noqa: E722 - as above
        r('sleep_str', fwtest.raised())


check_types()
check_speeds()
check_calls()
check_errors()
r('done', 1)
while 1:
    MOD.sleep(100)
