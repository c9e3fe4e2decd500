"""Firmware-side helper for the power-cut test: what load() gives for every cut of the newest slot."""

import cfgstore
import fsm_commands


def every_cut(name):
    f = open(name, 'r')
    full = f.read()
    f.close()
    seen = []
    cut = 0
    while cut < len(full):
        f = open(name, 'w')
        f.write(full[:cut])
        f.close()
        v = cfgstore.Store(fsm_commands).load()
        pair = (v['baud'], v['password'])
        if pair not in seen:
            seen.append(pair)
        cut = cut + 1
    return seen
