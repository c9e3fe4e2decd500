"""Subset rules on grammar: Python 3 syntax that Python 1.5.2 rejects (docs/design/py15.md §1).

Each rule looks at ast node types only; names, calls and scopes are in `py15names`, tokens in `py15lex`.
Every message says what to write instead.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fsm.findings import RuleSet
from fsm.py15.base import Found
from fsm.py15.base import SourceFile

rules = RuleSet()

_OPS = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**",
    ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.MatMult: "@",
}
INT_LIMIT = 2**31  # 32-bit 1.5.2 rejects larger int literals; 2.7 would make them longs


def _nodes(ctx: SourceFile, *types: type[ast.AST]) -> Iterator[ast.AST]:
    return (node for node in ast.walk(ctx.tree) if isinstance(node, types))


@rules.rule("py15-augassign", "augmented assignment (x += 1); write x = x + 1")
def check_augassign(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.AugAssign):
        assert isinstance(node, ast.AugAssign)
        op, target = _OPS[type(node.op)], ctx.source(node.target)
        yield node, (f"augmented assignment '{target} {op}= ...' is not Python 1.5; "
                     f"write '{target} = {target} {op} ...'")


@rules.rule("py15-comprehension", "list/set/dict comprehensions and generator expressions")
def check_comprehension(ctx: SourceFile) -> Found:
    kinds = {ast.ListComp: "list comprehension", ast.SetComp: "set comprehension",
             ast.DictComp: "dict comprehension", ast.GeneratorExp: "generator expression"}
    for node in _nodes(ctx, *kinds):
        yield node, f"{kinds[type(node)]} is not Python 1.5; build the result with a for loop and append()"


@rules.rule("py15-set-literal", "set displays {a, b}: 1.5 has no sets")
def check_set_literal(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.Set):
        yield node, "set literal is not Python 1.5 (no sets); use a dict {key: 1} or a list"


@rules.rule("py15-import-as", "import x as y, from x import y as z")
def check_import_as(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.Import, ast.ImportFrom):
        assert isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names:
            if not alias.asname:
                continue
            if isinstance(node, ast.ImportFrom):
                head, plain = f"from {node.module} import {alias.name}", alias.name.split(".")[-1]
            else:
                head, plain = f"import {alias.name}", alias.name
            yield node, (f"'{head} as {alias.asname}' is not Python 1.5; "
                         f"write '{head}' and then '{alias.asname} = {plain}'")


@rules.rule("py15-import-relative", "relative imports (from . import x): the module's file system is flat")
def check_import_relative(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.ImportFrom):
        assert isinstance(node, ast.ImportFrom)
        if node.level:
            yield node, "relative import is not Python 1.5; write 'import name' (firmware modules are flat)"


@rules.rule("py15-future-import", "from __future__ import ...")
def check_future_import(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.ImportFrom):
        assert isinstance(node, ast.ImportFrom)
        if node.module == "__future__":
            yield node, "'from __future__ import' is not Python 1.5; write code that needs no future feature"


@rules.rule("py15-call-star", "call-site f(*args) / f(**kw); use apply(f, args, kw)")
def check_call_star(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.Call):
        assert isinstance(node, ast.Call)
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                yield arg, "call with '*args' is not Python 1.5; write 'apply(f, args)'"
        for kw in node.keywords:
            if kw.arg is None:
                yield kw, "call with '**kw' is not Python 1.5; write 'apply(f, args, kw)'"


@rules.rule("py15-except-as", "except E as e; write except E: and use sys.exc_info()")
def check_except_as(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.ExceptHandler):
        assert isinstance(node, ast.ExceptHandler)
        if node.name:
            kind = ctx.source(node.type) if node.type is not None else "E"
            yield node, (f"'except {kind} as {node.name}' is not Python 1.5; write 'except {kind}:' and "
                         f"take the exception from 'sys.exc_info()[1]'")


@rules.rule("py15-try-except-finally", "try/except/finally in one statement; nest them")
def check_try_except_finally(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.Try):
        assert isinstance(node, ast.Try)
        if node.handlers and node.finalbody:
            yield node, ("try/except/finally in one statement is not Python 1.5; "
                         "nest a try/except inside a try/finally")


@rules.rule("py15-except-star", "except* (exception groups)")
def check_except_star(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.TryStar):
        yield node, "'except*' is not Python 1.5; write 'except E:'"


@rules.rule("py15-with", "the with statement; use try/finally")
def check_with(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.With, ast.AsyncWith):
        yield node, "'with' is not Python 1.5; use try/finally and release the resource yourself"


@rules.rule("py15-conditional-expr", "a if c else b; write an if statement")
def check_conditional_expr(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.IfExp):
        yield node, "conditional expression 'a if c else b' is not Python 1.5; write an if statement"


@rules.rule("py15-decorator", "decorators @x; write f = x(f) after the def")
def check_decorator(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
        assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        for deco in node.decorator_list:
            yield deco, (
                f"decorator '@{ctx.source(deco)}' is not Python 1.5; "
                f"write '{node.name} = {ctx.source(deco)}({node.name})' after the definition")


@rules.rule("py15-yield", "yield / yield from (generators)")
def check_yield(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.Yield, ast.YieldFrom):
        yield node, "'yield' (generators) is not Python 1.5; return a list or keep the state in an object"


@rules.rule("py15-async", "async def / async for / async with / await")
def check_async(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.AsyncFunctionDef, ast.AsyncFor, ast.AsyncWith, ast.Await):
        yield node, "'async'/'await' is not Python 1.5; poll in the main loop instead"


@rules.rule("py15-division", "/ and // (and /=, //=): / floors in 1.5/2.7 and not in 3; use divmod or shifts")
def check_division(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.BinOp, ast.AugAssign):
        assert isinstance(node, ast.BinOp | ast.AugAssign)
        if isinstance(node.op, ast.Div):
            yield node, ("'/' floors ints in 1.5/2.7 but gives a float in 3; "
                         "write 'divmod(a, b)[0]' or a shift")
        elif isinstance(node.op, ast.FloorDiv):
            yield node, "'//' is not Python 1.5; write 'divmod(a, b)[0]'"


@rules.rule("py15-matmul", "the @ operator")
def check_matmul(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.BinOp, ast.AugAssign):
        assert isinstance(node, ast.BinOp | ast.AugAssign)
        if isinstance(node.op, ast.MatMult):
            yield node, "'@' (matrix multiplication) is not Python 1.5; call a function"


@rules.rule("py15-walrus", "assignment expressions (x := y)")
def check_walrus(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.NamedExpr):
        yield node, "':=' is not Python 1.5; assign in a statement of its own"


@rules.rule("py15-starred", "starred assignment a, *b = x; unpacking in displays [*a], {**d}")
def check_starred(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.Starred):
        if not isinstance(ctx.parents.get(node), ast.Call):  # f(*a) is py15-call-star
            yield node, f"starred unpacking '{ctx.source(node)}' is not Python 1.5; index or slice the sequence"
    for node in _nodes(ctx, ast.Dict):
        assert isinstance(node, ast.Dict)
        if None in node.keys:
            yield node, "'{**d}' is not Python 1.5; copy the dict and call update()"


@rules.rule("py15-ellipsis", "the ... literal")
def check_ellipsis(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.Constant):
        assert isinstance(node, ast.Constant)
        if node.value is Ellipsis:
            yield node, "'...' is not Python 1.5; write 'pass' or 'None'"


@rules.rule("py15-raise-from", "raise X from Y")
def check_raise_from(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.Raise):
        assert isinstance(node, ast.Raise)
        if node.cause is not None:
            yield node, "'raise X from Y' is not Python 1.5; write 'raise X'"


@rules.rule("py15-nonlocal", "nonlocal (there are no nested scopes; global is fine)")
def check_nonlocal(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.Nonlocal):
        yield node, "'nonlocal' is not Python 1.5 (no nested scopes); keep the state at module level"


@rules.rule("py15-kwonly-args", "keyword-only parameters (def f(a, *, b))")
def check_kwonly_args(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.arguments):
        assert isinstance(node, ast.arguments)
        if node.kwonlyargs:
            name = node.kwonlyargs[0].arg
            yield node.kwonlyargs[0], (f"keyword-only parameter '{name}' is not Python 1.5; make it an "
                                       f"ordinary parameter (with a default) before any '*args'")


@rules.rule("py15-posonly-args", "positional-only parameters (def f(a, /))")
def check_posonly_args(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.arguments):
        assert isinstance(node, ast.arguments)
        if node.posonlyargs:
            yield node.posonlyargs[0], "positional-only parameters ('/') are not Python 1.5; drop the '/'"


@rules.rule("py15-annotation", "parameter, return and variable annotations")
def check_annotation(ctx: SourceFile) -> Found:
    message = "annotations are not Python 1.5; put the type in a comment or the docstring"
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.arg) and node.annotation is not None:
            yield node.annotation, message
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None:
            yield node.returns, message
        elif isinstance(node, ast.AnnAssign):
            yield node, message


@rules.rule("py15-class-keywords", "class C(metaclass=M) and other class keywords")
def check_class_keywords(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.ClassDef):
        assert isinstance(node, ast.ClassDef)
        for kw in node.keywords:
            yield kw, "keywords in a class statement are not Python 1.5; write 'class C(Base):'"


@rules.rule("py15-match", "the match statement")
def check_match(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.Match):
        yield node, "'match' is not Python 1.5; write if/elif"


@rules.rule("py15-slice-step", "extended slices a[i:j:k]: built-in sequences reject them before 2.3")
def check_slice_step(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.Slice):
        assert isinstance(node, ast.Slice)
        if node.step is not None:
            yield node, "slice with a step is not supported by 1.5's str/list/tuple; loop over the indexes"


@rules.rule("py15-float", "float and complex literals: no floats on the module")
def check_float(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.Constant):
        assert isinstance(node, ast.Constant)
        if type(node.value) in (float, complex):
            yield node, (f"{type(node.value).__name__} literal '{ctx.source(node)}' is not in the subset "
                         f"(no floats on the module); use integers in a smaller unit")


@rules.rule("py15-int-too-large", "int literals >= 2**31: 32-bit 1.5.2 rejects them")
def check_int_too_large(ctx: SourceFile) -> Found:
    for node in _nodes(ctx, ast.Constant):
        assert isinstance(node, ast.Constant)
        if type(node.value) is int and node.value >= INT_LIMIT:
            yield node, (f"int literal {ctx.source(node)} is >= 2**31, which 32-bit Python 1.5 rejects; "
                         f"keep values below 0x7fffffff (mask to 16 bits)")


@rules.rule("py15-continue-in-try", "continue inside a try: or finally: block (fine in except:)")
def check_continue_in_try(ctx: SourceFile) -> Found:
    yield from _continues(ctx.tree.body, None)


def _continues(body: list[ast.stmt], block: str | None) -> Found:
    """`block` names the try/finally clause between here and the nearest enclosing loop, if any."""
    for stmt in body:
        if isinstance(stmt, ast.Continue) and block:
            yield stmt, (f"'continue' inside a {block} block is not Python 1.5; set a flag and test it "
                         f"after the try statement, or move the continue into the except clause")
        elif isinstance(stmt, ast.For | ast.AsyncFor | ast.While):
            yield from _continues(stmt.body, None)  # a loop inside the try resets the question
            yield from _continues(stmt.orelse, block)
        elif isinstance(stmt, ast.Try | ast.TryStar):
            yield from _continues(stmt.body, "'try:'")
            for handler in stmt.handlers:
                yield from _continues(handler.body, block)
            yield from _continues(stmt.orelse, block)
            yield from _continues(stmt.finalbody, "'finally:'")
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield from _continues(stmt.body, None)
        elif isinstance(stmt, ast.If | ast.With | ast.AsyncWith):
            yield from _continues(stmt.body, block)
            yield from _continues(getattr(stmt, "orelse", []), block)
        elif isinstance(stmt, ast.Match):
            for case in stmt.cases:
                yield from _continues(case.body, block)
