# py15-nested-function: one violation, on the line marked '<- here'.
def outer(m):
    def inner(x):  # <- here
        return x
    return inner(m)
