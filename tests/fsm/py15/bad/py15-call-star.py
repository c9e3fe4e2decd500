# py15-call-star: one violation, on the line marked '<- here'.
def call(f, args):
    return f(*args)  # <- here
