"""Subset rules on tokens: what the ast forgets (string prefixes and escapes, number spelling, characters,
the empty parentheses of `class C():`, the parentheses of `from x import (a, b)`).
"""

from __future__ import annotations

import ast
import tokenize

from fsm.findings import RuleSet
from fsm.py15.base import Found
from fsm.py15.base import SourceFile

rules = RuleSet()

_QUOTES = ('"""', "'''", '"', "'")
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)  # Python 3.12+ splits f-strings into tokens


def _string_parts(text: str) -> tuple[str, str]:
    """(prefix, body) of a string token: `rb'x'` -> ('rb', 'x')."""
    start = min(i for i in (text.find(q) for q in _QUOTES) if i >= 0)
    prefix, rest = text[:start], text[start:]
    quote = next(q for q in _QUOTES if rest.startswith(q))
    return prefix, rest[len(quote):len(rest) - len(quote)]


@rules.rule("py15-string-prefix", "string prefixes u'', b'', f'', rb'' (r'' is fine)")
def check_string_prefix(ctx: SourceFile) -> Found:
    hints = {"u": "write a plain '...' (str is bytes on the module)",
             "b": "write a plain '...' (data is str everywhere, one character per byte)",
             "f": "use '%' formatting: '%s' % (x,)"}
    for tok in ctx.tokens:
        if tok.type == _FSTRING_START:
            prefix = tok.string.rstrip("'\"")
        elif tok.type == tokenize.STRING:
            prefix = _string_parts(tok.string)[0]
        else:
            continue
        bad = prefix.lower().replace("r", "")
        if bad:
            hint = hints.get(bad[0], "write a plain or r'' string")
            yield tok.start, f"string prefix '{prefix}' is not Python 1.5; {hint}"


@rules.rule("py15-string-escape", "\\u, \\U, \\N escapes: a backslash and a letter in 1.5/2.7, a character in 3")
def check_string_escape(ctx: SourceFile) -> Found:
    for tok in ctx.tokens:
        if tok.type != tokenize.STRING:
            continue
        prefix, body = _string_parts(tok.string)
        if prefix:  # r'' keeps backslashes everywhere; other prefixes are py15-string-prefix
            continue
        i = 0
        while i < len(body) - 1:
            if body[i] == "\\":
                if body[i + 1] in "uUN":
                    yield tok.start, (f"escape '\\{body[i + 1]}' means a character in 3 but a backslash in "
                                      f"1.5/2.7; write the bytes as '\\xNN' escapes")
                    break
                i = i + 1
            i = i + 1


@rules.rule("py15-number-literal", "0o/0b literals and underscores in numbers (0x is fine)")
def check_number_literal(ctx: SourceFile) -> Found:
    for tok in ctx.tokens:
        if tok.type != tokenize.NUMBER:
            continue
        low = tok.string.lower()
        if low.startswith(("0o", "0b")):
            yield tok.start, f"number literal '{tok.string}' is not Python 1.5; write it in decimal or '0x' hex"
        elif "_" in low:
            yield tok.start, (f"underscores in number literal '{tok.string}' are not Python 1.5; "
                              f"write '{tok.string.replace('_', '')}'")


@rules.rule("py15-non-ascii", "non-ASCII characters anywhere (2.7 rejects them, 1.5 sees bytes)")
def check_non_ascii(ctx: SourceFile) -> Found:
    for tok in ctx.tokens:
        index = next((i for i, ch in enumerate(tok.string) if ord(ch) > 127), -1)
        if index < 0:
            continue
        before = tok.string[:index]
        line = tok.start[0] + before.count("\n")
        col0 = index - before.rfind("\n") - 1 if "\n" in before else tok.start[1] + index
        yield (line, col0), (f"non-ASCII character {tok.string[index]!r} (U+{ord(tok.string[index]):04X}): "
                             f"2.7 rejects the file and 1.5 counts bytes; write '\\xNN' escapes or ASCII")


@rules.rule("py15-class-empty-parens", "class C(): with empty parentheses; write class C:")
def check_class_empty_parens(ctx: SourceFile) -> Found:
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.ClassDef) and not node.bases and not node.keywords:
            toks = ctx.tokens_from(node.lineno, ctx.loc(node).col - 1)
            _class, _name, opening, closing = (next(toks, None) for _ in range(4))
            if opening is not None and opening.string == "(" and closing is not None and closing.string == ")":
                yield opening.start, f"'class {node.name}():' is not Python 1.5; write 'class {node.name}:'"


@rules.rule("py15-import-paren", "from x import (a, b): parenthesised import lists")
def check_import_paren(ctx: SourceFile) -> Found:
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.ImportFrom):
            toks = ctx.tokens_from(node.lineno, ctx.loc(node).col - 1)
            for tok in toks:
                if tok.type == tokenize.NAME and tok.string == "import":
                    after = next(toks, None)
                    if after is not None and after.string == "(":
                        yield after.start, ("parenthesised import list is not Python 1.5; write one line, "
                                            "or one 'from ... import' per line")
                    break
