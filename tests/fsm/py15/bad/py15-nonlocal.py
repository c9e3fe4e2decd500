# py15-nonlocal: one violation, on the line marked '<- here'.
def counter():
    n = 0

    def bump():  # <- also: py15-nested-function (nonlocal needs an enclosing def)
        nonlocal n  # <- here
        n = n + 1
    bump()
    return n
