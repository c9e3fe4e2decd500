# py15-match: one violation, on the line marked '<- here'.
def kind(n):
    match n:  # <- here
        case 0:
            return 'zero'
    return 'other'
