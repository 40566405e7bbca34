"""The fast path of the parser: one regular expression and an operator-precedence loop.

Lark's LALR parser costs about ten microseconds a token, more than the whole trace of what it
parses. Valid input is read here instead, without recursion (explicit stacks, however deep the
parentheses nest), into exactly the trees `parse.py`'s grammar callbacks build. At the first
thing it is not sure of, it gives up (returns None) and the grammar parses the text again: every
error message, caret and column comes from there. tests/test_parse.py holds both to the same
trees on the lessons and on random text.
"""

from __future__ import annotations

import re

# The terminals of grammar.lark, in its order of preference (CALL before NAME).
_TOKEN = re.compile(r"""
  (?P<blank>[ \t\f\r]+|\\\r?\n)
| (?P<nl>(?:\r?\n|\#[^\n]*)+)
| (?P<call>[A-Za-z_][A-Za-z0-9_]*\()
| (?P<name>[A-Za-z_][A-Za-z0-9_]*)
| (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
| (?P<pow>\^|\*\*)
| (?P<op>[-+*/(),;=])
""", re.VERBOSE)

_BLANK = re.compile(r"(?:[ \t\f\r]|\\\r?\n)*")  # what lies between two tokens on one line
_BINARY = {"+": ("add", 1), "-": ("sub", 1), "*": ("mul", 2), "/": ("div", 2)}
_NEG, _POW = 3, 4   # precedence: neg binds looser than ^ (-x^2 is -(x^2)), tighter than * and +


class _GiveUp(Exception):
    """Not sure: let the grammar decide (and word the error)."""


def parse_fast(text: str, tree: tuple):  # noqa: ANN201 - a parse.Program, or None
    """The Program of `text` when it is valid and plain, else None (then the grammar parses it).
    `tree` is parse.py's (Expr, Statement, Program, call, number): handed in, not imported (no cycle)."""
    try:
        return _parse(text, *tree)
    except _GiveUp:
        return None
    except Exception:  # noqa: BLE001 - any surprise: the grammar path decides and explains
        return None


def _tokens(text: str):  # noqa: ANN202 - yields (kind, value, line, col, start, end)
    pos = 0
    if "\n" not in text:  # one line: the column is the offset (the common case, and the fast one)
        for m in _TOKEN.finditer(text):
            start, kind = m.start(), m.lastgroup
            if start != pos:
                raise _GiveUp  # a character no terminal matches
            pos = m.end()
            if kind != "blank":
                yield kind, m.group(), 1, start + 1, start, pos
        if pos != len(text):
            raise _GiveUp
        yield "end", "", 1, pos + 1, pos, pos
        return
    line, line_start = 1, 0
    for m in _TOKEN.finditer(text):
        start, kind, value = m.start(), m.lastgroup, m.group()
        if start != pos:
            raise _GiveUp
        pos = m.end()
        if kind != "blank":
            yield kind, value, line, start - line_start + 1, start, pos
        if kind == "blank" or kind == "nl":
            breaks = value.count("\n")
            if breaks:
                line, line_start = line + breaks, start + value.rindex("\n") + 1
    if pos != len(text):
        raise _GiveUp
    yield "end", "", line, pos - line_start + 1, pos, pos


def _parse(text: str, Expr, Statement, Program, call, number):  # noqa: ANN001, ANN202, C901, N803
    from .gates import CONSTANTS, FUNCTIONS

    statements: list = []
    vals: list = []            # operands (Expr)
    ops: list = []             # (kind, payload): ("bin", (gate, prec)), ("neg", None), ("(", None), ("call", [tok, n])
    want_operand = True
    target = None              # the NAME token of `name = ...`
    start = True               # at the start of a statement
    last_num_end = -2
    pending = None             # a NAME at the start of a statement: an assignment if "=" follows

    def reduce_top() -> None:
        kind, payload = ops.pop()
        if kind == "neg":
            a = vals.pop()
            vals.append(Expr("gate", "neg", (a,), a.line, max(a.col - 1, 1)))
        elif kind == "bin":
            b, a = vals.pop(), vals.pop()
            vals.append(Expr("gate", payload[0], (a, b), a.line, a.col))
        else:
            raise _GiveUp

    def push_binary(gate: str, prec: int) -> None:
        right = gate == "pow"
        while ops and ops[-1][0] in ("bin", "neg"):
            top = _NEG if ops[-1][0] == "neg" else ops[-1][1][1]
            if top > prec or (top == prec and not right):
                reduce_top()
            else:
                break
        ops.append(("bin", (gate, prec)))

    def operand(kind: str, value: str, line: int, col: int) -> None:
        if kind == "num":
            number(value)  # ValueError: too long / out of range -> the grammar words it
            vals.append(Expr("num", value, (), line, col))
        else:
            if value in FUNCTIONS:
                raise _GiveUp
            vals.append(Expr("name", value, (), line, col))

    def end_statement() -> None:
        nonlocal target
        if want_operand:
            raise _GiveUp
        while ops:
            reduce_top()
        (expr,) = vals
        vals.clear()
        if target is None:
            statements.append(Statement(None, expr, expr.line, expr.col))
        else:
            statements.append(Statement(target[0], expr, target[1], target[2]))
        target = None

    for kind, value, line, col, pos, end in _tokens(text):
        if pending is not None:  # NAME at a statement's start: `q = ...` or an expression `q * z`
            if kind == "op" and value == "=":
                if pending[1] in FUNCTIONS or pending[1] in CONSTANTS:
                    raise _GiveUp
                target, pending = (pending[1], pending[2], pending[3]), None
                continue
            operand("name", pending[1], pending[2], pending[3])
            want_operand, pending = False, None
        if kind in ("nl", "end") or (kind == "op" and value == ";"):
            if not start:
                end_statement()
                start, want_operand = True, True
            continue
        if start and kind == "name":
            start, pending = False, (kind, value, line, col)
            continue
        start = False
        if kind in ("num", "name", "call") or (kind == "op" and value == "("):
            if not want_operand:  # implicit multiplication: 2x, (x+y)z, w x; but never 2 3
                if kind == "num" and last_num_end >= 0 and _BLANK.fullmatch(text, last_num_end, pos):
                    raise _GiveUp
                push_binary("mul", 2)
            if kind == "call":
                ops.append(("call", [(value, line, col), 1]))
            elif kind == "op":
                ops.append(("(", None))
            else:
                operand(kind, value, line, col)
                want_operand = False
                last_num_end = end if kind == "num" else -2
                continue
            want_operand = True
            continue
        last_num_end = -2
        if kind == "pow":
            if want_operand:
                raise _GiveUp
            push_binary("pow", _POW)
            want_operand = True
        elif value in "+-" and want_operand:
            if value == "-":
                ops.append(("neg", None))
        elif value in _BINARY:
            if want_operand:
                raise _GiveUp
            push_binary(*_BINARY[value])
            want_operand = True
        elif value in ",)":
            if want_operand:
                raise _GiveUp
            while ops and ops[-1][0] in ("bin", "neg"):
                reduce_top()
            if not ops:
                raise _GiveUp
            if ops[-1][0] == "(":
                if value == ",":
                    raise _GiveUp
                ops.pop()
            elif value == ",":
                ops[-1][1][1] += 1
                want_operand = True
            else:
                (name, cline, ccol), count = ops.pop()[1]
                args = tuple(vals[-count:])
                del vals[-count:]
                vals.append(call(name[:-1].rstrip(), args, cline, ccol, text))
        else:
            raise _GiveUp
    if pending is not None or not statements or ops or vals:
        raise _GiveUp
    return Program(text, tuple(statements))
