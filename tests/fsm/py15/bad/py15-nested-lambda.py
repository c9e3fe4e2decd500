# py15-nested-lambda: one violation, on the line marked '<- here'.
def scale(items):
    f = lambda x: x * 2  # <- here
    return f
