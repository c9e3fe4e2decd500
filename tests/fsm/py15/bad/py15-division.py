# py15-division: one violation, on the line marked '<- here'.
def half(n):
    return n / 2  # <- here
