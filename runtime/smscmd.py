"""SMS command parsing and validation against the generated command table (fsm_commands).

parse(text, values, table) -> (AUTH_FAILED, None, None) for a wrong password (no reply at all),
(INVALID, message, None) with the `Error: ...` text, or (VALID, command, changes) with the settings the
command sets. Commands, keywords and the password are case-insensitive (phones capitalise the first
letter); every limit comes from the table, never from here.
"""

import compat

VALID = 0
INVALID = 1
AUTH_FAILED = 2

DIGITS = '0123456789'
PASSWORD_CHARS = '0123456789abcdefghijklmnopqrstuvwxyz'


ECHO_MAX = 16  # characters of the user's text quoted back in an error (an SMS holds only 160)


def _echo(text):
    """The user's word as quoted in an error reply: at most ECHO_MAX characters, then '...'."""
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
    """A decimal number of at most 9 digits (no sign), or -1."""
    if len(text) == 0 or len(text) > 9 or not _only(text, DIGITS):
        return -1
    return int(text)


def _ipv4(text):
    """The address with its parts normalised, or None."""
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


def command_names(table):
    out = []
    for c in table.COMMANDS:
        if c[0][0] not in out:
            out.append(c[0][0])
    return compat.join(out, ' ')


def usage(cmd):
    """`mode server <permitted_ip> <localport>` for error messages."""
    words = list(cmd[0])
    for f in cmd[1]:
        if f[6]:
            words.append('[' + f[0] + ']')
        else:
            words.append('<' + f[0] + '>')
    return compat.join(words, ' ')


def check_value(field, text, table):
    """(value, None) when `text` is acceptable for `field`, else (None, error message)."""
    name = field[0]
    kind = field[1]
    if kind == table.A_ENUM or kind == table.A_ONOFF or kind == table.A_KEYWORD:
        allowed = field[3]
        if kind == table.A_ONOFF:
            allowed = ('on', 'off')
        for v in allowed:
            if compat.lower(v) == compat.lower(text):
                return (v, None)
        if kind == table.A_KEYWORD:
            return (None, "expected '" + allowed[0] + "', not '" + _echo(text) + "'")
        return (None, name + ' must be one of ' + compat.join(list(allowed), ' '))
    if kind == table.A_INT:
        n = _number(text)
        if n < field[4] or n > field[5]:
            return (None, name + ' must be a number ' + str(field[4]) + '..' + str(field[5]))
        return (n, None)
    if kind == table.A_IPV4 or kind == table.A_IPV4_OR_ANY:
        if kind == table.A_IPV4_OR_ANY and compat.lower(text) == 'any':
            return ('any', None)
        ip = _ipv4(text)
        if ip is None:
            if kind == table.A_IPV4_OR_ANY:
                return (None, name + " must be an IP address like 192.168.0.1, or 'any'")
            return (None, name + ' must be an IP address like 192.168.0.100')
        return (ip, None)
    if kind == table.A_PASSWORD:
        low = compat.lower(text)
        if len(low) < field[4] or len(low) > field[5] or not _only(low, PASSWORD_CHARS):
            return (None, name + ' must be ' + str(field[4]) + '-' + str(field[5]) + ' characters of 0-9 a-z')
        return (low, None)
    # text: it ends up between quotes in an AT command, so no quotes and nothing unprintable
    if len(text) < field[4] or len(text) > field[5] or not _printable(text):
        return (None, name + ' must be ' + str(field[4]) + '-' + str(field[5]) + ' characters, no quotes')
    return (text, None)


def find_command(words, table):
    """The command whose words start `words` (longest match), or None."""
    best = None
    for c in table.COMMANDS:
        n = len(c[0])
        if len(words) < n:
            continue
        i = 0
        while i < n and compat.lower(words[i]) == c[0][i]:
            i = i + 1
        if i == n and (best is None or n > len(best[0])):
            best = c
    return best


def _unknown(words, table):
    first = compat.lower(words[0])
    subs = []
    for c in table.COMMANDS:
        if c[0][0] == first and len(c[0]) > 1:
            subs.append(c[0][1])
    if len(subs) > 0:
        return first + ' must be followed by ' + compat.join(subs, ' or ')
    return "unknown command '" + _echo(words[0]) + "'; commands: " + command_names(table)


def parse(text, values, table):
    words = compat.split(text)
    if len(words) == 0 or compat.lower(words[0]) != compat.lower(values['password']):
        return (AUTH_FAILED, None, None)
    words = words[1:]
    if len(words) == 0:
        return (INVALID, 'no command; commands: ' + command_names(table), None)
    cmd = find_command(words, table)
    if cmd is None:
        return (INVALID, _unknown(words, table), None)
    args = words[len(cmd[0]):]
    fields = cmd[1]
    required = 0
    for f in fields:
        if not f[6]:
            required = required + 1
    if len(args) < required:
        return (INVALID, 'missing arguments; format: ' + usage(cmd), None)
    if len(args) > len(fields):
        return (INVALID, 'too many arguments; format: ' + usage(cmd), None)
    changes = {}
    i = 0
    while i < len(fields):
        f = fields[i]
        value = ''
        if i < len(args):
            got = check_value(f, args[i], table)
            if got[1] is not None:
                return (INVALID, got[1], None)
            value = got[0]
        if f[2] >= 0:
            changes[table.SETTINGS[f[2]]] = value
        i = i + 1
    for a in cmd[5]:
        changes[table.SETTINGS[a[0]]] = a[1]
    return (VALID, cmd, changes)


def confirmation(cmd, values):
    """`Confirmed: <command as applied>`, single-spaced (empty optional values leave no gaps)."""
    return 'Confirmed: ' + compat.join(compat.split(cmd[3] % values), ' ')
