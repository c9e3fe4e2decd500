# py15-annotation: one violation, on the line marked '<- here'.
def send(data: str):  # <- here
    return data
