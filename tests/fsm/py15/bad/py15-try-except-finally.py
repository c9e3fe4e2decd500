# py15-try-except-finally: one violation, on the line marked '<- here'.
def safe(f):
    try:  # <- here
        f()
    except ValueError:
        pass
    finally:
        f()
