# Gateway callbacks for boot, registration and the GPRS context (gateway machine).
#
# Each step runs its AT commands (timeouts in tenths, the watchdog kicked by the driver) and raises `ok`
# or `failed` on the gateway machine. Counters live on m.ctx; times are m.clock() seconds (fwclock).

import MOD
import SER

import atdrv
import compat
import engine
import trialact

MAX_BOOT_ATTEMPTS = 5   # failed boots in a row before the module is rebooted
REG_WAIT_S = 180        # registration budget before the modem is booted again (Janus uses 180 s)
SIM_TRIES = 10          # AT+CPIN? polls, 1 s apart
GPRS_TENTHS = 600       # #GPRS=1 can take tens of seconds
SKTCT_TENTHS = 600      # the modem's connect timeout for #SKTD (100 ms units)
MIN_PKTSZ = 3           # the smallest #PKTSZ every module takes (1 or 3: docs/design/telit.md section 4.4)
SELINT_MARK = 'selint.rst'  # '1' while a restart for AT#SELINT=2 is under way
ESCAPE_GUARD = 20       # S12 in 1/50 s: 0.4 s, the shortest; pump.GUARD_TENTHS pauses longer than this
PROFILE_MARK = 'gwprof.txt'  # PROFILE once the module's saved profile (AT&W) holds the boot's settings
PROFILE = 'E0 V1 +CMEE=1 &C1 S0=0 S12=%d' % ESCAPE_GUARD  # what the boot sets; a new text saves it again
CREG_STAT = 1           # +CREG: <n>,<stat>: the field that says whether the module is registered
MDM2_TENTHS = 10        # MDM2's answer to its first command; a silent MDM2 costs each boot 3 s


def _result(m, good):
    if good:
        engine.dispatch(m, m.t.E_OK, None)
    else:
        engine.dispatch(m, m.t.E_FAILED, None)


def reset_attempts(m, arg):
    m.ctx.attempts = 0
    m.ctx.since_s = m.clock()


def count_attempt(m, arg):
    m.ctx.attempts = m.ctx.attempts + 1


def has_attempts_left(m, arg):
    return m.ctx.attempts < MAX_BOOT_ATTEMPTS


def is_wait_over(m, arg):
    return m.clock() - m.ctx.since_s >= REG_WAIT_S


def apply_serial(m, arg):
    # The serial port from the settings (also re-initialises a port garbled by a call).
    if SER.set_speed(m.values['baud'], m.values['charformat']) < 0:
        m.ctx.trace('gateway: serial settings refused: ' + m.values['baud'] + ' ' + m.values['charformat'])


def _sim_ready(at):
    tries = SIM_TRIES
    while tries > 0:
        if at.query('AT+CPIN?', '+CPIN:', 20, 0) == 'READY':
            return 1
        MOD.sleep(10)
        tries = tries - 1
    return 0


def boot_modem(m, arg):
    ctx = m.ctx
    at = ctx.at
    apply_serial(m, arg)
    # Whatever profile the module saved: no echo, verbose result codes (the first answer may still
    # come in the old format: retried), numeric +CME errors, DCD that follows the call (the pump sees
    # the end of a call on it), no automatic answer, and the escape guard the data pump is built for.
    at.dcd_ok = 0
    good = at.ok('ATE0V1', 10, 4) and at.ok('AT+CMEE=1') and at.ok('AT&C1') and at.ok('ATS0=0')
    at.dcd_ok = good
    good = good and at.ok('ATS12=%d' % ESCAPE_GUARD) and _selint_2(ctx) and _save_profile(ctx) and _sim_ready(at)
    # SMS in text mode from the SIM, new messages indicated with +CMTI, lengths in +CMGL headers.
    good = good and at.ok('AT+CMGF=1') and at.ok('AT+CPMS="SM","SM","SM"') and at.ok('AT+CNMI=2,1,0,0,0')
    good = good and at.ok('AT+CSDH=1')
    ctx.trace('gateway: modem boot ' + ('ok', 'failed')[not good])
    if good:
        probe_mdm2(ctx)
    else:
        ctx.note_error('modem boot failed')
    _result(m, good)


def _mdm2_module():
    # The MDM2 built-in, or None on a module that has none.
    try:
        import MDM2
    except ImportError:
        return None
    return MDM2


def probe_mdm2(ctx):
    # MDM2, the module's second AT instance, reads SMS while MDM carries a call. A module without it: the
    # import fails, or it never answers; then ctx.at2 stays None and SMS wait for the end of a call. It is set
    # up as MDM is for SMS (each instance has its own echo, result format and, we assume, SMS modes:
    # docs/design/telit.md section 2.1), +CNMI last: +CMTI goes to the instance that set it last (a guess).
    ctx.at2 = None
    mdm2 = _mdm2_module()
    if mdm2 is None:
        ctx.trace('gateway: no MDM2: SMS wait for the end of a call')
        return
    at2 = atdrv.Driver(mdm2, MOD)
    at2.on_wait = ctx.serial.poll
    good = at2.ok('ATE0V1', MDM2_TENTHS, 2) and at2.ok('AT+CMEE=1') and at2.ok('AT+CMGF=1')
    good = good and at2.ok('AT+CSDH=1') and at2.ok('AT+CNMI=2,1,0,0,0')
    if not good:
        ctx.trace('gateway: MDM2 does not answer: SMS wait for the end of a call')
        return
    at2.on_wait = ctx.serial.collect  # used during calls: serial bytes are kept for the pump, whatever the mode
    ctx.at2 = at2
    ctx.trace('gateway: MDM2 answers: SMS are read during calls')


def _selint_2(ctx):
    # The SELINT 2 command set (every answer the firmware parses is in its format). Changing it takes a
    # restart of the module (as Janus' gateway does): set, store, reboot, once; a module that forgets it
    # again runs with it set for this session (the file SELINT_MARK says the one restart was made).
    at = ctx.at
    if at.query('AT#SELINT?', '#SELINT:') == '2':
        if _read(SELINT_MARK) == '1':
            _write(SELINT_MARK, '0')
        return 1
    if not at.ok('AT#SELINT=2'):
        return 0
    if _read(SELINT_MARK) == '1':
        _write(SELINT_MARK, '0')
        ctx.trace('gateway: SELINT 2 set again, without a restart')
        return 1
    at.ok('AT&W0')
    at.ok('AT&P0')
    _write(SELINT_MARK, '1')
    ctx.trace('gateway: SELINT 2 set, restarting the module')
    reboot()


def _save_profile(ctx):
    # The module powers up with its saved profile, and runs it before the script starts: in a start-mode-1
    # window a saved S0=1 answers a call that dial-in does not allow (the script then finds MDM in data mode).
    # So the boot's settings are saved once (a flash write; the mark says which), and every later power-up
    # starts without echo, with verbose codes and no automatic answer. A module that refuses keeps trying.
    if _read(PROFILE_MARK) == PROFILE:
        return 1
    if ctx.at.ok('AT&W0') and ctx.at.ok('AT&P0'):
        _write(PROFILE_MARK, PROFILE)
        ctx.trace('gateway: modem profile saved: ' + PROFILE)
    else:
        ctx.trace('gateway: the modem did not save its profile')
    return 1


def _read(name):
    # A one-line file of the module's file system ('' when there is none).
    try:
        f = open(name, 'r')
    except IOError:
        return ''
    text = f.read()
    f.close()
    return text


def _write(name, text):
    if _read(name) == text:
        return  # flash is written only on change
    try:
        f = open(name, 'w')
        f.write(text)
        f.close()
    except IOError:
        pass


def reboot_module(m, arg):
    m.ctx.trace('gateway: rebooting the module')
    reboot()


def reboot():
    # Lets the watchdog restart the module (the script must never just end).
    MOD.watchdogEnable(1)
    while 1:
        MOD.sleep(10)


def check_registration(m, arg):
    stat = m.ctx.at.query('AT+CREG?', '+CREG:', 20, 0)
    good = 0
    if stat is not None:
        parts = compat.split(stat, ',')
        if len(parts) > CREG_STAT:
            reg = compat.strip(parts[CREG_STAT])
            good = reg == '1' or reg == '5'  # home or roaming
    if not good:
        trialact.saw(m.ctx, 'not registered')
        if is_wait_over(m, arg):
            m.ctx.note_error('not registered')
    _result(m, good)


def setup_gprs(m, arg):
    # Context from `gprs`, socket settings from `socketting`, then #GPRS=1 and its +IP: address.
    ctx = m.ctx
    at = ctx.at
    v = m.values
    ctx.local_ip = ''
    at.command('AT#GPRS=0', GPRS_TENTHS)  # a context left from before would refuse the new settings
    good = at.ok('AT+CGDCONT=1,"IP","%s"' % v['apn']) and at.ok('AT#USERID="%s"' % v['gprs_user'])
    good = good and at.ok('AT#PASSW="%s"' % v['gprs_pass'])
    good = good and at.ok('AT#SKTTO=%d' % v['sock_timeout_s']) and at.ok('AT#DSTO=%d' % v['send_timeout'])
    size = v['packet_size']
    if size > 0 and size < MIN_PKTSZ:
        size = MIN_PKTSZ  # the manual allows 1 and 2; a module that refuses them would never bring GPRS up
    good = good and at.ok('AT#PKTSZ=%d' % size) and at.ok('AT#SKTCT=%d' % SKTCT_TENTHS)
    if not good:
        trialact.saw(ctx, 'GPRS settings refused')
    else:
        result, lines = at.command('AT#GPRS=1', GPRS_TENTHS)
        good = result == 'OK'
        for line in lines:
            if compat.startswith(line, '+IP:'):
                ctx.local_ip = compat.strip(line[4:])
        if result == '':
            trialact.saw(ctx, 'GPRS did not answer')
        elif not good:
            trialact.saw(ctx, 'GPRS refused')
    ctx.trace('gateway: GPRS ' + ('up ' + ctx.local_ip, 'failed')[not good])
    if not good:
        ctx.note_error('gprs refused')
    _result(m, good)


def forget_ip(m, arg):
    m.ctx.local_ip = ''


def context_status(at):
    # The GPRS context as the modem reports it: '1' active, '0' down, None when it did not say.
    return at.query('AT#GPRS?', '#GPRS:', 20, 1)
