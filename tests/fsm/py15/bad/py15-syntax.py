# py15-syntax: one violation, on the line marked '<- here'.
def check(n):
    if n < 0:
        raise ValueError, 'negative'  # <- here
    return n
