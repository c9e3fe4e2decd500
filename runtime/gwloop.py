# The gateway's main loop: settings, machines, and a loop that never ends (main.py runs it).
#
# The loop runs the session's activity (the data pump) while online; otherwise it turns unsolicited
# result codes into machine events, collects or discards serial bytes, and raises state timeouts.
# Times are fwclock seconds (MOD.secCounter without its jumps).

import MDM
import MOD
import SER2

import atdrv
import cfgstore
import compat
import engine
import fsm_commands
import fsm_gateway
import fsm_session
import fsm_sms
import fsm_trial
import fsm_update
import fsm_watch
import fwclock
import fwctx
import trialact

IDLE_TENTHS = 5    # how long the idle loop waits for the modem when no serial data is expected
COLLECT_TENTHS = 1 # ... and when serial data must be collected (SER holds only 4096 bytes)


SMS_ROUND_GAP_S = 1  # +CMTI starts a round of SMS reading at most this often

TRACE_FLAG = 'fwtrace.on'  # present in the module's file system: every transition is traced on SER2


def trace_transition(m, kind, value):
    # The engine's trace hook when tracing is on: one `fsm: <machine> T<index>` line per transition.
    if kind == engine.T_TRANSITION:
        SER2.send('fsm: %s T%d\r\n' % (m.t.NAME, value))


def tracing_wanted():
    try:
        f = open(TRACE_FLAG, 'r')
    except IOError:
        return 0
    f.close()
    return 1


def route_side_urcs(ctx):
    # MDM2 (when the module has it) set +CNMI last at boot, so +CMTI comes there; nothing else it says matters.
    side = ctx.at2
    side.drain()
    u = side.next_urc()
    while u is not None:
        if compat.startswith(u, '+CMTI:'):
            ctx.sms_round.waiting = 1
        u = side.next_urc()


def route_urcs(ctx):
    at = ctx.at
    r = ctx.sms_round
    if ctx.at2 is not None:
        route_side_urcs(ctx)
    u = at.next_urc()
    while u is not None:
        if compat.startswith(u, '+CMTI:'):
            r.waiting = 1
        elif u == 'RING' or compat.startswith(u, '+CRING'):
            engine.dispatch(ctx.sess, fsm_session.E_RING, None)
        elif compat.startswith(u, '+CONN FROM:'):
            engine.dispatch(ctx.sess, fsm_session.E_INCOMING, compat.strip(u[11:]))
        elif compat.startswith(u, 'CONNECT'):
            engine.dispatch(ctx.sess, fsm_session.E_CONNECTED, None)
        u = at.next_urc()
    if r.waiting:
        # At most one round a second: a modem that repeats +CMTI (or puts one in every listing) must
        # not keep the loop from ever waiting.
        now = fwclock.now()
        if now - r.started_s >= SMS_ROUND_GAP_S:
            r.waiting = 0
            r.started_s = now
            engine.dispatch(ctx.sms, fsm_sms.E_ARRIVED, None)


def serial_step(ctx):
    # Collects (client) or discards serial bytes; new bytes start an on-demand dial. Returns how long
    # the loop may then wait for the modem.
    ctx.serial.poll()
    if len(ctx.serial.pending) > 0 and ctx.sess.state == fsm_session.S_WAITING:
        engine.dispatch(ctx.sess, fsm_session.E_SERIAL_DATA, None)
    if ctx.values['mode'] == 'client':
        return COLLECT_TENTHS
    return IDLE_TENTHS


def side_round(ctx):
    # The data pump handed over with the call still up: an SMS round on MDM2 (the sms machine reads through
    # ctx.side_at()) for an indication, or the SIM's periodic check; then the pump resumes.
    route_urcs(ctx)
    engine.poll(ctx.sms)


def loop(ctx):
    while 1:
        MOD.watchdogReset()
        act = engine.activity(ctx.sess)
        if act is not None:
            if act(ctx.sess, None):
                side_round(ctx)  # the pump returned with the call up: an SMS round is due on MDM2
            continue
        route_urcs(ctx)
        if engine.activity(ctx.sess) is not None:
            continue  # a call came in: the pump takes the modem now
        wait = serial_step(ctx)
        ctx.at.poll(wait)
        route_urcs(ctx)
        engine.poll(ctx.gw)
        engine.poll(ctx.sess)
        engine.poll(ctx.sms)
        engine.poll(ctx.watch)
        engine.poll(ctx.trial)


def run():
    store = cfgstore.Store(fsm_commands)
    values = store.load()
    values['backoff_s'] = 0
    values['trial_step_s'] = 0
    at = atdrv.Driver(MDM, MOD)
    ctx = fwctx.Ctx(at, store, fsm_commands, values)
    at.on_wait = ctx.serial.poll
    ctx.gw = engine.Machine(fsm_gateway, ctx, fwclock.now, values)
    ctx.sess = engine.Machine(fsm_session, ctx, fwclock.now, values)
    ctx.sms = engine.Machine(fsm_sms, ctx, fwclock.now, values)
    ctx.watch = engine.Machine(fsm_watch, ctx, fwclock.now, values)
    ctx.trial_rec = trialact.Record(fsm_commands)
    ctx.trial_rec.load()
    ctx.trial = engine.Machine(fsm_trial, ctx, fwclock.now, values)
    ctx.upd = engine.Machine(fsm_update, ctx, fwclock.now, values)
    if tracing_wanted():
        ctx.gw.trace = trace_transition
        ctx.sess.trace = trace_transition
        ctx.sms.trace = trace_transition
        ctx.watch.trace = trace_transition
        ctx.trial.trace = trace_transition
        ctx.upd.trace = trace_transition
    ctx.trace('gateway: firmware started, settings %s (save %d)' % (('defaults', 'stored')[store.slot >= 0], store.seq))
    engine.start(ctx.gw)
    engine.start(ctx.sess)
    engine.start(ctx.sms)
    engine.start(ctx.watch)
    engine.start(ctx.trial)
    engine.start(ctx.upd)
    engine.dispatch(ctx.trial, fsm_trial.E_START, None)  # a trial the power cut goes on before the boot
    engine.dispatch(ctx.gw, fsm_gateway.E_START, None)
    loop(ctx)
