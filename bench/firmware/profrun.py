"""Benchmark entry: counts Python-level calls with sys.setprofile, then runs the firmware (Python 1.5 subset).

`profrun.cfg` in the working directory (the module's file system) names the module to run (`main` for the
gateway, `copyloop` for the baseline). Every DUMP_EVERY forwarded chunks one line of cumulative counts is
appended to `profrun.out`, so the harness can take differences over the transfer alone:
    chunks bytes fwcalls apicalls ccalls
chunks = non-empty SER/MDM read or receive results, fwcalls = calls of firmware functions (not the
emulated built-ins), apicalls = built-in calls made by the firmware (MDM.send, SER.read, ...), ccalls =
C functions the firmware called (len, ...; 0 on 1.5, whose profiler does not report them).
"""

import sys

DUMP_EVERY = 64
FW = 1
EMU = 2

kinds = {}
counts = [0, 0, 0, 0, 0]


def contains(text, part):
    # string.find is not in Python 3's string module, str.find not in 1.5: search by hand (once per code object)
    n = len(part)
    i = len(text) - n
    while i >= 0:
        if text[i:i + n] == part:
            return 1
        i = i - 1
    return 0


def kind_of(code):
    k = kinds.get(code)
    if k is None:
        name = code.co_filename
        if contains(name, 'telit'):
            k = EMU
        elif contains(name, '/runtime/') or contains(name, '/generated/') or contains(name, 'copyloop'):
            k = FW
        else:
            k = 0  # this wrapper, and library code the emulation runs (encodings under Python 3)
        kinds[code] = k
    return k


def dump():
    sys.setprofile(None)
    f = open('profrun.out', 'a')
    f.write('%d %d %d %d %d\n' % (counts[0], counts[1], counts[2], counts[3], counts[4]))
    f.close()
    sys.setprofile(profile)


def profile(frame, event, arg):
    if event == 'call':
        k = kind_of(frame.f_code)
        if k == FW:
            counts[2] = counts[2] + 1
        elif k == EMU and kind_of(frame.f_back.f_code) != EMU:
            counts[3] = counts[3] + 1
    elif event == 'c_call':
        if kind_of(frame.f_code) == FW:
            counts[4] = counts[4] + 1
    elif event == 'return' and type(arg) is type(''):
        code = frame.f_code
        if len(arg) > 0 and (code.co_name == 'read' or code.co_name == 'receive'):
            if kind_of(code) == EMU and kind_of(frame.f_back.f_code) != EMU:
                counts[0] = counts[0] + 1
                counts[1] = counts[1] + len(arg)
                if counts[0] % DUMP_EVERY == 0:
                    dump()


def run():
    f = open('profrun.cfg', 'r')
    name = f.read()
    f.close()
    sys.setprofile(profile)
    __import__(name)


run()
