"""SMS in text mode over the AT driver: list received messages, send with the `> ` prompt and Ctrl-Z,
delete. Message bodies may hold anything (line breaks, 'OK'), so +CMGL answers are read raw.
"""

import MDM

import compat

LIST_TENTHS = 100
SEND_TENTHS = 600   # +CMGS can take several seconds
MAX_SMS = 160


def _fields(header):
    """'3,"REC UNREAD","+4477","","24/11/25,10:00:00+00"' -> ['3', 'REC UNREAD', '+4477', '', '24/...']."""
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


def parse_list(text):
    """Received messages of a raw +CMGL answer, as (index, sender, body), in SIM order."""
    out = []
    if compat.endswith(text, '\r\nOK\r\n'):
        text = text[:-6]
    marker = '+CMGL: '
    at = compat.find(text, marker)
    while at >= 0:
        eol = compat.find(text, '\n', at)
        if eol < 0:
            break
        header = text[at + len(marker):eol]
        if len(header) > 0 and header[-1] == '\r':
            header = header[:-1]
        nxt = compat.find(text, '\r\n' + marker, eol)
        if nxt < 0:
            body = text[eol + 1:]
        else:
            body = text[eol + 1:nxt]
        while len(body) > 0 and (body[-1] == '\n' or body[-1] == '\r'):
            body = body[:-1]
        f = _fields(header)
        if len(f) >= 3 and compat.startswith(f[1], 'REC'):
            try:
                out.append((int(f[0]), f[2], body))
            except ValueError:
                pass
        if nxt < 0:
            break
        at = nxt + 2
    return out


def list_received(at):
    text = at.raw('AT+CMGL="ALL"', LIST_TENTHS)
    if text is None:
        return []
    return parse_list(text)


def send(at, number, text):
    """Sends one SMS (at most 160 characters); returns 1 when the module accepted it. Tried twice."""
    text = text[:MAX_SMS]
    tries = 2
    while tries > 0:
        tries = tries - 1
        if at.command('AT+CMGS="' + number + '"', 50, 0, 1)[0] != '>':
            continue
        MDM.send(text, 50)
        MDM.sendbyte(26, 50)  # Ctrl-Z sends
        if at.finish(SEND_TENTHS)[0] == 'OK':
            return 1
    return 0


def delete(at, index):
    return at.ok('AT+CMGD=%d' % index)
