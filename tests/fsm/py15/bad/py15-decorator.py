# py15-decorator: one violation, on the line marked '<- here'.
def traced(f):
    return f


@traced  # <- here
def step(m):
    return m
