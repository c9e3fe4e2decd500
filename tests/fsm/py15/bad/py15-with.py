# py15-with: one violation, on the line marked '<- here'.
def read(name):
    with open(name) as f:  # <- here
        return f.read()
