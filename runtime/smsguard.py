# Wrong-password lockout: a sender that gets the SMS password wrong LOCK_FAILS times within
# WINDOW_S seconds is ignored for LOCK_S seconds; its messages are then deleted unread, even with the
# right password. The table holds at most MAX_SENDERS senders (bounded memory whatever arrives).
#
# Times are fwclock seconds (MOD.secCounter without its jumps), compared as differences.
#
# Allowed senders (the `allow` setting): 'any', or numbers separated by spaces. A sender is allowed when its
# last SAME_DIGITS digits are those of a listed number (all of them when either has fewer): '+447700900001'
# (as a sender arrives) matches '07700900001' (as a user may type it). A sender not allowed is ignored
# before the lockout is consulted: no reply, no count, its own or anyone's.

import compat

LOCK_FAILS = 5      # wrong passwords ...
WINDOW_S = 600      # ... within 10 minutes ...
LOCK_S = 1800       # ... ignore the sender for 30 minutes
MAX_SENDERS = 16    # table bound
SAME_DIGITS = 9     # allowed senders are compared on their last 9 digits (country and trunk prefixes differ)
DIGITS = '0123456789'

# An entry of the table: [sender, first failure time, failures in the window, ignored until].
L_SENDER = 0
L_FIRST_S = 1      # the first wrong password of the window
L_FAILS = 2        # wrong passwords in the window
L_UNTIL_S = 3      # ignored until this time; -1 while not ignored


class Guard:
    def __init__(self):
        self.entries = []
        self.ignored = 0    # messages deleted unread because their sender was ignored

    def _find(self, sender):
        for e in self.entries:
            if e[L_SENDER] == sender:
                return e
        return None

    def is_ignored(self, sender, now):
        # 1 while `sender` is locked out (the message must be deleted without processing).
        e = self._find(sender)
        if e is None or e[L_UNTIL_S] < 0:
            return 0
        if now - e[L_UNTIL_S] < 0:
            self.ignored = self.ignored + 1
            return 1
        self.entries.remove(e)   # the lockout is over: a fresh start
        return 0

    def failed(self, sender, now):
        # Counts a wrong password; returns 1 when the sender is locked out by it.
        e = self._find(sender)
        if e is not None and e[L_UNTIL_S] < 0 and now - e[L_FIRST_S] >= WINDOW_S:
            self.entries.remove(e)
            e = None
        if e is None:
            self._make_room(now)
            e = [sender, now, 0, -1]
            self.entries.append(e)
        e[L_FAILS] = e[L_FAILS] + 1
        if e[L_FAILS] >= LOCK_FAILS and e[L_UNTIL_S] < 0:
            e[L_UNTIL_S] = now + LOCK_S
            return 1
        return 0

    def _make_room(self, now):
        # Frees one entry when the table is full: an expired one, else the oldest not locked out,
        # else the lockout that ends first.
        if len(self.entries) < MAX_SENDERS:
            return
        victim = None
        for e in self.entries:
            if e[L_UNTIL_S] < 0 and now - e[L_FIRST_S] >= WINDOW_S:
                victim = e
                break
            if e[L_UNTIL_S] >= 0 and now - e[L_UNTIL_S] >= 0:
                victim = e
                break
        if victim is None:
            for e in self.entries:
                if e[L_UNTIL_S] < 0 and (victim is None or e[L_FIRST_S] - victim[L_FIRST_S] < 0):
                    victim = e
        if victim is None:
            for e in self.entries:
                if victim is None or e[L_UNTIL_S] - victim[L_UNTIL_S] < 0:
                    victim = e
        self.entries.remove(victim)


def _tail(number):
    # The last SAME_DIGITS digits of a number, whatever else it holds ('+', spaces): '' when it holds none.
    out = ''
    for ch in number:
        if compat.find(DIGITS, ch) >= 0:
            out = out + ch
    return out[-SAME_DIGITS:]


def is_allowed(sender, allowed):
    # 1 when `allowed` (the setting: 'any', '' read as 'any', or numbers separated by spaces) takes `sender`.
    if allowed == 'any' or allowed == '':
        return 1
    tail = _tail(sender)
    if tail == '':
        return 0  # an alphanumeric sender (a network's name) is no number of the list
    for number in compat.split(allowed):
        if _tail(number) == tail:
            return 1
    return 0
