# Trial machine callbacks: a gprs or mode change must reach its goal within `revert` minutes, or the gprs and
# mode settings that last worked come back (fsm/specs/trial.yaml).
#
# The trial settings are those the `gprs` and `mode` commands set (read from the command table). `Record` holds
# the last of them that worked, the settings in force (taken when GPRS is set up), and the trial under way:
# time left, sender, command, the last failure seen. It is saved in two slot files like the settings
# (cfgstore.TRIAL_SLOTS), the time left at most once a minute (STEP_S): the module's clock restarts at
# power-up, so a restart goes on with the time saved last, at most STEP_S too much, never too little.

import cfgstore
import compat
import engine
import smscmd
import smsio
import updact

STEP_S = 60              # the time left is saved this often during a trial: the most a power cut adds to it
VERBS = ('gprs', 'mode')  # the commands whose changes go on trial: those that can cut a unit off
DEFAULT_WHY = 'goal not reached'  # the why of a revert when the gateway saw no failure
# The record's own fields, after the trial settings: whether they ever worked, the trial's time left (0: none),
# the sender and command of the change, the last failure seen.
WORKED = 'trial_worked'
LEFT = 'trial_left_s'
SENDER = 'trial_sender'
COMMAND = 'trial_command'
WHY = 'trial_why'
OWED_TO = 'trial_owed_to'  # a revert's SMS that could not go yet (no network, a call without MDM2): its number
OWED = 'trial_owed'        # ... and its text, sent after the next SMS round that can (send_owed)
# The argument of the trial's `changed` event (smsact.cmd_apply).
CH_WORDS = 0             # the command's words: ('mode', 'client')
CH_SENDER = 1            # who sent it


def trial_settings(table):
    # The names of the settings the trial commands set, in table order.
    out = []
    for c in table.COMMANDS:
        if c[smscmd.CMD_WORDS][smscmd.W_VERB] not in VERBS:
            continue
        for f in c[smscmd.CMD_ARGS]:
            if f[smscmd.ARG_SETTING] >= 0:
                out.append(f[smscmd.ARG_SETTING])
        for setting, value in c[smscmd.CMD_ASSIGN]:
            out.append(setting)
    names = []
    i = 0
    while i < len(table.SETTINGS):
        if i in out:
            names.append(table.SETTINGS[i])
        i = i + 1
    return tuple(names)


class Fields:
    # The record's fields as cfgstore reads a table: the trial settings, then the trial's own.

    def __init__(self, table, names):
        settings = []
        defaults = []
        ints = []
        i = 0
        while i < len(table.SETTINGS):
            if table.SETTINGS[i] in names:
                settings.append(table.SETTINGS[i])
                defaults.append(table.DEFAULTS[i])
                ints.append(table.IS_INT[i])
            i = i + 1
        self.SETTINGS = tuple(settings) + (WORKED, LEFT, SENDER, COMMAND, WHY, OWED_TO, OWED)
        self.DEFAULTS = tuple(defaults) + (0, 0, '', '', '', '', '')
        self.IS_INT = tuple(ints) + (1, 1, 0, 0, 0, 0, 0)


def pick(values, names):
    out = {}
    for k in names:
        out[k] = values[k]
    return out


class Record:
    # The last trial settings that worked (`good`, None when none ever did), those in force since the last GPRS
    # set-up (`in_force`), and the trial: `left_s` (0: none), `step_from` (clock), `sender`, `command`, `why`,
    # `set_up` (the change was set up on the modem since the trial began); a revert's SMS still owed (`owed_to`,
    # `owed`: '' when none).

    def __init__(self, table):
        self.names = trial_settings(table)
        self.store = cfgstore.Store(Fields(table, self.names), cfgstore.TRIAL_SLOTS)
        self.good = None
        self.in_force = None
        self.set_up = 0
        self.left_s = 0
        self.step_from = 0
        self.sender = ''
        self.command = ''
        self.why = ''
        self.owed_to = ''
        self.owed = ''

    def load(self):
        v = self.store.load()
        if self.store.slot < 0:
            return
        if v[WORKED]:
            self.good = pick(v, self.names)
        self.left_s = v[LEFT]
        self.sender = v[SENDER]
        self.command = v[COMMAND]
        self.why = v[WHY]
        self.owed_to = v[OWED_TO]
        self.owed = v[OWED]

    def save(self, values):
        # One write of the whole record; the trial settings are `good`, or `values`' when none worked (unused).
        if self.good is None:
            v = pick(values, self.names)
            v[WORKED] = 0
        else:
            v = pick(self.good, self.names)
            v[WORKED] = 1
        v[LEFT] = self.left_s
        v[SENDER] = self.sender
        v[COMMAND] = self.command
        v[WHY] = self.why
        v[OWED_TO] = self.owed_to
        v[OWED] = self.owed
        return self.store.save(v)


def saw(ctx, why):
    # The gateway observed a failure: the why of a revert, should the trial run out.
    if ctx.trial_rec is not None:
        ctx.trial_rec.why = why


def take_settings(m, arg):
    # GPRS is being set up: these are the settings in force now (gateway, gprs_setup).
    rec = m.ctx.trial_rec
    rec.in_force = pick(m.values, rec.names)
    rec.set_up = 1


def goal_reached(m, arg):
    # GPRS up and, by mode, nothing more, waiting for serial data, connected or listening (OPS-REVERT-GOAL).
    trial = m.ctx.trial
    engine.dispatch(trial, trial.t.E_REACHED, None)
    updact.mode_reached(m.ctx)  # a new firmware on trial reached its mode too


def changed(m, cmd, sender):
    # An SMS command was applied (smsact.cmd_apply): the trial machine decides whether it starts a trial.
    trial = m.ctx.trial
    engine.dispatch(trial, trial.t.E_CHANGED, (cmd[smscmd.CMD_WORDS], sender))


def is_trial_saved(m, arg):
    return m.ctx.trial_rec.left_s > 0


def is_trial_command(m, arg):
    return arg[CH_WORDS][smscmd.W_VERB] in VERBS


def is_revert_on(m, arg):
    return m.values['revert_min'] > 0


def is_change_set_up(m, arg):
    return m.ctx.trial_rec.set_up


def is_trial_over(m, arg):
    return m.ctx.trial_rec.left_s <= 0


def keep_for_boot(ctx, cmd, sender, minutes):
    # A gprs or mode change kept for the end of a call (smsact.defer_command) was saved with the settings: a power
    # cut or `reboot` before the call ends puts it in force at the next boot, so its trial is saved now and goes on
    # then (the trial machine's `start`). In RAM nothing starts: the call's end starts the trial afresh (changed).
    rec = ctx.trial_rec
    if minutes <= 0 or ctx.trial.state == ctx.trial.t.S_ON_TRIAL:
        return  # no revert; or a trial under way, whose record a power cut resumes
    rec.left_s = minutes * 60
    rec.sender = sender
    rec.command = compat.join(list(cmd[smscmd.CMD_WORDS]), ' ')
    rec.why = ''
    rec.save(ctx.values)
    rec.left_s = 0


def begin_trial(m, arg):
    ctx = m.ctx
    rec = ctx.trial_rec
    rec.left_s = m.values['revert_min'] * 60
    rec.sender = arg[CH_SENDER]
    rec.command = compat.join(list(arg[CH_WORDS]), ' ')
    rec.why = ''
    rec.set_up = 0
    rec.save(ctx.values)
    ctx.trace('trial: %s on trial for %d s' % (rec.command, rec.left_s))


def plan_step(m, arg):
    # The next step: a save of the time left in STEP_S, or the deadline when nearer (never 0: no timeout).
    rec = m.ctx.trial_rec
    step = rec.left_s
    if step > STEP_S:
        step = STEP_S
    if step < 1:
        step = 1
    m.values['trial_step_s'] = step
    rec.step_from = m.clock()


def count_down(m, arg):
    # The time since the step began comes off the time left (a second call in one event takes nothing).
    rec = m.ctx.trial_rec
    now = m.clock()
    rec.left_s = rec.left_s - (now - rec.step_from)
    rec.step_from = now


def save_trial(m, arg):
    m.ctx.trial_rec.save(m.values)


def end_trial(m, arg):
    rec = m.ctx.trial_rec
    rec.left_s = 0
    rec.save(m.values)
    m.ctx.trace('trial: ended, the change stays')


def record_worked(m, arg):
    # The settings in force reached the goal: they are the last that worked (saved only when they are new).
    rec = m.ctx.trial_rec
    if rec.in_force is None or rec.good == rec.in_force:
        return
    rec.good = rec.in_force
    rec.save(m.values)
    m.ctx.trace('trial: these settings work')


def pass_trial(m, arg):
    # The change reached its goal: it is the last that worked, and the trial is over, in one write.
    rec = m.ctx.trial_rec
    rec.good = rec.in_force
    rec.left_s = 0
    rec.save(m.values)
    m.ctx.trace('trial: %s reached its goal' % rec.command)


def revert_settings(m, arg):
    # Time is up. With settings that worked: they come back, are saved and set up again (the gateway restarts
    # its mode), and the sender is told. Without: the change stays, and the sender is told.
    ctx = m.ctx
    rec = ctx.trial_rec
    why = rec.why or DEFAULT_WHY
    rec.left_s = 0
    if rec.good is None:
        text = 'Error: %s not reverted: %s; nothing worked before' % (rec.command, why)
    else:
        for k in rec.names:
            ctx.values[k] = rec.good[k]
        if not ctx.store.save(ctx.values):
            ctx.trace('trial: the restored settings could not be saved')
        text = 'Error: %s reverted: %s' % (rec.command, why)
    # Owed before it is tried: a power cut before it goes does not lose it (one after sends it twice).
    rec.owed_to = rec.sender
    rec.owed = smsio.gsm_cut(text, smsio.MAX_SMS)
    rec.save(ctx.values)
    ctx.trace('trial: ' + text)
    if not send_owed(ctx):
        ctx.trace('trial: the error could not be sent yet')  # no network, or a call without MDM2
    if rec.good is not None:
        engine.dispatch(ctx.gw, ctx.gw.t.E_CONFIG_CHANGED, None)


def send_owed(ctx):
    # The revert's SMS, if one is owed and can go now (after every SMS round, smsact.announce_requests); it is
    # cleared once the module took it. Returns 1 when none is owed any more.
    rec = ctx.trial_rec
    if not rec.owed:
        return 1
    at = ctx.side_at()
    if at is None or not smsio.send(at, rec.owed_to, rec.owed):
        return 0
    ctx.trace('trial: told ' + rec.owed_to + ': ' + rec.owed)
    rec.owed_to = ''
    rec.owed = ''
    rec.save(ctx.values)
    return 1
