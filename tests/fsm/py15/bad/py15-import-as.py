# py15-import-as: one violation, on the line marked '<- here'.
import MOD as clock  # <- here


def now():
    return clock.secCounter()
