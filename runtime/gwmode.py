# Gateway callbacks choosing and starting the configured mode (gateway machine; its guards on the
# mode are in modes.py).
#
# The settings are m.values (names from fsm/specs/commands.yaml). A mode state opens the session machine
# in its way on entry and closes it on exit, so a settings change restarts the session.

import engine


def select_mode(m, arg):
    engine.dispatch(m, m.t.E_SELECT, None)


def process_pending_sms(m, arg):
    sms = m.ctx.sms
    engine.dispatch(sms, sms.t.E_CHECK, None)


def _open(m, event):
    s = m.ctx.sess
    engine.dispatch(s, event, None)


def start_on_demand(m, arg):
    _open(m, m.ctx.sess.t.E_OPEN_ON_DEMAND)


def start_maintain(m, arg):
    _open(m, m.ctx.sess.t.E_OPEN_MAINTAIN)


def start_server(m, arg):
    _open(m, m.ctx.sess.t.E_OPEN_SERVER)


def stop_session(m, arg):
    _open(m, m.ctx.sess.t.E_CLOSE)


def is_call_up(m, arg):
    # A call is up or being connected (the modem is, or is about to be, in data mode).
    return m.ctx.at.in_call()


def restart_after_call(m, arg):
    # The settings changed as a call came in: the first SMS round after the call announces them again.
    m.ctx.sms_round.changed = 1
