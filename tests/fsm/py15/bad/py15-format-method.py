# py15-format-method: one violation, on the line marked '<- here'.
def label(n):
    return 'n={}'.format(n)  # <- here
