# py15-set-literal: one violation, on the line marked '<- here'.
SEEN = {1, 2}  # <- here
