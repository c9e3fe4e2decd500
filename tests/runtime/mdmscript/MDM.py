# A scripted MDM for the download's unit tests (Python 1.5 subset): receive() hands out the chunks given to
# load() one by one, whatever they split or merge, each with the DCD level the modem shows from then on;
# send() records what the firmware wrote, and the escape (+++) drops DCD as the modem does.

chunks = []
sent = []
dcd = 0


def load(items):
    # items: (chunk, DCD after it) pairs. DCD is low until the first chunk (no call before the dial).
    global chunks, sent, dcd
    chunks = list(items)
    sent = []
    dcd = 0


def receive(tenths):
    global dcd
    if len(chunks) == 0:
        return ''
    chunk, dcd = chunks.pop(0)
    return chunk


def read():
    return ''


def getDCD():
    return dcd


def getCTS():
    return 1


def send(data, tenths):
    global dcd
    sent.append(data)
    if data == '+++':
        dcd = 0
    return 1
