# py15-posonly-args: one violation, on the line marked '<- here'.
def send(data, /):  # <- here
    return data
