"""File-name rules for the firmware directories (docs/design/decisions.md §5): a module name fits the Telit module's
flat file system (12 characters, so `name.pyo` fits its 16; lowercase; unique across runtime/ and generated/) and never
shadows a module of the Telit module, of Python 1.5 or of the CPython that runs the simulator. The emulated built-ins in
host/telit (MDM.py, ...) are named after built-ins on purpose: do not pass them here.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from fsm.findings import Finding
from fsm.findings import Loc
from fsm.findings import RuleSet

MAX_FILE_NAME = 16  # characters in a file name on the Telit module, extension included
MAX_MODULE_NAME = MAX_FILE_NAME - len(".pyo")  # the module compiles name.py to name.pyo beside it
# File names on the module are case sensitive, but a deploying PC may not be (macOS, Windows) and would merge
# Engine.py and engine.py: lowercase only, and collisions and reserved names compare case-insensitively.
_VALID = re.compile(r"[a-z][a-z0-9_]*")

TELIT_MODULES = ("MDM", "MDM2", "SER", "SER2", "MOD", "GPIO", "IIC", "SPI", "GPS")
# Library modules of Python 1.5.2 (and 2.7): those docs/design/py15.md §3 names, and well-known ones Python 3
# no longer has.
PY15_MODULES = (
    "exceptions marshal struct md5 sha math socket select string strop time os posix regex regsub reconvert "
    "soundex whrandom rand new newmodule ni thread commands popen2 cPickle cStringIO StringIO Queue dircache "
    "mimetools rfc822 htmllib sgmllib urllib2 urlparse httplib SocketServer BaseHTTPServer ConfigParser"
).split()
# Python 3's stdlib too: the firmware directories come first on the path of the simulator's interpreter, where
# a file named like a library module replaces it for the whole process (a traceback imports linecache, tokenize, token).
RESERVED_MODULES: frozenset[str] = frozenset(
    name.lower() for name in (*TELIT_MODULES, *PY15_MODULES, *sys.stdlib_module_names, *sys.builtin_module_names)
)


# The file-name rules (the certification pack's subset section lists them). The spec rules of fsm/rules/machines.py
# check the same limits on the generated modules' names before they are written, under ids of their own
# (generated-module-too-long, generated-module-collision): an id belongs to one registry.
FILE_NAME_RULES: RuleSet[list[Path]] = RuleSet()
MODULE_NAME_INVALID = FILE_NAME_RULES.declare(
    "module-name-invalid", "lowercase letters, digits and '_', starting with a letter; no subfolders")
MODULE_NAME_TOO_LONG = FILE_NAME_RULES.declare(
    "module-name-too-long", f"at most {MAX_MODULE_NAME} characters, so that name.pyo fits {MAX_FILE_NAME}")
MODULE_NAME_RESERVED = FILE_NAME_RULES.declare(
    "module-name-reserved", "never the name of a Telit, Python 1.5 or CPython module")
MODULE_NAME_COLLISION = FILE_NAME_RULES.declare(
    "module-name-collision", "unique across runtime/ and generated/ (compared case-insensitively)")


def too_long_message(name: str) -> str | None:
    """What is wrong with a module name that does not fit the module's file names, or None."""
    if len(name) <= MAX_MODULE_NAME:
        return None
    return (f"module name '{name}' has {len(name)} characters; at most {MAX_MODULE_NAME} so that "
            f"'{name}.pyo' fits the module's {MAX_FILE_NAME}-character file names")


def collision_message(name: str, first: object) -> str:
    return (f"module '{name}' is also {first}; the module's file system is flat, so module names must "
            f"be unique across the firmware directories")


def _files(dirs: list[Path]) -> list[tuple[Path, Path]]:
    """(directory, file) for every *.py under the directories, sorted within each directory."""
    return [(d, path) for d in dirs for path in sorted(d.rglob("*.py"))]


def check_module_names(dirs: list[Path]) -> list[Finding]:
    """Findings for every firmware module file name in `dirs` (runtime/, generated/), sorted."""
    found: list[Finding] = []
    owners: dict[str, Path] = {}
    for directory, path in _files(dirs):
        name, loc = path.stem, Loc(str(path))
        if path.parent != directory:
            found.append(Finding(loc, MODULE_NAME_INVALID, (
                f"module '{name}' is in a subfolder of {directory}; the module's file system is flat: "
                f"move it up")))
        if not _VALID.fullmatch(name):
            found.append(Finding(loc, MODULE_NAME_INVALID, (
                f"module name '{name}' must be lowercase letters, digits and '_', starting with a letter "
                f"(file names on the module are case sensitive; we use lowercase only)")))
        too_long = too_long_message(name)
        if too_long:
            found.append(Finding(loc, MODULE_NAME_TOO_LONG, too_long))
        if name.lower() in RESERVED_MODULES:
            found.append(Finding(loc, MODULE_NAME_RESERVED, (
                f"module name '{name}' is a built-in or library module (on the module or in CPython); "
                f"the file would shadow it: choose another name")))
        first = owners.setdefault(name.lower(), path)
        if first != path:
            found.append(Finding(loc, MODULE_NAME_COLLISION, collision_message(name, first)))
    return sorted(found)
