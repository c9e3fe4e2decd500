"""Feeds fwclock a scripted MOD.secCounter (Python 1.5 subset): the readings it returns, in order."""

import fwclock


class ScriptedMOD:
    def __init__(self, counts):
        self.counts = counts

    def secCounter(self):
        c = self.counts[0]
        del self.counts[0]
        return c


def readings(counts):
    fwclock.MOD = ScriptedMOD(counts[:])
    fwclock._last = None
    fwclock._now = 0
    out = []
    i = 0
    while i < len(counts):
        out.append(fwclock.now())
        i = i + 1
    return out
