# Test firmware (Python 1.5 subset): runtime/httpget.fetch as the update runs it, in the simulator.
#
# Sets the modem up as the gateway's boot does (runtime/gwboot.py: no echo, &C1, S12=20, the context), listens
# on the port in listen.txt if there is one (as the session in server mode), then runs each line of jobs.txt,
# `<url> <most> [<sink limit>]`: parse_url, fetch with a sink that writes the body to body<i>.bin (and answers
# 'no space on the module' once more than <sink limit> bytes came), then an AT to show the modem takes
# commands again. Reports on SER2, one `key=value` line each: boot=<1 or 0>, listening=<port or 0>,
# job<i>=<error or ok>|<bytes fetch counted>|<bytes the sink got>|<pieces>|<seconds>, at<i>=<1 or 0>,
# done=<jobs>.

import MDM
import MOD
import SER2

import atdrv
import compat
import fwctx
import httpget

try:
    bytes('', 'latin-1')
    BINARY = 1  # Python 3: the firmware's strings are text, one character per byte (latin-1)
except:  # noqa: E722 - 1.5 has no bytes, 2.7's takes no encoding
    BINARY = 0


def report(key, value):
    SER2.send('%s=%s\r\n' % (key, value))


class FileSink:
    def __init__(self, name, limit):
        self.f = open(name, 'wb')
        self.limit = limit
        self.got = 0
        self.pieces = 0

    def write(self, piece):
        self.got = self.got + len(piece)
        self.pieces = self.pieces + 1
        if self.limit >= 0 and self.got > self.limit:
            return 'no space on the module'
        if BINARY:
            self.f.write(bytes(piece, 'latin-1'))
        else:
            self.f.write(piece)
        return None

    def close(self):
        self.f.close()


def boot(at):
    at.dcd_ok = 0
    good = at.ok('ATE0V1', 10, 4) and at.ok('AT+CMEE=1') and at.ok('AT&C1') and at.ok('ATS0=0')
    at.dcd_ok = good
    good = good and at.ok('ATS12=20') and at.ok('AT+CGDCONT=1,"IP","internet"') and at.ok('AT#SKTCT=600')
    good = good and at.ok('AT#DSTO=0')  # the harshest send timeout: the request must fill its packets
    if good:
        result, lines = at.command('AT#GPRS=1', 600)
        good = result == 'OK'
    return good


def read_int(name):
    # The number in file `name`, 0 when there is none.
    try:
        f = open(name, 'r')
    except IOError:
        return 0
    text = f.read()
    f.close()
    return int(text)


def jobs():
    f = open('jobs.txt', 'r')
    text = f.read()
    f.close()
    out = []
    for line in compat.split(text, '\n'):
        words = compat.split(line)
        if len(words) > 0:
            out.append(words)
    return out


def run():
    MOD.watchdogEnable(120)
    at = atdrv.Driver(MDM, MOD)
    ctx = fwctx.Ctx(at, None, None, {'mode': 'server', 'packet_size': 0})
    report('boot', int(boot(at)))
    port = read_int('listen.txt')
    if port > 0 and at.ok('AT#SKTL=1,0,%d,0' % port):
        ctx.listening = port  # as the session in server mode: fetch must stop it to dial
    report('listening', ctx.listening)
    i = 0
    for words in jobs():
        i = i + 1
        limit = -1
        if len(words) > 2:
            limit = int(words[2])
        error, host, port, path = httpget.parse_url(words[0])
        sink = FileSink('body%d.bin' % i, limit)
        started = MOD.secCounter()
        got = -1
        if error is None:
            error, got = httpget.fetch(ctx, host, port, path, sink.write, int(words[1]))
        sink.close()
        if error is None:
            error = 'ok'
        report('job%d' % i, '%s|%d|%d|%d|%d' % (error, got, sink.got, sink.pieces, MOD.secCounter() - started))
        report('at%d' % i, at.ok('AT'))
    report('done', i)
    while 1:
        MOD.watchdogReset()
        MOD.sleep(10)


run()
