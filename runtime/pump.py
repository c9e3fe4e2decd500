"""The data pump: the activity of the session's online state (DESIGN 3.8).

Moves whole chunks between SER and MDM, never one engine event per chunk, and returns only when DCD
falls. User data passes unchanged whatever it contains (+++, NO CARRIER, 0x1a, 0x00):
- towards the device: the modem's end-of-call text is told from data by DCD. DCD falls no later than
  the modem writes its NO CARRIER, so a chunk read while DCD was still up after it is all data; a
  chunk that holds a CR is looked at (the text starts with CR LF). After the call the last NO CARRIER
  of what is left ends the data, and what follows it (URCs the modem held back, +CMTI) goes to the AT
  driver, never to the device.
- towards the peer: the modem takes three '+' between two silences of the S12 guard time as its escape
  and ends the call; no setting of this module family turns that off (80000ST10025a: S2 and S12 only
  change the character and the guard). So a chunk of nothing but '+' is held back; when the device
  goes quiet, held '+' are written after a guard-time pause, and a run of exactly three is split. Every
  write is then either led by silence and not exactly '+++', or holds a byte other than '+'.
"""

import MDM
import MOD
import SER

import compat
import engine

NO_CARRIER = '\r\nNO CARRIER\r\n'
PLUSES = '++++++++++++++++++++++++++++++++'  # a chunk of only '+' is compared with a slice of this
IDLE_PASSES = 8      # passes with nothing to move before the pump waits on the modem
KICK_EVERY = 32      # passes between watchdog kicks while data flows
SEND_TENTHS = 50     # MDM.send flow-control wait
GUARD_TENTHS = 5     # a pause longer than the escape guard time (S12=20 is 0.4 s, set at boot)
END_TENTHS = 20      # how long the end-of-call text may take to arrive after DCD fell


def pump(m, arg):
    ctx = m.ctx
    idle = 0
    passes = 0
    held = ''
    up = ctx.take_pending()    # serial bytes collected while the call was set up go first
    r = ctx.at.take_data()     # and what the peer sent with CONNECT comes first to the device
    while 1:
        passes = passes + 1
        if passes >= KICK_EVERY:
            MOD.watchdogReset()
            passes = 0
        d = SER.read()
        if len(up) > 0:
            d = up + d
            up = ''
        nd = len(d)
        if len(r) == 0:
            r = MDM.read()
        nr = len(r)
        # One DCD look covers both ways: after the read (is r all data?) and before the send (a byte
        # written after the call ended would reach the modem's command parser).
        # `in` on one character works on 1.5 too, and costs no call on the data path.
        if (nd > 0 or (nr > 0 and '\r' in r)) and MDM.getDCD() == 0:
            ctx.keep_serial(held + d)
            _finish(ctx, r)
            break
        if nd > 0:
            if len(held) > 0:
                d = held + d
                held = ''
                nd = len(d)
            if d[0] == '+' and nd <= len(PLUSES) and d == PLUSES[:nd]:
                held = d
            elif MDM.send(d, SEND_TENTHS) < 0:
                ctx.dropped = ctx.dropped + nd
        if nr > 0:
            SER.send(r)
            r = ''
        if nd > 0 or nr > 0:
            idle = 0
            continue
        if len(held) > 0:
            held = _send_pluses(ctx, held)
            if len(held) > 0:  # the call ended before they could go
                ctx.keep_serial(held)
                _finish(ctx, '')
                break
            continue
        idle = idle + 1
        if idle >= IDLE_PASSES:
            MOD.watchdogReset()
            if MDM.getDCD() == 0:
                _finish(ctx, '')
                break
            r = MDM.receive(1)
            if len(r) > 0:
                idle = 0
    engine.dispatch(m, m.t.E_DROPPED, None)


def _send_pluses(ctx, held):
    """Writes '+' the device sent before going quiet so that the modem never sees its escape: after a
    guard-time pause, and a run of exactly three as '++', pause, '+'. CTS is low while the pump waits.
    Returns what could not be written because the call ended meanwhile ('' when all went)."""
    if ctx.cts:
        SER.setCTS(0)
    if len(held) == 3:
        parts = ['++', '+']
    else:
        parts = [held]
    for p in parts:
        MOD.sleep(GUARD_TENTHS)
        if MDM.getDCD() == 0:
            break
        if MDM.send(p, SEND_TENTHS) < 0:
            ctx.dropped = ctx.dropped + len(p)
        held = held[len(p):]
    if ctx.cts:
        SER.setCTS(1)
    return held


def _finish(ctx, text):
    """The call is over: the rest of the peer's data goes to the device, up to the modem's last
    NO CARRIER; the lines after it (URCs held during the call) go to the AT driver."""
    waited = 0
    while waited < END_TENTHS:
        more = MDM.receive(1)
        if len(more) > 0:
            text = text + more
        elif compat.find(text, NO_CARRIER) >= 0:
            break  # the end text is in, and the modem has gone quiet
        waited = waited + 1
    cut = compat.rfind(text, NO_CARRIER)
    if cut < 0:
        tail = ''
    else:
        tail = text[cut + len(NO_CARRIER):]
        text = text[:cut]
    if len(text) > 0:
        SER.send(text)
    ctx.at.feed(tail)
