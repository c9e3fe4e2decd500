# py15-slice-step: one violation, on the line marked '<- here'.
def evens(s):
    return s[::2]  # <- here
