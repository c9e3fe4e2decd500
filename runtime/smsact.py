# SMS machine callbacks: read, authenticate, parse, apply and persist, reply, delete.
#
# A wrong password gets no reply at all (NOTE-BAD-PASSWORD); every reply is at most 160 characters and
# goes to the sender. The `config` listing is built from the command table, so it names every setting
# (never the SMS or GPRS password) and splits into numbered messages when it does not fit one.

import compat
import engine
import smscmd
import smsguard
import smsio
import trialact
import updact
import watchact

MAX_ROUND = 30  # messages handled per round, so a SIM that cannot delete cannot hold the loop
MAX_STUCK = 30  # messages remembered as handled because their delete failed
NO_MDM2 = 'sms in calls off'  # `config` item of a module whose MDM2 did not answer: SMS wait for a call's end


DEFERRED = ' (applied when the connection ends)'  # follows the confirmation of a change kept during a call


def is_sim_reachable(m, arg):
    # The SIM can be read now: on MDM while no call is up, on MDM2 during one (None when the module has none).
    return m.ctx.side_at() is not None


def _call_up(ctx):
    s = ctx.sess
    return s.state == s.t.S_ONLINE


def _covered_by_listing(ctx, at):
    # The listing about to be taken holds every message indicated so far: their +CMTI (20 for a full SIM,
    # read after the round on MDM2) start no round of their own. `at` is MDM, or MDM2 during a call (MDM is then
    # not read: it carries the call).
    at.drain()
    side = ctx.at2
    if side is not None:
        if side is not at:
            side.drain()
        side.drop_urcs('+CMTI:')
    ctx.at.drop_urcs('+CMTI:')
    ctx.sms_round.waiting = 0


def read_next(m, arg):
    # Dispatches the next message not yet handled in this round. A message whose delete failed
    # (stuck) is never handled again: only its delete is retried, once per round. The round goes through
    # MDM, or MDM2 while a call is up. The SIM is listed once and its messages taken in turn (`listed`); when
    # they are used up it is listed again for what came meanwhile: two listings a round, not one a message
    # (a listing of a full SIM is kilobytes to parse at the module's speed).
    ctx = m.ctx
    r = ctx.sms_round
    at = ctx.side_at()
    fresh = 0
    while len(r.handled) < MAX_ROUND and at is not None:
        if not r.listed:
            if fresh:
                break  # listed just now, and nothing in it is new
            _covered_by_listing(ctx, at)
            r.listed = smsio.list_received(at)
            fresh = 1
            continue
        msg = r.listed[0]
        del r.listed[0]
        index = msg[smsio.MSG_INDEX]
        if index in r.handled:
            continue
        r.handled.append(index)
        if msg in r.stuck:
            if smsio.delete(at, index):
                r.stuck.remove(msg)
            continue
        engine.dispatch(m, m.t.E_MESSAGE, msg)
        return
    r.handled = []
    r.listed = []
    engine.dispatch(m, m.t.E_EMPTY, None)


def parse_message(m, arg):
    # Parses the message, unless its sender is not allowed (the `allow` list) or locked out (smsguard): then
    # it counts as a wrong password, unread. A wrong password counts towards the sender's lockout; a sender
    # not allowed counts towards nothing.
    ctx = m.ctx
    r = ctx.sms_round
    r.msg = arg
    r.replied = 1
    sender = arg[smsio.MSG_SENDER]
    if not smsguard.is_allowed(sender, ctx.values['allowed']):
        r.parsed = (smscmd.AUTH_FAILED, None, None)
        ctx.trace('sms: ' + sender + ' is not allowed: ignored')
        return
    now = m.clock()
    if r.guard.is_ignored(sender, now):
        r.parsed = (smscmd.AUTH_FAILED, None, None)
        return
    r.parsed = smscmd.parse(arg[smsio.MSG_TEXT], ctx.values, ctx.table)
    if r.parsed[smscmd.P_STATUS] == smscmd.AUTH_FAILED and r.guard.failed(sender, now):
        ctx.trace('sms: %s ignored for %d s after %d wrong passwords' % (
            sender, smsguard.LOCK_S, smsguard.LOCK_FAILS))


def is_password_ok(m, arg):
    return m.ctx.sms_round.parsed[smscmd.P_STATUS] != smscmd.AUTH_FAILED


def is_command_valid(m, arg):
    return m.ctx.sms_round.parsed[smscmd.P_STATUS] == smscmd.VALID


def apply_command(m, arg):
    # Runs the command's action from the table (cmd_apply, cmd_config), which sets the replies.
    r = m.ctx.sms_round
    cmd = r.parsed[smscmd.P_COMMAND]
    r.replies = []
    if cmd[smscmd.CMD_ACTION] is not None:
        cmd[smscmd.CMD_ACTION](m, arg)
    m.ctx.trace('sms: ' + compat.join(list(cmd[smscmd.CMD_WORDS]), ' ') + ' from ' + r.msg[smsio.MSG_SENDER])


def cmd_apply(m, arg):
    # Stores and persists the new settings; the mode restarts once every reply was sent.
    ctx = m.ctx
    r = ctx.sms_round
    changes = r.parsed[smscmd.P_CHANGES]
    old = {}
    for k in changes.keys():
        old[k] = ctx.values[k]
        ctx.values[k] = changes[k]
    if not ctx.store.save(ctx.values):
        for k in old.keys():
            ctx.values[k] = old[k]
        r.replies = ['Error: the settings could not be saved; nothing was changed']
        ctx.note_error('sms save failed')
        return
    r.changed = 1
    r.replies = [smscmd.confirmation(r.parsed[smscmd.P_COMMAND], ctx.values)]
    trialact.changed(m, r.parsed[smscmd.P_COMMAND], r.msg[smsio.MSG_SENDER])  # gprs and mode go on trial


def cmd_revert(m, arg):
    # `revert` changes nothing the modem or the mode uses: saved and confirmed like the others (a trial under
    # way ends with 0), without restarting the mode.
    r = m.ctx.sms_round
    before = r.changed
    cmd_apply(m, arg)
    r.changed = before


def is_deferred(m, arg):
    # A valid command that changes settings (DC_DEFER in the command table) while a call is up.
    r = m.ctx.sms_round
    if r.parsed[smscmd.P_STATUS] != smscmd.VALID or not _call_up(m.ctx):
        return 0
    if len(r.parsed[smscmd.P_CHANGES]) == 0:
        return 0  # `allow` alone lists and changes nothing: answered at once
    return r.parsed[smscmd.P_COMMAND][smscmd.CMD_DURING_CALL] == m.ctx.table.DC_DEFER


def defer_command(m, arg):
    # A settings change during a call: persisted at once (a power cut applies it at boot, which ends the call
    # too) and kept in `deferred`, merged with the changes kept before; the settings in force stay as they are
    # until the call ends (the session's guards read them at the drop), then apply_deferred takes them over.
    ctx = m.ctx
    r = ctx.sms_round
    cmd = r.parsed[smscmd.P_COMMAND]
    kept = r.deferred.copy()
    kept.update(r.parsed[smscmd.P_CHANGES])
    new = ctx.values.copy()
    new.update(kept)
    if not ctx.store.save(new):
        r.replies = ['Error: the settings could not be saved; nothing was changed']
        return
    r.deferred = kept
    if cmd[smscmd.CMD_WORDS][smscmd.W_VERB] in trialact.VERBS:
        r.deferred_trial = (cmd, r.msg[smsio.MSG_SENDER])  # its trial starts when the change does
        trialact.keep_for_boot(ctx, cmd, r.msg[smsio.MSG_SENDER], new['revert_min'])
    r.replies = [smscmd.confirmation(cmd, new) + DEFERRED]
    ctx.trace('sms: ' + compat.join(list(cmd[smscmd.CMD_WORDS]), ' ') + ' from ' + r.msg[smsio.MSG_SENDER] +
              ', kept for the end of the call')


def apply_deferred(m, arg):
    # Once no call is up, the changes kept during it become the settings in force (they were persisted when
    # they came); the mode restarts with them once every reply was sent (announce_changes).
    ctx = m.ctx
    r = ctx.sms_round
    if len(r.deferred) == 0 or _call_up(ctx):
        return
    ctx.values.update(r.deferred)
    r.deferred = {}
    r.changed = 1
    if r.deferred_trial is not None:
        cmd, sender = r.deferred_trial
        r.deferred_trial = None
        trialact.changed(m, cmd, sender)
    ctx.trace('sms: settings kept during the call take effect')


def cmd_drop(m, arg):
    # Ends the current call once the round is over (announce_requests); with no call up there is nothing to end.
    ctx = m.ctx
    r = ctx.sms_round
    if not _call_up(ctx):
        r.replies = ['Error: no connection to drop']
        return
    r.drop = 1
    r.replies = [smscmd.confirmation(r.parsed[smscmd.P_COMMAND], ctx.values)]


def cmd_reboot(m, arg):
    # Reboots once the reply went and the message was deleted (announce_requests): a message left in the SIM
    # would reboot the module again at every boot.
    r = m.ctx.sms_round
    r.reboot = 1
    r.replies = [smscmd.confirmation(r.parsed[smscmd.P_COMMAND], m.ctx.values)]


def cmd_update(m, arg):
    # Takes the URL (the last word; the parser checked its length and characters). With no call up the gateway
    # stops its mode after the round and the update machine replies when it is done; during a call it is kept
    # for the end of the call, like a settings change.
    ctx = m.ctx
    r = ctx.sms_round
    words = compat.split(r.msg[smsio.MSG_TEXT])
    r.update = (words[len(words) - 1], r.msg[smsio.MSG_SENDER])
    updact.owe_reply(ctx, r.msg[smsio.MSG_SENDER])
    if _call_up(ctx):
        r.replies = ['Confirmed: update' + DEFERRED]
    else:
        r.replies = []


def announce_requests(m, arg):
    # After the round: a `reboot` reboots the module (gateway machine), a `drop` ends the call (session), an
    # `update` stops the mode for its download once no call is up; an SMS the boot record or a revert owes goes now.
    ctx = m.ctx
    r = ctx.sms_round
    updact.send_report(ctx)
    trialact.send_owed(ctx)
    if r.update is not None and not _call_up(ctx):
        request = r.update
        r.update = None
        engine.dispatch(ctx.gw, ctx.gw.t.E_UPDATE, request)
    if r.reboot:
        r.reboot = 0
        engine.dispatch(ctx.gw, ctx.gw.t.E_REBOOT, None)
    if r.drop:
        r.drop = 0
        if _call_up(ctx):
            engine.dispatch(ctx.sess, ctx.sess.t.E_DROP, None)


def config_items(ctx):
    # What `config` lists: the mode first (with the local IP in server mode), then each command's
    # current settings as the command that would set them (a command without arguments, such as `status`
    # or `allow any`, lists nothing: the one with arguments shows its settings), then the firmware's
    # version and the drop counter.
    v = ctx.values
    t = ctx.table
    items = []
    rest = []
    if v['mode'] == 'none':
        items.append('mode none')
    for c in t.COMMANDS:
        if _sets_nothing(c) or _reveals_secret(c, t) or not _assigned(c, v, t):
            continue
        text = compat.join(compat.split(c[smscmd.CMD_REPLY] % v), ' ')
        if text in rest:
            continue  # `allow any` says what `allow` already listed
        if c[smscmd.CMD_WORDS][smscmd.W_VERB] != 'mode':
            rest.append(text)
        else:
            items.append(text)
    if ctx.local_ip != '':
        watchact.check_context(ctx)  # the watch looks once a minute: a context lost since is not shown as up
    if v['mode'] == 'server':
        items.append('ip ' + (ctx.local_ip or 'offline'))
    elif ctx.local_ip == '':
        items.append('offline')
    items = items + rest
    items.append('version ' + t.VERSION)
    items.append('dropped %d' % ctx.serial.dropped)
    if ctx.at2 is None:
        items.append(NO_MDM2)
    return items


def _assigned(cmd, v, t):
    # Whether the settings hold what the command assigns (`mode server` in server mode, `backup off` with no
    # backup): of the commands that set one setting to different words, config lists the one in force.
    for setting, value in cmd[smscmd.CMD_ASSIGN]:
        if v[t.SETTINGS[setting]] != value:
            return 0
    return 1


def _sets_nothing(cmd):
    # A command that changes no setting (`config`, `drop`, `reboot`): `config` has nothing of it to list.
    if len(cmd[smscmd.CMD_ASSIGN]) > 0:
        return 0
    for f in cmd[smscmd.CMD_ARGS]:
        if f[smscmd.ARG_SETTING] >= 0:
            return 0
    return 1


def _reveals_secret(cmd, t):
    # A command whose reply would show a setting that `config` must not list (the SMS password).
    for f in cmd[smscmd.CMD_ARGS]:
        setting = f[smscmd.ARG_SETTING]
        if setting >= 0 and not t.IN_CONFIG[setting] and not f[smscmd.ARG_SECRET]:
            return 1
    return 0


def split_reply(head, items, limit):
    # `head` + items joined by ', ', in messages of at most `limit` septets (an extension character
    # such as '[' or '|' takes two), numbered 'k/n' when more than one is needed.
    text = compat.join(items, ', ')
    if smsio.gsm_len(head) + 1 + smsio.gsm_len(text) <= limit:
        return [head + ' ' + text]
    room = limit - smsio.gsm_len(head) - 7  # ' 10/10 '
    parts = []
    line = ''
    for item in items:
        item = smsio.gsm_cut(item, room)
        if len(line) > 0 and smsio.gsm_len(line) + 2 + smsio.gsm_len(item) > room:
            parts.append(line)
            line = ''
        if len(line) > 0:
            line = line + ', '
        line = line + item
    if len(line) > 0:
        parts.append(line)
    out = []
    i = 0
    while i < len(parts):
        out.append('%s %d/%d %s' % (head, i + 1, len(parts), parts[i]))
        i = i + 1
    return out


def cmd_config(m, arg):
    ctx = m.ctx
    ctx.sms_round.replies = split_reply('Confirmed: config', config_items(ctx), smsio.MAX_SMS)


def _send_all(ctx, replies):
    # Sends the replies in order, through MDM or (a call up) MDM2. When a call comes in first and there is
    # no MDM2 (no command can go out then) the rest is held with its message, to be sent by the first round
    # after the call (send_held_reply); with MDM2 the reply goes there instead.
    r = ctx.sms_round
    sender = r.msg[smsio.MSG_SENDER]
    i = 0
    while i < len(replies):
        at = ctx.side_at()
        sent = at is not None and smsio.send(at, sender, replies[i])
        if not sent and at is ctx.at and ctx.at.in_call() and ctx.at2 is not None:
            sent = smsio.send(ctx.at2, sender, replies[i])  # a call came in meanwhile: MDM2 takes over
        if not sent and ctx.at.in_call():
            r.replied = 0
            r.held_msg = r.msg
            r.held_replies = replies[i:]
            return
        i = i + 1


def send_reply(m, arg):
    _send_all(m.ctx, m.ctx.sms_round.replies)


def send_error(m, arg):
    ctx = m.ctx
    r = ctx.sms_round
    error = r.parsed[smscmd.P_ERROR]
    _send_all(ctx, ['Error: ' + error])
    ctx.trace('sms: error from ' + r.msg[smsio.MSG_SENDER] + ': ' + error)


def is_reply_held(m, arg):
    held = m.ctx.sms_round.held_msg
    return held is not None and held == arg


def send_held_reply(m, arg):
    r = m.ctx.sms_round
    r.msg = arg
    r.replied = 1
    replies = r.held_replies
    r.held_msg = None
    r.held_replies = []
    _send_all(m.ctx, replies)


def delete_message(m, arg):
    # A message that cannot be deleted is remembered (bounded), so it is not applied and answered
    # again in every round.
    ctx = m.ctx
    r = ctx.sms_round
    if not r.replied:
        return  # a call came in before the reply could go: the message stays until it is answered
    index = r.msg[smsio.MSG_INDEX]
    at = ctx.side_at()
    if at is None:
        at = ctx.at  # a call came in and there is no MDM2: the delete fails, and is retried after the call
    if not smsio.delete(at, index):
        if len(r.stuck) >= MAX_STUCK:
            r.stuck = r.stuck[1:]  # the oldest goes
        r.stuck.append(r.msg)
        ctx.trace('sms: message %d could not be deleted' % index)


def announce_changes(m, arg):
    # The gateway machine gets the changed settings after every reply was sent (it decides what a call
    # that came in meanwhile lets take effect now).
    ctx = m.ctx
    if ctx.sms_round.changed:
        ctx.sms_round.changed = 0
        engine.dispatch(ctx.gw, ctx.gw.t.E_CONFIG_CHANGED, None)
