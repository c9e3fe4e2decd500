"""A scripted MDM for AT-driver tests (Python 1.5 subset): receive() hands out the given chunks one by
one, whatever they split or merge, as the module does; send() records what the firmware wrote.
"""

import atdrv
import smsio


class ChunkMDM:
    def __init__(self, chunks):
        self.chunks = chunks
        self.sent = []

    def send(self, data, tenths):
        self.sent.append(data)
        return 1

    def sendbyte(self, byte, tenths):
        self.sent.append(chr(byte))
        return 1

    def receive(self, tenths):
        if len(self.chunks) == 0:
            return ''
        c = self.chunks[0]
        del self.chunks[0]
        return c

    def read(self):
        return ''


class Clock:
    def watchdogReset(self):
        pass


def driver(chunks):
    return atdrv.Driver(ChunkMDM(chunks), Clock())


def settle(at):
    """The main loop's next polls: what the modem sent after the answer is read too."""
    while len(at.mdm.chunks) > 0:
        at.poll(1)


def command(chunks, cmd, dial=0):
    """(result, answer lines, URCs queued, data-stream bytes, online) after one command."""
    at = driver(chunks)
    reply = at.command(cmd, 20, dial)
    settle(at)
    return (reply[0], reply[1], at.urcs, at.data, at.online)


def then_command(chunks, first, second):
    """What happens to a second command when the first one's answer came with a CONNECT."""
    at = driver(chunks)
    at.command(first, 20)
    reply = at.command(second, 20)
    return (reply[0], at.mdm.sent, at.urcs)


def abandoned_then_command(chunks, first, second):
    """What happens to a second command when the first one's answer came with a CONNECT that nobody took
    (the session closed and abandoned the call)."""
    at = driver(chunks)
    at.command(first, 20)
    at.abandon_call()
    at.mdm.chunks = ['\r\nOK\r\n']
    reply = at.command(second, 20)
    return (reply[0], at.mdm.sent, at.urcs, at.data)


def listing(chunks):
    """(messages, URCs queued) of one +CMGL listing read through the driver."""
    at = driver(chunks)
    got = smsio.list_received(at)
    settle(at)
    return (got, at.urcs)


def listing_then_state(chunks):
    """(messages, URCs queued, data-stream bytes, online) of one +CMGL listing read through the driver."""
    at = driver(chunks)
    got = smsio.list_received(at)
    settle(at)
    return (got, at.urcs, at.data, at.online)


def cut(text, sizes):
    """`text` cut into chunks of the given sizes (the last takes the rest)."""
    out = []
    for n in sizes:
        out.append(text[:n])
        text = text[n:]
    if len(text) > 0:
        out.append(text)
    return out


def every_cut(text, first, cmd):
    """The command's outcome for the text cut in two at every position: one distinct outcome expected."""
    seen = []
    i = 1
    while i < len(text):
        got = command([text[:i], text[i:]], cmd)
        if got not in seen:
            seen.append(got)
        i = i + 1
    return seen
