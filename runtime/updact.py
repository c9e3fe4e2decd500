# A field update, the firmware's half (update machine, docs/design/update.md section 4): each state's entry
# action does one step and raises ok or failed; the boot loader (fwboot.py) does the install at the next start.
#
# No file is ever held whole in memory: the bundle is streamed from the socket into fwnew.bin and read back
# in pieces (fwboot.PIECE) for its checksums. Replies go through MDM (the gateway stopped its mode: no call).

import MOD

import compat
import engine
import fwboot
import httpget
import smsio

MARGIN = 16384    # bytes left free beyond the two bundles: the .pyo the module compiles at the next start grows


def kick():
    MOD.watchdogReset()


class Job:
    # The update under way: what was asked, and what the steps found.
    def __init__(self, url, sender):
        self.url = url
        self.sender = sender
        self.why = ''          # what went wrong, for the reply
        self.target = None     # (host, port, path)
        self.limit = 0         # the most bytes the bundle may have (the free space)
        self.version = ''      # the bundle's version, once verified
        self.newmd5 = ''       # MD5 of fwnew.bin as stored
        self.oldmd5 = ''       # MD5 of fwold.bin as written


class _Sink:
    # Where httpget puts the body: fwnew.bin, as it comes (httpget.fetch calls take(piece): None goes on).
    def __init__(self, f):
        self.f = f

    def take(self, piece):
        try:
            self.f.write(piece)
        except IOError:
            return 'no space on the module: ' + fwboot.NEW + ' could not be written'
        return None


def _fail(m, why):
    m.ctx.update.why = why
    engine.dispatch(m, m.t.E_FAILED, None)


def _ok(m):
    engine.dispatch(m, m.t.E_OK, None)


def _version(ctx):
    return ctx.table.VERSION


# --- the gateway's side

def start_update(m, arg):
    # The gateway stopped its mode: the update machine takes over (it ends in a reboot or in update_failed).
    engine.dispatch(m.ctx.upd, m.ctx.upd.t.E_REQUESTED, arg)


def keep_update(m, arg):
    # A call came in between the message and the update: it waits for the end of the call, as one asked then.
    m.ctx.sms_round.update = arg


def refuse_update(m, arg):
    url, sender = arg
    smsio.send(m.ctx.at, sender, 'Error: update: GPRS is not up, send it again later (still running %s)' %
               _version(m.ctx))


def send_report(ctx):
    # The SMS the boot record owes (an update running, or rolled back), once it can go; then it is cleared.
    owed = fwboot.report()
    if owed is None:
        return
    at = ctx.side_at()
    if at is None:
        return   # a call without MDM2: the next round after it sends it
    sender, text = owed
    if smsio.send(at, sender, text):
        fwboot.report_sent()
        ctx.trace('update: told ' + sender + ': ' + text)


def mode_reached(ctx):
    # The mode is reached: a new firmware on trial is confirmed (the old one is removed), and the sender told.
    at = ctx.side_at()
    ask = None
    if at is ctx.at:
        ask = at.ok
    if fwboot.on_trial:
        if ask is None:
            fwboot.confirm(_no_at)
        else:
            fwboot.confirm(ask)
    send_report(ctx)


def _no_at(cmd):
    return 0   # during a call MDM carries data: a file is emptied instead of deleted


# --- the update machine's steps

def take_request(m, arg):
    url, sender = arg
    m.ctx.update = Job(url, sender)
    m.ctx.trace('update: from ' + url + ' for ' + sender)


def owe_reply(ctx, sender):
    # Saved when the SMS is taken, before it is deleted: a restart before the update's own reply leaves this
    # one owed, and the boot after it sends it (send_report).
    fwboot.record().save({'sender': sender, 'interrupted': 'Error: update: a restart interrupted it '
                          '(still running %s)' % _version(ctx)})


def _free_bytes(at):
    result, lines = at.command('AT#LSCRIPT', 50)
    if result != 'OK':
        return -1
    for line in lines:
        if compat.startswith(line, '#LSCRIPT: free bytes:'):
            try:
                return int(compat.strip(line[21:]))
            except ValueError:
                return -1
    return -1


def _bundle_size(header):
    # Bytes of a bundle of these files: its first line, its header and the files.
    n = len(fwboot.MAGIC) + len(fwboot.FORMAT) + 35 + len(header[fwboot.H_TEXT])
    for row in header[fwboot.H_FILES]:
        n = n + row[fwboot.F_SIZE]
    return n


def check_update(m, arg):
    ctx = m.ctx
    job = ctx.update
    if ctx.values['updatekey'] == '':
        _fail(m, 'no update key on this unit (send updatekey first)')
        return
    installed = fwboot.read_manifest()
    if installed is None:
        _fail(m, 'this firmware was not installed with build.py deploy (no fwman.txt)')
        return
    why, host, port, path = httpget.parse_url(job.url)
    if why is not None:
        _fail(m, why)
        return
    job.target = (host, port, path)
    free = _free_bytes(ctx.at)
    if free < 0:
        _fail(m, 'the module did not say its free space (AT#LSCRIPT)')
        return
    job.limit = free - _bundle_size(installed) - MARGIN
    if job.limit <= 0:
        _fail(m, 'no space on the module (%d bytes free)' % free)
        return
    _ok(m)


def download_bundle(m, arg):
    ctx = m.ctx
    job = ctx.update
    fwboot.remove(fwboot.NEW, ctx.at.ok)
    try:
        f = fwboot.open_data(fwboot.NEW, 'w')
    except IOError:
        _fail(m, 'cannot write ' + fwboot.NEW)
        return
    host, port, path = job.target
    try:
        why, got = httpget.fetch(ctx, host, port, path, _Sink(f).take, job.limit)
    finally:
        f.close()
    if why is not None:
        if compat.startswith(why, 'too big: '):
            why = 'no space on the module (the bundle has %s, %d fit)' % (why[9:], job.limit)
        _fail(m, why)
        return
    ctx.trace('update: %d bytes downloaded' % got)
    _ok(m)


def _check_files(f, header, mac, whole):
    # Reads every file of the bundle after its header: each must match its MD5. Returns what is wrong, or None.
    for row in header[fwboot.H_FILES]:
        left = row[fwboot.F_SIZE]
        h = fwboot.Md5()
        while left > 0:
            piece = f.read(min(left, fwboot.PIECE))
            if not piece:
                return 'short bundle: %s is cut' % row[fwboot.F_NAME]
            h.update(piece)
            mac.update(piece)
            whole.update(piece)
            left = left - len(piece)
            kick()
        if h.hexdigest() != row[fwboot.F_MD5]:
            return 'corrupt bundle: %s does not match its checksum' % row[fwboot.F_NAME]
    if f.read(1):
        return 'corrupt bundle: bytes after the last file'
    return None


def verify_bundle(m, arg):
    ctx = m.ctx
    job = ctx.update
    try:
        f = fwboot.open_data(fwboot.NEW, 'r')
    except IOError:
        _fail(m, 'the download is gone')
        return
    try:
        why = _verify(ctx, job, f)
    finally:
        f.close()
    if why is not None:
        _fail(m, why)
        return
    ctx.trace('update: %s checked' % job.version)
    _ok(m)


def _verify(ctx, job, f):
    whole = fwboot.Md5()
    first = f.readline()
    whole.update(first)
    f.seek(0)
    row = fwboot.read_first_line(f)
    if row is None:
        return 'not a firmware bundle'
    fmt, signature = row
    if fmt != fwboot.FORMAT:
        return 'bundle format %s, this unit reads %s' % (fmt, fwboot.FORMAT)
    why, header = fwboot.read_header(f)
    if why is not None:
        return why
    mac = fwboot.Mac(ctx.values['updatekey'])
    mac.update(header[fwboot.H_TEXT])
    whole.update(header[fwboot.H_TEXT])
    if header[fwboot.H_FAMILY] != fwboot.FAMILY:
        return 'a bundle for %s, this unit runs %s' % (header[fwboot.H_FAMILY], fwboot.FAMILY)
    installed = fwboot.read_manifest()
    if installed is None or header[fwboot.H_BOOT] != installed[fwboot.H_BOOT]:
        return 'it needs boot loader %s, this unit has another (deploy it at the site)' % header[fwboot.H_BOOT]
    why = _check_files(f, header, mac, whole)
    if why is not None:
        return why
    if mac.hexdigest() != signature:
        return "not signed with this unit's update key"
    if header[fwboot.H_VERSION] == _version(ctx):
        return '%s is already running' % header[fwboot.H_VERSION]
    job.version = header[fwboot.H_VERSION]
    job.newmd5 = whole.hexdigest()
    return None


def keep_old_firmware(m, arg):
    # fwold.bin from the installed files (each checked against fwman.txt), then the boot record: the switch.
    ctx = m.ctx
    job = ctx.update
    installed = fwboot.read_manifest()
    fwboot.remove(fwboot.OLD, ctx.at.ok)
    try:
        why = _write_old(installed)
    except IOError:
        why = 'cannot write ' + fwboot.OLD
    if why is not None:
        _fail(m, why)
        return
    job.oldmd5 = fwboot.file_md5(fwboot.OLD)
    saved = fwboot.record().save({'state': fwboot.INSTALL, 'version': job.version, 'old': _version(ctx),
                      'newmd5': job.newmd5, 'oldmd5': job.oldmd5, 'boots': '0', 'why': '',
                      'sender': job.sender, 'report': '', 'interrupted': ''})
    if not saved:
        _fail(m, 'cannot write the boot record')
        return
    _ok(m)


def _write_old(installed):
    out = fwboot.open_data(fwboot.OLD, 'w')
    try:
        out.write('%s %s %s\n' % (fwboot.MAGIC, fwboot.FORMAT, '0' * 32))  # made here: its MD5 is in the record
        out.write(installed[fwboot.H_TEXT])
        for row in installed[fwboot.H_FILES]:
            why = _copy_in(out, row)
            if why is not None:
                return why
    finally:
        out.close()
    return None


def _copy_in(out, row):
    name = row[fwboot.F_NAME]
    h = fwboot.Md5()
    try:
        f = fwboot.open_data(name, 'r')
    except IOError:
        return 'the installed %s is missing, no rollback would be possible' % name
    try:
        piece = f.read(fwboot.PIECE)
        while piece:
            h.update(piece)
            out.write(piece)
            kick()   # flash writes are slow (#WSCRIPT: 35 s per 100 KB): the watchdog must not run out
            piece = f.read(fwboot.PIECE)
    finally:
        f.close()
    if h.hexdigest() != row[fwboot.F_MD5]:
        return 'the installed %s is damaged, no rollback would be possible' % name
    return None


def switch_firmware(m, arg):
    ctx = m.ctx
    job = ctx.update
    text = 'Confirmed: update %s downloaded, restarting' % job.version
    if not smsio.send(ctx.at, job.sender, text):
        ctx.trace('update: the confirmation could not be sent')
    ctx.trace('update: ' + text)
    engine.dispatch(ctx.gw, ctx.gw.t.E_REBOOT, None)


def report_failure(m, arg):
    ctx = m.ctx
    job = ctx.update
    fwboot.remove(fwboot.NEW, ctx.at.ok)
    fwboot.remove(fwboot.OLD, ctx.at.ok)
    text = 'Error: update: %s (still running %s)' % (job.why, _version(ctx))
    fwboot.record().save({'interrupted': ''})   # told now
    ctx.note_error('update: ' + job.why)
    if not smsio.send(ctx.at, job.sender, smsio.gsm_cut(text, smsio.MAX_SMS)):
        ctx.trace('update: the error could not be sent')
    ctx.trace('update: ' + text)
    engine.dispatch(ctx.gw, ctx.gw.t.E_UPDATE_FAILED, None)
