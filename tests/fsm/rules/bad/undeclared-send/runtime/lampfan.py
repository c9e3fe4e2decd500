"""The lamp's callback, which raises an event of the fan machine (runtime of the undeclared-send fixture)."""

import engine
import fsm_fan


def wake_fan(m, arg):
    engine.dispatch(m.ctx.fan, fsm_fan.E_SPIN, None)  # <- undeclared-send
