# py15-builtin-kwargs: one violation, on the line marked '<- here'.
def load(name):
    return open(name, mode='r')  # <- here
