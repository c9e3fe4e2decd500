# py15-builtin: one violation, on the line marked '<- here'.
def is_text(x):
    return isinstance(x, str)  # <- here
