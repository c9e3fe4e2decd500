# py15-kwonly-args: one violation, on the line marked '<- here'.
def send(data, *, port):  # <- here
    return port
