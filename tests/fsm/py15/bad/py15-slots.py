# py15-slots: one violation, on the line marked '<- here'.
class Point:
    __slots__ = ('x', 'y')  # <- here
