# Runs httpget.fetch on the scripted MDM (Python 1.5 subset) and returns what came of it.

import atdrv
import fwctx
import httpget
import MDM
import MOD


class Sink:
    def __init__(self):
        self.pieces = []

    def write(self, piece):
        self.pieces.append(piece)
        return None


def run(items, most):
    # (error, bytes counted, body, request sent, URCs the driver queued, escape sent) for the answer `items`.
    MDM.load(items)
    at = atdrv.Driver(MDM, MOD)
    at.dcd_ok = 1
    ctx = fwctx.Ctx(at, None, None, {'mode': 'server', 'packet_size': 0})
    sink = Sink()
    error, got = httpget.fetch(ctx, 'example.com', 8080, '/b', sink.write, most)
    body = ''
    for p in sink.pieces:
        body = body + p
    escaped = 0
    for s in MDM.sent:
        if s == '+++':
            escaped = 1
    return (error, got, body, MDM.sent[1], at.urcs, escaped)
