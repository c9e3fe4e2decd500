# SMS in text mode over the AT driver: list received messages, send with the `> ` prompt and Ctrl-Z,
# delete. Message bodies may hold anything (line breaks, 'OK'), so +CMGL answers are read raw, each body
# cut by the length +CSDH=1 puts in its header, and chunk boundaries may fall anywhere.


import compat

# A received message as list_received gives it: (index, sender, text).
MSG_INDEX = 0      # its index in the SIM (AT+CMGD)
MSG_SENDER = 1     # the number replies go to
MSG_TEXT = 2

# The fields of a +CMGL header (+CSDH=1): <index>,<stat>,<oa>,<alpha>,<scts>,<tooa>,<length>.
CMGL_INDEX = 0
CMGL_STAT = 1
CMGL_SENDER = 2

LIST_TENTHS = 100
SEND_TENTHS = 600   # +CMGS can take several seconds
MAX_SMS = 160       # septets in one SMS (GSM 03.38 7-bit alphabet)
EXTENDED = '[]{}~\\^|'  # characters of the alphabet's extension table: two septets each (escape + code)


def gsm_len(text):
    # How many of the 160 septets `text` takes: extension characters count two.
    n = len(text)
    for ch in text:
        if compat.find(EXTENDED, ch) >= 0:
            n = n + 1
    return n


def gsm_cut(text, limit):
    # The longest start of `text` that takes at most `limit` septets.
    used = 0
    i = 0
    while i < len(text):
        w = 1
        if compat.find(EXTENDED, text[i]) >= 0:
            w = 2
        if used + w > limit:
            break
        used = used + w
        i = i + 1
    return text[:i]


def _fields(header):
    # '3,"REC UNREAD","+4477","","24/11/25,10:00:00+00"' -> ['3', 'REC UNREAD', '+4477', '', '24/...'].
    out = []
    i = 0
    n = len(header)
    while i < n:
        if header[i] == '"':
            end = compat.find(header, '"', i + 1)
            if end < 0:
                end = n
            out.append(header[i + 1:end])
            i = end + 2
        else:
            end = compat.find(header, ',', i)
            if end < 0:
                end = n
            out.append(compat.strip(header[i:end]))
            i = end + 1
    return out


WAIT = 0     # next_entry: the text ends before the next entry is complete
MESSAGE = 1  # ... a +CMGL entry: (index, stat, sender, body)
LINE = 2     # ... another complete line (a final result code or a URC)
BAD = 3      # ... a header whose length does not fit what follows it


def next_entry(text):
    # The next piece of a +CMGL answer (+CSDH=1: each header ends with the body's length, so a body
    # may hold anything, even CR LF OK CR LF): (kind, value, characters used). Line ends before an entry
    # are skipped; a header without a length (a modem that ignored +CSDH=1) takes its body up to the
    # next line end.
    i = 0
    n = len(text)
    while i < n and (text[i] == '\r' or text[i] == '\n'):
        i = i + 1
    eol = compat.find(text, '\n', i)
    if eol < 0:
        return (WAIT, None, 0)
    line = text[i:eol]
    if len(line) > 0 and line[-1] == '\r':
        line = line[:-1]
    if not compat.startswith(line, '+CMGL: '):
        return (LINE, line, eol + 1)
    f = _fields(line[7:])
    start = eol + 1
    length = -1
    if len(f) >= 7:
        length = _count(f[-1])
    if length < 0:
        end = compat.find(text, '\n', start)
        if end < 0:
            return (WAIT, None, 0)
        body = text[start:end]
        if len(body) > 0 and body[-1] == '\r':
            body = body[:-1]
        used = end + 1
    else:
        if n <= start + length:
            return (WAIT, None, 0)
        if text[start + length] != '\r' and text[start + length] != '\n':
            return (BAD, line, start)  # the length does not end the body: not a listing to trust
        body = text[start:start + length]
        used = start + length
    if len(f) < 3:
        return (LINE, line, used)
    return (MESSAGE, (_count(f[CMGL_INDEX]), f[CMGL_STAT], f[CMGL_SENDER], body), used)


def _count(text):
    # A non-negative decimal number, or -1.
    if len(text) == 0 or len(text) > 6:
        return -1
    for ch in text:
        if ch < '0' or ch > '9':
            return -1
    return int(text)


def _received(entry, out):
    index, stat, sender, body = entry
    if index >= 0 and compat.startswith(stat, 'REC'):
        out.append((index, sender, body))


def parse_list(text):
    # Received messages of a whole +CMGL answer, as (index, sender, body), in SIM order.
    out = []
    while 1:
        kind, value, used = next_entry(text)
        if kind == WAIT:
            return out
        if kind == BAD:
            return []
        text = text[used:]
        if kind == MESSAGE:
            _received(value, out)


def list_received(at):
    # Lists the received messages with +CMGL="ALL" (raw: bodies may hold anything); what follows the
    # final OK in the same chunk (URCs) goes back to the driver. [] when the modem did not answer.
    if not at.send('AT+CMGL="ALL"'):
        return []
    out = []
    bad = 0
    left = LIST_TENTHS
    while left > 0:
        kind, value, used = next_entry(at.rest)
        if kind == WAIT:
            if len(at.read_more()) == 0:
                left = left - 1
            continue
        at.rest = at.rest[used:]
        if kind == MESSAGE:
            _received(value, out)
            continue
        if kind == BAD:
            bad = 1  # handle nothing from this listing (the messages stay for the next round)
            continue
        if at.call_line(value):
            return []  # a call came in before the answer: the messages stay for the round after it
        final = at.line_final(value)
        if final:
            at.feed('')  # route what came after the final result
            if final == 'OK' and not bad:
                return out
            return []
        at.route_line(value)  # a URC inside the answer
    at.timeouts = at.timeouts + 1
    return []


def send(at, number, text):
    # Sends one SMS (cut to 160 septets); returns 1 when the module accepted it. Tried twice.
    text = gsm_cut(text, MAX_SMS)
    tries = 2
    while tries > 0:
        tries = tries - 1
        result, lines = at.command('AT+CMGS="' + number + '"', 50, 0, 1)
        if result != '>':
            continue
        at.mdm.send(text, 50)  # the driver's instance: MDM, or MDM2 during a call (MDM carries the call's data)
        at.mdm.sendbyte(26, 50)  # Ctrl-Z sends
        result, lines = at.finish(SEND_TENTHS)
        if result == 'OK':
            return 1
    return 0


def delete(at, index):
    return at.ok('AT+CMGD=%d' % index)
