# py15-number-literal: one violation, on the line marked '<- here'.
MODE = 0o644  # <- here
