# py15-sort-args: one violation, on the line marked '<- here'.
def compare(a, b):
    return cmp(a, b)


def order(items):
    items.sort(compare)  # <- here
