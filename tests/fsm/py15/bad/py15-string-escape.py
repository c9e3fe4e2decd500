# py15-string-escape: one violation, on the line marked '<- here'.
SEP = '\u00e9'  # <- here
