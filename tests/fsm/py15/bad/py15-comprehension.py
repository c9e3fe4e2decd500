# py15-comprehension: one violation, on the line marked '<- here'.
def doubled(items):
    return [x * 2 for x in items]  # <- here
