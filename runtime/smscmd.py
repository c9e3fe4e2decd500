# SMS command parsing and validation against the generated command table (fsm_commands).
#
# parse(text, values, table) -> (AUTH_FAILED, None, None) for a wrong password (no reply at all),
# (INVALID, message, None) with the `Error: ...` text, or (VALID, command, changes) with the settings the
# command sets. Commands, keywords and the password are case-insensitive (phones capitalise the first
# letter); every limit comes from the table, never from here.
#
# This module owns the names of the columns of the generated command table's rows (the table does not repeat
# them; tests/runtime/test_smscmd.py checks every generated row against them) and of parse's result.

import compat

VALID = 0
INVALID = 1
AUTH_FAILED = 2

# A command row of fsm_commands.COMMANDS.
CMD_WORDS = 0      # the words that name it: ('mode', 'server')
CMD_ARGS = 1       # its argument rows (ARG_*), in order
CMD_REQ = 2        # its requirement ids
CMD_REPLY = 3      # what follows 'Confirmed: ', with %(setting)s substitutions
CMD_ACTION = 4     # the function applying it, called as action(m, arg) by the sms machine; None for none
CMD_ASSIGN = 5     # the settings it sets to a constant: (setting index, value) pairs
CMD_DURING_CALL = 6  # what it does while a connection is up: the table's DC_ANSWER, DC_ACT or DC_DEFER

# An argument row (CMD_ARGS).
ARG_NAME = 0
ARG_TYPE = 1       # the table's A_* constant
ARG_SETTING = 2    # index of the setting it changes (table.SETTINGS), or -1
ARG_VALUES = 3     # enum: the values; keyword: the keyword itself
ARG_MIN = 4        # int: the smallest value; password, text: the shortest length (phone: digits); -1 for none
ARG_MAX = 5        # ... the largest, the longest
ARG_OPTIONAL = 6   # 1 when it may be left out
ARG_SECRET = 7     # 1 when a reply shows it as ***
ARG_REPEAT = 8     # the most words it takes: 1, or more for a list (the last argument; stored space-separated)

# parse's result.
P_STATUS = 0       # VALID, INVALID or AUTH_FAILED
P_COMMAND = 1      # VALID: the command's row
P_ERROR = 1        # INVALID: the error text (the same column)
P_CHANGES = 2      # VALID: the settings it changes, by name

# Positions in a list of words: an SMS's first word is the password; a command's words (CMD_WORDS) are its
# verb and, for `mode`, the mode.
W_PASSWORD = 0
W_VERB = 0
W_MODE = 1

DIGITS = '0123456789'
PASSWORD_CHARS = '0123456789abcdefghijklmnopqrstuvwxyz'
HOST_CHARS = DIGITS + '-.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'
LABEL_MAX = 63     # characters of one label of a host name (RFC 1035 2.3.4)


ECHO_MAX = 16  # characters of the user's text quoted back in an error (an SMS holds only 160)
ERROR_ROOM = 153  # characters of an error after 'Error: ' in one SMS of 160


def _echo(text):
    # The user's word as quoted in an error reply: at most ECHO_MAX characters, then '...'.
    if len(text) > ECHO_MAX:
        return text[:ECHO_MAX] + '...'
    return text


def _only(text, allowed):
    for ch in text:
        if compat.find(allowed, ch) < 0:
            return 0
    return 1


def _printable(text):
    for ch in text:
        if ord(ch) < 33 or ord(ch) > 126 or ch == '"':
            return 0
    return 1


def _number(text):
    # A decimal number of at most 9 digits (no sign), or -1.
    if len(text) == 0 or len(text) > 9 or not _only(text, DIGITS):
        return -1
    return int(text)


def _ipv4(text):
    # The address with its parts normalised, or None.
    parts = compat.split(text, '.')
    if len(parts) != 4:
        return None
    out = []
    for p in parts:
        n = _number(p)
        if n < 0 or n > 255 or len(p) > 3:
            return None
        out.append(str(n))
    return compat.join(out, '.')


def _host(text, low, high):
    # An IPv4 address (normalised) or a host name of low..high characters (lowered), or None. Only digits
    # and dots must be an address: the top label of a host name is never all digits (RFC 1123 2.1).
    if _only(text, DIGITS + '.'):
        return _ipv4(text)
    if len(text) < low or len(text) > high or not _only(text, HOST_CHARS):
        return None
    name = compat.lower(text)
    for label in compat.split(name, '.'):
        if len(label) == 0 or len(label) > LABEL_MAX or label[0] == '-' or label[-1] == '-':
            return None
    return name


def command_names(table):
    out = []
    for c in table.COMMANDS:
        name = c[CMD_WORDS][W_VERB]
        if name not in out:
            out.append(name)
    return compat.join(out, ' ')


def usage(cmd):
    # `mode server <permitted_ip> <localport>` for error messages; a list: `allow [number ...] (at most 8)`.
    words = list(cmd[CMD_WORDS])
    most = ''
    for f in cmd[CMD_ARGS]:
        name = f[ARG_NAME]
        if f[ARG_REPEAT] > 1:
            name = name + ' ...'
            most = ' (at most %d)' % f[ARG_REPEAT]
        if f[ARG_OPTIONAL]:
            words.append('[' + name + ']')
        else:
            words.append('<' + name + '>')
    return compat.join(words, ' ') + most


def check_value(field, text, table):
    # (value, None) when `text` is acceptable for `field`, else (None, error message).
    name = field[ARG_NAME]
    kind = field[ARG_TYPE]
    low = field[ARG_MIN]
    high = field[ARG_MAX]
    if kind == table.A_ENUM or kind == table.A_ONOFF or kind == table.A_KEYWORD:
        allowed = field[ARG_VALUES]
        if kind == table.A_ONOFF:
            allowed = ('on', 'off')
        for v in allowed:
            if compat.lower(v) == compat.lower(text):
                return (v, None)
        if kind == table.A_KEYWORD:
            (word,) = allowed  # a keyword allows one word
            return (None, "expected '" + word + "', not '" + _echo(text) + "'")
        return (None, name + ' must be one of ' + compat.join(list(allowed), ' '))
    if kind == table.A_INT:
        n = _number(text)
        if n < low or n > high:
            return (None, name + ' must be a number ' + str(low) + '..' + str(high))
        return (n, None)
    if kind == table.A_HOST:
        host = _host(text, low, high)
        if host is None:
            return (None, name + ' must be an IP address like 192.168.0.100, or a host name of ' + str(low) + '-' +
                    str(high) + ' characters of a-z 0-9 - .')
        return (host, None)
    if kind == table.A_IPV4_OR_ANY:
        if compat.lower(text) == 'any':
            return ('any', None)
        ip = _ipv4(text)
        if ip is None:
            return (None, name + " must be an IP address like 192.168.0.1, or 'any'")
        return (ip, None)
    if kind == table.A_PHONE:
        digits = text
        if text[:1] == '+':
            digits = text[1:]
        if len(digits) < low or len(digits) > high or not _only(digits, DIGITS):
            return (None, name + ' must be a phone number: an optional + then ' + str(low) + '-' + str(high) +
                    ' digits')
        return (text, None)
    if kind == table.A_PASSWORD:
        given = compat.lower(text)
        if len(given) < low or len(given) > high or not _only(given, PASSWORD_CHARS):
            return (None, name + ' must be ' + str(low) + '-' + str(high) + ' characters of 0-9 a-z')
        return (given, None)
    # text: it ends up between quotes in an AT command, so no quotes and nothing unprintable
    if len(text) < low or len(text) > high or not _printable(text):
        return (None, name + ' must be ' + str(low) + '-' + str(high) + ' characters, no quotes')
    return (text, None)


def find_command(words, table):
    # The command whose words start `words` (longest match), or None.
    best = None
    for c in table.COMMANDS:
        names = c[CMD_WORDS]
        n = len(names)
        if len(words) < n:
            continue
        i = 0
        while i < n and compat.lower(words[i]) == names[i]:
            i = i + 1
        if i == n and (best is None or n > len(best[CMD_WORDS])):
            best = c
    return best


def _unknown(words, table):
    first = compat.lower(words[W_VERB])
    subs = []
    for c in table.COMMANDS:
        names = c[CMD_WORDS]
        if names[W_VERB] == first and len(names) > 1:
            subs.append(names[W_MODE])
    if len(subs) > 0:
        return first + ' must be followed by ' + compat.join(subs, ' or ')
    text = "unknown command '" + _echo(words[W_VERB]) + "'; commands: " + command_names(table)
    if len(text) <= ERROR_ROOM:
        return text
    # The list does not fit one SMS after this word: as many names as fit, then ' ...' (docs list them all).
    cut = ERROR_ROOM - len(' ...')
    while text[cut] != ' ':
        cut = cut - 1
    return text[:cut] + ' ...'


def parse(text, values, table):
    words = compat.split(text)
    if len(words) == 0 or compat.lower(words[W_PASSWORD]) != compat.lower(values['password']):
        return (AUTH_FAILED, None, None)
    words = words[1:]
    if len(words) == 0:
        return (INVALID, 'no command; commands: ' + command_names(table), None)
    cmd = find_command(words, table)
    if cmd is None:
        return (INVALID, _unknown(words, table), None)
    args = words[len(cmd[CMD_WORDS]):]
    fields = cmd[CMD_ARGS]
    required = 0
    most = 0
    for f in fields:
        if not f[ARG_OPTIONAL]:
            required = required + 1
        most = most + f[ARG_REPEAT]
    if len(args) < required:
        return (INVALID, 'missing arguments; format: ' + usage(cmd), None)
    if len(args) > most:
        return (INVALID, 'too many arguments; format: ' + usage(cmd), None)
    changes = {}
    i = 0
    while i < len(fields):
        f = fields[i]
        value = ''
        if f[ARG_REPEAT] > 1:
            # a list (the last argument): every word left, checked one by one, stored space-separated; none
            # given changes nothing (`allow` alone lists the setting)
            given = args[i:]
            got = []
            for word in given:
                one, error = check_value(f, word, table)
                if error is not None:
                    return (INVALID, error, None)
                got.append(one)
            if len(got) > 0 and f[ARG_SETTING] >= 0:
                changes[table.SETTINGS[f[ARG_SETTING]]] = compat.join(got, ' ')
            break
        if i < len(args):
            value, error = check_value(f, args[i], table)
            if error is not None:
                return (INVALID, error, None)
        if f[ARG_SETTING] >= 0:
            changes[table.SETTINGS[f[ARG_SETTING]]] = value
        i = i + 1
    for setting, value in cmd[CMD_ASSIGN]:
        changes[table.SETTINGS[setting]] = value
    return (VALID, cmd, changes)


def confirmation(cmd, values):
    # `Confirmed: <command as applied>`, single-spaced (empty optional values leave no gaps).
    return 'Confirmed: ' + compat.join(compat.split(cmd[CMD_REPLY] % values), ' ')
