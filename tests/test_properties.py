"""Property tests: random expressions agree with two independent oracles (SymPy's derivative of
the whole expression, and central finite differences); random text never crashes the parser."""

import math
import time

import pytest
import sympy as sp
from hypothesis import assume, given
from hypothesis import strategies as st

import backprop_tutor as bt
from backprop_tutor.errors import TutorError
from backprop_tutor.engine.verify import verify

UNARY = ["exp", "tanh", "sigmoid", "sin", "cos", "softplus", "relu", "abs", "-", "log", "sqrt", "elu", "leaky_relu"]
BINARY = ["+", "-", "*", "/", "max", "min", "^2"]


def expressions(depth: int = 4):
    leaf = st.sampled_from(["x", "y", "z", "2", "0.5", "x", "y"])

    def extend(inner):
        unary = st.tuples(st.sampled_from(UNARY), inner).map(
            lambda t: f"-({t[1]})" if t[0] == "-" else f"{t[0]}({t[1]})")
        binary = st.tuples(st.sampled_from(BINARY), inner, inner).map(
            lambda t: f"({t[1]})^2" if t[0] == "^2" else f"{t[0]}({t[1]}, {t[2]})" if t[0] in ("max", "min")
            else f"({t[1]}) {t[0]} ({t[2]})")
        return unary | binary

    return st.recursive(leaf, extend, max_leaves=8)


points = st.fixed_dictionaries({v: st.floats(-2, 2).filter(lambda a: abs(a) > 0.05) for v in "xyz"})


@given(expressions(), points)
def test_backprop_agrees_with_sympy_diff_and_finite_differences(text, at):
    try:
        t = bt.trace(text, {k: v for k, v in at.items() if k in text})
    except TutorError:
        assume(False)
    assume(all(abs(v) < 1e6 for v in t.values.values()))
    for row in verify(t):
        if row.near_kink:
            continue
        if row.sympy is not None:  # relative to the truth; room only for branches that cancel
            assert abs(row.backprop - row.sympy) <= 1e-7 * abs(row.sympy) + 1e-12 * row.scale, (text, row)
        if row.numeric is not None and abs(row.backprop) < 1e4:
            assert row.backprop == pytest.approx(row.numeric, rel=1e-4, abs=1e-5), (text, row)


@given(expressions(), points)
def test_expanded_and_collapsed_graphs_give_the_same_gradients(text, at):
    at = {k: v for k, v in at.items() if k in text}
    try:
        a, b = bt.trace(text, at), bt.trace(text, at, expand=True)
    except TutorError:
        assume(False)
    for k, v in a.gradient.items():
        assert math.isclose(v, b.gradient[k], rel_tol=1e-9, abs_tol=1e-12)


TOKENS = ["x", "y", "1", "2.5", "1e-3", "(", ")", "+", "-", "*", "/", "^", "**", ",", ";", "\n", "=", " ", "exp(",
          "max(", "sigmoid(", "relu(", "f", "q", "pi", "e", "#", ".", "[", "'", "__import__(", "lambda", "9**9**9"]


@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
def test_random_token_soup_never_crashes(text):
    start = time.perf_counter()
    try:
        bt.trace(text, {})
    except TutorError:
        pass
    assert time.perf_counter() - start < 2


@given(st.text(max_size=60))
def test_random_text_never_crashes(text):
    try:
        bt.trace(text, {"x": 1})
    except TutorError as err:
        assert str(err)


@given(expressions(), st.integers(0, 200), st.sampled_from(["", "(", ")", "*", "x", ",", "1e", "=", "exp"]))
def test_mutated_valid_input_never_crashes(text, where, insert):
    where = where % (len(text) + 1)
    try:
        bt.trace(text[:where] + insert + text[where:], {"x": 0.5, "y": 1.5, "z": -0.7})
    except TutorError:
        pass


def test_sympy_oracle_is_independent_of_the_engine():
    # the oracle differentiates the whole expression: check it against a hand derivative once
    t = bt.trace("x*exp(y)", {"x": 2, "y": 0.5})
    x, y = sp.symbols("x y", real=True)
    assert t.symbolic.value(t.output).equals(x * sp.exp(y))
    (dx, dy) = verify(t)
    assert dy.sympy == pytest.approx(2 * math.exp(0.5))


def test_verify_compares_relative_to_the_true_values_scale():
    from backprop_tutor.engine.verify import Agreement

    # F8: a saturated sigmoid's old 0 against the true 4.25e-18 must not "agree"
    assert not Agreement("x", 0.0, 4.248354255291589e-18, 0.0, near_kink=False).agrees
    assert Agreement("x", 4.248354255291589e-18, 4.248354255291589e-18, 0.0, near_kink=False).agrees
    # branches that cancel (0.1 + 0.2 - 0.3) leave float rounding, measured against the branches
    t = bt.trace("x*0.1 + x*0.2 - x*0.3", {"x": 1.5})
    (row,) = verify(t)
    assert row.sympy == 0 and row.backprop != 0 and row.scale == pytest.approx(0.3) and row.agrees
    (row,) = verify(bt.trace("sigmoid(x)", {"x": 40}))
    assert row.agrees and row.backprop == pytest.approx(4.248354255291589e-18, rel=1e-14)
