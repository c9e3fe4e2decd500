"""Callbacks for the negative fixtures (each bad spec breaks exactly one rule)."""


def act(m, arg):
    m.ctx.append('act')


def is_on(m, arg):
    return m.ctx.on


def wrong_args(m):  # <- callback-signature
    return 1
