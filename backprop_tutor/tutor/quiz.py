"""Quizzes: a value hidden from the screen, and the student's typed answer checked against it.

Answers go through the engine's safe parser (never eval). A number, or a formula in the
lesson's names evaluated at the lesson's point, is right within a tolerance; when the lesson
gives the answer as a formula, a formula answer must be symbolically equal to it (SymPy,
through `to_sympy`, imported only then).
"""

from __future__ import annotations

import cmath
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import DomainError, TutorError
from ..fmt import fmt
from ..engine.gates import CONSTANTS
from ..engine.parse import names_in, parse

if TYPE_CHECKING:
    from ..engine.trace import Number, Trace

_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
MAX_ANSWER = 500  # characters: an answer is a number or a short formula
TRIES = 3
MAX_CORNERS = 6  # literals in a typed computation whose rounding is allowed for (2^6 evaluations)


@dataclass
class Quiz:
    """A question about one number of a trace: a node's value, its gradient, or a local derivative."""

    trace: "Trace"
    ask: str                   # "value" | "grad" | "local"
    node: str
    prompt: str
    expected: "Number"
    formula: str | None = None
    tolerance: float = 0.01
    hint: str = ""             # the lesson's own hint, shown first
    arg: int | None = None     # for "local": which argument of `node`
    asked: str = ""            # what is asked, in symbols: ∂f/∂q
    relative: bool = False     # True: within tolerance × |answer| even when |answer| < 1
    index: int = -1            # the trace step that computes the answer (revealed with it)
    tries: int = 0
    _got: "Number | None" = None  # the number the last answer came to
    solved: bool | None = None  # None: not answered yet; False: revealed after TRIES
    said: list[str] = field(default_factory=list)

    def names(self) -> dict[str, "Number"]:
        """The names an answer may use: the inputs and the named nodes, at their values."""
        g = self.trace.graph
        return {n: self.trace.number(n) for n in g.nodes
                if (g.nodes[n]["kind"] == "input" or g.nodes[n]["name"]) and not (self.ask == "value" and n == self.node)}

    def check(self, answer: str) -> tuple[bool, str]:
        """(right?, what to tell the student). An unreadable answer does not use up a try."""
        answer = answer.strip()
        try:
            ok, shown = self._judge(answer)
        except TutorError as err:
            return False, f"I cannot use {answer!r}: {str(err).splitlines()[0]}. Type a number such as -4 or a formula such as z."
        if ok:
            self.solved = True
            true = fmt(self.expected, 3)
            # the true value, not the student's rounding of it: "Correct: 0.4 (∂f/∂x0 = 0.393)."
            return True, f"Correct: {shown}" + ("" if self._got == self.expected else f" ({self.what()} = {true})") + "."
        self.tries += 1
        if self.tries >= TRIES:
            self.solved = False
            return False, f"Not quite ({shown}). The answer is {fmt(self.expected)}" + \
                (f" = {self.formula}" if self.formula else "") + "."
        mistake = self.mistake(self._got)
        hint = self.hints()[min(self.tries, len(self.hints())) - 1]
        return False, f"Not quite ({shown}). " + (f"{mistake} " if mistake else "") + f"Hint: {hint}"

    def what(self) -> str:
        """What is asked, in the screen's symbols: ∂f/∂x0, n3, ∂f/∂s."""
        from ..render.drawing import name

        t = self.trace
        show = (lambda n: name(t, n))
        if self.ask == "grad":
            return f"∂{t.output_name}/∂{show(self.node)}"
        if self.ask == "local":
            return f"∂{show(self.node)}/∂{show(t.graph.nodes[self.node]['inputs'][self.arg or 0])}"
        return show(self.node)

    def mistake(self, got: "Number | None") -> str:
        """The likely mistake behind a wrong number, in words (the homework diagnoser's), or ''."""
        if got is None:
            return ""
        slack = self.mistake_tolerance()
        return next((words for number, words in self.mistakes() if abs(float(got) - number) <= slack), "")

    def mistake_tolerance(self) -> float:
        """How near a wrong answer must be to a mistake's number to be diagnosed as that mistake."""
        return max(self.tolerance * self.scale(), 1e-9)

    def mistakes(self) -> list[tuple[float, str]]:
        """(the number a mistake gives, the mistake in words) for each likely mistake, in the order
        they are tried: the first within `mistake_tolerance()` of a wrong answer names it. The
        exported HTML lesson carries this list, so the page names the same mistake."""
        import math

        found: list[tuple[float, str]] = []
        if self.ask == "grad" and self.node in self.trace.grads and self.node != self.trace.output:
            from ..homework.diagnose import WORDS, Mistakes

            mistakes = self.trace.derived(Mistakes.of)
            i = mistakes.context.tape.slot[self.node]
            found += [(g[i], f"That is the number you get when {WORDS[code]} ({where}).")
                      for code, rows in mistakes.grads.items() for g, where in rows]
        if float(self.expected):
            found.append((-float(self.expected), "The size is right but the sign is flipped."))
        return [(float(n), words) for n, words in found if math.isfinite(n)]

    def _judge(self, answer: str) -> tuple[bool, str]:
        if not answer:
            raise TutorError("the answer is empty")
        if len(answer) > MAX_ANSWER:
            raise TutorError(f"the answer is longer than {MAX_ANSWER} characters")
        program = parse(answer)
        if len(program.statements) != 1 or program.statements[0].name:
            raise TutorError("give one number or formula, not assignments")
        expr = program.statements[0].expr
        used = _names(expr)
        known = self.names()
        unknown = sorted(used - known.keys())
        if unknown:
            raise TutorError(f"unknown name {unknown[0]!r}; you can use {', '.join(known)}")
        from ..engine.trace import trace

        tr = trace(program, {n: known[n] for n in used})
        got = self._got = tr.number(tr.output)
        close = abs(float(got) - float(self.expected)) <= self.tolerance * self.scale()
        if not close and not used:  # numbers read off the screen: within their rounding, it is right
            close = self._within_rounding(program)
        if used and self.formula:  # symbolic only when the numbers agree: simplify is the slow part
            return close and self._same_formula(expr), f"{answer} is {fmt(got)} here"
        # a number is echoed as typed: -12.0000000001 rounded to "-12.00" would hide what was judged
        return close, (answer if _NUMBER.fullmatch(answer) else f"{answer} = {fmt(got)}")

    def _within_rounding(self, program) -> bool:  # noqa: ANN001 - a parsed Program
        """Could the typed numbers, each read off the screen to its printed digits, give the answer?

        0.22*0.66*0.34 (the numbers on screen) is 0.0494, the true 0.0505 is 0.225*0.66*0.34:
        each literal with two or more significant digits may be off by half its last digit. A
        literal with one digit (0.2) is taken as typed, or any guess would pass."""
        from itertools import product

        from ..engine.trace import trace

        stmt = program.statements[0]
        literals = _literals(stmt.expr)
        spread = [_half_unit(lit) for lit in literals]
        if not any(spread) or len(literals) > MAX_CORNERS:
            return False
        got = []
        for signs in product((-1, 1), repeat=len(literals)):
            corner = dict(zip(range(len(literals)), (float(lit) + sg * h for lit, sg, h in zip(literals, signs, spread))))
            try:
                tr = trace(program._replace(statements=(stmt._replace(expr=_substitute(stmt.expr, corner, [0])),)), {})
            except TutorError:
                return False
            got.append(float(tr.number(tr.output)))
        slack = self.tolerance * self.scale()
        return min(got) - slack <= float(self.expected) <= max(got) + slack

    def scale(self) -> float:
        """What the tolerance multiplies: |answer|, at least 1 unless the quiz is relative."""
        size = abs(float(self.expected))
        return size if self.relative else max(1.0, size)

    def _same_formula(self, expr) -> bool:  # noqa: ANN001 - a parsed Expr
        import sympy as sp

        from ..engine.symbolic import to_sympy

        target = parse(self.formula).statements[0].expr
        symbols = {n: sp.Symbol(n, real=True) for n in self.names() | dict.fromkeys(_names(target))}
        return sp.simplify(to_sympy(expr, symbols) - to_sympy(target, symbols)) == 0

    def hints(self) -> list[str]:
        """Hints drawn from the step: the lesson's own, then the rule, then the numbers."""
        from ..render.chain import renamed, shown
        from ..render.drawing import name

        t, sym, out = self.trace, self.trace.symbolic, self.trace.output_name
        g = t.graph
        show = (lambda n: name(t, n))
        own = [self.hint] if self.hint else []
        if self.ask == "value":
            ins = g.nodes[self.node]["inputs"]
            return own + [f"{show(self.node)} is the gate {g.nodes[self.node]['label']!r} applied to "
                          f"{', '.join(map(show, ins))}",
                          ", ".join(f"{show(i)} = {shown(t, t.number(i))}" for i in ins)]
        if self.ask == "local":
            local = renamed(t, sym.local(self.node, self.arg or 0))
            ins = g.nodes[self.node]["inputs"]
            wrt = show(ins[self.arg or 0])
            how = (f"differentiate the gate {g.nodes[self.node]['label']!r} with respect to {wrt}, holding "
                   f"{', '.join(show(i) for i in ins if i != ins[self.arg or 0])} fixed") if len(set(ins)) > 1 else \
                (f"differentiate the one-input gate {g.nodes[self.node]['label']!r} with respect to its input {wrt}; "
                 "the result may be written with the gate's own output")
            return own + [how, f"the rule is ∂{show(self.node)}/∂{wrt} = {_plain(local)}"]
        if self.node == t.output:
            return own + [f"the gradient of {out} with respect to itself"]
        terms = sym.chain(self.node)
        rule = " + ".join(f"∂{out}/∂{show(c)} · " + (f"(local ∂{show(c)}/∂{show(self.node)})" if c == t.output
                                                      else f"∂{show(c)}/∂{show(self.node)}") for c, _, _ in terms)
        nums = " + ".join(f"{shown(t, t.number(c, 'grad'))} · {_paren(_plain(renamed(t, local)))}" for c, _, local in terms)
        return own + [f"upstream times local: ∂{out}/∂{show(self.node)} = {rule}", f"here that is {nums}"]


def wrong_answer(quiz: Quiz, asked: str, symbolic: bool = True) -> tuple[str, str] | None:
    """(what is wrong, what was expected) when a lesson's own `answer` is not right, else None.

    It must parse, use the graph's names, evaluate to the true number at the lesson's point and,
    when it uses names, be the same formula (SymPy; checked near the point when SymPy cannot decide).
    """
    formula, expected = quiz.formula or "", quiz.expected
    want = f"a formula for {asked} in the graph's names, equal to {fmt(expected)} here"
    try:
        program = parse(formula)
    except TutorError as err:
        return f"answer does not parse: {str(err).splitlines()[0]}", want
    if len(program.statements) != 1 or program.statements[0].name:
        return "answer is an assignment", want
    expr, known = program.statements[0].expr, quiz.names()
    used = _names(expr)
    unknown = sorted(used - known.keys())
    if unknown:
        return f"answer uses {unknown[0]!r}, which is not a name of this graph", "names among " + ", ".join(known)
    from ..engine.trace import trace

    try:  # the engine evaluates in float64 and refuses what overflows: 9^9^9^9 never reaches SymPy
        tr = trace(program, {n: known[n] for n in used})
    except DomainError as err:  # the author fixes the answer, not the point: no "choose other values"
        return f"answer {formula!r}: {err.what}", want
    except TutorError as err:
        why = str(err).splitlines()[0].split("; choose")[0]
        return f"answer {formula!r} cannot be evaluated here: {why}", want
    got = tr.number(tr.output)
    if abs(float(got) - float(expected)) > 1e-9 * max(1.0, abs(float(expected))):
        return f"answer {formula!r} is {fmt(got)} at this graph's point, but {asked} is {fmt(expected)}", want
    if symbolic and used and not _same_here(quiz, expr, used):
        return f"answer {formula!r} has the right number here but is not the formula of {asked}", want
    return None


def _same_here(quiz: Quiz, expr, used: set[str]) -> bool:  # noqa: ANN001 - a parsed Expr
    """Is the formula the quiz's true one, both expanded into the inputs? True when undecidable."""
    import sympy as sp

    from ..engine.symbolic import to_sympy

    t, sym = quiz.trace, quiz.trace.symbolic
    if sym.why_not:  # too deep to expand: the number was checked
        return True
    inner = {sym.symbols[n]: sym.value(n) for n in t.graph.nodes if t.graph.nodes[n]["kind"] != "const"}
    if quiz.ask == "value":
        target = sym.value(quiz.node)
    elif quiz.ask == "local":
        target = sym.local(quiz.node, quiz.arg or 0).xreplace(inner)
    else:
        target = sym.grad(quiz.node)
    diff = to_sympy(expr, {n: sym.symbols[n] for n in used}).xreplace(inner) - target
    if diff == 0 or (sp.count_ops(diff) <= 200 and sp.simplify(diff) == 0):
        return True
    # SymPy could not show it is 0: try points next to the lesson's (a kink's side stays the same)
    for k in (1, 2, 3):
        point = {sym.symbols[x]: sp.Float(float(t.number(x)) + 1e-3 * k * (j + 1) * (-1) ** j)
                 for j, x in enumerate(t.inputs)}
        try:
            value, scale = complex(diff.xreplace(point).evalf()), complex(target.xreplace(point).evalf())
        except (TypeError, ValueError):  # undefined there (nan, zoo, an unevaluated step): no verdict
            continue
        if cmath.isfinite(value) and abs(value) > 1e-9 * max(1.0, abs(scale)):
            return False
    return True


def _names(expr) -> set[str]:  # noqa: ANN001 - a parsed Expr
    """The names an answer uses, the constants pi and e aside."""
    return names_in(expr) - CONSTANTS.keys()


def _plain(expr) -> str:  # noqa: ANN001 - a SymPy expression
    """A SymPy expression the way the screens write it: x^2, a·b, [x > 0]."""
    from ..render.formula_text import plain

    return plain(expr) if hasattr(expr, "free_symbols") else str(expr)


def _literals(expr) -> list[str]:  # noqa: ANN001 - a parsed Expr
    """The number literals of an expression, left to right."""
    if expr.kind == "num":
        return [expr.value]
    return [lit for a in expr.args for lit in _literals(a)]


def _substitute(expr, values: dict[int, float], count: list[int]):  # noqa: ANN001, ANN202 - parsed Exprs
    """The expression with its k-th literal replaced by values[k]."""
    if expr.kind == "num":
        k = count[0]
        count[0] += 1
        return expr._replace(value=repr(values[k]))
    return expr._replace(args=tuple(_substitute(a, values, count) for a in expr.args))


def _half_unit(literal: str) -> float:
    """Half a unit of a literal's last digit when it has two or more significant digits, else 0."""
    mantissa, _, exponent = literal.lower().partition("e")
    digits = mantissa.replace(".", "").lstrip("0")
    if "." not in mantissa or len(digits) < 2:
        return 0.0
    return 0.5 * 10.0 ** (-len(mantissa.split(".")[1]) + int(exponent or 0))


def _paren(text: str) -> str:
    """A factor in brackets when it is a sum or negative: 0.2 · (1 - f^2), 2 · (-1)."""
    return f"({text})" if text.startswith("-") or " + " in text or " - " in text else text
