"""Text -> expression tree, by the grammar in grammar.lark. Never eval; no depth limit.

The LALR parser calls the `_Build` callbacks bottom-up as it reduces, so the tree is built
without recursion, however deep the parentheses nest.
"""

from __future__ import annotations

import functools
import re
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

from ..errors import ParseError, UnknownGateError
from .gates import CONSTANTS, FUNCTIONS, GATES

MAX_CHARS = 300_000     # larger input is refused before parsing: about a second of parsing here
MAX_DIGITS = 300        # a longer number literal is refused (no 10**10**8 bombs through exactness)
MAX_EXPONENT = 400      # 1e400: past float64 already, and still a small exact number


class Expr(NamedTuple):
    """A node of the expression tree: a number, a name, or a gate applied to argument trees."""

    kind: str                    # "num" | "name" | "gate"
    value: str                   # the literal as typed, the name, or the gate's name
    args: tuple["Expr", ...] = ()
    line: int = 1
    col: int = 1


class Statement(NamedTuple):
    """`name = expr` (name None for a bare expression), with where it starts."""

    name: str | None
    expr: Expr
    line: int
    col: int


class Program(NamedTuple):
    """What the user typed, parsed: its statements in order; the last one is the output."""

    text: str
    statements: tuple[Statement, ...]


@functools.lru_cache(maxsize=4096)  # the same literals come back ("1", "2", "0.01"); a Fraction is immutable
def number(text: str) -> Fraction:
    """The exact value of a number literal such as `1e-3` (refused past MAX_DIGITS digits)."""
    mantissa, _, exponent = text.lower().partition("e")
    if len(mantissa) > MAX_DIGITS:
        raise ValueError(f"the number {text[:20]!r} is too long (at most {MAX_DIGITS} digits)")
    if exponent and abs(int(exponent)) > MAX_EXPONENT:
        raise ValueError(f"the number {text[:20]!r} is out of range (exponents up to ±{MAX_EXPONENT}; "
                         f"float64 reaches about 1.8e308)")
    return Fraction(mantissa.rstrip(".") or "0") * Fraction(10) ** int(exponent or 0)


def names_in(expr: Expr) -> set[str]:
    """Every name an expression tree uses (inputs, assigned names, pi and e), without recursion."""
    found, stack = set(), [expr]
    while stack:
        e = stack.pop()
        if e.kind == "name":
            found.add(e.value)
        stack.extend(e.args)
    return found


def call(name: str, args: tuple[Expr, ...], line: int, col: int, text: str) -> Expr:
    """The gate a function call names, with its default arguments filled in."""
    if name not in FUNCTIONS:
        import difflib  # only for this error message: not imported on the way of valid input

        close = difflib.get_close_matches(name, list(FUNCTIONS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(sorted(FUNCTIONS))}"
        if name in CONSTANTS or not close:
            hint += f" (write {name}*(...) for a product)"
        raise UnknownGateError(text, line, col, f"unknown function {name!r}{hint}")
    gate = GATES[FUNCTIONS[name]]
    missing = gate.defaults[len(gate.defaults) - (gate.arity - len(args)):] if len(args) < gate.arity else ()
    if not gate.arity - len(gate.defaults) <= len(args) <= gate.arity:
        want = gate.arity if not gate.defaults else f"{gate.arity - len(gate.defaults)} or {gate.arity}"
        raise ParseError(text, line, col, f"{name}() takes {want} argument(s), got {len(args)}")
    defaults = tuple(Expr("num", d, (), line, col) for d in missing)
    return Expr("gate", gate.name, args + defaults, line, col)


_BLANK = re.compile(r"(?:[ \t\f\r]|\\\r?\n)*")  # what the lexer skips between two tokens on one line


class _Build:
    """Callbacks of the grammar's rules, called by the LALR parser as it reduces."""

    def __init__(self) -> None:
        self.text = ""
        self.last_number = None  # the previous NUMBER token: two side by side are refused

    def number_token(self, tok):  # noqa: ANN001, ANN201 - a lark Token, called by the lexer
        """Refuse two number literals side by side: `2 3` is no product, `1.2.3` no number."""
        last, self.last_number = self.last_number, tok
        if last is None or not _BLANK.fullmatch(self.text, last.end_pos, tok.start_pos):
            return tok
        if last.end_pos == tok.start_pos:
            written = last.value + tok.value
            why = ": it has more than one decimal point" if written.count(".") > 1 else \
                ": an exponent is a whole number (1e3, 1e-3)" if "e" in last.value.lower() else ""
            raise ParseError(self.text, last.line, last.column, f"{written!r} is not a number{why}")
        raise ParseError(self.text, tok.line, tok.column,
                         f"two numbers side by side; did you mean {last.value}*{tok.value}?")

    @staticmethod
    def _bin(name: str):  # noqa: ANN205 - the callbacks of + - * / ^
        def build(self: "_Build", children: list) -> Expr:
            a, b = children[0], children[-1]
            return Expr("gate", name, (a, b), a.line, a.col)
        return build

    add, sub, mul, div, pow = (_bin("add"), _bin("sub"), _bin("mul"), _bin("div"), _bin("pow"))

    def neg(self, children: list) -> Expr:
        (a,) = children
        return Expr("gate", "neg", (a,), a.line, max(a.col - 1, 1))

    def number(self, children: list) -> Expr:
        (tok,) = children
        try:
            number(tok.value)
        except ValueError as err:
            raise ParseError(self.text, tok.line, tok.column, str(err)) from None
        return Expr("num", tok.value, (), tok.line, tok.column)

    def name(self, children: list) -> Expr:
        (tok,) = children
        if tok.value in FUNCTIONS:
            raise ParseError(self.text, tok.line, tok.column, f"{tok.value!r} is a function; call it: {tok.value}(...)")
        return Expr("name", tok.value, (), tok.line, tok.column)

    def call(self, children: list) -> Expr:
        tok, *args = children
        return call(tok.value[:-1].rstrip(), tuple(args), tok.line, tok.column, self.text)

    def assign(self, children: list) -> Statement:
        tok, expr = children
        if tok.value in FUNCTIONS or tok.value in CONSTANTS:
            raise ParseError(self.text, tok.line, tok.column, f"{tok.value!r} is a built-in name; pick another name")
        return Statement(tok.value, expr, tok.line, tok.column)

    def bare(self, children: list) -> Statement:
        (expr,) = children
        return Statement(None, expr, expr.line, expr.col)

    def start(self, children: list) -> tuple[Statement, ...]:
        return tuple(children)


@functools.cache
def _parser():  # noqa: ANN202 - a lark.Lark, imported lazily
    from lark import Lark

    grammar = (Path(__file__).parent / "grammar.lark").read_text()
    # cache=True keeps the LALR tables in the temp dir, keyed by the grammar: start-up 10x faster
    build = _Build()
    return Lark(grammar, parser="lalr", transformer=build, maybe_placeholders=False, cache=True,
                lexer_callbacks={"NUMBER": build.number_token})


def _describe(expected: set[str]) -> str:
    """Lark's terminal names in words: {'NAME', 'LPAR'} -> "a name or '('"."""
    words = {"NUMBER": "a number", "NAME": "a name", "CALL": "a function call", "LPAR": "'('",
             "RPAR": "')'", "COMMA": "','", "PLUS": "'+'", "MINUS": "'-'", "STAR": "'*'", "SLASH": "'/'",
             "POW": "'^'", "EQUAL": "'='", "_NL": "a new line", "SEMICOLON": "';'", "$END": "the end"}
    names = sorted({words.get(e, e.lower()) for e in expected})
    return ", ".join(names[:-1]) + (" or " if len(names) > 1 else "") + names[-1] if names else "something else"


def parse(text: str) -> Program:
    """Parse an expression or a program of assignments (by newlines or `;`).

    Examples:
        >>> [(s.name, s.expr.value) for s in parse("q = x + y; f = q z").statements]
        [('q', 'add'), ('f', 'mul')]
    """
    if len(text) > MAX_CHARS:
        raise ParseError("", 1, 1, f"the input is {len(text):,} characters long; the limit is {MAX_CHARS:,}")
    from .fastparse import parse_fast

    program = parse_fast(text, (Expr, Statement, Program, call, number))  # valid input, fast; anything else is read (and refused) by the grammar
    return program if program is not None else parse_by_grammar(text)


def parse_by_grammar(text: str) -> Program:
    """`parse`, by the LALR grammar alone: what reads (and words the errors of) all that the fast path leaves."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

    parser = _parser()
    parser.options.transformer.text = text
    parser.options.transformer.last_number = None
    try:
        statements = parser.parse(text)
    except UnexpectedCharacters as err:
        raise ParseError(text, err.line, err.column, f"unexpected character {text[err.pos_in_stream]!r}") from None
    except UnexpectedEOF as err:
        lines = text.splitlines() or [""]
        raise ParseError(text, len(lines), len(lines[-1]) + 1,
                         f"the input ends too early; expected {_describe(err.expected)}") from None
    except UnexpectedToken as err:
        tok = err.token
        if tok.type == "$END":
            lines = text.rstrip().splitlines() or [""]
            raise ParseError(text, len(lines), len(lines[-1]) + 1,
                             f"the input ends too early; expected {_describe(err.expected)}") from None
        shown = "a new line" if tok.type == "_NL" else repr(tok.value)
        raise ParseError(text, tok.line, tok.column, f"unexpected {shown}; expected {_describe(err.expected)}") from None
    except UnexpectedInput as err:  # pragma: no cover - lark's other kinds carry the same fields
        raise ParseError(text, err.line, err.column, "cannot read this") from None
    if not statements:
        raise ParseError(text, 1, 1, "the input is empty; type an expression such as (x + y) * z")
    return Program(text, statements)
