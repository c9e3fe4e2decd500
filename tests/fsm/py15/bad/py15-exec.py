# py15-exec: one violation, on the line marked '<- here'.
def run(code):
    return eval(code)  # <- here
