# py15-except-as: one violation, on the line marked '<- here'.
def parse(s):
    try:
        return int(s)
    except ValueError as e:  # <- here
        return -1
