"""The subset checker's plumbing: one parsed firmware file (`SourceFile`) and its rule type
(the registry is `fsm.findings.RuleSet`).

A rule is a small function `check(ctx)` that yields `(where, message)` pairs, where `where` is an ast node or
a `(line, col0)` pair; the checker attaches the file and the rule id. This module knows no rule itself.
Columns in findings are 1-based characters (ast counts UTF-8 bytes; we convert).
"""

from __future__ import annotations

import ast
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field

from fsm.findings import Finding
from fsm.findings import Loc
from fsm.findings import Rule

Where = ast.AST | tuple[int, int]
Found = Iterator[tuple[Where, str]]  # what a rule yields: where, and the message

# Modules the Telit module provides itself (docs/design/py15.md §3).
TELIT_BUILTINS = frozenset({"MDM", "MDM2", "SER", "SER2", "MOD", "GPIO", "sys"})

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


@dataclass
class SourceFile:
    """One firmware file, parsed once, with what several rules need precomputed."""

    filename: str
    text: str
    tree: ast.Module
    tokens: list[tokenize.TokenInfo]
    allowed_modules: frozenset[str]  # importable: Telit built-ins, sibling firmware modules, allowlist
    is_compat: bool  # the string helper module: may import `string` and call str methods
    lines: list[str] = field(init=False)
    parents: dict[ast.AST, ast.AST] = field(init=False)
    free_names: list[ast.Name] = field(init=False)  # loads bound neither locally nor at module level
    module_names: frozenset[str] = field(init=False)  # names an `import` statement binds

    def __post_init__(self) -> None:
        self.lines = self.text.splitlines()
        self.parents = {child: node for node in ast.walk(self.tree) for child in ast.iter_child_nodes(node)}
        self.free_names = list(_free_names(self.tree))
        self.module_names = frozenset(_imported_names(self.tree))

    def loc(self, where: Where) -> Loc:
        if isinstance(where, tuple):
            line, col0 = where
        else:
            line = getattr(where, "lineno", 1)
            col0 = self._char_col(line, getattr(where, "col_offset", 0))
        return Loc(self.filename, line, col0 + 1)

    def _char_col(self, line: int, byte_col: int) -> int:
        if not 0 < line <= len(self.lines):
            return byte_col
        return len(self.lines[line - 1].encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))

    def source(self, node: ast.AST) -> str:
        """The node's source text, shortened for messages."""
        text = ast.get_source_segment(self.text, node) or ast.unparse(node)
        text = " ".join(text.split())
        return text if len(text) <= 40 else text[:37] + "..."

    def enclosing(self, node: ast.AST) -> Iterator[ast.AST]:
        """The node's ancestors, innermost first."""
        parent = self.parents.get(node)
        while parent is not None:
            yield parent
            parent = self.parents.get(parent)

    def tokens_from(self, line: int, col0: int) -> Iterator[tokenize.TokenInfo]:
        """Significant tokens starting at (line, col0): no comments, blank-line or layout tokens."""
        skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
        for tok in self.tokens:
            if tok.start >= (line, col0) and tok.type not in skip:
                yield tok


def run_rules(ctx: SourceFile, rules: list[Rule[SourceFile]]) -> list[Finding]:
    found = []
    for rule in rules:
        assert rule.check is not None
        for where, message in rule.check(ctx):
            found.append(Finding(ctx.loc(where), rule.id, message))
    return found


def _imported_names(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.asname or alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                yield alias.asname or alias.name


def bindings(scope: ast.AST) -> set[str]:
    """Names a scope (module, function, lambda or class body) binds; nested scopes bind only their name."""
    names: set[str] = set()
    if isinstance(scope, _FUNCTIONS):
        a = scope.args
        for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]:
            if arg is not None:
                names.add(arg.arg)
    body = [scope.body] if isinstance(scope, ast.Lambda) else list(getattr(scope, "body", []))
    stack: list[ast.AST] = body
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(a.asname or a.name.split(".")[0] for a in node.names if a.name != "*")
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        stack.extend(ast.iter_child_nodes(node))
    return names


def _free_names(tree: ast.Module) -> Iterator[ast.Name]:
    """Name loads that resolve to a built-in under 1.5's two scopes (local, then module: no nesting)."""
    declared = {name for node in ast.walk(tree) if isinstance(node, ast.Global) for name in node.names}
    module = bindings(tree) | declared

    def visit(node: ast.AST, bound: set[str]) -> Iterator[ast.Name]:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in bound:
            yield node
        if isinstance(node, _SCOPES):
            # Only the body is the new scope; decorators, bases and defaults belong to the enclosing one.
            inner = bindings(node) | module
            body = node.body if isinstance(node.body, list) else [node.body]
            body_ids = {id(part) for part in body}
            for child in ast.iter_child_nodes(node):
                yield from visit(child, inner if id(child) in body_ids else bound)
        else:
            for child in ast.iter_child_nodes(node):
                yield from visit(child, bound)

    yield from visit(tree, module)
