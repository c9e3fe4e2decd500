# py15-except-star: one violation, on the line marked '<- here'.
def safe(f):
    try:  # <- here
        f()
    except* ValueError:
        pass
