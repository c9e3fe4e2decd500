# The data pump: the activity of the session's online state (docs/design/decisions.md section 8).
#
# Moves whole chunks between SER and MDM, never one engine event per chunk, and returns only when DCD
# falls. User data passes unchanged whatever it contains (+++, NO CARRIER, 0x1a, 0x00):
# - towards the device: the modem's end-of-call text is told from data by DCD. DCD falls no later than
#   the modem writes its NO CARRIER, so a chunk read while DCD was still up after it is all data; a
#   chunk that holds a CR is looked at (the text starts with CR LF). After the call the last NO CARRIER
#   of what is left ends the data, and what follows it (URCs the modem held back, +CMTI) goes to the AT
#   driver, never to the device.
# - towards the peer: the modem takes three '+' between two silences of the S12 guard time as its escape
#   and ends the call; no setting of this module family turns that off (80000ST10025a: S2 and S12 only
#   change the character and the guard). So a backlog of nothing but '+' is held back; when the device
#   goes quiet, held '+' are written after a guard-time pause, and a run of exactly three is split. Every
#   write is then either led by silence and not exactly '+++', or holds a byte other than '+'.
# Back-pressure, both ways, nothing dropped while the device honours CTS: the uplink (GPRS, a few kB/s) is
# slower than a serial line at 115200. Serial bytes wait in `up`; at UP_HIGH CTS drops towards the device
# and SER is no longer read (what the device still sends waits in SER's own buffer), below UP_LOW CTS
# rises, and it is low during any wait that could fill SER's buffer (see SAFE_BYTES): during every MDM.send,
# which waits as long as the link stalls. MDM.send is called only while the modem's CTS says it has room
# (held '+' too), one piece per pass (small pieces while CTS is high, so the device goes on soon, large
# ones while it is stopped anyway); only a link that stalls for SEND_TENTHS in the middle of a send drops
# that piece. The modem is
# read only when the last chunk went to the device, and SER.send is called only while the device's RTS is
# up, so a device that stops reading stops the peer (TCP flow control), not the pump. The clock is
# read after every pass that sent (a send may wait for the link or a slow device, however long) and the
# watchdog kicked every KICK_S of it: the watchdog never starves, and the clock never sees a real step long
# enough to pass for a jump (runtime/fwclock.py).
# SMS during the call (MDM2, when the module has it): the pump looks at MDM2 only when it kicks the watchdog
# (every KICK_S while data moves) and on its idle passes, one MDM2.read() each; when a round is due it hands
# what it holds back (serial bytes to the serial buffer, the peer's to the AT driver) and returns with the
# call still up; the main loop runs the round on MDM2 and calls the pump again.

import MDM
import MOD
import SER

import compat
import engine
import fwclock
import fwctx

NO_CARRIER = '\r\nNO CARRIER\r\n'
PLUSES = '++++++++++++++++++++++++++++++++'  # a backlog of only '+' is compared with a slice of this
IDLE_PASSES = 8      # passes with nothing to move before the pump waits on the serial port
SEND_TENTHS = 300    # MDM.send's longest wait for room: only a stalled link makes it run out
GUARD_TENTHS = 5     # a pause longer than the escape guard time (S12=20 is 0.4 s, set at boot)
END_TENTHS = 20      # how long the end-of-call text may take to arrive after DCD fell (tenths without data)
END_HOLD = 4096      # the longest end text taken: NO CARRIER and the URCs the modem held during the call
END_MOST = 1 << 18   # bytes read after DCD fell at the most: four times the most a modem buffers (a guess)
KICK_S = 10          # seconds between watchdog kicks while data moves (WATCHDOG_S is 120 s)
UP_HIGH = 4096       # uplink backlog at which CTS drops towards the device (and SER is not read) ...
UP_LOW = 1024        # ... and below which CTS rises again
# While the pump waits in MDM.send or SER.send the device may fill SER's 4096-byte buffer, and a read may
# hand over only part of what waits, or nothing (the module hands over what it has when it likes).
# `owed` bounds the bytes that may wait in SER unread: a wait with CTS high adds what the line carries
# meanwhile, a read takes off what it got. A wait that would take it past SAFE_BYTES is made with CTS
# low (the device stops within IN_FLIGHT bytes). CTS rises again only when reads in a row found SER
# empty. Each wait is sized to half of SAFE_BYTES of the device's line, so a pass with one wait each
# way fits: MDM.send gets what a 2 kB/s uplink (the slowest GPRS class 10 coding) carries in that time.
SAFE_BYTES = 3000    # of SER's 4096, leaving room for bytes in flight when CTS falls
IN_FLIGHT = 16       # bytes a device still sends after CTS fell (a 16550-style FIFO)
EMPTY_READS = 3      # reads in a row that found nothing: SER is empty (a read may miss what waits)
LINK_MIN_BPS = 2000  # the slowest uplink the pieces are sized for
# While CTS is low the device is stopped, so a wait cannot overfill SER: pieces are as large as fairness
# allows. An uplink send then waits at most about a second of the slowest link (the downlink is not read
# meanwhile), a send to the device about half a second of its line.
UP_STOPPED = 2048
DOWN_MAX = 4096      # a send to the device with CTS low (MDM.read hands over at most 4096 bytes)
SMS_GAP_S = 1        # SMS rounds during a call start at most this often (gwloop.SMS_ROUND_GAP_S)


def pump(m, arg):
    ctx = m.ctx
    sb = ctx.serial  # the serial buffer and CTS, bound once: the loop reads sb.cts every pass
    idle = 0
    kick_at = 0
    owed = 0
    line_bps = _div(int(ctx.values['baud']), 10)  # 10 bits a byte (8N1; 7E1 and 8N2: 9, 11)
    half = _div(SAFE_BYTES, 2)
    up_piece = _clamp(_div(half * LINK_MIN_BPS, line_bps), 64, 4096)
    up_owed = _div(up_piece * line_bps, LINK_MIN_BPS)
    down_piece = _clamp(_div(line_bps, 2), 16, half)
    down_stopped = _clamp(_div(line_bps, 2), 16, DOWN_MAX)
    side = ctx.at2             # MDM2, where SMS are read during the call (None without it: they wait)
    up = sb.take_pending()     # serial bytes collected while the call was set up go first
    down = ctx.at.take_data()  # and what the peer sent with CONNECT comes first to the device
    d = ''
    while 1:
        if len(up) < UP_HIGH:
            d = d + SER.read()
        nd = len(d)
        if nd > 0:
            up = up + d
            d = ''
            owed = owed - nd
            if owed < 0:
                owed = 0
            if sb.cts and len(up) >= UP_HIGH:
                owed = _cts_low(sb, owed)
        if len(down) == 0:
            down = MDM.read()
        nu = len(up)
        nr = len(down)
        # One DCD look covers both ways: after the read (is `down` all data?) and before a send (a
        # byte written after the call ended would reach the modem's command parser).
        # `in` on one character works on 1.5 too, and costs no call on the data path.
        if (nu > 0 or (nr > 0 and '\r' in down)) and MDM.getDCD() == 0:
            sb.keep(up)
            _finish(ctx, down)
            break
        if not sb.cts and nu < UP_LOW:
            d = _cts_high_if_empty(sb)
            if len(d) > 0:
                continue  # bytes were still waiting: take them first
            owed = 0
        sent = 0
        if nu > 0 and not (up[0] == '+' and nu <= len(PLUSES) and up == PLUSES[:nu]) and MDM.getCTS():
            # The modem's CTS says only that it has some room: a send may wait for the link as long as the
            # link stalls, so the device is stopped during every send (SER cannot fill meanwhile) and goes
            # on right after it.
            if sb.cts:
                piece = up[:up_piece]
                sb.set_cts(0)
                if MDM.send(piece, SEND_TENTHS) < 0:
                    sb.dropped = sb.dropped + len(piece)  # the link stalled for SEND_TENTHS
                else:
                    ctx.bytes_up = ctx.bytes_up + len(piece)
                owed = owed + IN_FLIGHT
                if owed + up_owed <= SAFE_BYTES:
                    sb.set_cts(1)
            else:
                piece = up[:UP_STOPPED]
                if MDM.send(piece, SEND_TENTHS) < 0:
                    sb.dropped = sb.dropped + len(piece)  # the link stalled for SEND_TENTHS
                else:
                    ctx.bytes_up = ctx.bytes_up + len(piece)
            up = up[len(piece):]
            sent = 1
        if nr > 0 and SER.getRTS():
            if sb.cts:
                piece = down[:down_piece]
                owed = _before_wait(sb, owed, len(piece))
            else:
                piece = down[:down_stopped]
            SER.send(piece)
            ctx.bytes_down = ctx.bytes_down + len(piece)
            down = down[len(piece):]
            sent = 1
        if sent:
            now = fwclock.now()
            if now >= kick_at:
                MOD.watchdogReset()
                kick_at = now + KICK_S
                ctx.fold_traffic()  # the status byte counters, every KICK_S: far from 2**31
                if side is not None and _sms_due(ctx, side, now):
                    return _hand_over(ctx, up, down)
        if sent or nd > 0:
            idle = 0
            continue
        # Only '+', and the device has gone quiet: they go once the modem has room, like any other data (a
        # send into a full modem would wait there for the link, and one that waited out a stall would drop
        # them although none had gone).
        if nu > 0 and up == PLUSES[:nu] and MDM.getCTS():
            held = _send_pluses(sb, up)
            ctx.bytes_up = ctx.bytes_up + len(up) - len(held)  # the status counter: what went (or was dropped)
            up = held
            MOD.watchdogReset()
            kick_at = fwclock.now() + KICK_S
            if len(up) > 0 and MDM.getDCD() == 0:  # the call ended before they could go
                sb.keep(up)
                _finish(ctx, down)
                break
            continue
        idle = idle + 1
        if idle >= IDLE_PASSES:
            idle = 0
            MOD.watchdogReset()
            now = fwclock.now()
            kick_at = now + KICK_S
            if MDM.getDCD() == 0:
                sb.keep(up)
                _finish(ctx, down)
                break
            if side is not None and _sms_due(ctx, side, now):
                return _hand_over(ctx, up, down)
            if len(up) < UP_HIGH and sb.cts:
                # Nothing moves: wait on the serial port (the device may start at full speed, and a
                # receive hands over what comes before the buffer can fill); the modem is read right
                # after.
                d = SER.receive(1)
            else:
                MOD.sleep(1)  # the modem is full or the device holds RTS low: wait for them
    if len(sb.pending) < fwctx.PENDING_LOW:
        sb.set_cts(1)
    engine.dispatch(m, m.t.E_DROPPED, None)


def _sms_due(ctx, side, now):
    # Whether the main loop should run an SMS round on MDM2 now (at most one a SMS_GAP_S): an indication came
    # there or waits from before, or the sms machine's own periodic check is due.
    r = ctx.sms_round
    if now - r.started_s < SMS_GAP_S:
        return 0
    side.drain()
    if len(side.urcs) > 0 or r.waiting:
        return 1
    sms = ctx.sms
    return sms.deadline >= 0 and now >= sms.deadline


def _hand_over(ctx, up, down):
    # Returns 1 to the main loop with the call up: what the pump holds waits where it starts from again.
    ctx.serial.put_back(up)
    ctx.at.give_back(down)
    return 1


def _before_wait(sb, owed, cost):
    # A wait in which the device may send `cost` bytes is about to start: CTS goes low first when
    # that could fill SER's buffer (bytes may already wait there unread). Returns the new `owed`.
    if not sb.cts:
        return owed
    if owed + cost > SAFE_BYTES:
        return _cts_low(sb, owed)
    return owed + cost


def _cts_low(sb, owed):
    sb.set_cts(0)
    return owed + IN_FLIGHT


def _cts_high_if_empty(sb):
    # Raises CTS when SER's buffer is empty: EMPTY_READS reads in a row found nothing. Returns what a
    # read found instead ('' when CTS went up).
    n = 0
    while n < EMPTY_READS:
        d = SER.read()
        if len(d) > 0:
            return d
        n = n + 1
    sb.set_cts(1)
    return ''


def _div(a, b):
    # a / b rounded down, the same under every interpreter (`/` gives a float on 3).
    q, r = divmod(a, b)
    return q


def _clamp(n, low, high):
    if n < low:
        return low
    if n > high:
        return high
    return n


def _send_pluses(sb, held):
    # Writes '+' the device sent before going quiet so that the modem never sees its escape: after a
    # guard-time pause, and a run of exactly three as '++', pause, '+'. CTS is low while the pump waits.
    # Each part goes only while the modem has room (its CTS), as the pump's other sends. Returns what is
    # still held ('' when all went): the call ended meanwhile, or the modem had no room after the pause
    # (the pump holds the rest and sends it, after a pause of its own, once the modem has room).
    was = sb.cts
    sb.set_cts(0)
    if len(held) == 3:
        parts = ['++', '+']
    else:
        parts = [held]
    for p in parts:
        MOD.sleep(GUARD_TENTHS)
        if MDM.getDCD() == 0 or not MDM.getCTS():
            break
        if MDM.send(p, SEND_TENTHS) < 0:
            sb.dropped = sb.dropped + len(p)
        held = held[len(p):]
    sb.set_cts(was)
    return held


def _finish(ctx, text):
    # The call is over: the rest of the peer's data goes to the device, up to the modem's last
    # NO CARRIER; the lines after it (URCs held during the call) go to the AT driver.
    text, tail = end_text(text, _to_device, ctx)
    _to_device(ctx, text)
    ctx.at.feed(tail)


def _to_device(ctx, text):
    while len(text) > 0:
        MOD.watchdogReset()
        SER.send(text[:SAFE_BYTES])
        ctx.bytes_down = ctx.bytes_down + len(text[:SAFE_BYTES])
        text = text[SAFE_BYTES:]


def end_text(text, give, arg):
    # DCD fell: `text` and what the modem still says are the last of the peer's data, then the modem's end of
    # the call (its NO CARRIER and the URCs it held back). DCD falls when the peer closes, not when the modem
    # has handed over its bytes: a whole buffer of data may still come. It is read until the modem goes quiet
    # after a NO CARRIER, and handed to `give(arg, data)` as it comes: all of it before the last NO CARRIER
    # so far, which may begin the end text (unless more than END_HOLD bytes followed it: then it was data), and
    # all but the start of a NO CARRIER that may be forming. Returns (data, tail): the rest of the data, up to
    # the modem's last NO CARRIER, and the lines after it for the AT driver. Also used by the download.
    quiet = 0
    read = 0
    while quiet < END_TENTHS and read < END_MOST:
        more = MDM.receive(1)
        if len(more) == 0:
            if compat.find(text, NO_CARRIER) >= 0:
                break  # the end text is in, and the modem has gone quiet
            quiet = quiet + 1
            continue
        read = read + len(more)
        text = text + more
        cut = compat.rfind(text, NO_CARRIER)
        if cut < 0 or len(text) - cut > END_HOLD:
            cut = len(text) - len(NO_CARRIER) + 1
        if cut > 0:
            give(arg, text[:cut])
            text = text[cut:]
    cut = compat.rfind(text, NO_CARRIER)
    if cut < 0:
        return (text, '')
    return (text[:cut], text[cut + len(NO_CARRIER):])
