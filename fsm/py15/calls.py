"""Subset rules on calls, operators and imports: string methods, formatting, sorting, `in`, dict views,
version checks, and which modules firmware may import.
"""

from __future__ import annotations

import ast

from fsm.findings import RuleSet
from fsm.py15.base import TELIT_BUILTINS
from fsm.py15.base import Found
from fsm.py15.base import SourceFile

rules = RuleSet()

# str methods (1.5.2's str has none). count and index are left out: they are list methods in the subset.
STR_METHODS = frozenset(n for n in dir(str) if not n.startswith("_")) - {"count", "index", "format"} | {"decode"}
# What runtime/compat.py offers today; other methods get "add a helper to compat".
COMPAT_HELPERS = {
    "split": "compat.split(s, sep)", "find": "compat.find(s, sub)", "strip": "compat.strip(s)",
    "lower": "compat.lower(s)",
    "join": "compat.join(words, sep)", "startswith": "compat.startswith(s, prefix)",
    "endswith": "compat.endswith(s, suffix)",
}
VERSION_ATTRS = frozenset({"version", "version_info", "hexversion", "api_version", "implementation"})
IMPORT_HINTS = {
    "time": "'time' must not be used on the module; use MOD.secCounter() for seconds and MOD.sleep() to wait",
    "exceptions": "the exceptions are built-in names (3 has no 'exceptions' module); use them unimported",
    "string": "'string' may be missing on the module and 3 lacks its functions; call the compat module",
}


def _method_calls(ctx: SourceFile) -> list[tuple[ast.Call, ast.Attribute]]:
    calls = []
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            calls.append((node, node.func))
    return calls


def _on_module(ctx: SourceFile, attr: ast.Attribute) -> bool:
    """The receiver is a name an import statement binds (compat.split, MDM.send)."""
    return isinstance(attr.value, ast.Name) and attr.value.id in ctx.module_names


@rules.rule("py15-str-method", "string methods (s.split(), ' '.join(...)); call the compat module")
def check_str_method(ctx: SourceFile) -> Found:
    if ctx.is_compat:
        return
    for call, attr in _method_calls(ctx):
        if attr.attr in STR_METHODS and not _on_module(ctx, attr):
            hint = COMPAT_HELPERS.get(attr.attr)
            instead = f"write '{hint}'" if hint else "add a helper to the compat module and call it"
            yield call, f"string method '.{attr.attr}()' does not exist on 1.5's str; {instead}"


@rules.rule("py15-format-method", "str.format(); use % formatting")
def check_format_method(ctx: SourceFile) -> Found:
    for call, attr in _method_calls(ctx):
        if attr.attr == "format" and not _on_module(ctx, attr):
            yield call, "'.format()' is not Python 1.5; use '%' formatting: '%s=%d' % (name, n)"


def _conversions(fmt: str) -> list[str]:
    """The conversion letters of a %-format string: '%-5s %(n)02x %%' -> ['s', 'x']."""
    letters, i = [], 0
    while i < len(fmt):
        if fmt[i] != "%":
            i = i + 1
            continue
        i = i + 1
        if i < len(fmt) and fmt[i] == "(":
            i = fmt.find(")", i) + 1 or len(fmt)
        while i < len(fmt) and fmt[i] in "#0- +*.0123456789hlL":
            i = i + 1
        if i < len(fmt) and fmt[i] != "%":
            letters.append(fmt[i])
        i = i + 1
    return letters


@rules.rule("py15-percent-r", "%r and %a in % formatting; use %s with repr()")
def check_percent_r(ctx: SourceFile) -> Found:
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            left = node.left
            if isinstance(left, ast.Constant) and isinstance(left.value, str):
                for letter in sorted(set(_conversions(left.value)) & {"r", "a"}):
                    yield left, f"'%{letter}' is not Python 1.5; write '%s' and pass repr(x)"


@rules.rule("py15-sort-args", "sort() with arguments (cmp function in 1.5, key= in 3)")
def check_sort_args(ctx: SourceFile) -> Found:
    for call, attr in _method_calls(ctx):
        if attr.attr == "sort" and (call.args or call.keywords):
            yield call, ("sort() with arguments fails in 1.5 (no key=) or in 3 (no cmp function); "
                         "avoid sorting in the firmware, or call plain sort() on a list of tuples")


@rules.rule("py15-sys-version", "reading sys.version & co.: detect features by trying them")
def check_sys_version(ctx: SourceFile) -> Found:
    message = "do not read the interpreter version; detect the feature by trying it (see the compat module)"
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.Attribute) and node.attr in VERSION_ATTRS:
            if isinstance(node.value, ast.Name) and node.value.id == "sys":
                yield node, f"'sys.{node.attr}': {message}"
        elif isinstance(node, ast.ImportFrom) and node.module == "sys":
            for alias in node.names:
                if alias.name in VERSION_ATTRS:
                    yield node, f"'from sys import {alias.name}': {message}"


COMPAT_IMPORTS = frozenset({"string", "md5", "hashlib"})  # what the modules that try features may try


@rules.rule("py15-import-module", "imports other than MDM MDM2 SER SER2 MOD GPIO sys and the firmware's own modules")
def check_import_module(ctx: SourceFile) -> Found:
    allowed = ctx.allowed_modules | (COMPAT_IMPORTS if ctx.is_compat else set())
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module != "__future__":
            names = [node.module or ""]
        else:
            continue
        for name in names:
            if name in allowed:
                continue
            if name in IMPORT_HINTS:
                yield node, IMPORT_HINTS[name]
            elif "." in name:
                yield node, f"'{name}' is a package; the module's file system is flat: import a sibling module"
            else:
                yield node, (f"module '{name}' is not on the module; firmware imports only "
                             f"{' '.join(sorted(TELIT_BUILTINS))} and its own modules")


@rules.rule("py15-in-operator", "'in' with a multi-character string on the left or a dict display on the right")
def check_in_operator(ctx: SourceFile) -> Found:
    for node in ast.walk(ctx.tree):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        for i, op in enumerate(node.ops):
            if not isinstance(op, ast.In | ast.NotIn):
                continue
            left, right = operands[i], operands[i + 1]
            if isinstance(left, ast.Constant) and isinstance(left.value, str) and len(left.value) != 1:
                yield left, ("'in' on a string takes one character in 1.5; "
                             "write 'compat.find(s, sub) >= 0'")
            if isinstance(right, ast.Dict):
                yield right, "'in' on a dict fails in 1.5; write 'd.get(k, MISSING) is not MISSING'"


@rules.rule("py15-dict-view", "indexing or calling methods on d.keys()/values()/items() (a view in 3)")
def check_dict_view(ctx: SourceFile) -> Found:
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.Subscript | ast.Attribute):
            view = node.value
            if (isinstance(view, ast.Call) and isinstance(view.func, ast.Attribute)
                    and view.func.attr in ("keys", "values", "items") and not view.args):
                yield node, (f"'.{view.func.attr}()' is a list in 1.5 and a view in 3; "
                             f"wrap it first: 'list(d.{view.func.attr}())'")
