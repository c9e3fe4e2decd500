# String operations for every interpreter the firmware meets.
#
# The str methods exist on CPython 2.x/3.x and on Telit's "1.5.2+" (its samples use them); a plain 1.5.2
# has only the `string` module, which 3.x lacks. This is the one place that knows: it binds at import
# time by trying, and the rest of the firmware calls compat.split(s) and friends. No version checks.

try:
    ''.split
    _HAVE_METHODS = 1
except AttributeError:
    # Plain Python 1.5.2: str has no methods.
    _HAVE_METHODS = 0

if _HAVE_METHODS:

    def split(s, sep=None):
        if sep is None:
            return s.split()
        return s.split(sep)

    def find(s, sub, start=0):
        return s.find(sub, start)

    def rfind(s, sub):
        return s.rfind(sub)

    def strip(s):
        return s.strip()

    def lower(s):
        return s.lower()

    def join(words, sep):
        return sep.join(words)

else:
    import string

    def split(s, sep=None):
        if sep is None:
            return string.split(s)
        return string.split(s, sep)

    def find(s, sub, start=0):
        return string.find(s, sub, start)

    def rfind(s, sub):
        return string.rfind(s, sub)

    def strip(s):
        return string.strip(s)

    def lower(s):
        return string.lower(s)

    def join(words, sep):
        return string.join(words, sep)


def startswith(s, prefix):
    return s[:len(prefix)] == prefix


def endswith(s, suffix):
    n = len(suffix)
    return n == 0 or s[-n:] == suffix
