# py15-continue-in-try: one violation, on the line marked '<- here'.
def drain(items):
    n = 0
    for x in items:
        try:
            if x < 0:
                continue  # <- here
            n = n + x
        except ValueError:
            continue
    return n
