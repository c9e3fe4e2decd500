"""The status LED's logic (runtime/lines.py) against scripted AT drivers (Python 1.5 subset): which driver a
pattern goes to during a call, what no MDM2, ERROR, +CME ERROR and no answer do, one command a change."""

import fwctx
import lines


class Driver:
    # Answers each command with the next scripted result ('' = no answer); records what was sent.
    def __init__(self, results, call):
        self.results = results
        self.sent = []
        self.call = call

    def command(self, cmd, tenths):
        self.sent.append(cmd)
        if len(self.results) == 0:
            return ('OK', [])
        r = self.results[0]
        del self.results[0]
        return (r, [])

    def in_call(self):
        return self.call


class Ctx(fwctx.Ctx):
    # What lines.show uses of fwctx.Ctx: the LED, side_at() (the real one, inherited), trace.
    def __init__(self, at, at2):
        self.at = at
        self.at2 = at2
        self.led = lines.Led()
        self.traced = []

    def trace(self, text):
        self.traced.append(text)


def steps(results, at2_results, plan):
    # Runs `plan`, a list of (pattern name, in call); returns (MDM commands, MDM2 commands, shown, works).
    at = Driver(results, 0)
    at2 = None
    if at2_results is not None:
        at2 = Driver(at2_results, 0)
    ctx = Ctx(at, at2)
    for name, call in plan:
        at.call = call
        lines.show(ctx, name, ARGS[name])
    sent2 = []
    if at2 is not None:
        sent2 = at2.sent
    return (at.sent, sent2, ctx.led.shown, ctx.led.works)


ARGS = {lines.LED_OFF: lines.LED_OFF_ARGS, lines.LED_REGISTERED: lines.LED_REGISTERED_ARGS,
        lines.LED_GPRS: lines.LED_GPRS_ARGS, lines.LED_CONNECTED: lines.LED_CONNECTED_ARGS}
