# py15-dict-view: one violation, on the line marked '<- here'.
def first_key(d):
    return d.keys()[0]  # <- here
