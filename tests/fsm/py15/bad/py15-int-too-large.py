# py15-int-too-large: one violation, on the line marked '<- here'.
MASK = 0xffffffff  # <- here
