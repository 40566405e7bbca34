"""What a slide knows and says at step i: the numbers known so far, and the step's chain-rule
equation in symbols and numbers, as Unicode text (captions, HTML) and as LaTeX (Beamer).

Every number comes from the Trace (Step values, `t.number`), formatted by `shown` (fmt with the
trace's one choice about fractions): exact where the inputs are, the same on every slide.
Symbols come from `t.symbolic` (SymPy), printed, never re-derived.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from ..fmt import fmt, typed_fractions
from ..engine.gates import GATES
from .formula_text import latex, plain

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ..engine.trace import Number, Trace

# Gate forms in text; functions not listed are written name(args).
_TEXT = {"add": "{0} + {1}", "sub": "{0} - {1}", "mul": "{0} · {1}", "div": "{0} / {1}",
         "pow": "{0}^{1}", "neg": "-{0}", "abs": "|{0}|", "sigmoid": "σ({0})", "sqrt": "√({0})"}


def per_trace(fn):  # noqa: ANN001, ANN201 - a function of one Trace
    """Compute fn(trace) once per trace (kept on the trace: Trace.derived)."""

    @functools.wraps(fn)
    def run(t: "Trace"):  # noqa: ANN202
        return t.derived(fn)

    return run


@dataclass(frozen=True)
class _Timeline:
    """When each number becomes known: a step index per value, gradient sent and total."""

    values: dict[str, int]                                        # node -> step computing it (-1: given)
    all_values: int                                               # from this step on every value is shown
    sent: dict[tuple[str, str, int], tuple[int, "Number"]]        # (gate, wrt, arg) -> (step, grad)
    totals: dict[str, tuple[int, "Number"]]                       # node -> (step, ∂out/∂node)
    received: dict[str, list[int]]                                # node -> backward steps sending to it


@per_trace
def _timeline(t: "Trace") -> _Timeline:
    """One pass over the steps, so a slide asks 'known yet?' in O(1), not O(steps): big graphs stay linear."""
    values = {n: -1 for n, kind in t.graph.nodes(data="kind") if kind != "gate"}
    sent: dict = {}
    totals: dict = {}
    received: dict[str, list[int]] = {}
    for i, s in enumerate(t.steps):
        if s.phase == "forward":
            values.setdefault(s.node, i)
        elif s.wrt is None:
            totals[s.node] = (i, s.value)
        else:
            sent[(s.node, s.wrt, s.arg)] = (i, s.value)
            received.setdefault(s.wrt, []).append(i)
            if s.branch == s.branches:
                totals[s.wrt] = (i, s.total)
    first_back = next((i for i, s in enumerate(t.steps) if s.phase == "backward"), len(t.steps))
    return _Timeline(values, first_back, sent, totals, received)


@dataclass(frozen=True)
class Known:
    """What is known on the slide of step `index`: forward values, and gradients sent so far."""

    index: int
    at: _Timeline

    def has_value(self, node: str) -> bool:
        """Whether the node's forward value is shown (every value is, once the backward pass starts)."""
        return self.index >= self.at.all_values or self.at.values.get(node, self.at.all_values) <= self.index

    def sent(self, key: tuple[str, str, int]) -> "Number | None":
        """The gradient sent along (gate, wrt, arg), if sent by now."""
        hit = self.at.sent.get(key)
        return hit[1] if hit is not None and hit[0] <= self.index else None

    def total(self, node: str) -> "Number | None":
        """∂out/∂node summed over all its paths, once the last path has arrived."""
        hit = self.at.totals.get(node)
        return hit[1] if hit is not None and hit[0] <= self.index else None


def known(t: "Trace", index: int) -> Known:
    """The state after step `index` (0-based): values computed so far and gradients sent so far."""
    return Known(index, _timeline(t))


def name(t: "Trace", node: str) -> str:
    """How a node is called on a slide: the output by the output's name, a constant by its value."""
    if node == t.output:
        return t.output_name
    attrs = t.graph.nodes[node]
    return attrs["label"] if attrs["kind"] == "const" else node


def program_line(t: "Trace", limit: int = 90) -> str:
    """The program on one line, statements joined by '; ', cut to `limit` characters (titles, captions)."""
    text = "; ".join(line.strip() for line in t.expr.replace(";", "\n").splitlines() if line.strip())
    return text if len(text) <= limit else text[:limit - 1] + "…"


@per_trace
def shows_fractions(t: "Trace") -> bool:
    """Whether this trace's numbers may show as fractions: only if the student typed one (x=1/3)."""
    return typed_fractions(t.number(x) for x in t.inputs)


def shown(t: "Trace", x: "Number", digits: int = 2) -> str:
    """A number of trace t as every screen, table and caption of t shows it (fmt, see fmt.py)."""
    return fmt(x, digits, shows_fractions(t))


def num(x: "Number", paren: bool = True) -> str:
    """A number as shown, in parentheses when negative inside a formula: 2 · (-1)."""
    text = fmt(x)
    return f"({text})" if paren and text.startswith("-") else text


MAX_DIGITS = 6  # operands get up to this many digits so that a pencil check of the equation works


def _read(text: str) -> Fraction:
    """A printed number back as the exact value it shows: "0.39", "-2", "10/7", "1.2e-05"."""
    return Fraction(text)


def _half_unit(text: str) -> Fraction:
    """Half a unit of the last printed digit (0 for an exact integer or fraction): 0.39 -> 0.005."""
    mantissa, _, exponent = text.partition("e")
    if "/" in text or "." not in mantissa:
        return Fraction(0)
    return Fraction(1, 2 * 10 ** len(mantissa.split(".")[1])) * Fraction(10) ** int(exponent or 0)


def checkable(compute: "Callable[..., Number]", operands: "Sequence[Number]", result: "Number",
              fractions: bool = False) -> tuple[list[str], str, str]:
    """The operands and the result as printed, with "=" or "≈" between: an equation a pencil checks.

    `compute` is the gate (from GATES) or the sum: applied to the *printed* operands it must give
    the printed result to half a unit of its last digit ("0.197 · 2 = 0.39", not "0.20 · 2 =
    0.39"). Operands get more digits until it does; if even MAX_DIGITS do not, the relation is
    "≈". This only chooses how many digits to print: the numbers themselves come from the Trace.
    `fractions` is the trace's choice (see `shows_fractions`): 10/7 is 1.43 unless the student typed one.

    Examples:
        >>> checkable(lambda a, b: a * b, [0.19661193324148188, Fraction(2)], 0.39322386648296376)
        (['0.197', '2'], '=', '0.39')
        >>> checkable(lambda a, b: a + b, [Fraction(-2), Fraction(6)], Fraction(4))
        (['-2', '6'], '=', '4')
        >>> checkable(lambda a, b: a / b, [Fraction(1), Fraction(7, 10)], Fraction(10, 7))
        (['1', '0.7'], '=', '1.43')
        >>> checkable(lambda a, b: a * b, [Fraction(1, 3), Fraction(3)], Fraction(1), fractions=True)
        (['1/3', '3'], '=', '1')
    """
    def text(x: "Number", digits: int = 2) -> str:
        return fmt(x, digits, fractions)

    want = text(result)
    try:
        target, slack = _read(want), _half_unit(want)
    except (ValueError, ZeroDivisionError):  # inf, nan: nothing to check
        return [text(x) for x in operands], "=", want
    slack = slack * (1 + Fraction(1, 10**9)) + abs(target) * Fraction(1, 10**12)
    for digits in range(2, MAX_DIGITS + 1):
        texts = [text(x, digits) for x in operands]
        try:
            got = compute(*(_read(t) for t in texts))
            if abs(Fraction(got) - target) <= slack:
                return texts, "=", want
        except (ArithmeticError, ValueError, TypeError):
            break
        # nothing more to show (compared with the most digits: 6.35e-09 stays 6.35e-09 at 3, not at 4)
        if all(text(x, digits) == text(x, MAX_DIGITS) for x in operands):
            break
    return [text(x) for x in operands], "≈", want


def checkable_sum(terms: "Sequence[Number]", total: "Number", fractions: bool = False) -> tuple[list[str], str, str]:
    """Terms of a sum as printed, and "=" or "≈" (see `checkable`)."""
    return checkable(lambda *xs: sum(xs, Fraction(0)), terms, total, fractions)


def _gate_text(gate: str, args: list[str]) -> str:
    return _TEXT.get(gate, f"{GATES[gate].name}({', '.join('{%d}' % i for i in range(len(args)))})").format(*args)


def renamed(t: "Trace", expr: object) -> object:
    """A SymPy form with the output's symbol renamed to the output's name (n8 -> f)."""
    import sympy as sp

    if not hasattr(expr, "xreplace"):  # a plain number
        return expr
    sym = t.symbolic.symbols[t.output]
    return expr.xreplace({sym: sp.Symbol(t.output_name, real=True)}) if t.output_name != t.output else expr


def _local_text(t: "Trace", node: str, arg: int) -> str:
    return plain(renamed(t, t.symbolic.local(node, arg)), " · ")


MAX_TERMS = 8  # a sum over more paths is written 1 + 1 + 1 + … + 1: a caption is one line


def _paths(t: "Trace", index: int) -> list["Number"]:
    """The gradients the node of backward step `index` received so far, one per path."""
    return [t.steps[j].value for j in _timeline(t).received.get(t.steps[index].wrt, []) if j <= index]


def _sum(terms: list[str]) -> str:
    """Terms joined by ' + ', the middle elided when there are more than MAX_TERMS."""
    if len(terms) > MAX_TERMS:
        terms = [*terms[:3], "…", *terms[-2:]]
    return " + ".join(terms)


def equation(t: "Trace", index: int) -> list[str]:
    """The step's equation lines, e.g. ['∂f/∂q = ∂f/∂f · ∂f/∂q = 1 · z = 1 · (-4) = -4']."""
    s, out = t.steps[index], t.output_name
    g = s.node
    if s.phase == "forward":
        attrs = t.graph.nodes[g]
        syms = [name(t, i) for i in attrs["inputs"]]
        # the operands printed with digits enough that they give the printed result ("=") or "≈"
        texts, rel, result = checkable(GATES[attrs["gate"]].forward, s.inputs, s.value, shows_fractions(t))
        nums = [_neg(x, paren=attrs["gate"] in _TEXT) for x in texts]
        if attrs["gate"] == "neg":  # -(-2), not --2; -(1), not -1 = -1
            nums = [f"({texts[0]})"]
        return [f"{name(t, g)} = {_gate_text(attrs['gate'], syms)} = {_gate_text(attrs['gate'], nums)} {rel} {result}"]
    if s.wrt is None:
        return [f"∂{out}/∂{out} = 1"]
    w, local = name(t, s.wrt), _local_text(t, g, s.arg)
    head = f"∂{out}/∂{w}" + (f" (path {s.branch} of {s.branches})" if s.branches > 1 else "")
    # at the output gate ∂f/∂f · ∂f/∂q would read as circular: the second factor is the local derivative
    second = f"(local ∂{name(t, g)}/∂{w})" if g == t.output else f"∂{name(t, g)}/∂{w}"
    (up, loc), rel, result = checkable(lambda a, b: a * b, [s.upstream, s.local], s.value, shows_fractions(t))
    parts = [head, f"∂{out}/∂{name(t, g)} · {second}", f"{_neg(up)} · {_paren(local)}"]
    if local != loc:
        parts.append(f"{_neg(up)} · {_neg(loc)}")
    lines = [" = ".join(parts) + f" {rel} {result}"]
    if s.branches > 1 and s.branch == s.branches:
        paths = _paths(t, index)
        terms, rel, total = checkable_sum(paths, s.total, shows_fractions(t)) if len(paths) <= MAX_TERMS else \
            ([shown(t, p) for p in paths], "=", shown(t, s.total))
        lines.append(f"∂{out}/∂{w} = " + _sum([_neg(p) for p in terms]) + f" {rel} {total}"
                     f"   (the sum over its {s.branches} paths)")
    return lines


def _neg(text: str, paren: bool = True) -> str:
    """A printed number inside a formula, in parentheses when negative: 2 · (-1)."""
    return f"({text})" if paren and text.startswith("-") else text


def _paren(text: str) -> str:
    return f"({text})" if any(c in text for c in " +-") and not text.startswith(("(", "[")) else text


def title(t: "Trace", index: int) -> str:
    """A short heading: 'Step 3 of 21 · forward: n3'."""
    s = t.steps[index]
    what = f"forward: {name(t, s.node)}" if s.phase == "forward" else \
        "backward: seed" if s.wrt is None else f"backward: {name(t, s.node)} → {name(t, s.wrt)}"
    return f"Step {index + 1} of {len(t.steps)} · {what}"


# ---- LaTeX (Beamer) --------------------------------------------------------------------------

def tex_text(text: str, paren: bool = True) -> str:
    """A printed number ("10/7", "1.23e-05", "-0.197") in LaTeX, bracketed when negative inside a formula."""
    if "/" in text:  # an exact fraction
        top, bottom = text.lstrip("-").split("/")
        text = ("-" if text.startswith("-") else "") + rf"\frac{{{top}}}{{{bottom}}}"
    if "e" in text and not text.startswith(("inf", "-inf", "nan")):  # 1.23e-05 -> 1.23 \times 10^{-5}
        mantissa, exponent = text.split("e")
        text = rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return rf"\left({text}\right)" if paren and text.startswith("-") else text


def _tex_sym(t: "Trace", node: str) -> str:
    import sympy as sp

    return sp.latex(sp.Symbol(name(t, node)))


def equation_tex(t: "Trace", index: int) -> list[str]:
    """The step's equation lines as LaTeX math (SymPy's printer for every symbolic form)."""
    import sympy as sp

    s, out = t.steps[index], sp.latex(sp.Symbol(t.output_name))

    def d(a: str, b: str) -> str:
        return rf"\frac{{\partial {a}}}{{\partial {b}}}"

    if s.phase == "forward":
        attrs = t.graph.nodes[s.node]
        template, infix = GATES[attrs["gate"]].latex, bool(GATES[attrs["gate"]].infix)
        form = template.format(*(_tex_sym(t, i) for i in attrs["inputs"]))
        texts, rel, result = checkable(GATES[attrs["gate"]].forward, s.inputs, s.value, shows_fractions(t))  # as `equation`
        nums = template.format(*(tex_text(x, paren=infix) for x in texts))
        if attrs["gate"] == "neg":  # -\left(1\right) = -1, not -1 = -1 (as `equation` writes -(1))
            nums = rf"-\left({texts[0]}\right)"
        return [f"{_tex_sym(t, s.node)} = {form} = {nums} {_TEX_REL[rel]} {tex_text(result, False)}"]
    if s.wrt is None:
        return [f"{d(out, out)} = 1"]
    g, w = _tex_sym(t, s.node), _tex_sym(t, s.wrt)
    form = renamed(t, t.symbolic.local(s.node, s.arg))
    local_d = rf"\left(\text{{local }} {d(g, w)}\right)" if s.node == t.output else d(g, w)  # not circular
    parts = [d(out, w), rf"{d(out, g)} \cdot {local_d}"]
    (up, loc), rel, result = checkable(lambda a, b: a * b, [s.upstream, s.local], s.value, shows_fractions(t))
    if not form.is_Number:  # a symbolic local derivative first, then its number
        local = latex(form)
        bare = form.is_Symbol or local.startswith(r"\left[")  # an Iverson bracket needs no more brackets
        parts.append(rf"{tex_text(up)} \cdot " + (local if bare else rf"\left({local}\right)"))
    parts.append(rf"{tex_text(up)} \cdot {tex_text(loc)}")
    lines = [" = ".join(parts) + f" {_TEX_REL[rel]} {tex_text(result, False)}"]
    if s.branches > 1 and s.branch == s.branches:
        paths = _paths(t, index)
        terms, rel, total = checkable_sum(paths, s.total, shows_fractions(t)) if len(paths) <= MAX_TERMS else \
            ([shown(t, p) for p in paths], "=", shown(t, s.total))
        lines.append(f"{d(out, w)} = " + _sum([tex_text(p) for p in terms]).replace("…", r"\dots")
                     + f" {_TEX_REL[rel]} {tex_text(total, False)}")
    return lines


_TEX_REL = {"=": "=", "≈": r"\approx"}
