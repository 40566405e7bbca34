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
])
def test_kink_conventions(gate, args, expected):
    g = GATES[gate]
    assert g.local(*args, g.forward(*args)) == expected
    assert g.kink, "a gate with a kink documents its convention"


def test_sympy_forms_use_the_same_kink_conventions():
    for name, args in [("relu", (0,)), ("abs", (0,)), ("max", (2, 2)), ("min", (2, 2)), ("leaky_relu", (0, sp.Rational(1, 10)))]:
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
