"""A student's formula answer: read by the engine's parser (never eval), bounded, evaluated.

The text goes through `parse` (a grammar: no code runs), must be one expression in the
problem's node names, and may nest at most MAX_DEPTH deep (SymPy recurses on it). Numbers are
evaluated by the gates' own forward functions, exactly where they can be (Fractions). SymPy work
runs under `time_limit`, since `simplify` has no bound of its own.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time
from collections.abc import Collection, Iterator, Mapping
from fractions import Fraction
from typing import Any

from ..errors import ParseError, TutorError
from ..engine.gates import GATES, rational
from ..engine.parse import Expr, number, parse

MAX_DEPTH = 60          # nesting of gates (SymPy recurses on it)
MAX_CHARS = 1_000       # a formula answer is a line, not a program


def read_formula(text: str, names: Collection[str]) -> Expr:
    """Parse a formula answer; TutorError (one line) when it is not a formula in `names`."""
    if len(text) > MAX_CHARS:
        raise TutorError(f"the formula has {len(text):,} characters; at most {MAX_CHARS:,}")
    try:
        program = parse(text)
    except ParseError as err:
        raise TutorError(f"{text!r} is not a formula: {err.why} (column {err.col})") from None
    if len(program.statements) != 1 or program.statements[0].name is not None:
        raise TutorError(f"{text!r} is not a formula: give one expression, without '=' or ';'")
    expr = program.statements[0].expr
    stack, unknown = [(expr, 1)], []
    while stack:
        e, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise TutorError(f"the formula nests more than {MAX_DEPTH} deep; write it more simply")
        if e.kind == "name" and e.value not in names and e.value not in ("pi", "e"):
            unknown.append(e.value)
        stack.extend((a, depth + 1) for a in e.args)
    if unknown:
        raise TutorError(f"{text!r} uses {', '.join(map(repr, dict.fromkeys(unknown)))}, not a name in this "
                         f"problem (its names: {', '.join(sorted(names))})")
    return expr


def tame(expr: Expr, degree: int = 64) -> bool:
    """True when SymPy may expand the formula: constant powers nested in it multiply to at most `degree`."""
    stack = [(expr, 1)]
    while stack:
        e, mult = stack.pop()
        if e.kind == "num" and len(e.value) > 30:
            return False
        if e.kind == "gate" and e.value == "pow" and e.args[1].kind == "num":
            mult *= max(1, abs(int(number(e.args[1].value))))
            if mult > degree:
                return False
            stack.append((e.args[0], mult))
            continue
        stack.extend((a, mult) for a in e.args)
    return True


OVERFLOW = "the formula overflows float64 at this point (its value is over ~1e308)"
UNDEFINED = "the formula cannot be evaluated at this point (outside a function's domain)"


def evaluate(expr: Expr, env: Mapping[str, Any]) -> Fraction | float | None:
    """The formula's value with names from `env`: a Fraction where exact, a float, or None (undefined)."""
    return value_of(expr, env)[0]


def value_of(expr: Expr, env: Mapping[str, Any]) -> tuple[Fraction | float | None, str]:
    """(the formula's value, "") or (None, why: OVERFLOW or UNDEFINED); an exact value fits a float64."""
    from ..engine.gates import CONSTANTS

    done: dict[int, Any] = {}
    stack = [expr]
    try:
        while stack:
            e = stack[-1]
            if e.kind == "num":
                done[id(e)] = number(e.value)
            elif e.kind == "name":
                done[id(e)] = env[e.value] if e.value in env else CONSTANTS[e.value]
            elif todo := [a for a in e.args if id(a) not in done]:
                stack.extend(todo)
                continue
            else:
                done[id(e)] = _apply(e.value, [done[id(a)] for a in e.args])
            stack.pop()
        result = done[id(expr)]
        if math.isinf(float(result)):  # an exact 10^400 is a number, but no float64 one
            raise OverflowError
    except OverflowError:
        return None, OVERFLOW
    except (ValueError, ZeroDivisionError, TypeError):
        return None, UNDEFINED
    return (result, "") if isinstance(result, Fraction) or math.isfinite(result) else (None, UNDEFINED)


def _apply(gate: str, args: list) -> Fraction | float:
    """One gate on exact arguments where it stays exact and small, else on floats."""
    g = GATES[gate]
    if g.exact and all(isinstance(a, Fraction) for a in args):
        exact = rational(g.forward(*args))
        if exact is not None:
            return exact
    out = float(g.forward(*(float(a) for a in args)))
    if math.isnan(out):
        raise ValueError("undefined")
    if math.isinf(out):
        raise OverflowError
    return out


class Timeout(BaseException):
    """SymPy (or a submission) ran past its time bound; `owner` is the time_limit that ran out.

    A BaseException, so that no `except Exception` on the way (SymPy's, the checker's) swallows it.
    """

    def __init__(self, message: str = "", owner: object = None) -> None:
        super().__init__(message)
        self.owner = owner


_deadlines: list[tuple[float, object]] = []   # the limits in force: (monotonic deadline, owner), nearest last


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[object]:
    """Raise Timeout in the block after `seconds` (main thread, Unix); nests inside an outer limit.

    Yields a token: a Timeout whose `owner` is another token is an outer limit running out inside
    this block, which a caller catching its own Timeout must let through.
    """
    token = object()
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield token  # no timer here: the caller's other bounds (sizes, worker processes) still hold
        return
    now = time.monotonic()
    outer = _deadlines[-1] if _deadlines else None
    nearest = (now + seconds, token) if outer is None or now + seconds < outer[0] else outer

    def expire(signum: int, frame: Any) -> None:
        raise Timeout(f"took longer than {seconds:g} s", nearest[1])

    previous = signal.signal(signal.SIGALRM, expire)
    _deadlines.append(nearest)
    signal.setitimer(signal.ITIMER_REAL, max(nearest[0] - now, 1e-6))
    try:
        yield token
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        _deadlines.pop()
        if outer is not None:  # give the outer limit what is left of it; if nothing is, it ran out in here
            left = outer[0] - time.monotonic()
            if left <= 0:
                raise Timeout("took longer than the time allowed", outer[1])
            signal.setitimer(signal.ITIMER_REAL, left)


def sympy_zero(difference: Any, seconds: float = 2.0) -> bool | None:
    """True when SymPy proves `difference` is 0, False when it simplifies to non-zero, None if undecided."""
    import sympy as sp

    mine = None
    try:
        with time_limit(seconds) as mine:
            if difference == 0 or sp.expand(difference) == 0:
                return True
            simpler = sp.simplify(difference)
    except Timeout as err:
        if err.owner is not mine:  # a submission's limit ran out in here: that one must stop the check
            raise
        return None
    except Exception:  # noqa: BLE001 - SymPy failing on a student's formula means "cannot decide"
        return None
    if simpler == 0:
        return True
    return None if simpler.free_symbols else False
