# py15-starred: one violation, on the line marked '<- here'.
def head(items):
    first, *rest = items  # <- here
    return first
