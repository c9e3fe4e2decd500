# The module probe (host/README.md "The module probe"): run once on a real module, it measures how fast the
# module's Python runs and asks every AT command, range and built-in the firmware relies on. It writes one fact
# a line, `key: value`, to probe.txt on the module's file system, and sends the same lines on the serial port
# (SER, between the lines BEGIN and END) and on the trace port (SER2). An AT answer is quoted as the module gave
# it: its lines joined by ' | ', a byte outside printable ASCII as \xNN. `build.py probe-check probe.txt`
# compares the report with the simulator's model of the module.
#
# Python 1.5 subset (docs/design/py15.md). Every loop is bounded: in the simulator computing takes no clock
# time, so a timed loop stops at its largest count and the report says "at least". It changes nothing the
# firmware does not set again itself at boot or at each GPRS start (#USERID, #PASSW, #PKTSZ, #SKTCT, +CMGF,
# +CNMI, the #FRWL chains, which the module does not save), and it deletes the one file it writes besides
# its report.

import MDM
import MOD
import SER
import SER2
import sys

FORMAT = '1'                 # the report's format; probe-check reads this one
REPORT_FILE = 'probe.txt'
TEMP_FILE = 'probetmp.txt'   # written, read back, listed and deleted by the file tests
BEGIN = 'probe: report begins'
END = 'probe: report ends'
SEND_PROMPT = 'probe: send data now'   # build.py probe answers it with READ_STIMULUS bytes
READ_WAIT_TENTHS = 30        # after the prompt, the time the device's bytes have to fill SER's buffer
AT_TENTHS = 50               # the longest wait for one AT answer
FILE_SIZE = 1000             # bytes of the file test (its content: every byte value, then a pattern)
FRWL_TEST = '"10.11.12.13","255.255.255.255"'   # a chain added and removed again (chains are not saved)
LONG30 = 'abcdefghijklmnopqrstuvwxyz0123'      # 30 characters: the firmware's #USERID / #PASSW limit

# Bytecodes of one iteration of `while i < n: i = i + 1` as CPython 1.5.2 compiles it with -O, as the module
# compiles an imported module (host/README.md "The module probe"); the speed the simulator's module speed option
# takes is in these bytecodes per second.
LOOP_BYTECODES = 10

REPORT = []


def hexbyte(c):
    return '\\x%02x' % ord(c)


def quote(s):
    # Printable ASCII as it is, the rest as \xNN (short answers only: this is no data path).
    out = ''
    start = 0
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c < ' ' or c > '~' or c == '\\':
            out = out + s[start:i] + hexbyte(c)
            start = i + 1
        i = i + 1
    return out + s[start:]


def put(key, value):
    line = key + ': ' + value
    REPORT.append(line)
    SER2.send(line + '\r\n')


def text_of(lines):
    out = ''
    for line in lines:
        if out:
            out = out + ' | '
        out = out + quote(line)
    return out


def split_lines(s):
    # The complete lines of s (ended by CR or LF), without empty ones, and what follows the last end.
    lines = []
    start = 0
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c == '\r' or c == '\n':
            if i > start:
                lines.append(s[start:i])
            start = i + 1
        i = i + 1
    return lines, s[start:]


def is_final(line):
    if line in ('OK', 'ERROR', 'NO CARRIER', 'NO DIALTONE', 'BUSY', 'NO ANSWER', 'CONNECT'):
        return 1
    if line[:11] == '+CME ERROR:' or line[:11] == '+CMS ERROR:' or line[:8] == 'CONNECT ':
        return 1
    return len(line) == 1 and line >= '0' and line <= '9'   # a numeric result code (ATV0)


def error_text():
    kind, value = sys.exc_info()[:2]
    return quote(str(getattr(kind, '__name__', kind)) + ' ' + str(value))


def drain(port):
    k = 0
    while k < 50 and port.read() != '':
        k = k + 1


def command(port, cmd, tenths):
    # Sends cmd on an AT instance; returns (the answer's lines, the echo left out, ending with the final result
    # code; ['(no answer)'] after them when none came within `tenths`).
    drain(port)
    port.send(cmd + '\r', 10)
    got = ''
    deadline = MOD.secCounter() + divmod(tenths + 9, 10)[0] + 1
    k = 0
    while k < 400:
        got = got + port.receive(2)
        lines, rest = split_lines(got)
        if lines and is_final(lines[-1]) and rest == '':
            break
        if MOD.secCounter() > deadline:
            lines.append('(no answer)')
            break
        k = k + 1
    answer = []
    for line in lines:
        if line != cmd:
            answer.append(line)
    return answer


def ask(cmd, key=None):
    answer = command(MDM, cmd, AT_TENTHS)
    if key is None:
        key = cmd
    put(key, text_of(answer))
    return answer


def number_after(answer, prefix):
    # The integer that follows `prefix` on the first line that starts with it, or None.
    for line in answer:
        if line[:len(prefix)] == prefix:
            digits = ''
            for c in line[len(prefix):]:
                if c >= '0' and c <= '9':
                    digits = digits + c
                elif digits:
                    break
            if digits:
                return int(digits)
    return None


# ---- speed ----

def t_loop(n):
    i = 0
    while i < n:
        i = i + 1


def f(a):
    return a


def t_call(n):
    i = 0
    while i < n:
        f(i)
        i = i + 1


def t_builtin(n):
    i = 0
    while i < n:
        MDM.getDCD()
        i = i + 1


def t_serread(n):
    i = 0
    while i < n:
        SER.read()
        i = i + 1


def next_tick():
    # Sleeps a tenth at a time until MOD.secCounter() moves (at most 1.5 s); returns (counter, tenths slept).
    a = MOD.secCounter()
    k = 0
    while k < 15:
        MOD.sleep(1)
        k = k + 1
        b = MOD.secCounter()
        if b != a:
            return b, k
    return MOD.secCounter(), k


def timed(fn, n):
    # Tenths of a second fn(n) takes: started on a tick of the counter, the whole seconds it counted, and the
    # tenths until its next tick after (about a tenth of error either way).
    start = next_tick()[0]
    fn(n)
    tick, slept = next_tick()
    tenths = (tick - start) * 10 - slept
    if tenths < 0:
        tenths = 0
    return tenths


def measure(name, fn, largest):
    # Doubles the count until a run takes 8 s or the count reaches `largest`; returns (count, tenths).
    n = 1024
    tenths = timed(fn, n)
    while tenths < 80 and n < largest:
        n = n + n
        tenths = timed(fn, n)
    put('speed.' + name, '%d iterations in %d tenths of a second' % (n, tenths))
    return n, tenths


def per_second(n, tenths):
    # (iterations per second, 1 when that is a lower bound: the run took under a second)
    if tenths < 10:
        return n, 1
    return divmod(n * 10, tenths)[0], 0


def microseconds(n, tenths):
    # Microseconds per iteration (n is at most 2**21, tenths at most a few hundred: no overflow).
    return divmod(tenths * 100000, n)[0]


def speed_tests():
    loop_n, loop_t = measure('loop', t_loop, 2097152)
    call_n, call_t = measure('call', t_call, 1048576)
    dcd_n, dcd_t = measure('builtin MDM.getDCD', t_builtin, 32768)
    read_n, read_t = measure('builtin SER.read', t_serread, 16384)
    rate, bound = per_second(loop_n, loop_t)
    prefix = ''
    if bound:
        prefix = 'at least '
    put('speed.loop_per_s', prefix + '%d' % rate)
    put('speed.bytecodes_per_s', prefix + '%d' % (rate * LOOP_BYTECODES))
    loop_us = microseconds(loop_n, loop_t)
    if bound or call_t < 10 or dcd_t < 10 or read_t < 10:
        put('speed.call_us', 'not measured (the runs took under a second)')
        return
    put('speed.call_us', '%d' % (microseconds(call_n, call_t) - loop_us))
    put('speed.builtin_us MDM.getDCD', '%d' % (microseconds(dcd_n, dcd_t) - loop_us))
    put('speed.builtin_us SER.read', '%d' % (microseconds(read_n, read_t) - loop_us))


# ---- the interpreter ----

def try_import(name):
    try:
        module = __import__(name)
    except:  # noqa: E722 - whatever the import raises is the answer
        put('python.import ' + name, error_text())
        return None
    put('python.import ' + name, 'ok')
    return module


def python_tests():
    put('python.version', quote(sys.version))   # reported, never acted on (fsm/pipeline.py PROBE_EXEMPT)
    present = ''
    for name in ('split', 'find', 'rfind', 'strip', 'lower', 'upper', 'join', 'replace', 'startswith',
                 'endswith'):
        if hasattr('', name):
            present = present + ' ' + name
    put('python.str methods', present[1:] or '(none)')
    string = try_import('string')
    if string is not None:
        put('python.string.split', ('absent', 'present')[hasattr(string, 'split')])
    for name in ('os', 'time', 'struct', 'math', 'marshal', 'sha', 'binascii'):
        try_import(name)
    md5 = try_import('md5')
    if md5 is not None:
        try:
            digest = md5.new('abc').digest()
            hexed = ''
            for c in digest:
                hexed = hexed + '%02x' % ord(c)
            put('python.md5 abc', hexed)
        except:  # noqa: E722 - the answer
            put('python.md5 abc', error_text())
        put('python.md5 hexdigest', ('absent', 'present')[hasattr(md5.new(''), 'hexdigest')])
    try:
        big = 2147483647
        big = big + 1
        put('python.int overflow', 'no (a long)')
    except OverflowError:
        put('python.int overflow', 'OverflowError')


# ---- the file system from a script ----

def file_content():
    data = ''
    for i in range(256):
        data = data + chr(i)
    while len(data) < FILE_SIZE:
        data = data + 'probe file test '
    return data[:FILE_SIZE]


def file_tests():
    data = file_content()
    try:
        f = open(TEMP_FILE, 'w')
        f.write(data)
        f.close()
        put('file.write', 'ok %d characters' % len(data))
    except:  # noqa: E722 - the answer
        put('file.write', error_text())
    try:
        f = open(TEMP_FILE, 'r')
        back = f.read()
        f.close()
        if back == data:
            put('file.read back', 'same %d characters' % len(back))
        else:
            put('file.read back', 'differs: %d characters' % len(back))
    except:  # noqa: E722 - the answer
        put('file.read back', error_text())
    try:
        f = open(TEMP_FILE, 'a')
        f.write('0123456789')
        f.close()
        f = open(TEMP_FILE, 'r')
        back = f.read()
        f.close()
        put('file.append', '%d characters after appending 10' % len(back))
    except:  # noqa: E722 - the answer
        put('file.append', error_text())
    listing = command(MDM, 'AT#LSCRIPT', AT_TENTHS)
    put('AT#LSCRIPT result', text_of(listing[-1:]))
    put('AT#LSCRIPT free', text_of(lines_with(listing, '#LSCRIPT: free')))
    put('AT#LSCRIPT ' + TEMP_FILE, text_of(lines_with(listing, '#LSCRIPT: "' + TEMP_FILE + '"')) or '(not listed)')
    ask('AT#ESCRIPT?')
    ask('AT#DSCRIPT="' + TEMP_FILE + '"')
    listing = command(MDM, 'AT#LSCRIPT', AT_TENTHS)
    put('AT#LSCRIPT ' + TEMP_FILE + ' after #DSCRIPT',
        text_of(lines_with(listing, '#LSCRIPT: "' + TEMP_FILE + '"')) or '(not listed)')
    try:
        f = open(TEMP_FILE, 'r')
        back = f.read()
        f.close()
        put('file.read after #DSCRIPT', '%d characters' % len(back))
    except:  # noqa: E722 - the answer
        put('file.read after #DSCRIPT', error_text())
    try:  # gone in any case (an empty file where #DSCRIPT failed)
        f = open(TEMP_FILE, 'w')
        f.close()
    except:  # noqa: E722 - nothing more to do
        pass
    command(MDM, 'AT#DSCRIPT="' + TEMP_FILE + '"', AT_TENTHS)


def lines_with(answer, prefix):
    found = []
    for line in answer:
        if line[:len(prefix)] == prefix:
            found.append(line)
    return found


# ---- AT commands on MDM ----

def at_tests():
    put('setup ATE0V1', text_of(command(MDM, 'ATE0V1', AT_TENTHS)))
    for cmd in ('AT+CMEE=1', 'AT#SELINT?', 'AT#SELINT=?', 'AT&C1', 'ATS0=0', 'ATS12=20', 'ATS12?', 'ATS12=?',
                'AT+CPIN?', 'AT+CREG?', 'AT+CSQ', 'AT+COPS?', 'AT+CSQ;+CREG?;+COPS?',
                'AT+CMGF=?', 'AT+CMGF=1', 'AT+CSDH=?', 'AT+CSDH=1', 'AT+CPMS=?', 'AT+CPMS="SM","SM","SM"',
                'AT+CNMI=?', 'AT+CNMI=2,1,0,0,0', 'AT+CMGL=?', 'AT+CGDCONT=?',
                'AT#USERID=?', 'AT#PASSW=?', 'AT#USERID="' + LONG30 + '"', 'AT#USERID="' + LONG30 + 'x"',
                'AT#USERID=""', 'AT#PASSW="' + LONG30 + '"', 'AT#PASSW="' + LONG30 + 'x"', 'AT#PASSW=""',
                'AT#DSTO=?', 'AT#SKTTO=?', 'AT#SKTCT=?', 'AT#SKTCT=600', 'AT#PKTSZ=?'):
        ask(cmd)
    size = number_after(ask('AT#PKTSZ?'), '#PKTSZ:')
    for value in ('1', '2', '3', '512', '513', '0'):
        ask('AT#PKTSZ=' + value)
    if size is not None:
        command(MDM, 'AT#PKTSZ=%d' % size, AT_TENTHS)
    for cmd in ('AT#GPRS=?', 'AT#GPRS?', 'AT#SKTD=?', 'AT#SKTL=?', 'AT#SKTL=0,0,1024', 'ATH',
                'AT#FRWL=?', 'AT#FRWL?', 'AT#FRWL=1,' + FRWL_TEST):
        ask(cmd)
    ask('AT#FRWL?', 'AT#FRWL? after adding one')
    ask('AT#FRWL=0,' + FRWL_TEST)
    ask('AT#FRWL=2')
    ask('AT#FRWL?', 'AT#FRWL? after =2')
    for cmd in ('AT#SLED=?', 'AT#SLED?', 'AT#STARTMODESCR=?', 'AT#STARTMODESCR?'):
        ask(cmd)
    put('MDM.send result', '%s' % MDM.send('AT\r', 10))
    MOD.sleep(5)
    drain(MDM)   # its OK


# ---- MDM2 ----

def mdm2_tests():
    try:
        mdm2 = __import__('MDM2')
    except:  # noqa: E722 - the answer
        put('MDM2 import', error_text())
        return
    put('MDM2 import', 'ok')
    put('setup MDM2 ATE0V1', text_of(command(mdm2, 'ATE0V1', 30)))
    answer = command(mdm2, 'AT', 30)
    put('MDM2 AT', text_of(answer))
    if answer[-1:] != ['OK']:
        return
    # +CMGF per instance or shared (docs/design/telit.md 2.1.1): MDM says 0, MDM2 says 1, MDM reads.
    command(MDM, 'AT+CMGF=0', AT_TENTHS)
    put('MDM2 AT+CMGF=1', text_of(command(mdm2, 'AT+CMGF=1', AT_TENTHS)))
    ask('AT+CMGF?', 'AT+CMGF? on MDM after MDM2 set 1')
    command(MDM, 'AT+CMGF=1', AT_TENTHS)
    put('MDM2 AT+CSQ;+CREG?;+COPS?', text_of(command(mdm2, 'AT+CSQ;+CREG?;+COPS?', AT_TENTHS)))


# ---- SER ----

def ser_tests():
    put('SER.set_speed 115200 8N1', '%s' % SER.set_speed('115200', '8N1'))
    drain(SER)
    SER.send(SEND_PROMPT + '\r\n')
    MOD.sleep(READ_WAIT_TENTHS)
    largest = 0
    total = 0
    quiet = 0
    k = 0
    while k < 60 and quiet < 4:
        data = SER.read()
        if data:
            total = total + len(data)
            if len(data) > largest:
                largest = len(data)
            quiet = 0
        else:
            quiet = quiet + 1
            MOD.sleep(5)
        k = k + 1
    if total == 0:
        put('SER.read largest', 'none: nothing was sent')
    else:
        put('SER.read largest', '%d' % largest)
    put('SER.read total', '%d' % total)


def write_report():
    text = ''
    for line in REPORT:
        text = text + line + '\r\n'
    try:
        f = open(REPORT_FILE, 'w')
        f.write(text)
        f.close()
    except:  # noqa: E722 - the serial copy remains
        SER2.send('probe: cannot write ' + REPORT_FILE + ': ' + error_text() + '\r\n')
    SER.send('\r\n' + BEGIN + '\r\n')
    i = 0
    while i < len(text):
        SER.send(text[i:i + 512])
        i = i + 512
    SER.send(END + '\r\n')


def step(fn, name):
    try:
        fn()
    except:  # noqa: E722 - a test that raises is a fact too; the rest still run
        put('probe.failed ' + name, error_text())


def main():
    put('probe', FORMAT)
    SER2.send('probe: started\r\n')
    step(ser_tests, 'ser')
    step(at_tests, 'at')
    step(mdm2_tests, 'mdm2')
    step(file_tests, 'file')
    step(python_tests, 'python')
    step(speed_tests, 'speed')
    put('probe.end', 'complete')
    write_report()
    SER2.send('probe: done\r\n')
