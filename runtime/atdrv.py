# AT command driver over the module's MDM port: send, collect lines to a final result, route URCs.
#
# Timeouts are in tenths of a second, as MDM counts them. MDM.receive returns whatever the modem has
# buffered, so a final result and the URCs after it (+CMTI, RING, +CONN FROM:, CONNECT and the first data
# bytes) can come in one chunk, and a line can be cut anywhere: text is split into lines only at LF, an
# incomplete line waits for the rest, and whatever follows a final result is routed, never dropped.
# Unsolicited lines are queued in `urcs` for the main loop. A CONNECT starts the data stream: everything
# after it is kept in `data` for the data pump, and no command is sent until the pump took it (the modem
# is in data mode: a command line would go to the peer). Never raises on a modem that answers ERROR,
# garbage or nothing: the caller gets the result code ('' = none).

import compat

FINALS = ('OK', 'ERROR', 'NO CARRIER', 'BUSY', 'NO ANSWER', 'NO DIALTONE')
ERROR_PREFIXES = ('+CME ERROR', '+CMS ERROR')
URC_PREFIXES = ('+CMTI:', 'RING', '+CRING:', '+CONN FROM:', 'NO CARRIER')
MAX_LINE = 512  # a line longer than this is garbage: dropped
AWAIT_TENTHS = 50  # how long a command waits for the CONNECT of a call the modem is accepting
PROMPT = '> '  # the +CMGS text prompt after its CR LF (62, 32)


class Driver:
    def __init__(self, mdm, mod):
        self.mdm = mdm
        self.mod = mod
        self.urcs = []      # unsolicited lines, oldest first
        self.rest = ''      # received text not yet split into lines (at most one incomplete line)
        self.data = ''      # bytes that followed CONNECT: the start of the data stream
        self.online = 0     # a CONNECT was seen and the data pump has not taken the stream yet
        self.awaiting = 0   # +CONN FROM: (or DCD) says the modem is accepting a call: CONNECT follows
        self.dcd_ok = 0     # DCD follows the call (AT&C1 was set): a high DCD means data mode
        self.timeouts = 0   # commands that got no final result in time
        self.errors = 0     # commands answered with an error
        self.on_wait = None # called on every pass of a wait (reads the serial port while dialling)

    def _kick(self):
        self.mod.watchdogReset()

    def _wait_step(self):
        # One tenth of a second of waiting for the modem: the watchdog is kicked and the serial port
        # read (on_wait), so no wait starves either.
        self._kick()
        if self.on_wait is not None:
            self.on_wait()
        return self.mdm.receive(1)

    def route_line(self, line):
        # Queues an unsolicited line; returns 1 if it was one.
        for p in URC_PREFIXES:
            if compat.startswith(line, p):
                self.urcs.append(line)
                if p == '+CONN FROM:':
                    self.awaiting = 1
                return 1
        return 0

    def in_call(self):
        # 1 while the modem is in data mode (or about to be): no command may be sent.
        return self.online or self.awaiting

    def feed(self, text):
        # Modem output read by someone else (the data pump's tail after a call): lines are routed.
        self._take(text)
        self._route_all()

    def _take(self, chunk):
        # Received modem output: data-stream bytes once a CONNECT was seen, else text to split in lines.
        if self.online:
            self.data = self.data + chunk
        else:
            self.rest = self.rest + chunk

    def poll(self, tenths):
        # Waits up to `tenths` for modem output and routes the URCs in it; returns 1 if anything came.
        self._kick()
        chunk = self.mdm.receive(tenths)
        if len(chunk) == 0:
            return 0
        self._take(chunk)
        self._route_all()
        return 1

    def _route_all(self):
        # Routes complete lines; a CONNECT (a call the modem accepted by itself) starts the data stream.
        while not self.online:
            got = self._one_line()
            if got is None:
                return
            if compat.startswith(got, 'CONNECT'):
                self._start_data(got, 1)
                return
            self.route_line(got)

    def _start_data(self, line, announce):
        # A CONNECT line: the data stream starts right after it, so what follows is kept as data.
        # `announce` queues it for the main loop (a call accepted while no dial was waiting for it).
        if announce:
            self.urcs.append(line)
        self.online = 1
        self.awaiting = 0
        self.data = self.data + self.rest
        self.rest = ''

    def _one_line(self):
        # Cuts the next complete line (ended by LF, the CR dropped) off `rest`; None if there is none.
        while 1:
            cut = compat.find(self.rest, '\n')
            if cut < 0:
                if len(self.rest) > MAX_LINE:
                    self.rest = ''
                return None
            line = self.rest[:cut]
            self.rest = self.rest[cut + 1:]
            if len(line) > 0 and line[-1] == '\r':
                line = line[:-1]
            if len(line) > 0 and len(line) <= MAX_LINE:
                return line

    def drain(self):
        # Routes whatever the modem has already sent, so the next answer starts clean. An incomplete
        # line is kept: the rest of it comes before any answer.
        chunk = self.mdm.read()
        while len(chunk) > 0:
            self._take(chunk)
            chunk = self.mdm.read()
        self._route_all()

    def send(self, cmd):
        # Sends a command line unless the modem is in data mode (a command line would reach the peer
        # as data); returns 1 if it was sent. A call the modem is accepting (+CONN FROM: came, or DCD is
        # up) is waited for: its CONNECT may still be on its way.
        self.drain()
        if not self.online and self.dcd_ok and self.mdm.getDCD():
            self.awaiting = 1
        left = AWAIT_TENTHS
        while self.awaiting and not self.online and left > 0:
            chunk = self._wait_step()
            if len(chunk) > 0:
                self._take(chunk)
                self._route_all()
            left = left - 1
        if self.online:
            return 0
        self.awaiting = 0
        self.mdm.send(cmd + '\r', 50)
        return 1

    def command(self, cmd, tenths, dial=0, prompt=0):
        # Sends `cmd`; returns (result, lines). result is the final code ('OK', 'ERROR', '+CMS ERROR: 305',
        # 'CONNECT', 'NO CARRIER', '>' for a prompt) or '' when none came within `tenths` (or the modem
        # is in data mode, so nothing was sent). With dial=1, NO CARRIER is the answer to this command,
        # not a URC, and after CONNECT the rest of the chunk is kept in `data` (the start of the stream).
        if not self.send(cmd):
            return ('', [])
        return self.finish(tenths, dial, prompt)

    def finish(self, tenths, dial=0, prompt=0):
        # Waits for the final result of what was sent (see command).
        lines = []
        left = tenths
        while left > 0:
            result = self._collect(lines, dial, prompt)
            if result:
                if result != 'CONNECT':
                    self._route_all()  # URCs (or a CONNECT) that came in the same chunk
                return (result, lines)
            chunk = self._wait_step()
            if len(chunk) == 0:
                left = left - 1
                continue
            self.rest = self.rest + chunk
        self.timeouts = self.timeouts + 1
        return ('', lines)

    def _collect(self, lines, dial, prompt):
        # Sorts complete lines into answer lines, URCs and a final result ('' if none yet).
        while 1:
            line = self._one_line()
            if line is None:
                if prompt and compat.startswith(self.rest, PROMPT):
                    # The prompt is the one line that ends without LF (its CR LF came first).
                    self.rest = self.rest[len(PROMPT):]
                    return '>'
                return ''
            if compat.startswith(line, 'CONNECT'):
                self._start_data(line, not dial)
                return 'CONNECT'
            result = self._final(line, dial)
            if result:
                return result
            if not self.route_line(line):
                lines.append(line)

    def _final(self, line, dial):
        if line == 'NO CARRIER' and not dial:
            return ''
        for f in FINALS:
            if line == f:
                if f != 'OK':
                    self.errors = self.errors + 1
                return f
        for p in ERROR_PREFIXES:
            if compat.startswith(line, p):
                self.errors = self.errors + 1
                return line
        return ''

    def read_more(self):
        # One wait step for readers that parse the answer themselves (the SMS listing): returns the
        # chunk received ('' for none), appended to `rest`.
        chunk = self._wait_step()
        if len(chunk) > 0:
            self.rest = self.rest + chunk
        return chunk

    def call_line(self, line):
        # For readers that parse the answer themselves: 1 if `line` is a CONNECT (a call the modem
        # accepted meanwhile), which starts the data stream (what follows it is the call's data).
        if not compat.startswith(line, 'CONNECT'):
            return 0
        self._start_data(line, 1)
        return 1

    def line_final(self, line):
        # The final result code `line` is, or '' (for readers that parse the answer themselves).
        return self._final(line, 0)

    def ok(self, cmd, tenths=20, retries=2):
        # Sends `cmd` until it answers OK, at most 1 + retries times; returns 1 on OK, else 0.
        while retries >= 0:
            result, lines = self.command(cmd, tenths)
            if result == 'OK':
                return 1
            if self.online:
                return 0
            retries = retries - 1
        return 0

    def query(self, cmd, prefix, tenths=20, retries=2):
        # Sends a query; returns the text after `prefix` of its answer line, or None.
        while retries >= 0:
            result, lines = self.command(cmd, tenths)
            if result == 'OK':
                for line in lines:
                    if compat.startswith(line, prefix):
                        return compat.strip(line[len(prefix):])
            if self.online:
                return None
            retries = retries - 1
        return None

    def abandon_call(self):
        # A call the modem accepted that nobody will take (the session closed first): its stream and its
        # CONNECT are dropped, so commands go out again (the caller hangs the call up).
        self.data = ''
        self.online = 0
        self.awaiting = 0
        self.drop_urcs('CONNECT')
        self.drop_urcs('+CONN FROM:')

    def take_data(self):
        # The data-stream bytes that came with and after CONNECT, once: the data pump owns MDM now.
        d = self.data
        self.data = ''
        self.online = 0
        return d

    def give_back(self, data):
        # The data pump hands the main loop an SMS round with the call still up: the bytes it had not yet
        # given the device wait here again, as after CONNECT, and no command goes out on MDM meanwhile
        # (in_call is 1 until the pump takes the stream again).
        self.data = data + self.data
        self.online = 1

    def drop_urcs(self, prefix):
        # Removes the queued URCs that start with `prefix` (an SMS listing covers the +CMTI before it).
        kept = []
        for u in self.urcs:
            if not compat.startswith(u, prefix):
                kept.append(u)
        self.urcs = kept

    def next_urc(self):
        if len(self.urcs) == 0:
            return None
        return self.urcs.pop(0)
