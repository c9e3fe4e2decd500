# The boot loader: the boot record, bundles, install, rollback, the trial guard and the one catch-all.
#
# main.py and this file are never replaced over the air (docs/design/update.md section 1): a power cut while
# the boot loader was being rewritten would leave nothing that runs. So this module imports only the module's
# built-ins (and md5), never a firmware module, and it is the one place that tries interpreter features at
# import (file modes, md5 vs hashlib) besides compat.py. The firmware's updater (updact.py) uses its bundle
# and record functions, so a bundle is read the same way when it is checked and when it is installed.

import MDM
import MOD
import SER
import SER2
import sys

WATCHDOG_S = 120   # longer than any single wait (a #GPRS=1 or #SKTD of 60-70 s); every wait kicks it
TRIAL_S = 600      # the new firmware must reach its mode within this (docs/design/update.md section 4)
STEP_CAP_S = 120   # a trial counts at most this much between two watchdog kicks (a clock that jumps)
PIECE = 4096       # bytes copied at a time: no file is ever held whole (16 KB per object on some modules)

MAGIC = 'SMSGW'
FORMAT = '1'
FAMILY = 'telit-py15'
NEW = 'fwnew.bin'        # the downloaded bundle, until it is installed
OLD = 'fwold.bin'        # the previous firmware, while the new one is on trial
MANIFEST = 'fwman.txt'   # the installed firmware's manifest (the bundle's header)
SLOTS = ('fwrec_a.txt', 'fwrec_b.txt')
FIELDS = ('state', 'version', 'old', 'newmd5', 'oldmd5', 'boots', 'why', 'sender', 'report', 'interrupted')

RUN = 'run'
INSTALL = 'install'
TRIAL = 'trial'
ROLLBACK = 'rollback'

# Header rows of a bundle (read_header): family, version, boot loader, files as (name, size, md5) rows.
H_FAMILY = 0
H_VERSION = 1
H_BOOT = 2
H_FILES = 3
H_TEXT = 4      # the header's text from `family` on: fwman.txt
F_NAME = 0
F_SIZE = 1
F_MD5 = 2


# --- what the interpreter offers, tried once

def _open_3(name, mode):
    # CPython 3: one str character per byte (Latin-1), no newline translation either way.
    return open(name, mode, -1, 'latin-1', None, '')


def _open_plain(name, mode):
    return open(name, mode)


try:
    open('fwboot.none', 'r', -1, 'latin-1', None, '').close()
    open_data = _open_3
except TypeError:
    open_data = _open_plain   # 1.5.2 and 2.7: open() takes three arguments; files are bytes already
except IOError:
    open_data = _open_3

try:
    import md5
    _new_md5 = md5.new
    _HEX = 0   # 1.5.2's md5 objects have digest() only

    def _bytes(s):
        return s
except ImportError:
    import hashlib
    _new_md5 = hashlib.md5
    _HEX = 1

    def _bytes(s):
        return s.encode('latin-1')


def _hex(digest):
    out = ''
    for c in digest:
        out = out + '%02x' % ord(c)
    return out


class Md5:
    def __init__(self):
        self.h = _new_md5()

    def update(self, s):
        self.h.update(_bytes(s))

    def digest(self):
        # The raw digest as a str of 16 characters on every interpreter.
        if _HEX:
            text = self.h.hexdigest()
            out = ''
            i = 0
            while i < 32:
                out = out + chr(int(text[i:i + 2], 16))
                i = i + 2
            return out
        return self.h.digest()

    def hexdigest(self):
        if _HEX:
            return self.h.hexdigest()
        return _hex(self.h.digest())


class Mac:
    # HMAC-MD5 (RFC 2104) with the owner's update key: the keyed checksum of a bundle.
    def __init__(self, key):
        pad = key + chr(0) * (64 - len(key))
        inner = ''
        outer = ''
        for c in pad:
            inner = inner + chr(ord(c) ^ 0x36)
            outer = outer + chr(ord(c) ^ 0x5c)
        self.outer = outer
        self.h = Md5()
        self.h.update(inner)

    def update(self, s):
        self.h.update(s)

    def hexdigest(self):
        h = Md5()
        h.update(self.outer)
        h.update(self.h.digest())
        return h.hexdigest()


# --- files

def size_of(name):
    # Bytes in a file; -1 when there is none.
    try:
        f = open_data(name, 'r')
    except IOError:
        return -1
    try:
        f.seek(0, 2)
        n = f.tell()
    finally:
        f.close()
    return n


def file_md5(name):
    # The MD5 of a whole file as hex, read in pieces; None when there is no file.
    try:
        f = open_data(name, 'r')
    except IOError:
        return None
    h = Md5()
    try:
        piece = f.read(PIECE)
        while piece:
            h.update(piece)
            piece = f.read(PIECE)
    finally:
        f.close()
    return h.hexdigest()


_verbose = [0]   # ATE0V1 was sent in this start (a saved profile may have V0: numeric result codes)


def at_command(cmd):
    # One AT command on MDM before the firmware owns it; 1 on OK, 0 on ERROR or silence (5 s), the watchdog kicked.
    if not _verbose[0]:
        _verbose[0] = 1
        at_command('ATE0V1')
    MDM.send(cmd + '\r', 5)
    got = ''
    tries = 10
    while tries > 0:
        got = got + MDM.receive(5)
        MOD.watchdogReset()
        if _has(got, '\r\nOK\r\n') or _has(got, '\nOK\r'):
            return 1
        if _has(got, 'ERROR'):
            return 0
        tries = tries - 1
    return 0


def _has(text, part):
    # Substring test without string methods (1.5.2).
    n = len(part)
    i = len(text) - n
    while i >= 0:
        if text[i:i + n] == part:
            return 1
        i = i - 1
    return 0


def remove(name, ask=at_command):
    # Deletes a file with AT#DSCRIPT; a module that refuses gets it emptied (an empty .pyo has no magic number
    # and is compiled again, an empty bundle counts as none). `ask` sends one AT command, 1 on OK.
    if size_of(name) <= 0:
        return    # none, or emptied before
    if ask('AT#DSCRIPT="' + name + '"') and size_of(name) < 0:
        return
    try:
        open_data(name, 'w').close()
    except IOError:
        pass


# --- the boot record: two slots, sequence number and Fletcher-16, as the settings (decisions.md section 9)

def checksum(text):
    a = 0
    b = 0
    for ch in text:
        a = (a + ord(ch)) % 255
        b = (b + a) % 255
    return (b << 8) | a


def _parse_record(text):
    lines = _split_lines(text)
    if len(lines) < 2:
        return None
    try:
        seq = int(lines[0])
        check = int(lines[1])
    except ValueError:
        return None
    body = ''
    rec = {}
    for line in lines[2:]:
        body = body + line + '\n'
        i = _index(line, '=')
        if i < 0:
            return None
        rec[line[:i]] = line[i + 1:]
    if checksum(body) != check:
        return None
    return seq, rec


def _split_lines(text):
    out = []
    start = 0
    i = 0
    while i < len(text):
        if text[i] == '\n':
            out.append(text[start:i])
            start = i + 1
        i = i + 1
    if start < len(text):
        out.append(text[start:])
    return out


def _index(text, ch):
    i = 0
    while i < len(text):
        if text[i] == ch:
            return i
        i = i + 1
    return -1


class Record:
    def __init__(self):
        self.seq = 0
        self.slot = -1
        self.f = {}
        for k in FIELDS:
            self.f[k] = ''
        self.f['state'] = RUN

    def load(self):
        best = None
        i = 0
        while i < len(SLOTS):
            try:
                f = open_data(SLOTS[i], 'r')
                try:
                    got = _parse_record(f.read())
                finally:
                    f.close()
            except IOError:
                got = None
            if got is not None and (best is None or got[0] > best[0]):
                best = got
                self.slot = i
            i = i + 1
        if best is not None:
            self.seq = best[0]
            for k in FIELDS:
                self.f[k] = best[1].get(k, '')
        return self

    def get(self, name):
        return self.f[name]

    def save(self, changes):
        # The record with `changes` ({field: value}) in the other slot; 1 when written.
        new = self.f.copy()
        new.update(changes)
        body = ''
        for k in FIELDS:
            body = body + k + '=' + str(new[k]) + '\n'
        slot = 0
        if self.slot == 0:
            slot = 1
        try:
            f = open_data(SLOTS[slot], 'w')
            try:
                f.write(str(self.seq + 1) + '\n' + str(checksum(body)) + '\n' + body)
            finally:
                f.close()
        except IOError:
            return 0
        self.f = new
        self.seq = self.seq + 1
        self.slot = slot
        return 1


# --- bundles (docs/design/update.md section 2)

def read_header(f):
    # (None, header) with header = (family, version, boot, files, text), or (what is wrong, None).
    # `f` is positioned after the first line; afterwards at the first file's data.
    text = ''
    rows = []
    i = 0
    while i < 4:
        line = f.readline()
        text = text + line
        rows.append(_words(line))
        i = i + 1
    if len(rows[0]) != 2 or rows[0][0] != 'family' or len(rows[1]) != 2 or rows[1][0] != 'version':
        return ('not a firmware bundle', None)
    if len(rows[2]) != 2 or rows[2][0] != 'boot' or len(rows[3]) != 2 or rows[3][0] != 'files':
        return ('not a firmware bundle', None)
    try:
        n = int(rows[3][1])
    except ValueError:
        return ('not a firmware bundle', None)
    files = []
    while len(files) < n:
        line = f.readline()
        text = text + line
        row = _words(line)
        if len(row) != 3 or len(row[2]) != 32:
            return ('damaged file list', None)
        try:
            files.append((row[0], int(row[1]), row[2]))
        except ValueError:
            return ('damaged file list', None)
    return (None, (rows[0][1], rows[1][1], rows[2][1], files, text))


def _words(line):
    out = []
    word = ''
    for c in line:
        if c == ' ' or c == '\n' or c == '\r':
            if word:
                out.append(word)
            word = ''
        else:
            word = word + c
    if word:
        out.append(word)
    return out


def read_first_line(f):
    # (format, mac) of a bundle's first line, or None.
    row = _words(f.readline())
    if len(row) != 3 or row[0] != MAGIC or len(row[2]) != 32:
        return None
    return row[1], row[2]


def read_manifest():
    # The installed firmware's header rows, or None (not deployed with build.py deploy, or damaged).
    try:
        f = open_data(MANIFEST, 'r')
    except IOError:
        return None
    try:
        why, header = read_header(f)
    finally:
        f.close()
    return header


def install(bundle, ask=at_command):
    # Writes every file of `bundle` under its name, removes its stale .pyo and the files the installed firmware
    # had and this one lacks, then writes the manifest. Returns None, or what is wrong (the files may then be a
    # mix: the caller rolls back). Writing a file twice is harmless, so a power cut repeats it from the start.
    old = read_manifest()
    try:
        f = open_data(bundle, 'r')
    except IOError:
        return 'no ' + bundle
    try:
        if read_first_line(f) is None:
            return bundle + ' is not a bundle'
        why, header = read_header(f)
        if why is not None:
            return bundle + ': ' + why
        for row in header[H_FILES]:
            why = _copy_out(f, row)
            if why is not None:
                return why
    finally:
        f.close()
    keep = {}
    for row in header[H_FILES]:
        keep[row[F_NAME]] = 1
        remove(row[F_NAME] + 'o', ask)
    if old is not None:
        for row in old[H_FILES]:
            if keep.get(row[F_NAME]) is None:
                remove(row[F_NAME], ask)
                remove(row[F_NAME] + 'o', ask)
    try:
        out = open_data(MANIFEST, 'w')
        try:
            out.write(header[H_TEXT])
        finally:
            out.close()
    except IOError:
        return 'cannot write ' + MANIFEST
    return None


def _copy_out(f, row):
    # One file of a bundle from `f` into its own file, checked against its MD5.
    name = row[F_NAME]
    left = row[F_SIZE]
    h = Md5()
    try:
        out = open_data(name, 'w')
        try:
            while left > 0:
                piece = f.read(min(left, PIECE))
                if not piece:
                    return 'short bundle at ' + name
                h.update(piece)
                out.write(piece)
                left = left - len(piece)
                MOD.watchdogReset()
        finally:
            out.close()
    except IOError:
        return 'cannot write ' + name
    if h.hexdigest() != row[F_MD5]:
        return name + ' damaged'
    return None


# --- start, trial, rollback

rec = None          # the boot record as this start found it
on_trial = 0        # 1 while the firmware that runs is on trial
_trial_s = 0        # seconds of the trial so far (from the watchdog kicks)
_last_s = 0
_real_reset = MOD.watchdogReset


def log_exception(where):
    # The current exception and its traceback lines, on the trace port; returns `type: value`.
    kind, value, tb = sys.exc_info()
    what = str(kind) + ' ' + str(value)
    SER2.send(where + ': ' + what + '\r\n')
    while tb is not None:
        code = tb.tb_frame.f_code
        SER2.send('  ' + code.co_filename + ':' + str(tb.tb_lineno) + ' ' + code.co_name + '\r\n')
        tb = tb.tb_next
    return what


def reboot():
    # Lets the watchdog restart the module (the script must never just end).
    MOD.watchdogEnable(1)
    while 1:
        MOD.sleep(10)


def _decide_rollback(why):
    # Saved before anything is undone, so a power cut during the rollback repeats it; the next start restores.
    SER2.send('boot: rolling back ' + rec.get('version') + ': ' + why + '\r\n')
    rec.save({'state': ROLLBACK, 'why': why})


def _roll_back(why):
    _decide_rollback(why)
    _restore()


def _restore():
    # Installs the previous firmware; its report goes to the sender when the gateway is up.
    version = rec.get('version')
    why = rec.get('why')
    if file_md5(OLD) != rec.get('oldmd5'):
        text = 'Error: update %s failed (%s) and the firmware before it is lost' % (version, why)
        SER2.send('boot: ' + text + '\r\n')
        rec.save({'state': RUN, 'report': text})
        return
    problem = install(OLD)
    if problem is not None:
        SER2.send('boot: rollback: ' + problem + '\r\n')   # the next start tries again
        reboot()
    rec.save({'state': RUN, 'report': 'Error: update %s rolled back: %s' % (version, why)})
    remove(OLD)      # after the record: a cut before this leaves it to the next start's clean-up
    SER2.send('boot: running ' + rec.get('old') + ' again' + '\r\n')


def _guarded_reset():
    # MOD.watchdogReset while the new firmware is on trial: ten minutes without reaching its mode roll it back.
    global _trial_s, _last_s
    now = MOD.secCounter()
    step = now - _last_s
    _last_s = now
    if step > 0:
        _trial_s = _trial_s + min(step, STEP_CAP_S)
    if on_trial and _trial_s >= TRIAL_S:
        _decide_rollback('did not reach its mode within %d minutes' % divmod(TRIAL_S, 60)[0])
        reboot()
    return _real_reset()


def prepare():
    # What the record says must happen before the firmware runs. Returns 1 when the firmware is on trial.
    global rec, _last_s
    rec = Record().load()
    state = rec.get('state')
    if state != RUN:
        SER.setDCD(0)   # an install or a rollback takes a while: no link towards the device meanwhile
    if state == INSTALL:
        if file_md5(NEW) != rec.get('newmd5'):
            _roll_back('the download was damaged in flash')
            return 0
        SER2.send('boot: installing ' + rec.get('version') + '\r\n')
        problem = install(NEW)
        if problem is not None:
            _roll_back('install failed: ' + problem)
            return 0
        rec.save({'state': TRIAL, 'boots': '0'})   # before the download goes: a cut here must not lose it
        state = TRIAL
    if state == TRIAL:
        remove(NEW)
        boots = 0
        try:
            boots = int(rec.get('boots'))
        except ValueError:
            pass
        if boots >= 1:
            _roll_back('restarted before reaching its mode')
            return 0
        rec.save({'boots': str(boots + 1)})
        SER2.send('boot: on trial: ' + rec.get('version') + '\r\n')
        _last_s = MOD.secCounter()
        MOD.watchdogReset = _guarded_reset
        return 1
    if state == ROLLBACK:
        _restore()
        return 0
    if rec.get('interrupted') != '':
        rec.save({'report': rec.get('interrupted'), 'interrupted': ''})   # an update a restart cut short
    remove(NEW)      # a download a power cut ended (nothing when there is none)
    remove(OLD)      # a trial confirmed just before a power cut
    return 0


def confirm(ask=at_command):
    # The firmware reached its mode: a trial ends well (the previous firmware is no longer needed).
    global on_trial
    if not on_trial:
        return
    on_trial = 0
    MOD.watchdogReset = _real_reset
    text = 'Confirmed: update %s running' % rec.get('version')
    rec.save({'state': RUN, 'report': text})
    remove(OLD, ask)
    SER2.send('boot: ' + text + '\r\n')


def record():
    # The boot record this start loaded: the one object every writer uses, so no save overtakes another.
    global rec
    if rec is None:
        rec = Record().load()
    return rec


def report():
    # (sender, text) of an SMS the boot record owes, or None.
    if rec is None or rec.get('report') == '' or rec.get('sender') == '':
        return None
    return rec.get('sender'), rec.get('report')


def report_sent():
    rec.save({'report': ''})


def start():
    # main.py enabled the watchdog; this start's install or rollback, then the firmware, which never returns.
    global on_trial
    try:
        on_trial = prepare()
        import gwloop
        gwloop.run()
    except:  # noqa: E722 - the one catch-all: log and reboot, never end the script (decisions.md section 9)
        what = log_exception('gateway: unexpected error, rebooting')
        if on_trial:
            _decide_rollback('crashed: ' + what[:60])
    reboot()
