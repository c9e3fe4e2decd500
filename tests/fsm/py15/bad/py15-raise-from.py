# py15-raise-from: one violation, on the line marked '<- here'.
def parse(s):
    try:
        return int(s)
    except ValueError:
        raise KeyError(s) from None  # <- here
