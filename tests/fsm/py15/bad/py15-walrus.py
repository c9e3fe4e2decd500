# py15-walrus: one violation, on the line marked '<- here'.
def first(items):
    if (n := len(items)) > 0:  # <- here
        return n
    return 0
