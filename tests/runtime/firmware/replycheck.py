"""Firmware-side helper for the reply-length tests: the `config` and `status` replies of a context the test
fills with the longest values (Python 1.5 subset)."""

import fsm_commands
import fsm_gateway
import fsm_session
import fwclock
import fwctx
import opstatus
import smsact
import smsio


class Machine:
    def __init__(self, t, state):
        self.t = t
        self.state = state


def context(values, local_ip):
    ctx = fwctx.Ctx(None, None, fsm_commands, values)
    ctx.local_ip = local_ip
    ctx.gw = Machine(fsm_gateway, fsm_gateway.S_BOOTING)  # not in a mode: config asks the modem nothing
    ctx.sess = Machine(fsm_session, fsm_session.S_CLOSED)
    return ctx


def config(values, local_ip, dropped):
    ctx = context(values, local_ip)
    ctx.serial.dropped = dropped
    items = smsact.config_items(ctx)
    return (items, smsact.split_reply('Confirmed: config', items, smsio.MAX_SMS))


def status(values, local_ip, big, error, reading, gw_state, sess_state):
    # Every counter at `big`, the clock at `big` seconds with the error noted at 0; `reading` as ask_modem's.
    ctx = context(values, local_ip)
    ctx.gw.state = gw_state
    ctx.sess.state = sess_state
    ctx.serial.dropped = big
    ctx.calls = big
    ctx.drops = big
    ctx.kib_up = big
    ctx.kib_down = big
    ctx.bytes_up = 1023
    ctx.bytes_down = 1023
    ctx.last_error = error
    ctx.error_s = 0
    fwclock._last = None
    fwclock._now = big
    items = opstatus.status_items(ctx, reading)
    return (items, smsact.split_reply('Confirmed: status', items, smsio.MAX_SMS))


def septets(text):
    return smsio.gsm_len(text)
