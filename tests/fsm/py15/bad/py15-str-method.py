# py15-str-method: one violation, on the line marked '<- here'.
def words(s):
    return s.split()  # <- here
