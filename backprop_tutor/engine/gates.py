"""THE table of operations: every gate is defined once, here.

A row gives a gate's numeric forward pass and local derivatives (plain Python floats: the tape
runs on these), the same two as SymPy expressions written *as taught* (data, to print, LaTeX,
check and expand), the symbol drawn in its circle, and its convention where it has a kink.
Adding a gate is one edit: the parser, the graph, the trace, the renderers and the tests all
read `GATES`.

Numeric `local(*args, out)` and symbolic `dsym(*args, out)` both receive the gate's own output,
so a derivative can be written the way the lecture writes it: sigmoid's is `(1 - out) * out`.
The numbers are computed where they do not cancel: σ'(a) as σ(a)·σ(-a), tanh' from e^-2|a|,
ELU with expm1, softplus with log1p; tests/test_gates.py holds every gate to mpmath at 40
digits across the float range, saturation included.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any


class _LazySympy:
    """`sp.exp` etc. inside the rows below, imported on first use (keeps `tutor --help` fast)."""

    def __getattr__(self, name: str) -> Any:
        import sympy

        return getattr(sympy, name)


sp: Any = _LazySympy()

# Exact (Fraction) results are kept only while they stay this small; past it the float is used.
EXACT_BITS = 4096


def rational(x: Any) -> Fraction | None:
    """x as a bounded Fraction, or None when it is not rational or too large to keep exact."""
    if type(x) is not Fraction:  # (the common case, a Fraction, is not copied)
        if isinstance(x, bool) or not isinstance(x, (int, Fraction)):
            return None
        x = Fraction(x)
    if x.numerator.bit_length() > EXACT_BITS or x.denominator.bit_length() > EXACT_BITS:
        return None
    return x


def _pow(a: float, b: float) -> float:
    """a ** b over the reals; exact for a rational base and a small integer exponent."""
    if isinstance(a, Fraction) and isinstance(b, Fraction) and b.denominator == 1:
        size = max(abs(a.numerator), a.denominator).bit_length() * abs(b.numerator)
        if size <= EXACT_BITS and not (a == 0 and b < 0):
            return a ** b.numerator
    return math.pow(a, b)  # ValueError for (-8)^(1/3), OverflowError for 9^9^9: both refused


def _dpow(a: float, b: float, out: float) -> float:
    """∂(a^b)/∂a = b·a^(b-1), as b·out/a where out is a normal number: b - 1 rounded would be
    amplified by log a (1e-300^-0.9 off in the 14th digit)."""
    if a != 0 and (isinstance(out, Fraction) or 1e-300 < abs(out) < 1e300):
        return b * out / a
    return b * _pow(a, b - 1)


def _sigmoid(a: float) -> float:
    """1 / (1 + e^-a), without overflow for large |a|."""
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    z = math.exp(a)
    return z / (1.0 + z)


def _dsigmoid(a: float) -> float:
    """σ'(a) = σ(a)·σ(-a) = e^-|a| / (1 + e^-|a|)², never from 1 - σ: exact to the last bits
    when the unit saturates (σ'(40) ≈ 4.2e-18, not 0)."""
    z = math.exp(-abs(a))
    return z / ((1.0 + z) * (1.0 + z))


def _dtanh(a: float, out: float) -> float:
    """tanh'(a) = 1 - tanh², computed as sech² = 4e^-2|a| / (1 + e^-2|a|)² where tanh² is near 1
    (1 - tanh² cancels there: tanh'(20) would be 0, not 1.7e-17)."""
    if abs(a) < 0.5:
        return 1.0 - out * out
    z = math.exp(-2.0 * abs(a))
    return 4.0 * z / ((1.0 + z) * (1.0 + z))


def _softplus(a: float) -> float:
    """log(1 + e^a), without overflow for large a."""
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))


def _zero(a: Any) -> Any:
    """A zero of the same kind as `a` (Fraction stays Fraction, so exact paths stay exact)."""
    return a * 0


@dataclass(frozen=True)
class Gate:
    """One operation. Numbers go through `forward`/`local`; formulas through `sym`/`dsym`."""

    name: str                      # as typed (`exp`) or, for operators, a word (`add`)
    symbol: str                    # drawn in the gate's circle: "+", "*", "exp", "σ"
    latex: str                     # LaTeX template over the inputs: r"{0} + {1}"
    forward: Callable[..., Any]    # (*args) -> value
    local: Callable[..., tuple]    # (*args, out) -> (∂out/∂arg, ...) numbers
    sym: Callable[..., Any]        # (*args) -> SymPy value, SymPy's own names only
    dsym: Callable[..., tuple]     # (*args, out) -> (∂out/∂arg, ...) SymPy, as taught
    exact: bool = False            # forward and local stay rational on Fractions
    infix: str = ""                # operator as typed: "+"; functions have none
    defaults: tuple[str, ...] = () # literals for trailing optional arguments
    kink: str = ""                 # the convention where it is not differentiable
    expand: str = ""               # primitive form over arguments a, b (for --expand)
    arity: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "arity", self.forward.__code__.co_argcount)


GATES: dict[str, Gate] = {g.name: g for g in [
    #    name  symbol  latex   forward / local (numbers)                       sym / dsym (SymPy, as taught)
    Gate("add", "+", r"{0} + {1}", lambda a, b: a + b, lambda a, b, out: (1, 1),
         lambda a, b: a + b, lambda a, b, out: (1, 1), exact=True, infix="+"),
    Gate("sub", "-", r"{0} - {1}", lambda a, b: a - b, lambda a, b, out: (1, -1),
         lambda a, b: a - b, lambda a, b, out: (1, -1), exact=True, infix="-"),
    Gate("mul", "*", r"{0} \cdot {1}", lambda a, b: a * b, lambda a, b, out: (b, a),
         lambda a, b: a * b, lambda a, b, out: (b, a), exact=True, infix="*"),
    Gate("div", "/", r"\frac{{{0}}}{{{1}}}", lambda a, b: a / b, lambda a, b, out: (1 / b, -a / (b * b)),
         lambda a, b: a / b, lambda a, b, out: (1 / b, -a / b**2), exact=True, infix="/"),
    Gate("pow", "^", r"{{{0}}}^{{{1}}}", _pow,
         lambda a, b, out: (_dpow(a, b, out), out * math.log(a) if a > 0 else math.nan),
         lambda a, b: a**b, lambda a, b, out: (b * a ** (b - 1), a**b * sp.log(a)), exact=True, infix="^",
         kink="∂/∂b of a^b needs a > 0 (log a); it is only computed where b is not a constant"),
    Gate("neg", "*-1", r"-{0}", lambda a: -a, lambda a, out: (-1,),
         lambda a: -a, lambda a, out: (-1,), exact=True, infix="-"),
    Gate("exp", "exp", r"e^{{{0}}}", lambda a: math.exp(a), lambda a, out: (out,),
         lambda a: sp.exp(a), lambda a, out: (sp.exp(a),)),
    Gate("log", "log", r"\log\left({0}\right)", lambda a: math.log(a), lambda a, out: (1 / a,),
         lambda a: sp.log(a), lambda a, out: (1 / a,)),
    Gate("sqrt", "√", r"\sqrt{{{0}}}", lambda a: math.sqrt(a), lambda a, out: (1 / (2 * out),),
         lambda a: sp.sqrt(a), lambda a, out: (1 / (2 * sp.sqrt(a)),)),
    Gate("sin", "sin", r"\sin\left({0}\right)", lambda a: math.sin(a), lambda a, out: (math.cos(a),),
         lambda a: sp.sin(a), lambda a, out: (sp.cos(a),)),
    Gate("cos", "cos", r"\cos\left({0}\right)", lambda a: math.cos(a), lambda a, out: (-math.sin(a),),
         lambda a: sp.cos(a), lambda a, out: (-sp.sin(a),)),
    Gate("tanh", "tanh", r"\tanh\left({0}\right)", lambda a: math.tanh(a), lambda a, out: (_dtanh(a, out),),
         lambda a: sp.tanh(a), lambda a, out: (1 - out**2,)),
    Gate("sigmoid", "σ", r"\sigma\left({0}\right)", _sigmoid, lambda a, out: (_dsigmoid(a),),
         lambda a: 1 / (1 + sp.exp(-a)), lambda a, out: ((1 - out) * out,),
         expand="1/(1 + exp(-a))"),
    Gate("relu", "relu", r"\mathrm{{ReLU}}\left({0}\right)", lambda a: a if a > 0 else _zero(a),
         lambda a, out: (1 if a > 0 else 0,),
         lambda a: sp.Max(0, a), lambda a, out: (sp.Heaviside(a, 0),), exact=True,
         kink="relu'(0) = 0: at 0 no gradient passes"),
    Gate("step", "step", r"\mathrm{{step}}\left({0}\right)", lambda a: _zero(a) + (1 if a > 0 else 0),
         lambda a, out: (0,),
         lambda a: sp.Heaviside(a, 0), lambda a, out: (0,), exact=True,
         kink="the threshold unit's jump at 0 has no derivative; 0 is used there as everywhere"),
    Gate("leaky_relu", "lrelu", r"\mathrm{{LReLU}}\left({0}, {1}\right)",
         lambda a, b: a if a > 0 else b * a, lambda a, b, out: (1, _zero(a)) if a > 0 else (b, a),
         lambda a, b: sp.Piecewise((a, a > 0), (b * a, True)),
         lambda a, b, out: (sp.Piecewise((1, a > 0), (b, True)), sp.Piecewise((0, a > 0), (a, True))),
         exact=True, defaults=("0.01",), kink="at 0 the negative side's slope b is used"),
    Gate("elu", "elu", r"\mathrm{{ELU}}\left({0}, {1}\right)",
         lambda a, b: a if a > 0 else b * math.expm1(a),
         lambda a, b, out: (1, 0) if a > 0 else (b * math.exp(a), math.expm1(a)),
         lambda a, b: sp.Piecewise((a, a > 0), (b * (sp.exp(a) - 1), True)),
         lambda a, b, out: (sp.Piecewise((1, a > 0), (b * sp.exp(a), True)),
                            sp.Piecewise((0, a > 0), (sp.exp(a) - 1, True))),
         defaults=("1",), kink="at 0 the negative side's slope b·e^0 = b is used"),
    Gate("softplus", "softplus", r"\log\left(1 + e^{{{0}}}\right)", _softplus, lambda a, out: (_sigmoid(a),),
         lambda a: sp.log(1 + sp.exp(a)), lambda a, out: (1 / (1 + sp.exp(-a)),),
         expand="log(1 + exp(a))"),
    Gate("abs", "|x|", r"\left|{0}\right|", lambda a: abs(a), lambda a, out: ((a > 0) - (a < 0),),
         lambda a: sp.Abs(a), lambda a, out: (sp.sign(a),), exact=True, kink="abs'(0) = 0"),
    Gate("max", "max", r"\max\left({0}, {1}\right)", lambda a, b: a if a >= b else b,
         lambda a, b, out: (1, 0) if a >= b else (0, 1),
         lambda a, b: sp.Max(a, b), lambda a, b, out: (sp.Heaviside(a - b, 1), sp.Heaviside(b - a, 0)),
         exact=True, kink="a tie routes the whole gradient to the first argument"),
    Gate("min", "min", r"\min\left({0}, {1}\right)", lambda a, b: a if a <= b else b,
         lambda a, b, out: (1, 0) if a <= b else (0, 1),
         lambda a, b: sp.Min(a, b), lambda a, b, out: (sp.Heaviside(b - a, 1), sp.Heaviside(a - b, 0)),
         exact=True, kink="a tie routes the whole gradient to the first argument"),
]}

# What a user may call by name (operators are written with their symbol), and aliases.
FUNCTIONS: dict[str, str] = {g.name: g.name for g in GATES.values() if not g.infix} | {"ln": "log"}
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}
