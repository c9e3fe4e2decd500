# py15-class-keywords: one violation, on the line marked '<- here'.
class Port(metaclass=type):  # <- here
    pass
