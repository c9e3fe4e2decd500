# py15-range: one violation, on the line marked '<- here'.
INDEXES = range(4)  # <- here
