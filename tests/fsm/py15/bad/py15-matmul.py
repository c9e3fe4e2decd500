# py15-matmul: one violation, on the line marked '<- here'.
def product(a, b):
    return a @ b  # <- here
