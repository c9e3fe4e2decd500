"""Watch callback (watch machine): while a mode runs and no call is up (nor being connected), a GPRS context
that is gone is reported to the gateway machine as net_lost, which brings it back through registration.

The check is one AT#GPRS? query (gwboot.context_status); the watch machine's 60 s timeout paces it, and
`config` asks too before it shows the local IP (a context lost since the last check is not shown as up).
"""

import engine
import gwboot


def check_network(m, arg):
    """While a mode runs and no call is up, a GPRS context that is gone is reported as net_lost."""
    context_up(m.ctx)
    engine.dispatch(m, m.t.E_DONE, None)


def context_up(ctx):
    """0 when a mode runs, no call is up and the modem says the context is gone: the gateway machine gets
    net_lost and the local IP is forgotten at once. 1 otherwise (nothing to ask now, or it is up)."""
    gw = ctx.gw
    in_mode = gw.state == gw.t.S_UNCONFIGURED or gw.state == gw.t.S_CLIENT_ON_DEMAND
    in_mode = in_mode or gw.state == gw.t.S_CLIENT_MAINTAIN or gw.state == gw.t.S_SERVER
    if not in_mode or ctx.sess.state == ctx.sess.t.S_ONLINE or ctx.at.in_call():
        return 1
    status = gwboot.context_status(ctx.at)
    if status == '1':
        return 1
    ctx.trace('gateway: GPRS context lost (' + str(status) + ')')
    ctx.local_ip = ''
    engine.dispatch(gw, gw.t.E_NET_LOST, None)
    return 0
