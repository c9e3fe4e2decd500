# py15-in-operator: one violation, on the line marked '<- here'.
def has_ok(s):
    return 'OK' in s  # <- here
