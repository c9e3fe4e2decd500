# py15-augassign: one violation, on the line marked '<- here'.
def total(items):
    n = 0
    for x in items:
        n += x  # <- here
    return n
