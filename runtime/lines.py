# Where people look for the gateway's state: DCD towards the device and the module's status LED
# (docs/troubleshooting.md "The status LED and DCD"). The specs name these actions in the states they
# belong to; each changes something only when it differs from what was last driven (a SER call is a
# built-in call, an AT#SLED an AT command).
#
# DCD: low at boot (the module's own level before the script drives it is not documented, and a device
# that watches DCD must never take a reboot for a link), high from the session's online entry until it
# leaves online (the call ended). SerialBuffer.set_dcd drives it.
#
# The LED: AT#SLED=<mode>[,<on>,<off>], mode 0 off, 1 on, 3 blinking, times in tenths of a second
# (docs/design/telit.md section 2.5). A module that answers ERROR (or +CME ERROR) is not sent it again
# until the next boot; no answer leaves the pattern to be tried at the next change. The LED never fails
# a step: its result is not the step's result. During a call MDM carries data: the command goes to MDM2
# (ctx.side_at()); without MDM2 the connected pattern waits, and the call's end finds the LED unchanged.

import compat

SLED_TENTHS = 20          # AT#SLED answers at once; a silent module costs at most this per change
# Pattern names (trace lines, Led.shown) and the AT#SLED arguments that show them.
LED_OFF = 'not registered'
LED_OFF_ARGS = '0'              # off
LED_REGISTERED = 'registered'
LED_REGISTERED_ARGS = '3,2,28'  # a short flash every 3 s: 0.2 s on, 2.8 s off
LED_GPRS = 'gprs up'
LED_GPRS_ARGS = '3,5,5'         # a blink a second: 0.5 s on, 0.5 s off
LED_CONNECTED = 'connected'
LED_CONNECTED_ARGS = '1'        # steady on


class Led:
    # The module's status LED as the firmware last set it.

    def __init__(self):
        self.shown = ''     # the pattern the module shows ('' = not set since the boot)
        self.works = 1      # 0 once the module refused AT#SLED: never sent again in this run
        self.sent = 0       # AT#SLED commands sent in this run


def show(ctx, name, args):
    # Sets the LED to pattern `name` (AT#SLED=`args`) unless it shows it already.
    led = ctx.led
    if led.shown == name or not led.works:
        return
    at = ctx.side_at()
    if at is None:
        # A call is up and the module has no MDM2: MDM carries the call's data, so nothing can go out.
        # The LED keeps its pattern; the next change after the call is shown.
        return
    result, answer = at.command('AT#SLED=' + args, SLED_TENTHS)
    led.sent = led.sent + 1
    if result == 'OK':
        led.shown = name
        ctx.trace('gateway: LED ' + name)
    elif result == 'ERROR' or compat.startswith(result, '+CME'):
        led.works = 0
        ctx.trace('gateway: AT#SLED refused, the LED is left as it is')


def led_not_registered(m, arg):
    show(m.ctx, LED_OFF, LED_OFF_ARGS)


def led_registered(m, arg):
    show(m.ctx, LED_REGISTERED, LED_REGISTERED_ARGS)


def led_gprs_up(m, arg):
    show(m.ctx, LED_GPRS, LED_GPRS_ARGS)


def led_connected(m, arg):
    show(m.ctx, LED_CONNECTED, LED_CONNECTED_ARGS)


def dcd_at_boot(m, arg):
    # DCD low before anything else: a link that ended with a reboot is not up.
    m.ctx.serial.set_dcd(0)


def dcd_up(m, arg):
    m.ctx.serial.set_dcd(1)


def dcd_down(m, arg):
    m.ctx.serial.set_dcd(0)
