# py15-conditional-expr: one violation, on the line marked '<- here'.
def sign(n):
    return 1 if n > 0 else 0  # <- here
