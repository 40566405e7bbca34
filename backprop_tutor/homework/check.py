"""Learner answers vs a Trace: verdicts as plain data, for `tutor check`, `tutor grade` and autograders.

A problem is traced once (`key.prepare`, cached per problem); each answer names what it answers
(`f`, `q`, `df/dq`, `new:w1`), is compared with the Trace's number within a relative and an
absolute tolerance, or, given as a formula, by its value at the point and then by SymPy
equivalence (numerically at random points where SymPy cannot decide). A wrong answer gets the
first step along the pass where the student's own numbers go wrong, and the diagnoses whose
recomputed gradient (diagnose.py) matches it.

    >>> r = check_answers({"program": "q = x + y; f = q * z", "at": {"x": -2, "y": 5, "z": -4}},
    ...                   {"df/dx": 4, "df/dy": "z"})
    >>> [(a["name"], a["correct"], a["diagnoses"]) for a in r["answers"]]
    [('df/dx', False, ['sign-error']), ('df/dy', True, [])]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction
from typing import Any

from ..errors import HomeworkError, TutorError
from .formula import read_formula, value_of
from .problem import Problem
from .results import Verdicts
from .key import Key, Target, prepare
from .wrong_step import first_wrong
from .numcheck import gradcheck  # noqa: F401 - the API's second name lives here too
from ..engine.parse import names_in

DEFAULT_TOLERANCE = {"rel": 1e-2, "abs": 5e-3}   # hand-rounded to two decimals passes: -0.20 for -0.1966


def close(given: float, expected: float, tol: Mapping[str, float]) -> bool:
    """|given - expected| <= abs + rel·|expected|."""
    return abs(given - expected) <= tol.get("abs", 0.0) + tol.get("rel", 0.0) * abs(expected)


def check_answers(problem: Problem | Mapping[str, Any], answers: Mapping[str, Any], *,
                  points: Mapping[str, float] | None = None, tolerance: Mapping[str, Any] | None = None,
                  expected: Iterable[str] | None = None, where: Callable[[str], str] | None = None,
                  formulas: bool = True) -> dict[str, Any]:
    """Check `answers` ({name: number or formula}) against `problem`; verdicts as plain data.

    `expected`: answer names that must be given (a missing one is wrong); `points`/`tolerance`:
    per answer name (`tolerance["default"]` for all); `where(name)` prefixes errors (file, line);
    `formulas=False` skips the symbolic text of local derivatives (faster, for batch grading).
    """
    key = prepare(problem)
    where = where or (lambda name: f"answer {name!r}")
    tolerance = {name: _tolerance(t) for name, t in (tolerance or {}).items()}
    default_tol = {**DEFAULT_TOLERANCE, **tolerance.get("default", {})}
    names = list(dict.fromkeys([*(expected or ()), *answers]))
    required = set(expected) if expected is not None else set(answers)
    rows, targets, given = [], {}, {}
    for name in names:
        try:
            targets[name] = key.target(name)
            if name in answers:
                given[name] = _read(key, answers[name])
        except TutorError as err:
            raise HomeworkError(f"{where(name)}: {err}") from None
    for name in names:
        tol = {**default_tol, **tolerance.get(name, {})}
        pts = float(points.get(name, 1.0)) if points else 1.0
        rows.append(_verdict(key, targets[name], given.get(name), tol, pts if name in required else 0.0))
    wrong = {(r["kind"], r["node"]): r for r in rows if not r["correct"] and r["given_value"] is not None}
    for row in rows:
        if not row["correct"] and not row["missing"]:
            row["first_wrong_step"] = first_wrong(key, targets[row["name"]], wrong, formulas)
    score, most = sum(r["points"] for r in rows), sum(r["max_points"] for r in rows)
    return Verdicts(problem=key.problem.text, output=key.trace.output_name, value=float(key.trace.value),
                    correct=all(r["correct"] for r in rows), score=score, max_score=most, answers=rows)


def _tolerance(tol: Any) -> dict[str, float]:
    """A tolerance as {rel, abs}: a bare number is an absolute tolerance (as in a key's [tolerance])."""
    if isinstance(tol, int | float) and not isinstance(tol, bool):
        return {"abs": float(tol), "rel": 0.0}
    if not isinstance(tol, Mapping) or set(tol) - {"rel", "abs"}:
        raise HomeworkError(f"a tolerance is a number or {{'rel': ..., 'abs': ...}}, not {tol!r}")
    return {k: float(v) for k, v in tol.items()}


def _read(key: Key, raw: Any) -> tuple[Any, Any, Any, str]:
    """(as given, the formula's tree or None for a number, its value at the point: exact where it can be,
    why it has none)."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise TutorError(f"must be a number or a formula in quotes, got {type(raw).__name__}")
    if isinstance(raw, int):
        if raw.bit_length() > 1023 and not _fits(raw):  # no float64 to compare with (10**400)
            raise TutorError("is too large for a float64; at most ~1e308")
        return raw, None, Fraction(raw), ""
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise TutorError(f"is {raw!r}; give a finite number")
        return raw, None, Fraction(repr(raw)), ""  # the decimal as typed: 0.1 is 1/10
    expr = read_formula(raw, key.known)
    return (raw, expr if names_in(expr) else None, *value_of(expr, key.exact_values))


def _fits(x: int) -> bool:
    try:
        return math.isfinite(float(x))
    except OverflowError:
        return False


def _verdict(key: Key, target: Target, given: tuple | None, tol: dict, pts: float) -> dict[str, Any]:
    """One answer's verdict: correct?, how it was decided, and the mistakes its number matches."""
    row: dict[str, Any] = {
        "name": target.name, "kind": target.kind, "node": target.node, "given": None, "given_value": None,
        "expected": float(target.expected), "expected_text": key.text(target.expected), "expected_formula": None,
        "correct": False, "missing": given is None, "tolerance": tol, "method": None,
        "points": 0.0, "max_points": pts, "first_wrong_step": None, "diagnoses": [], "explanations": [],
        "message": "missing" if given is None else "",
    }
    if given is None:
        return row
    raw, expr, value, why = given
    row["given"] = raw
    row["given_value"] = None if value is None else float(value)
    if value is None:
        row["message"] = why
    elif isinstance(value, Fraction) and isinstance(target.expected, Fraction) and value == target.expected:
        row["correct"], row["method"] = True, "exact"
    elif close(float(value), float(target.expected), tol):
        row["correct"], row["method"] = True, "tolerance"
    if expr is not None:
        row["expected_formula"] = key.formula_of(target)
        if row["correct"]:  # right at the point; right everywhere?
            row["correct"], row["method"], row["message"] = key.equivalent(target, expr, raw)
    if not row["correct"] and row["given_value"] is not None:
        found = key.diagnose(target, row["given_value"], lambda a, b: close(a, b, tol))
        row["diagnoses"] = [code for code, _ in found]
        row["explanations"] = [f"{key.words(code)} ({site})" for code, site in found]
    row["points"] = pts if row["correct"] else 0.0
    return row


