# Configuration store: the settings in two slot files with a sequence number and a checksum.
#
# A save writes the slot not holding the newest copy, so a power cut mid-write leaves the old or the new
# settings, never a mix (docs/design/decisions.md section 9). Load takes the newest slot whose checksum
# holds; first boot (no valid slot) gives the defaults of the command table. File layout: `seq`, `checksum`,
# then `name=value` lines; the checksum (Fletcher-16) covers those lines.

import compat

SLOTS = ('gwcfg_a.txt', 'gwcfg_b.txt')  # flat file system, names well under 16 characters
TRIAL_SLOTS = ('gwtrial_a.txt', 'gwtrial_b.txt')  # the trial of a change and the last settings that worked (trialact)

# Settings renamed since a firmware that may have saved them: (old name, new name). A unit updated in the
# field keeps its settings: a slot written before the rename is read under the new name (the next save
# writes only the new one). A slot holding both names (none is written so) keeps the new name's value.
RENAMED = (
    ('server_ip', 'server'),   # when mode client took host names
)


def checksum(text):
    a = 0
    b = 0
    for ch in text:
        a = (a + ord(ch)) % 255
        b = (b + a) % 255
    return (b << 8) | a


def defaults(table):
    values = {}
    i = 0
    while i < len(table.SETTINGS):
        values[table.SETTINGS[i]] = table.DEFAULTS[i]
        i = i + 1
    return values


def _body(values, table):
    out = []
    for name in table.SETTINGS:
        out.append(name + '=' + str(values[name]) + '\n')
    return compat.join(out, '')


def _read(name):
    # The text of a slot file, or None.
    try:
        f = open(name, 'r')
    except IOError:
        return None
    try:
        text = f.read()
    finally:
        f.close()
    return text


def parse(text, table):
    # (seq, values) of a slot's text, or None when it is incomplete or its checksum fails.
    first = compat.find(text, '\n')
    second = compat.find(text, '\n', first + 1)
    if first < 0 or second < 0:
        return None
    try:
        seq = int(text[:first])
        check = int(text[first + 1:second])
    except ValueError:
        return None
    body = text[second + 1:]
    if checksum(body) != check:
        return None
    values = defaults(table)
    found = 0
    for line in compat.split(body, '\n'):
        cut = compat.find(line, '=')
        if cut < 0:
            continue
        key = _current_name(line[:cut])
        i = _index(table.SETTINGS, key)
        if i < 0:
            continue  # a setting that a newer firmware dropped
        if key != line[:cut] and compat.find('\n' + body, '\n' + key + '=') >= 0:
            continue  # the new name is there too: it wins
        if table.IS_INT[i]:
            try:
                values[key] = int(line[cut + 1:])
            except ValueError:
                return None
        else:
            values[key] = line[cut + 1:]
        found = found + 1
    if found == 0:
        return None
    return (seq, values)


def _current_name(name):
    # The name a setting saved as `name` has now (RENAMED).
    for old, new in RENAMED:
        if old == name:
            return new
    return name


def _index(names, name):
    i = 0
    while i < len(names):
        if names[i] == name:
            return i
        i = i + 1
    return -1


class Store:
    # Which slot holds the newest copy, and its sequence number. `table` names the fields (SETTINGS, DEFAULTS,
    # IS_INT: the command table's, or trialact's record); `slots` the two files.

    def __init__(self, table, slots=SLOTS):
        self.table = table
        self.slots = slots
        self.seq = 0
        self.slot = -1   # slot of the newest valid copy, -1 on first boot
        self.saves = 0

    def load(self):
        # The newest valid settings, or the defaults on first boot.
        best = None       # the settings of the newest valid slot ...
        best_seq = 0      # ... its sequence number
        best_slot = -1    # ... and which slot it is
        i = 0
        while i < len(self.slots):
            text = _read(self.slots[i])
            got = None
            if text is not None:
                got = parse(text, self.table)
            if got is not None:
                seq, values = got
                if best is None or seq > best_seq:
                    best = values
                    best_seq = seq
                    best_slot = i
            i = i + 1
        self.seq = best_seq
        self.slot = best_slot
        if best is None:
            return defaults(self.table)
        return best

    def save(self, values):
        # Writes the settings into the other slot; returns 1 when written.
        body = _body(values, self.table)
        seq = self.seq + 1
        slot = 0
        if self.slot == 0:
            slot = 1
        text = str(seq) + '\n' + str(checksum(body)) + '\n' + body
        try:
            f = open(self.slots[slot], 'w')
            try:
                f.write(text)
            finally:
                f.close()
        except IOError:
            return 0
        self.seq = seq
        self.slot = slot
        self.saves = self.saves + 1
        return 1
