"""Every gate's taught derivative is the true one: SymPy's diff and a central difference agree
with it, and its numeric forward/local match its SymPy forms."""

import math
import random

import pytest
import sympy as sp

from backprop_tutor.engine.gates import GATES, Gate
from backprop_tutor.engine.verify import central_difference

# points away from every kink, inside every domain (log, sqrt need a > 0)
POINTS = [(0.7, 1.3), (1.9, 0.4), (0.35, 2.2), (2.5, 1.1)]


@pytest.mark.parametrize("gate", GATES.values(), ids=lambda g: g.name)
def test_taught_derivative_is_the_true_one(gate: Gate) -> None:
    args = sp.symbols(f"a:{gate.arity}", real=True)
    out = gate.sym(*args)
    for a_val in POINTS:
        at = dict(zip(args, a_val))
        for arg, taught in zip(args, gate.dsym(*args, out), strict=True):
            truth = sp.diff(out, arg)
            assert float(sp.N(sp.sympify(taught).subs(at))) == pytest.approx(float(sp.N(truth.subs(at))), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("gate", GATES.values(), ids=lambda g: g.name)
def test_numeric_forward_and_local_match_sympy_and_finite_differences(gate: Gate) -> None:
    args = sp.symbols(f"a:{gate.arity}", real=True)
    for point in POINTS:
        x = list(point[: gate.arity])
        out = gate.forward(*x)
        assert out == pytest.approx(float(gate.sym(*args).subs(dict(zip(args, x)))), rel=1e-12)
        for i, local in enumerate(gate.local(*x, out)):
            numeric = central_difference(lambda v: gate.forward(*v), x, i)
            assert local == pytest.approx(numeric, rel=1e-6, abs=1e-8)


def test_the_slides_local_derivative_table():
    x, a, c = sp.symbols("x a c", real=True)
    one = sp.Integer(1)
    assert GATES["exp"].dsym(x, sp.exp(x))[0] == sp.exp(x)                       # d/dx e^x = e^x
    assert sp.simplify(GATES["div"].dsym(one, x, one / x)[1] + 1 / x**2) == 0     # d/dx 1/x = -1/x^2
    assert GATES["mul"].dsym(a, x, a * x)[1] == a                                 # d/dx ax = a
    assert GATES["add"].dsym(c, x, c + x)[1] == 1                                 # d/dx (c + x) = 1
    s = sp.Symbol("s")
    assert sp.expand(GATES["sigmoid"].dsym(x, s)[0] - (1 - s) * s) == 0            # σ' = (1 - σ)σ


@pytest.mark.parametrize("gate, args, expected", [
    ("relu", (0.0,), (0,)),                 # relu'(0) = 0
    ("abs", (0.0,), (0,)),                  # abs'(0) = 0
    ("max", (2.0, 2.0), (1, 0)),            # a tie routes the gradient to the first argument
    ("min", (2.0, 2.0), (1, 0)),
    ("leaky_relu", (0.0, 0.1), (0.1, 0.0)),
    ("step", (0.0,), (0,)),                 # the threshold unit: flat everywhere, 0 at its jump too
])
def test_kink_conventions(gate, args, expected):
    g = GATES[gate]
    assert g.local(*args, g.forward(*args)) == expected
    assert g.kink, "a gate with a kink documents its convention"


def test_sympy_forms_use_the_same_kink_conventions():
    for name, args in [("relu", (0,)), ("step", (0,)), ("abs", (0,)), ("max", (2, 2)), ("min", (2, 2)), ("leaky_relu", (0, sp.Rational(1, 10)))]:
        g = GATES[name]
        numeric = g.local(*args, g.forward(*args))
        symbolic = [sp.sympify(d) for d in g.dsym(*map(sp.sympify, args), g.sym(*map(sp.sympify, args)))]
        assert [float(d) for d in symbolic] == [float(d) for d in numeric]


def test_exact_gates_stay_rational():
    from fractions import Fraction as F
    rng = random.Random(3)
    for g in (g for g in GATES.values() if g.exact):
        for _ in range(20):
            x = [F(rng.randint(1, 40), rng.randint(1, 9)) for _ in range(g.arity)]
            if g.name == "pow":
                x[1] = F(rng.randint(-3, 4))
            out = g.forward(*x)
            assert isinstance(out, F | int), g.name
            assert math.isclose(float(out), g.forward(*map(float, x)), rel_tol=1e-12)


# --- precision: every gate's forward and local derivative against mpmath at 40 digits ---------------
# Across the float range, saturation included: the true derivative of a saturated sigmoid is tiny,
# not 0, and a float64 gate must give it to the last few bits (F8: σ'(40) was 0, tanh'(20) 0,
# elu(-1e-12) off in the 5th digit).
_SMALL = [1e-300, 1e-20, 1e-12, 1e-10, 1e-5, 0.3, 1.0, 2.5]
_LARGE = [15.0, 20.0, 30.0, 37.0, 40.0, 100.0, 700.0, 710.0, 1e5, 1e300]
UNARY = [0.0] + [s * v for v in _SMALL + _LARGE for s in (1, -1)]
BINARY_A = [0.0] + [s * v for v in (1e-300, 1e-8, 0.3, 1.0, 2.5, 40.0, 1e8, 1e300) for s in (1, -1)]
BINARY_B = [-3.0, -1.0, -0.5, 0.1, 0.5, 2.0, 3.0, 10.0]
KINKED = {"relu", "abs", "max", "min", "leaky_relu", "elu", "step"}
DOMAIN = {"log": lambda a: a > 0, "sqrt": lambda a: a > 0, "pow": lambda a, b: a > 0,
          "div": lambda a, b: b != 0}
TINY = 1e-300  # below this a true value is not representable to full relative precision (subnormals)


def _points(gate: Gate):
    pts = [(a,) for a in UNARY] if gate.arity == 1 else [(a, b) for a in BINARY_A for b in BINARY_B]
    ok = DOMAIN.get(gate.name, lambda *x: True)
    for p in pts:
        if not ok(*p):
            continue
        if gate.name in KINKED and (p[0] == 0 or (gate.arity == 2 and gate.name in {"max", "min"} and p[0] == p[1])):
            continue  # a kink: a convention, tested above
        yield p


def _truth(expr: sp.Expr, at: dict) -> sp.Float:
    """expr at `at` to 40 digits. evalf(subs=...) raises its working precision as far as the
    cancellation needs (1 - tanh(100)^2); xreplace would round tanh(100) to 1 first. A Piecewise
    is first replaced by its branch at the point."""
    expr = expr.replace(lambda e: isinstance(e, sp.Piecewise),
                        lambda e: next(x for x, cond in e.args if bool(cond.xreplace(at))))
    return expr.evalf(40, subs=at, maxn=1500)


def _close(got: float, true: sp.Float) -> bool:
    true_f = float(true)
    if math.isinf(true_f) or abs(true_f) > 1e308:
        return True  # past float64: the tape refuses it as an overflow (tested in test_trace)
    if abs(true_f) < TINY:
        return abs(got - true_f) <= TINY
    return abs(got - true_f) <= 4e-15 * abs(true_f)


@pytest.mark.parametrize("gate", GATES.values(), ids=lambda g: g.name)
def test_every_gate_matches_mpmath_at_40_digits_across_the_float_range(gate: Gate) -> None:
    args = sp.symbols(f"a:{gate.arity}", real=True)
    value = gate.sym(*args)
    derivatives = [sp.diff(value, a) for a in args]
    bad = []
    for point in _points(gate):
        at = {a: sp.Float(x, 60) for a, x in zip(args, point)}   # the float's exact binary value
        try:
            out = gate.forward(*point)
        except OverflowError:
            assert abs(float(_truth(value, at))) > 1e308
            continue
        true_out = _truth(value, at)
        if not _close(float(out), true_out):
            bad.append((point, "value", out, true_out))
        trues = [_truth(d, at) for d in derivatives]
        try:
            locals_ = gate.local(*point, out)
        except OverflowError:  # the tape refuses it ("overflows float64"): only where the truth does
            assert any(abs(float(t)) > 1e308 for t in trues), (point, trues)
            continue
        for i, (local, true_local) in enumerate(zip(locals_, trues)):
            if not _close(float(local), true_local):
                bad.append((point, f"∂/∂a{i}", local, true_local))
    assert not bad, bad[:5]


@pytest.mark.parametrize("gate, x, truth", [
    ("sigmoid", 40, "4.248354255291588995337e-18"),      # e^-40 / (1 + e^-40)^2
    ("sigmoid", 37, "8.533047625744065e-17"),
    ("sigmoid", 30, "9.357622968840175e-14"),
    ("sigmoid", 20, "2.061153618190204e-09"),
    ("tanh", 20, "1.699341702276101e-17"),                 # 4e^-40 / (1 + e^-40)^2
    ("tanh", 15, "3.743049188071063e-13"),
])
def test_the_issues_saturated_derivatives(gate, x, truth):
    g = GATES[gate]
    for sign in (1, -1):  # the functions are symmetric, so are their float derivatives
        (local,) = g.local(sign * x, g.forward(sign * x))
        assert local == pytest.approx(float(truth), rel=1e-14)


def test_elu_near_zero_keeps_its_digits():
    assert GATES["elu"].forward(-1e-12, 1) == pytest.approx(-9.999999999995e-13, rel=1e-15)
    assert GATES["elu"].forward(-1e-10, 1) == pytest.approx(-9.9999999995e-11, rel=1e-15)


def test_step_is_the_mcculloch_pitts_threshold():
    """Lecture 004: sigma(x) = 1 if x > 0 and 0 otherwise; its local gradient is 0 on both sides."""
    g = GATES["step"]
    assert [g.forward(x) for x in (-2.0, -1e-9, 0.0, 1e-9, 3.0)] == [0, 0, 0, 1, 1]
    assert all(g.local(x, g.forward(x)) == (0,) for x in (-2.0, 0.0, 3.0))
