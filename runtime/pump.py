"""The data pump: the activity of the session's online state (DESIGN 3.8).

Moves whole chunks between SER and MDM, never one engine event per chunk, and returns only when DCD
falls. User data passes unchanged whatever it contains (+++, NO CARRIER, 0x1a, 0x00): the end of the
call is seen on DCD, and only then is the modem's trailing NO CARRIER removed from the last chunk.
"""

import MDM
import MOD
import SER

import compat
import engine

NO_CARRIER = '\r\nNO CARRIER\r\n'
# A chunk ending in one of these may end with (part of) the modem's NO CARRIER: look at DCD then.
TAIL_CHARS = '\r\nNOCARIE '
IDLE_PASSES = 8      # passes with nothing to move before the pump waits on the modem
KICK_EVERY = 32      # passes between watchdog kicks while data flows
SEND_TENTHS = 50     # MDM.send flow-control wait


def pump(m, arg):
    ctx = m.ctx
    idle = 0
    passes = 0
    while 1:
        passes = passes + 1
        if passes >= KICK_EVERY:
            MOD.watchdogReset()
            passes = 0
        d = SER.read()
        nd = len(d)
        if nd > 0:
            if MDM.send(d, SEND_TENTHS) < 0:
                ctx.dropped = ctx.dropped + nd
        r = MDM.read()
        nr = len(r)
        if nr > 0:
            # `in` on one character works on 1.5 too, and costs no call on the data path.
            if r[-1] in TAIL_CHARS and MDM.getDCD() == 0:
                _finish(r)
                break
            SER.send(r)
        if nd > 0 or nr > 0:
            idle = 0
            continue
        idle = idle + 1
        if idle >= IDLE_PASSES:
            MOD.watchdogReset()
            if MDM.getDCD() == 0:
                _finish('')
                break
            r = MDM.receive(1)
            if len(r) > 0:
                if r[-1] in TAIL_CHARS and MDM.getDCD() == 0:
                    _finish(r)
                    break
                SER.send(r)
                idle = 0
    engine.dispatch(m, m.t.E_DROPPED, None)


def _finish(text):
    """The call is over: forward what is left, without the modem's NO CARRIER."""
    waited = 0
    while not compat.endswith(text, NO_CARRIER) and waited < 10:
        more = MDM.receive(1)
        if len(more) > 0:
            text = text + more
        else:
            waited = waited + 1
    if compat.endswith(text, NO_CARRIER):
        text = text[:-len(NO_CARRIER)]
    if len(text) > 0:
        SER.send(text)
