# HTTP/1.0 download over the module's own GPRS socket (the field update's step 2, docs/design/update.md
# section 4), and the parser of the `http://host[:port]/path` URL the update is given.
#
# fetch() dials host:port as the session does (AT#SKTD, CONNECT; the module resolves a host name), sends one
# GET with `Connection: close`, and reads the answer in whole chunks from MDM. The status line and headers are
# parsed once, when the blank line that ends them has come (they may come cut anywhere, and merged with the
# first body bytes). Only a 200 with a Content-Length no larger than the caller's `most` is read on; the body
# goes to the caller's `sink` in the pieces MDM handed over, exactly Content-Length bytes of it: what follows
# (the modem's NO CARRIER when the server closes, lines the modem held back) is never body. The end of the
# call is told by DCD as the data pump tells it (runtime/pump.py): a chunk read while DCD was still up is all
# data, so DCD is looked at only after a chunk that holds a CR (the modem's text starts with CR LF) or none;
# once DCD fell, the data ends at the modem's last NO CARRIER and the lines after it go to the AT driver.
# Every way out ends the call as the session does (escape, ATH; the listener stopped), so the session can
# dial or listen again. Errors are a few words for the SMS reply.

import MDM
import MOD

import compat
import fwclock
import gwboot
import pump
import sessact
import smscmd

RECV_TENTHS = 10      # one wait for the answer: a receive that returns nothing was this long without data
NO_PROGRESS_S = 60    # seconds without a byte of the answer before the download is given up
KICK_S = 5            # seconds between watchdog kicks while data flows: at most 6 on fwclock's whole seconds
SEND_TENTHS = 100     # the request's MDM.send wait (a few hundred bytes into an empty modem)
HEAD_MAX = 4096       # the status line and headers together: longer is not an answer we can use
CLOSE_PASSES = 50     # receives (of at most a tenth each) the server has to close after the body
REFUSED_S = 30        # a NO CARRIER to #SKTD sooner than this is a refusal; later, the modem's connect
#                       timeout ran out (#SKTCT, gwboot.SKTCT_TENTHS: 60 s)
HOST_MAX = 40         # as the `host` argument of `mode client`: AT#SKTD=0,65535,"<name>",0,0 in 80 characters
LENGTH_DIGITS = 9     # a Content-Length of more digits is above any `most` (and above 2**31 on a 1.5.2)
HTTP_PORT = 80
PORT_MAX = 65535
AUTO_PKTSZ = 300      # the packet size taken for #PKTSZ=0 (the module chooses: its choice is not documented)


def parse_url(url):
    # `http://host[:port][/path]` -> (error, host, port, path): error is None or a few words for the reply.
    # The host as `mode client` takes it (an IPv4 address or a name, smscmd's check), the port 1..65535
    # (80 when left out), the path '/' when left out and otherwise printable ASCII without spaces or quotes.
    low = compat.lower(url)
    if compat.startswith(low, 'https://'):
        return ('https is not supported: use http://', None, 0, None)
    if not compat.startswith(low, 'http://'):
        return ('the URL must start with http://', None, 0, None)
    rest = url[len('http://'):]
    cut = compat.find(rest, '/')
    if cut < 0:
        where = rest
        path = '/'
    else:
        where = rest[:cut]
        path = rest[cut:]
    port = HTTP_PORT
    colon = compat.find(where, ':')
    if colon >= 0:
        port = smscmd._number(where[colon + 1:])
        where = where[:colon]
        if port < 1 or port > PORT_MAX:
            return ('the port must be a number 1..%d' % PORT_MAX, None, 0, None)
    host = smscmd._host(where, 1, HOST_MAX)
    if host is None:
        return ('the host must be an IP address or a name of 1-%d characters of a-z 0-9 - .' % HOST_MAX,
                None, 0, None)
    if not smscmd._printable(path):
        return ('the path must be printable, without spaces or quotes', None, 0, None)
    return (None, host, port, path)


def request(host, path, size):
    # The GET: HTTP/1.0, and the server closes when it has sent the answer. Padded (an empty-valued X-Pad
    # header) to whole TCP packets of `size` bytes, so it leaves the modem at once: with #DSTO 0 (the
    # `socketting` send timeout) a partial packet would wait there for ever, with the default for a second.
    text = 'GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\nX-Pad: ' % (path, host)
    q, r = divmod(len(text) + len('\r\n\r\n'), size)
    if r > 0:
        text = text + 'x' * (size - r)
    return text + '\r\n\r\n'


def packet_size(values):
    # The #PKTSZ in force, as gwboot.setup_gprs gave it from the settings (0: the module chooses; the
    # simulator's 300 is a guess, docs/design/telit.md section 4.4).
    size = values['packet_size']
    if size == 0:
        return AUTO_PKTSZ
    if size < gwboot.MIN_PKTSZ:
        return gwboot.MIN_PKTSZ
    return size


def head_end(text):
    # Where the body starts in `text` (after the blank line that ends the headers), or -1 while it has not
    # come. The lines end in CR LF; a bare LF is taken too.
    crlf = compat.find(text, '\n\r\n')
    lf = compat.find(text, '\n\n')
    if crlf >= 0 and (lf < 0 or crlf < lf):
        return crlf + 3
    if lf >= 0:
        return lf + 2
    return -1


def parse_head(head):
    # (error, length) from the status line and headers: error None and the Content-Length, or a few words.
    lines = compat.split(head, '\n')
    words = compat.split(lines[0])
    if len(words) < 2 or not compat.startswith(words[0], 'HTTP/'):
        return ('not an HTTP answer', -1)
    if words[1] != '200':
        return ('HTTP ' + words[1][:3], -1)
    for line in lines[1:]:
        if compat.startswith(compat.lower(line), 'content-length:'):
            value = compat.strip(line[len('content-length:'):])
            if len(value) > LENGTH_DIGITS and smscmd._number(value[:LENGTH_DIGITS]) >= 0:
                return ('too big: %s bytes' % value, -1)
            n = smscmd._number(value)
            if n < 0:
                return ('bad Content-Length', -1)
            return (None, n)
    return ('no Content-Length', -1)


def fetch(ctx, host, port, path, sink, most):
    # Downloads http://host:port/path; returns (error or None, body bytes given to the sink). `sink(piece)`
    # gets the body in pieces, in order; it returns None to go on, or a few words (a write that failed) to
    # end the download with that error. A body longer than `most` bytes is refused before any of it is given.
    # Needs the modem idle (no call up; a listener is stopped, as #SKTD would answer ERROR).
    at = ctx.at
    if at.in_call():
        return ('a connection is active', 0)
    sessact.close_socket(ctx)
    cmd = 'AT#SKTD=0,%d,"%s",0,0' % (port, host)
    started = fwclock.now()
    result, lines = at.command(cmd, sessact.DIAL_TENTHS, 1)
    ctx.trace('httpget: ' + cmd + ' -> ' + result)
    if result != 'CONNECT':
        return (_dial_error(at, host, result, fwclock.now() - started), 0)
    text = at.take_data()  # what came with CONNECT: the start of the answer
    if MDM.send(request(host, path, packet_size(ctx.values)), SEND_TENTHS) < 0:
        error = 'cannot send the request'
        got = 0
    else:
        error, got, text = _answer(at, text, sink, most)
    if error is None and text is not None:
        _closed(ctx, text)
    sessact.close_socket(ctx)  # the call is still up: the server did not close, or the answer is not wanted
    if error is None:
        ctx.trace('httpget: %d bytes, whole' % got)
    else:
        ctx.trace('httpget: %d bytes, %s' % (got, error))
    return (error, got)


def _dial_error(at, host, result, waited):
    if result == '':
        return 'no answer from ' + host
    if result == 'NO CARRIER':
        if waited >= REFUSED_S:
            return 'no answer from ' + host
        return 'connection refused'
    if gwboot.context_status(at) == '0':
        return 'GPRS is down'
    if smscmd._only(host, smscmd.DIGITS + '.'):
        return 'cannot dial ' + host
    return 'unknown host ' + host


class Answer:
    # The answer as it comes: the head, parsed once whole, then exactly Content-Length bytes of body to the
    # sink; what follows the body is not body (the modem's end of the call, or a server that says too much).

    def __init__(self, sink, most):
        self.sink = sink
        self.most = most
        self.head = ''     # the head, until its blank line has come
        self.length = -1   # the Content-Length, once the head is in
        self.got = 0       # body bytes given to the sink
        self.error = None
        self.after = ''    # what came after the body (its last HEAD_MAX bytes)

    def done(self):
        return self.error is not None or self.got == self.length


def take(a, text):
    # Hands the next bytes of the answer to `a` (pump.end_text's `give` too).
    if a.error is not None:
        return
    if a.length < 0:
        text = a.head + text
        cut = head_end(text)
        if cut < 0:
            a.head = text
            if len(text) > HEAD_MAX:
                a.error = 'not an HTTP answer'
            return
        error, length = parse_head(text[:cut])
        if error is None and length > a.most:
            error = 'too big: %d bytes' % length
        if error is not None:
            a.error = error
            return
        a.head = ''
        a.length = length
        text = text[cut:]
    left = a.length - a.got
    if len(text) > left:
        a.after = (a.after + text[left:])[-HEAD_MAX:]
        text = text[:left]
    if len(text) > 0:
        a.got = a.got + len(text)
        error = a.sink(text)
        if error:
            a.error = error


def _answer(at, text, sink, most):
    # Reads the answer; `text` is what came with CONNECT. Returns (error, body bytes given, what was read
    # after the body while DCD was up: '' or the start of the modem's end-of-call text; None when the call
    # has ended and its end text was read).
    receive = MDM.receive
    getDCD = MDM.getDCD
    kick = MOD.watchdogReset
    now = fwclock.now
    a = Answer(sink, most)
    quiet = 0       # receives in a row that found nothing
    kick_at = 0
    if '\r' in text and getDCD() == 0:
        return _ended(at, a, text)  # the call ended right after CONNECT: that chunk is looked at too
    take(a, text)
    while not a.done():
        chunk = receive(RECV_TENTHS)
        if len(chunk) == 0:
            kick()
            quiet = quiet + 1
            if getDCD() == 0:
                return _ended(at, a, '')
            if quiet >= NO_PROGRESS_S:
                return ('timed out after %d bytes' % a.got, a.got, '')
            continue
        quiet = 0
        if '\r' in chunk and getDCD() == 0:
            return _ended(at, a, chunk)
        take(a, chunk)
        t = now()
        if t >= kick_at:
            kick()
            kick_at = t + KICK_S
    return _outcome(a, a.after)


def _ended(at, a, text):
    # DCD fell: the peer's data ends at the modem's last NO CARRIER, however much of it the modem still holds;
    # the lines after it go to the AT driver.
    data, tail = pump.end_text(text, take, a)
    take(a, data)
    at.feed(tail)
    return _outcome(a, None)


def _outcome(a, after):
    # _answer's result once the body is whole, something went wrong, or the call ended (`after` None).
    if a.error is not None:
        return (a.error, a.got, '')
    if a.length < 0:
        return ('no HTTP answer', 0, '')
    if a.got < a.length:
        return ('short download: got %d of %d bytes' % (a.got, a.length), a.got, '')
    return (None, a.got, after)


def _drop(arg, data):
    pass  # after the whole body: nothing the server says is wanted


def _closed(ctx, text):
    # The whole body came: the server closes the call (Connection: close). What comes meanwhile is not body;
    # the lines after the modem's NO CARRIER go to the AT driver. A server that does not close within
    # CLOSE_PASSES is cut off by fetch (escape, ATH).
    n = 0
    while n < CLOSE_PASSES:
        if MDM.getDCD() == 0:
            data, tail = pump.end_text(text, _drop, None)
            ctx.at.feed(tail)
            return
        text = text + MDM.receive(1)
        if len(text) > HEAD_MAX:
            text = text[-HEAD_MAX:]  # a server that goes on sending: only the end can hold the modem's text
        n = n + 1
