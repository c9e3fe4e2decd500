# py15-print: one violation, on the line marked '<- here'.
def show(x):
    print(x)  # <- here
