"""Subset rules on names and scopes: built-ins 1.5.2 lacks, print/exec, True/False, nested functions.

Built-in names are resolved the 1.5 way (local scope, then module, then built-ins: no nesting), so a local
variable called `next` or a module function called `join` is not mistaken for the built-in.
"""

from __future__ import annotations

import ast
import builtins

from fsm.findings import RuleSet
from fsm.py15.base import Found
from fsm.py15.base import SourceFile

rules = RuleSet()

# docs/design/py15.md §3 (what the firmware may use), plus built-ins and exceptions that behave alike in 1.5.2, 2.7
# and 3 (callable came back in 3.2). `apply`, `cmp` and `long` are in that list though 3 lacks them.
SAFE_BUILTINS = frozenset((
    "abs apply chr cmp divmod getattr hasattr int len list long max min ord range repr setattr str tuple type "
    "callable delattr dir globals hash hex id issubclass locals open pow vars __import__ __name__ __doc__ "
    "__file__ None Exception ArithmeticError LookupError AssertionError AttributeError EOFError "
    "FloatingPointError EnvironmentError IOError OSError ImportError IndexError KeyError KeyboardInterrupt "
    "MemoryError NameError OverflowError RuntimeError NotImplementedError SyntaxError SystemError SystemExit "
    "TypeError ValueError ZeroDivisionError"
).split())
# Built-ins of 2.7 that 3 removed (3's own come from the `builtins` module).
_PY2_ONLY = ("apply basestring buffer cmp coerce execfile file intern long raw_input reduce reload unichr "
             "unicode xrange StandardError").split()
ALL_BUILTINS = frozenset(n for n in dir(builtins) if not n.startswith("_")) | frozenset(_PY2_ONLY)
_OTHER_RULES = frozenset({"print", "True", "False", "bool", "exec", "eval", "compile", "execfile"})

_LOOP = "write a for loop (the result differs between 1.5 and 3, or the built-in is missing)"
HINTS = {
    "isinstance": "compare types: 'type(x) == type(\"\")' (1.5's isinstance rejects built-in types)",
    "object": "write 'class C:' (classes are old-style in 1.5)",
    "super": "call 'Base.method(self, ...)'",
    "property": "use a plain attribute or method", "staticmethod": "use a module-level function",
    "classmethod": "use a module-level function",
    "map": _LOOP, "filter": _LOOP, "zip": _LOOP, "enumerate": _LOOP, "reversed": _LOOP, "sorted": _LOOP,
    "any": _LOOP, "all": _LOOP, "sum": _LOOP, "reduce": _LOOP, "iter": _LOOP, "next": _LOOP,
    "set": "use a dict {key: 1}", "frozenset": "use a dict {key: 1}",
    "dict": "write a dict display '{}' and assign the keys",
    "xrange": "use range() in a for statement",
    "unicode": "use str (one character per byte)", "unichr": "use chr()", "basestring": "compare type(x)",
    "bytes": "use str (one character per byte)", "bytearray": "use a list of ints or a str",
    "float": "use integers in a smaller unit (no floats)", "complex": "use integers (no floats)",
    "round": "use integers and divmod (no floats)", "oct": "use '%o' formatting",
    "StopIteration": "no such exception in 1.5; end loops with a test",
    "UnboundLocalError": "no such exception in 1.5; it is a NameError there: catch NameError",
    "StandardError": "catch Exception", "format": "use '%' formatting",
}


def _free(ctx: SourceFile) -> dict[int, ast.Name]:
    return {id(name): name for name in ctx.free_names}


@rules.rule("py15-print", "print in any form (statement in 1.5, function in 3); use the trace function")
def check_print(ctx: SourceFile) -> Found:
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.Name) and node.id == "print":
            yield node, ("'print' is a statement in 1.5 and a function in 3 ('print(a, b)' prints a tuple "
                         "in 1.5); call the firmware's trace function")


@rules.rule("py15-bool", "True, False and bool: 1.5 has none; use 1 and 0")
def check_bool(ctx: SourceFile) -> Found:
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.Constant) and type(node.value) is bool:
            yield node, f"'{node.value}' is not Python 1.5; write {int(node.value)}"
    for name in ctx.free_names:
        if name.id == "bool":
            yield name, "'bool' is not Python 1.5; test the value itself or compare with 0"


@rules.rule("py15-builtin", "built-ins missing from 1.5.2 or 3 (isinstance, object, super, map, set, dict, ...)")
def check_builtin(ctx: SourceFile) -> Found:
    for name in ctx.free_names:
        if name.id in ALL_BUILTINS and name.id not in SAFE_BUILTINS and name.id not in _OTHER_RULES:
            hint = HINTS.get(name.id, "write it with the built-ins docs/design/py15.md §3 lists")
            yield name, f"built-in '{name.id}' is not in Python 1.5.2 or differs in 3; {hint}"


@rules.rule("py15-builtin-kwargs", "keyword arguments to a built-in (open(f, mode='r'), min(x, key=f))")
def check_builtin_kwargs(ctx: SourceFile) -> Found:
    free = _free(ctx)
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.Call) and id(node.func) in free and free[id(node.func)].id in ALL_BUILTINS:
            for kw in node.keywords:
                if kw.arg is not None:
                    yield kw, (f"built-in '{free[id(node.func)].id}' takes no keyword arguments in 1.5 "
                               f"('{kw.arg}='); pass it by position, or write the loop ('key=' does not exist)")


@rules.rule("py15-exec", "exec, eval, compile, execfile: no code from strings")
def check_exec(ctx: SourceFile) -> Found:
    for name in ctx.free_names:
        if name.id in ("exec", "eval", "compile", "execfile"):
            yield name, (f"'{name.id}' is a statement in 1.5 and a function in 3 (or missing); "
                         f"call the code directly or look it up in a dict of functions")


@rules.rule("py15-range", "range() outside a for statement (a list in 1.5, a lazy object in 3)")
def check_range(ctx: SourceFile) -> Found:
    for name in ctx.free_names:
        call = ctx.parents.get(name)
        if name.id != "range" or not isinstance(call, ast.Call) or call.func is not name:
            continue
        loop = ctx.parents.get(call)
        if not (isinstance(loop, ast.For) and loop.iter is call):
            yield call, "range() is a list in 1.5 and a lazy object in 3; use it only as 'for i in range(n):'"


@rules.rule("py15-nested-function", "def or class inside a function: 1.5 has no nested scopes")
def check_nested_function(ctx: SourceFile) -> Found:
    functions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if any(isinstance(up, functions) for up in ctx.enclosing(node)):
                kind = "class" if isinstance(node, ast.ClassDef) else "def"
                yield node, (f"{kind} '{node.name}' inside a function cannot see that function's locals in "
                             f"1.5 (no nested scopes); move it to module level and pass what it needs")


@rules.rule("py15-nested-lambda", "lambda inside a def, a class or a lambda (module-level lambdas are fine)")
def check_nested_lambda(ctx: SourceFile) -> Found:
    scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.Lambda) and any(isinstance(up, scopes) for up in ctx.enclosing(node)):
            yield node, ("lambda inside a function or class cannot see the enclosing locals in 1.5 "
                         "(no nested scopes); define a module-level function")


@rules.rule("py15-slots", "__slots__: classes are old-style in 1.5")
def check_slots(ctx: SourceFile) -> Found:
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.Name) and node.id == "__slots__":
            yield node, "'__slots__' does nothing on 1.5's old-style classes; remove it"


SPECIAL_OK = frozenset({"__init__", "__del__", "__repr__", "__str__"})


@rules.rule("py15-special-method", "operator overloading and rich comparisons (__eq__, __iter__, __add__, ...)")
def check_special_method(ctx: SourceFile) -> Found:
    for node in ast.walk(ctx.tree):
        if not isinstance(node, ast.ClassDef):
            continue
        for item in node.body:
            name = getattr(item, "name", "")
            if isinstance(item, ast.FunctionDef) and name.startswith("__") and name.endswith("__"):
                if name not in SPECIAL_OK:
                    yield item, (f"special method '{name}' behaves differently on 1.5's old-style classes "
                                 f"and in 3; write a plain method (only __init__, __del__, __repr__, "
                                 f"__str__ are in the subset)")
