"""Load and validate homework and answer-key files (TOML), before any maths runs.

A homework file holds a `[problem]` (program or expression, the point `at`, optionally `lr` and
`params` for an update step) and the student's `[answers]`; a key file holds the same
`[problem]` with optional `[points]` and `[tolerance]`. Every error is a HomeworkError naming
the file, the line and what is wrong. Sizes are bounded before parsing: the file, each formula,
and a formula's nesting depth (SymPy recurses; the engine's parser does not).
"""

from __future__ import annotations

import math
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..errors import HomeworkError
from ..files import read_text
from ..tomlpos import key_lines

MAX_BYTES = 1_000_000      # a homework file is a few hundred bytes; refuse more before parsing
MAX_FORMULA = 1_000        # characters in one formula answer
MAX_DEPTH = 60             # nesting of one formula answer (SymPy recurses on it)
MAX_ANSWERS = 500          # answers in one file
TABLES = ("student", "problem", "answers", "points", "tolerance")
TOO_LARGE = "is too large for a float64; at most ~1e308"


@dataclass(frozen=True)
class Problem:
    """What to differentiate and where: hashable, so a prepared key is cached per problem."""

    text: str                                   # the program or expression, as written
    at: tuple[tuple[str, Any], ...]             # input values, in the file's order
    lr: Fraction | None = None                  # learning rate of the update step (new:w answers)
    params: tuple[str, ...] | None = None       # what the update step updates (default: every input)

    def same_as(self, other: "Problem") -> bool:
        """True when both pose the same question (whitespace and value spelling aside)."""
        def norm(p: Problem) -> tuple:
            return (re.sub(r"\s+", "", p.text.replace(";", "\n")), sorted((k, _num(v)) for k, v in p.at), p.lr)
        return norm(self) == norm(other)


@dataclass
class Homework:
    """A parsed homework or key file; answers stay raw (number or text) until checked."""

    path: str
    student: str | None = None
    problem: Problem | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    points: dict[str, float] = field(default_factory=dict)
    tolerance: dict[str, dict[str, float]] = field(default_factory=dict)
    lines: dict[tuple, int] = field(default_factory=dict)   # TOML path -> line (tomlpos.key_lines)

    def line(self, table: str, key: str = "") -> int | None:
        """The line of `key` in `[table]` (of the table itself for key ""), when it can be found."""
        return self.lines.get(tuple(p for p in (table, key) if p)) or self.lines.get((table,) if table else ())

    def at(self, table: str, key: str = "") -> str:
        """'hw.toml, line 7': where an error about `key` in `[table]` points."""
        line = self.line(table, key)
        return f"{self.path}, line {line}" if line else self.path

    def at_program(self) -> str:
        """'key.toml, line 5': where the [problem]'s program is written (its `program` or `expression` key)."""
        return self.at("problem", "program" if ("problem", "program") in self.lines else "expression")


def read(path: str | os.PathLike) -> str:
    """The file's text, refusing a file over MAX_BYTES, or no regular file, before reading it."""
    name = os.fspath(path)
    try:
        mode = os.stat(name).st_mode
    except OSError:
        if os.path.islink(name):
            raise HomeworkError(f"{name}: a broken symbolic link (what it points to does not exist)") from None
        mode = stat.S_IFREG  # read_text says what is wrong
    if not stat.S_ISREG(mode):  # a FIFO would block the read; a device never ends
        kind = ("a directory" if stat.S_ISDIR(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a pipe" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "special")
        raise HomeworkError(f"{name}: not a regular file ({kind}); a homework is a TOML text file")
    return read_text(name, MAX_BYTES, HomeworkError, "homework file")


def load(path: str | os.PathLike) -> Homework:
    """Read and validate a homework or key file."""
    return loads(read(path), os.fspath(path))


def loads(text: str, path: str = "<homework>") -> Homework:
    """Validate the text of a homework or key file (the shape only; answers are checked later)."""
    if len(text) > MAX_BYTES:
        raise HomeworkError(f"{path}: the text is {len(text):,} characters; the limit is {MAX_BYTES:,}")
    try:
        data = tomllib.loads(text, parse_float=_parse_float)
    except tomllib.TOMLDecodeError as err:
        raise HomeworkError(f"{path}: not valid TOML: {err}") from None
    except RecursionError:  # tomllib recurses on nested arrays and inline tables
        raise HomeworkError(f"{path}: the TOML nests too deep; a homework file is flat") from None
    except ValueError as err:  # an integer of over 4,300 digits (Python's int-from-text bound)
        raise HomeworkError(f"{path}: a number {TOO_LARGE} ({str(err).split(':')[0]})") from None
    hw = Homework(path, lines=key_lines(text))

    def fail(table: str, key: str, what: str) -> HomeworkError:
        line = hw.line(table, key)
        return HomeworkError(f"{path}{f', line {line}' if line else ''}: {what}")

    for key in data:
        if key not in TABLES:
            raise fail("", key, f"unknown entry {key!r}; a homework file has {', '.join(TABLES)}")
    student = data.get("student")
    if student is not None:
        if not isinstance(student, str | int) or isinstance(student, bool) or not _ID.fullmatch(str(student)):
            raise fail("", "student", "student must be an id of letters, digits, '.', '_' or '-' (at most 64)")
        hw.student = str(student)
    for table in TABLES[1:]:
        if table in data and not isinstance(data[table], dict):
            raise fail("", table, f"{table} must be a table: [{table}]")
    if "problem" in data:
        hw.problem = problem_from(data["problem"], lambda key, what: fail("problem", key, what))
    answers = data.get("answers", {})
    if len(answers) > MAX_ANSWERS:
        raise fail("answers", "", f"{len(answers):,} answers; at most {MAX_ANSWERS}")
    for name, raw in answers.items():
        hw.answers[name] = _answer(raw, lambda what, n=name: fail("answers", n, f"answer {n!r} {what}"))
    for name, raw in data.get("points", {}).items():
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 <= raw < 1e6:
            raise fail("points", name, f"points for {name!r} must be a number from 0 below 1e6, got {_short(raw)}")
        hw.points[name] = float(raw)
    for name, raw in data.get("tolerance", {}).items():
        hw.tolerance[name] = _tolerance(raw, lambda what, n=name: fail("tolerance", n, f"tolerance for {n!r} {what}"))
    return hw


_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def problem_from(table: dict, fail: Any) -> Problem:
    """The [problem] table: exactly one of program/expression, `at`, and optional lr/params."""
    unknown = set(table) - {"program", "expression", "at", "lr", "params"}
    if unknown:
        raise fail(min(unknown), f"unknown entry {min(unknown)!r} in [problem]; use program or expression, "
                                 f"at, lr, params")
    given = [k for k in ("program", "expression") if k in table]
    if len(given) != 1:
        raise fail("", "[problem] needs exactly one of program = \"q = x + y; f = q * z\" or expression = \"...\"")
    text = table[given[0]]
    if not isinstance(text, str) or not text.strip():
        raise fail(given[0], f"{given[0]} must be a non-empty string")
    at = table.get("at", {})
    if not isinstance(at, dict):
        raise fail("at", "at must be a table of input values: at = { x = -2, y = 5 }")
    for name, value in at.items():
        if why := _not_a_value(value):
            raise fail("at", f"at.{name} {why}")
    lr = table.get("lr")
    if lr is not None and (why := _not_a_value(lr)):
        raise fail("lr", f"lr {why}")
    params = table.get("params")
    if params is not None and (not isinstance(params, list) or not all(isinstance(p, str) for p in params)):
        raise fail("params", "params must be a list of input names: params = [\"w1\", \"w2\"]")
    return Problem(text, tuple(at.items()), _num(lr) if lr is not None else None,
                   tuple(params) if params is not None else None)


class _Huge(float):
    """A TOML float that is finite as written but past float64 (1e400): "too large", not "inf"."""


def _parse_float(text: str) -> float:
    value = float(text)
    return _Huge(value) if math.isinf(value) and "inf" not in text else value


def _answer(raw: Any, fail: Any) -> Any:
    """A number or a formula's text, as given; anything else is refused."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        return _raise(fail(f"must be a number or a formula in quotes, got {type(raw).__name__}"))
    if isinstance(raw, _Huge) or isinstance(raw, int) and not isinstance(raw, bool) and not _float64(raw):
        return _raise(fail(TOO_LARGE))
    if isinstance(raw, float) and not math.isfinite(raw):
        return _raise(fail(f"is {raw!r}; give a finite number"))
    if isinstance(raw, str) and len(raw) > MAX_FORMULA:
        return _raise(fail(f"is a formula of {len(raw):,} characters; at most {MAX_FORMULA:,}"))
    return raw


def _tolerance(raw: Any, fail: Any) -> dict[str, float]:
    """A number (absolute tolerance) or a table { rel = ..., abs = ... }."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raw = {"abs": raw, "rel": 0.0}
    if not isinstance(raw, dict) or not raw or set(raw) - {"rel", "abs"}:
        return _raise(fail("must be a number (absolute) or a table { rel = 1e-2, abs = 5e-3 }"))
    for k, v in raw.items():
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v < math.inf or not _float64(v):
            _raise(fail(f"{k} = {_short(v)} must be a finite number from 0"))
    return {k: float(v) for k, v in raw.items()}


def _raise(err: Exception) -> Any:
    raise err


def _not_a_value(value: Any) -> str:
    """Why `value` cannot be an input value or a learning rate ("" when it can), in true words."""
    from ..engine.parse import number

    if isinstance(value, bool) or not isinstance(value, int | float | str) or value in ("", "+", "-"):
        return f"= {_short(value)} is not a number"
    if isinstance(value, _Huge):
        return TOO_LARGE
    if isinstance(value, float) and not math.isfinite(value):
        return f"= {value!r} is not a finite number"
    if isinstance(value, str) and _num(value) is None:
        try:
            number(value.strip().lstrip("+-"))
        except ValueError as err:  # "the number '1e999' is out of range (...)": say that, not "not a number"
            if str(err).startswith("the number ") and " is " in str(err):
                return f"= {_short(value)} is {str(err).split(' is ', 1)[1]}"
        return f"= {_short(value)} is not a number"
    return "" if _float64(_num(value)) else TOO_LARGE


def _float64(value: float | Fraction) -> bool:
    """True when `value` fits a float64 (the engine computes in float64; 10**400 does not fit)."""
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _short(value: Any) -> str:
    """A value as the error shows it: a 400-digit number is cut, not echoed."""
    text = repr(value)
    return text if len(text) <= 24 else f"{text[:20]}… ({len(text):,} characters)"


def _num(value: Any) -> Fraction | None:
    """A value as the exact number it spells (0.1 is 1/10), or None when it is not a finite number."""
    from ..engine.parse import number

    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):  # a float's shortest repr has 17 digits and |exponent| <= 324: exact and small
        return Fraction(repr(value)) if math.isfinite(value) else None
    text = value.strip()
    sign, body = (-1, text[1:]) if text.startswith("-") else (1, text.lstrip("+"))
    try:
        return sign * number(body)
    except ValueError:
        return None
