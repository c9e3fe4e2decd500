"""Watch callback (watch machine): while a mode runs and no call is up (nor being connected), a GPRS context that is
gone is reported to the gateway machine as net_lost, which brings it back through registration.

The check is one AT#GPRS? query (gwboot.context_status); the watch machine's 60 s timeout paces it.
"""

import engine
import gwboot


def check_network(m, arg):
    """While a mode runs and no call is up, a GPRS context that is gone is reported as net_lost."""
    ctx = m.ctx
    gw = ctx.gw
    in_mode = gw.state == gw.t.S_UNCONFIGURED or gw.state == gw.t.S_CLIENT_ON_DEMAND
    in_mode = in_mode or gw.state == gw.t.S_CLIENT_MAINTAIN or gw.state == gw.t.S_SERVER
    if in_mode and ctx.sess.state != ctx.sess.t.S_ONLINE and not ctx.at.in_call():
        status = gwboot.context_status(ctx.at)
        if status != '1':
            ctx.trace('gateway: GPRS context lost (' + str(status) + ')')
            engine.dispatch(gw, gw.t.E_NET_LOST, None)
    engine.dispatch(m, m.t.E_DONE, None)
