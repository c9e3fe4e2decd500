# py15-percent-r: one violation, on the line marked '<- here'.
def show(x):
    return 'x=%r' % (x,)  # <- here
