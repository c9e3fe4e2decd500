# Watch callback (watch machine): while a mode runs and no call is up (nor being connected), a GPRS context
# that is gone is reported to the gateway machine as net_lost, which brings it back through registration.
#
# The check is one AT#GPRS? query (gwboot.context_status); the watch machine's 60 s timeout paces it, and
# `config` asks too before it shows the local IP (a context lost since the last check is not shown as up).

import engine
import gwboot


def check_network(m, arg):
    # While a mode runs and no call is up, a GPRS context that is gone is reported as net_lost.
    check_context(m.ctx)
    engine.dispatch(m, m.t.E_DONE, None)


def check_context(ctx):
    # While a mode runs and no call is up (nor being connected), asks the modem for the GPRS context;
    # a gone one (or a modem that does not answer at all) is reported to the gateway machine (net_lost) and
    # the local IP forgotten at once.
    gw = ctx.gw
    if gw.state not in gw.t.IN_MODE or ctx.sess.state == ctx.sess.t.S_ONLINE or ctx.at.in_call():
        return  # IN_MODE: the gateway's states tagged `mode` in its spec
    status = gwboot.context_status(ctx.at)
    if status == '1' or ctx.at.in_call():
        # Up; or a client was accepted as the question went out and its CONNECT came instead of the answer
        # (the main loop takes the call now): no answer then says nothing about the context.
        return
    ctx.trace('gateway: GPRS context lost (' + str(status) + ')')
    ctx.note_error('gprs lost')
    ctx.local_ip = ''
    engine.dispatch(gw, gw.t.E_NET_LOST, None)
