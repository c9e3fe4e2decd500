"""Runs the steps of nvmops.cfg (one per line, in the module's file system) and reports, for the tests of the
simulator's file system while a script runs (tests/host/test_nvm.py). Python 1.5 subset. Steps:

  at <mdm|mdm2> <command>   the command on MDM or MDM2: report at=<the answer>
  import <module>           import it: report value=<module.VALUE>
  write <module> <value>    writes <module>.py holding VALUE = '<value>' (CRLF) with open()
  empty <name>              writes <name> empty
Every step ends with a report step=<index>; the end with done=1, then the script ends.
"""

import MDM
import MDM2

import fwtest

r = fwtest.report


def words(line):
    """The first word and the rest of the line."""
    i = fwtest.find(line, ' ')
    if i < 0:
        return line, ''
    return line[:i], line[i + 1:]


def write(name, data):
    f = open(name, 'w')
    f.write(data)
    f.close()


def step(line):
    cmd, rest = words(line)
    if cmd == 'at':
        port, command = words(rest)
        mdm = MDM
        if port == 'mdm2':
            mdm = MDM2
        r('at', fwtest.at(mdm, command, 20))
    elif cmd == 'import':
        module = __import__(rest)
        r('value', module.VALUE)
    elif cmd == 'write':
        name, value = words(rest)
        write(name + '.py', "VALUE = '" + value + "'\r\n")
    elif cmd == 'empty':
        write(rest, '')


def main():
    f = open('nvmops.cfg', 'r')
    text = f.read()
    f.close()
    index = 0
    line = ''
    for c in text:
        if c == '\n':
            if len(line) > 0:
                step(line)
                r('step', index)
                index = index + 1
            line = ''
        elif c != '\r':
            line = line + c
    r('done', 1)


main()
