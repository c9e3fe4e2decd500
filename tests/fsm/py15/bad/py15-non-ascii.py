# py15-non-ascii: one violation, on the line marked '<- here'.
NAME = 'gateway'  # <- here: café
