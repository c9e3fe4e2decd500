# py15-ellipsis: one violation, on the line marked '<- here'.
def todo(m):
    ...  # <- here
