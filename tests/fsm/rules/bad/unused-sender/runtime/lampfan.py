"""The lamp's callback, which raises nothing in the fan machine (runtime of the unused-sender fixture)."""


def light_up(m, arg):
    m.ctx.lit = 1
