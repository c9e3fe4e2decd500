# py15-string-prefix: one violation, on the line marked '<- here'.
NAME = u'gateway'  # <- here
