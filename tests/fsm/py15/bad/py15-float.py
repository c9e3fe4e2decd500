# py15-float: one violation, on the line marked '<- here'.
TIMEOUT = 1.5  # <- here
