# Session callbacks: dial (#SKTD), listen (#FRWL + #SKTL), answer CSD (ATA), back-off, end of call.
#
# Times in seconds; AT timeouts in tenths. The socket, send and packet settings were given to the modem
# by the gateway's GPRS setup: the modem closes an idle socket and packetises, not the firmware.

import MDM
import MOD

import compat
import engine
import gwboot
import modes
import trialact

DIAL_TENTHS = 700        # #SKTD answer wait: the modem's own connect timeout (#SKTCT 600) plus margin
ANSWER_TENTHS = 600      # ATA: CSD handshake (S7 default 60 s)
BACKOFF_CAP_S = 60       # capped exponential back-off between dials
LASTING_CALL_S = 60      # maintain: a call this long starts the back-off again; a shorter one counts as a failure
ON_DEMAND_DIALS = 5      # on demand, the dial is given up after this many failures in a row
FAILOVER_DIALS = 3       # backup on: failed dials in a row to one server before the other is dialled


def is_dialin_on(m, arg):
    return m.values['dialin'] == 'on'


def reset_backoff(m, arg):
    m.values['backoff_s'] = 0
    m.ctx.dial_attempts = 0


def grow_backoff(m, arg):
    b = m.values['backoff_s'] * 2
    if b == 0:
        b = 1
    if b > BACKOFF_CAP_S:
        b = BACKOFF_CAP_S
    m.values['backoff_s'] = b
    m.ctx.trace('session: retry in %d s (attempt %d failed)' % (b, m.ctx.dial_attempts))


def has_dial_attempts_left(m, arg):
    return modes.is_maintain(m, arg) or m.ctx.dial_attempts < ON_DEMAND_DIALS


def is_failover_due(m, arg):
    # The dial that just failed was the FAILOVER_DIALS-th in a row to the server it went to, and a backup
    # is set (OPS-BACKUP-FAILOVER).
    return m.values['backup'] == 'on' and m.ctx.server_fails >= FAILOVER_DIALS


def switch_server(m, arg):
    # The next dial goes to the other server: the backup after the server, the server after the backup.
    # The back-off is kept.
    ctx = m.ctx
    ctx.on_backup = 1 - ctx.on_backup
    ctx.server_fails = 0
    if ctx.on_backup:
        ctx.trace('session: %d failed dials, the backup next' % FAILOVER_DIALS)
    else:
        ctx.trace('session: %d failed dials to the backup, the server next' % FAILOVER_DIALS)


def use_server(m, arg):
    # The next dial goes to the server (OPS-BACKUP-RETURN): after a call ends (to either), a dial given up,
    # a new mode.
    ctx = m.ctx
    if ctx.on_backup:
        ctx.trace('session: the server next')
    ctx.on_backup = 0
    ctx.server_fails = 0


def dial_target(m):
    # (host, port) the next dial goes to: the server, or the backup after a failover.
    v = m.values
    if m.ctx.on_backup:
        return (v['backup_host'], v['backup_port'])
    return (v['server'], v['server_port'])


def give_up_dial(m, arg):
    # On demand, after the last failed attempt: the bytes the dials were for are dropped. Bytes that
    # came during the last attempt stay, and start a new dial.
    ctx = m.ctx
    ctx.trace('session: dial given up, %d serial bytes dropped' % ctx.dial_for)
    ctx.serial.drop_pending(ctx.dial_for)
    reset_backoff(m, arg)


def dial(m, arg):
    ctx = m.ctx
    ctx.dial_attempts = ctx.dial_attempts + 1
    ctx.dial_for = len(ctx.serial.pending)
    host, port = dial_target(m)
    # The module resolves a host name at every dial (docs/design/telit.md 4.2): a server behind dynamic DNS
    # is followed without a new setting.
    cmd = 'AT#SKTD=0,%d,"%s",0,0' % (port, host)
    result, lines = ctx.at.command(cmd, DIAL_TENTHS, 1)
    ctx.trace('session: ' + cmd + ' -> ' + result)
    if result == 'CONNECT':
        engine.dispatch(m, m.t.E_CONNECTED, None)
        return
    trialact.saw(ctx, 'server did not answer')
    ctx.server_fails = ctx.server_fails + 1
    ctx.note_error('dial failed')
    if (result == 'ERROR' or compat.startswith(result, '+CME')) and gwboot.context_status(ctx.at) == '0':
        # #SKTD answers ERROR without an active context: the gateway sets GPRS up again. With the context
        # up (or the modem not saying) it is a plain failure and the back-off applies: setting GPRS up
        # again would reset the back-off and dial at once, forever. A host name that does not resolve is
        # such an ERROR with the context up (OPS-HOST-UNRESOLVED).
        engine.dispatch(ctx.gw, ctx.gw.t.E_NET_LOST, None)
    engine.dispatch(m, m.t.E_FAILED, None)


def listen(m, arg):
    ctx = m.ctx
    v = m.values
    at = ctx.at
    at.command('AT#FRWL=2', 20)  # firewall rules are not kept by the module: start from none
    if v['permit_ip'] == 'any':
        rule = 'AT#FRWL=1,"0.0.0.0","0.0.0.0"'
    else:
        rule = 'AT#FRWL=1,"%s","255.255.255.255"' % v['permit_ip']
    # A listener left from before (a call that was not answered) would make #SKTL=1 answer ERROR.
    at.command('AT#SKTL=0,0,%d' % v['local_port'], 20)
    if at.ok(rule) and at.ok('AT#SKTL=1,0,%d,0' % v['local_port']):
        ctx.listening = v['local_port']
        ctx.trace('session: listening on %d for %s' % (v['local_port'], v['permit_ip']))
        trialact.goal_reached(m, arg)  # listening: the goal of a trial in server mode
        return
    trialact.saw(ctx, 'cannot listen on %d' % v['local_port'])
    ctx.note_error('listen failed')
    if gwboot.context_status(at) != '1':
        # No active context (network lost): the gateway sets GPRS up again.
        engine.dispatch(ctx.gw, ctx.gw.t.E_NET_LOST, None)
    engine.dispatch(m, m.t.E_FAILED, None)


def note_peer(m, arg):
    m.ctx.peer = arg
    m.ctx.trace('session: call from ' + str(arg))


def answer(m, arg):
    # Answers a CSD call. One call at a time: the TCP listener stops first, else it would accept a client
    # that called meanwhile the moment the CSD call ends, and that call's +CONN FROM and CONNECT would follow
    # the NO CARRIER with DCD up again, where the pump cannot tell them from data. The session listens again
    # after the call. A client the modem accepted before its listener stopped is the call then: its CONNECT
    # (queued by the driver) takes the session online.
    ctx = m.ctx
    at = ctx.at
    if ctx.listening:
        at.command('AT#SKTL=0,0,%d' % ctx.listening, 20)
        ctx.listening = 0
    result = ''
    if not at.online:
        result, lines = at.command('ATA', ANSWER_TENTHS, 1)
    ctx.trace('session: ATA -> ' + result)
    if compat.startswith(result, 'CONNECT'):
        engine.dispatch(m, m.t.E_CONNECTED, None)
    elif not at.online:
        ctx.note_error('answer failed')
        engine.dispatch(m, m.t.E_FAILED, None)


def went_online(m, arg):
    # On connect. The data pump then sends the serial bytes collected meanwhile first, in order, and
    # gives the device what the peer already sent. The back-off is not reset here: a server that accepts
    # and closes at once would otherwise be dialled every second (see is_call_lasting).
    m.ctx.online_since = m.clock()
    m.ctx.calls = m.ctx.calls + 1
    m.ctx.trace('session: online')


def is_call_lasting(m, arg):
    # Whether the call that just ended lasted long enough to count as a working connection.
    return m.clock() - m.ctx.online_since >= LASTING_CALL_S


def end_call(m, arg):
    ctx = m.ctx
    ctx.drops = ctx.drops + 1  # ended by the peer, the socket timeout or the network (the gateway's own end: hang_up)
    ctx.trace('session: call ended')
    engine.dispatch(ctx.sms, ctx.sms.t.E_CALL_ENDED, None)


def drop_call(m, arg):
    # An SMS `drop`, read on MDM2 while the pump had handed the main loop a round: MDM is still in data mode.
    # The escape sequence with its guard times ends a socket call (NO CARRIER); a CSD call stays up in online
    # command mode, so ATH follows. The pump, resumed, sees DCD fall and raises dropped as for any end.
    ctx = m.ctx
    ctx.trace('session: dropping the call (SMS)')
    MOD.sleep(6)
    MDM.send('+++', 10)
    MOD.sleep(6)
    if MDM.getDCD():
        ctx.at.abandon_call()  # the rest of the stream: the modem's OK to the escape, not the peer's data
        ctx.at.command('ATH', 50)


def hang_up(m, arg):
    close_socket(m.ctx)


def close_socket(ctx):
    # Ends the call, if one is up, and stops the listener: the session's hang-up, and the end of a download
    # (runtime/httpget.py), which also calls it first (a listener would make #SKTD answer ERROR).
    ctx.at.abandon_call()  # a call accepted as the session closed is not wanted: commands must go out
    if MDM.getDCD():
        # Escape with the guard times around +++ (S12 = 0.4 s, set at boot), then hang up.
        MOD.sleep(6)
        MDM.send('+++', 10)
        MOD.sleep(6)
        ctx.at.command('ATH', 50)
    if ctx.listening:
        # The settings may already name another port: stop the listener that was started.
        ctx.at.command('AT#SKTL=0,0,%d' % ctx.listening, 20)
        ctx.listening = 0
