# py15-bool: one violation, on the line marked '<- here'.
DEBUG = False  # <- here
