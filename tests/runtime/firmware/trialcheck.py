"""Firmware-side helper for the trial record's power-cut test: saves, and what load() gives for every cut of a
slot file."""

import cfgstore
import fsm_commands
import trialact


def record():
    r = trialact.Record(fsm_commands)
    r.load()
    return r


def state(r):
    # What a restart sees: whether something worked and its APN, the trial's time left, sender, command, why.
    apn = None
    if r.good is not None:
        apn = r.good['apn']
    return (apn, r.left_s, r.sender, r.command, r.why)


def save(apn, left, sender, command, why):
    # One save of the record, after those already made: the last settings that worked have `apn` (None: none).
    r = record()
    values = cfgstore.defaults(fsm_commands)
    if apn is None:
        r.good = None
    else:
        values['apn'] = apn
        r.good = trialact.pick(values, r.names)
    r.left_s = left
    r.sender = sender
    r.command = command
    r.why = why
    return r.save(values)


def every_cut(name):
    f = open(name, 'r')
    full = f.read()
    f.close()
    seen = []
    cut = 0
    while cut <= len(full):
        f = open(name, 'w')
        f.write(full[:cut])
        f.close()
        got = state(record())
        if got not in seen:
            seen.append(got)
        cut = cut + 1
    return seen
