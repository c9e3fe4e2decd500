# py15-class-empty-parens: one violation, on the line marked '<- here'.
class Buffer():  # <- here
    pass
