# py15-yield: one violation, on the line marked '<- here'.
def count(n):
    i = 0
    while i < n:
        yield i  # <- here
        i = i + 1
