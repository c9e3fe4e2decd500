# Firmware-side harness for the boot loader's power-cut tests (tests/runtime/test_fwboot.py): one start of the
# module (fwboot.prepare, or fwboot.confirm once the firmware reached its mode), with the power cut at step
# `cut`. A step is what a cut can fall on: opening a file for writing (it is emptied then) or one write (a cut
# writes half of it). MDM answers ERROR, so files are removed by emptying them (the fallback of fwboot.remove).

import MDM
import SER
import fwboot


class Cut(Exception):
    pass


class Rebooted(Exception):
    pass


counter = [0, -1]   # steps so far, the step the power is cut at (-1: none)


def _mdm_send(data, timeout):
    return 1


def _mdm_receive(timeout):
    return '\r\nERROR\r\n'


def _set_line(value):
    return 1


def _reboot():
    raise Rebooted()


def _step():
    counter[0] = counter[0] + 1
    return counter[0] == counter[1]


class CutFile:
    def __init__(self, f):
        self.f = f

    def write(self, data):
        if _step():
            self.f.write(data[:divmod(len(data), 2)[0]])
            self.f.close()
            raise Cut()
        self.f.write(data)

    def read(self, n=-1):
        return self.f.read(n)

    def readline(self):
        return self.f.readline()

    def seek(self, offset, whence=0):
        self.f.seek(offset, whence)

    def tell(self):
        return self.f.tell()

    def close(self):
        self.f.close()


_plain_open = fwboot.open_data


def _cutting_open(name, mode):
    if mode == 'w' and _step():
        _plain_open(name, 'w').close()
        raise Cut()
    return CutFile(_plain_open(name, mode))


SER.setDCD = _set_line
MDM.send = _mdm_send
MDM.receive = _mdm_receive
fwboot.reboot = _reboot
fwboot.open_data = _cutting_open


def boot(cut):
    # One start: 'cut', 'rebooted' (the loader gave up on this start), or the record's state after prepare().
    counter[0] = 0
    counter[1] = cut
    try:
        fwboot.on_trial = fwboot.prepare()
    except Cut:
        return 'cut'
    except Rebooted:
        return 'rebooted'
    return fwboot.rec.get('state')


def boot_and_confirm(cut):
    # One start whose firmware reaches its mode: the cut may fall in the start or in the confirmation.
    got = boot(cut)
    if got == 'cut' or got == 'rebooted':
        return got
    try:
        fwboot.confirm()
    except Cut:
        return 'cut'
    return fwboot.rec.get('state')


def record():
    r = fwboot.Record().load()
    return (r.get('state'), r.get('version'), r.get('boots'), r.get('why'), r.get('report'))


def save(fields):
    return fwboot.Record().load().save(fields)


def files(names):
    # name -> MD5 hex of its content, or None when the file is absent or empty (the two mean the same here).
    out = {}
    for name in names:
        if fwboot.size_of(name) > 0:
            out[name] = fwboot.file_md5(name)
        else:
            out[name] = None
    return out


def counted():
    return counter[0]


def mac(key, body):
    m = fwboot.Mac(key)
    m.update(body)
    return m.hexdigest()


def stage(cut, sender):
    # The updater's last step (updact.keep_old_firmware without its machine): fwold.bin from the installed files,
    # then the boot record `install`, with the power cut at step `cut`. 'cut', or the record's state.
    import updact
    counter[0] = 0
    counter[1] = cut
    installed = fwboot.read_manifest()
    new = fwboot.Record().load()
    try:
        why = updact._write_old(installed)
        if why is not None:
            return why
        if not new.save({'state': fwboot.INSTALL, 'version': 'ne000000', 'old': '0ld00000',
                          'newmd5': fwboot.file_md5(fwboot.NEW), 'oldmd5': fwboot.file_md5(fwboot.OLD),
                          'boots': '0', 'why': '', 'sender': sender, 'report': ''}):
            return 'not saved'
    except Cut:
        return 'cut'
    return new.get('state')
