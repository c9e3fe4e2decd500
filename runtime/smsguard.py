"""Wrong-password lockout: a sender that gets the SMS password wrong LOCK_FAILS times within
WINDOW_S seconds is ignored for LOCK_S seconds; its messages are then deleted unread, even with the
right password. The table holds at most MAX_SENDERS senders (bounded memory whatever arrives).

An entry is [sender, first failure time, failures in the window, ignored until (-1 = not ignored)].
Times are fwclock seconds (MOD.secCounter without its jumps), compared as differences.
"""

LOCK_FAILS = 5      # wrong passwords ...
WINDOW_S = 600      # ... within 10 minutes ...
LOCK_S = 1800       # ... ignore the sender for 30 minutes
MAX_SENDERS = 16    # table bound


class Guard:
    def __init__(self):
        self.entries = []
        self.ignored = 0    # messages deleted unread because their sender was ignored

    def _find(self, sender):
        for e in self.entries:
            if e[0] == sender:
                return e
        return None

    def is_ignored(self, sender, now):
        """1 while `sender` is locked out (the message must be deleted without processing)."""
        e = self._find(sender)
        if e is None or e[3] < 0:
            return 0
        if now - e[3] < 0:
            self.ignored = self.ignored + 1
            return 1
        self.entries.remove(e)   # the lockout is over: a fresh start
        return 0

    def failed(self, sender, now):
        """Counts a wrong password; returns 1 when the sender is locked out by it."""
        e = self._find(sender)
        if e is not None and e[3] < 0 and now - e[1] >= WINDOW_S:
            self.entries.remove(e)
            e = None
        if e is None:
            self._make_room(now)
            e = [sender, now, 0, -1]
            self.entries.append(e)
        e[2] = e[2] + 1
        if e[2] >= LOCK_FAILS and e[3] < 0:
            e[3] = now + LOCK_S
            return 1
        return 0

    def _make_room(self, now):
        """Frees one entry when the table is full: an expired one, else the oldest not locked out,
        else the lockout that ends first."""
        if len(self.entries) < MAX_SENDERS:
            return
        victim = None
        for e in self.entries:
            if e[3] < 0 and now - e[1] >= WINDOW_S:
                victim = e
                break
            if e[3] >= 0 and now - e[3] >= 0:
                victim = e
                break
        if victim is None:
            for e in self.entries:
                if e[3] < 0 and (victim is None or e[1] - victim[1] < 0):
                    victim = e
        if victim is None:
            for e in self.entries:
                if victim is None or e[3] - victim[3] < 0:
                    victim = e
        self.entries.remove(victim)
