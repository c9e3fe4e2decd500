# The actions of `status` and `allow` (the command table names them): what the gateway is doing, and who may
# command it.
#
# `status` asks the modem once, one command line for the three queries (AT+CSQ;+CREG?;+COPS?: extended
# commands may share a line, docs/design/telit.md section 7), through ctx.side_at(): MDM outside a call, MDM2
# during one. With neither free (a call, and no MDM2) it asks nothing and shows signal, registration and
# operator as '?'. The rest is what the firmware already knows. The reply is split into numbered parts of at
# most 160 septets (smsact.split_reply), like `config`.

import compat
import fwclock
import smsact
import smscmd
import smsio

STATUS_TENTHS = 50   # the query line's answer wait: each answers from the module's memory, no network search
RSSI_UNKNOWN = 99    # +CSQ rssi when the module does not know the signal
RSSI_TOP = 31        # rssi 31 is -51 dBm or more
OPERATOR_MAX = 16    # +COPS long alphanumeric names hold at most 16 characters (docs/design/telit.md section 7)
UNKNOWN = '?'        # what could not be asked

# A status reading of the modem (ask_modem): the fields by name.
Q_RSSI = 0           # +CSQ rssi as text ('20'), or None
Q_STAT = 1           # +CREG stat ('1' home, '5' roaming, ...), or None
Q_OPERATOR = 2       # the operator's name, '' when the module names none, or None


def signal_text(rssi):
    # '+CSQ' rssi as dBm (docs/design/telit.md section 7): 0 is -113 or less, 1..30 -111..-53 in 2 dB
    # steps, 31 -51 or more, 99 (or anything else) unknown.
    if rssi is None or len(rssi) == 0 or len(rssi) > 2:
        return UNKNOWN
    for ch in rssi:
        if compat.find(smscmd.DIGITS, ch) < 0:
            return UNKNOWN
    n = int(rssi)
    if n == 0:
        return '<=-113dBm'
    if n == RSSI_TOP:
        return '>=-51dBm'
    if n > RSSI_TOP:
        return UNKNOWN
    return '%ddBm' % (2 * n - 113)


def registration_text(stat):
    if stat is None:
        return UNKNOWN
    if stat == '1':
        return 'home'
    if stat == '5':
        return 'roaming'
    return 'none'


def _field(text, i):
    # The i-th comma-separated field of an answer ('' when it has fewer).
    parts = compat.split(text, ',')
    if len(parts) <= i:
        return ''
    return compat.strip(parts[i])


def parse_reading(lines):
    # The answer lines of the query line as a reading (Q_*): what was not answered stays None.
    rssi = None
    stat = None
    operator = None
    for line in lines:
        if compat.startswith(line, '+CSQ:'):
            rssi = _field(line[5:], 0)
        elif compat.startswith(line, '+CREG:'):
            stat = _field(line[6:], 1)  # +CREG: <n>,<stat>[,<lac>,<ci>]
        elif compat.startswith(line, '+COPS:'):
            # +COPS: <mode>[,<format>,"<oper>"]: no name while the module has no operator
            first = compat.find(line, '"')
            last = compat.rfind(line, '"')
            operator = ''
            if first >= 0 and last > first:
                operator = line[first + 1:last]
    return (rssi, stat, operator)


def ask_modem(ctx):
    # One query line through the AT instance that is free; None when none is (a call without MDM2).
    at = ctx.side_at()
    if at is None:
        return None
    result, lines = at.command('AT+CSQ;+CREG?;+COPS?', STATUS_TENTHS)
    return parse_reading(lines)


def operator_text(name):
    if name is None:
        return UNKNOWN
    name = compat.join(compat.split(name), ' ')
    if len(name) == 0:
        return 'none'
    return smsio.gsm_cut(name, OPERATOR_MAX)


def duration_text(s):
    # Seconds as '3d04h05m' (days only when there are some; minutes rounded down).
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    mins, s = divmod(s, 60)
    if d > 0:
        return '%dd%02dh%02dm' % (d, h, mins)
    return '%dh%02dm' % (h, mins)


def bytes_text(kib, extra):
    # A byte counter kept as whole KiB plus bytes (fwctx.fold_traffic): exact below 10 MB, else in KiB.
    if kib < 9765:
        return '%d' % (kib * 1024 + extra)
    return '%dk' % kib


def state_text(ctx):
    # The mode and what it is doing, in the machines' own words: 'client online', 'server listening';
    # without a session, the gateway's state: 'client registering', 'none unconfigured'.
    gw = ctx.gw
    s = ctx.sess
    if gw.state in gw.t.IN_MODE and s.state != s.t.S_CLOSED:
        what = s.t.STATES[s.state]
    else:
        what = gw.t.STATES[gw.state]
    return ctx.values['mode'] + ' ' + what


def status_items(ctx, reading):
    # What `status` lists, in order; `reading` is ask_modem's (None: the modem could not be asked).
    if reading is None:
        reading = (None, None, None)
    ctx.fold_traffic()
    error = 'none'
    if ctx.last_error != '':
        error = ctx.last_error + ' ' + duration_text(fwclock.now() - ctx.error_s) + ' ago'
    return [
        'signal ' + signal_text(reading[Q_RSSI]),
        'net ' + registration_text(reading[Q_STAT]),
        'operator ' + operator_text(reading[Q_OPERATOR]),
        'ip ' + (ctx.local_ip or 'offline'),
        state_text(ctx),
        'up ' + duration_text(fwclock.now()),
        'calls %d' % ctx.calls,
        'drops %d' % ctx.drops,
        'sent ' + bytes_text(ctx.kib_up, ctx.bytes_up),
        'received ' + bytes_text(ctx.kib_down, ctx.bytes_down),
        'dropped %d' % ctx.serial.dropped,
        'error ' + error,
        'version ' + ctx.table.VERSION,
    ]


def cmd_status(m, arg):
    ctx = m.ctx
    items = status_items(ctx, ask_modem(ctx))
    ctx.sms_round.replies = smsact.split_reply('Confirmed: status', items, smsio.MAX_SMS)


def cmd_allow(m, arg):
    # `allow` alone lists the allowed senders and changes nothing (no flash write); with numbers it stores
    # them as any setting is stored. The reply goes to the sender even when the new list leaves it out.
    r = m.ctx.sms_round
    if len(r.parsed[smscmd.P_CHANGES]) == 0:
        r.replies = [smscmd.confirmation(r.parsed[smscmd.P_COMMAND], m.ctx.values)]
        return
    smsact.cmd_apply(m, arg)
