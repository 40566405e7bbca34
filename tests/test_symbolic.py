"""Symbolic forms: the lecture's chain form, the expanded form, bounded on deep graphs."""

import pytest
import sympy as sp

import backprop_tutor as bt
from backprop_tutor.engine.parse import parse
from backprop_tutor.engine.symbolic import MAX_DEPTH, MAX_TREE, to_sympy


def test_chain_form_in_neighbouring_symbols_and_expanded_form():
    t = bt.trace("q = x + y; f = q * z", {"x": -2, "y": 5, "z": -4})
    x, y, z = sp.symbols("x y z", real=True)
    assert t.symbolic.chain("x") == [("q", 0, 1)]            # ∂f/∂x = ∂f/∂q · ∂q/∂x, local 1
    assert t.symbolic.chain("q") == [("f", 0, z)]            # ∂f/∂q = ∂f/∂f · z
    assert t.symbolic.grad("x") == z and t.symbolic.grad("z") == x + y


def test_fan_out_chain_has_one_term_per_edge():
    t = bt.trace("x*x + x", {"x": 3})
    terms = t.symbolic.chain("x")
    assert sorted((c, arg) for c, arg, _ in terms) == [("n1", 0), ("n1", 1), ("n2", 1)]
    x = sp.Symbol("x", real=True)
    assert sp.expand(t.symbolic.grad("x") - (2 * x + 1)) == 0


def test_expanded_gradient_evaluates_to_the_backprop_number():
    t = bt.trace("sigmoid(w0*x0 + w1*x1 + w2)", dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3))
    at = {t.symbolic.symbols[v]: t.values[v] for v in t.inputs}
    for v in t.inputs:
        assert float(t.symbolic.grad(v).subs(at)) == pytest.approx(t.gradient[v], rel=1e-12)


def test_expanded_strings_read_back_with_plain_sympify():
    t = bt.trace("z = w1*x1 + w2*x2 + b1; h = relu(z); yhat = w3*h + b2; L = (yhat - y)^2",
                 dict(x1=2, x2=-1, w1=1.5, w2=2, b1=3, w3=2.5, b2=-2, y=6))
    text = str(t.symbolic.grad("w1"))
    assert "Heaviside(" in text and ", 0)" in text
    back = sp.sympify(text)                      # our own output, not user input
    at = {sp.Symbol(v): t.values[v] for v in t.inputs}
    assert float(back.subs(at)) == t.gradient["w1"] == 20


def test_deep_graphs_keep_the_chain_form_and_bound_the_expanded_one():
    text = "x"
    for _ in range(MAX_DEPTH + 5):
        text = f"sigmoid({text})"
    t = bt.trace(text, {"x": 0.3})
    assert t.symbolic.grad("x") is None and "deep" in t.symbolic.why_not
    assert len(t.symbolic.chain("x")) == 1


def test_symbolic_size_grows_linearly_on_a_sigmoid_chain():
    sizes = []
    for depth in (5, 10, 20):  # 40 deep, the expanded tree passes MAX_TREE: not built
        text = "x"
        for _ in range(depth):
            text = f"sigmoid({text})"
        sizes.append(bt.trace(text, {"x": 0.3}).symbolic.size())
    assert sizes[2] - sizes[1] <= 2.5 * (sizes[1] - sizes[0]) + 10   # linear, not quadratic


def test_to_sympy_builds_from_the_safe_tree():
    expr = parse("(1 - s)*s + exp(x)").statements[0].expr
    s, x = sp.symbols("s x")
    assert to_sympy(expr, {"s": s, "x": x}) == (1 - s) * s + sp.exp(x)


def test_latex_of_both_forms():
    t = bt.trace("q = x + y; f = q * z", {"x": -2, "y": 5, "z": -4})
    chain, expanded = t.symbolic.latex("x")
    assert chain == r"\frac{\partial f}{\partial q} \cdot 1" and expanded == "z"
    assert t.symbolic.latex("f") == ("1", "1")


def _nest(layers: int) -> str:
    """The issue's nest: tanh, sigmoid, softplus, elu, leaky_relu in turn, sharing w and b."""
    text = "x"
    for i in range(layers):
        text = f"{('tanh', 'sigmoid', 'softplus', 'elu', 'leaky_relu')[i % 5]}(w*{text} + b)"
    return f"w*{text} + b"


def _cpu(fn):
    import time

    start = time.process_time()
    result = fn()
    return result, time.process_time() - start


@pytest.mark.parametrize("layers", [10, 20])
def test_a_nest_of_kinked_gates_is_bounded_not_hung(layers):
    t = bt.trace(_nest(layers), {"x": 0.5, "w": 0.8, "b": 0.1})   # the numbers: instant
    note, seconds = _cpu(lambda: t.symbolic.why_not)
    assert note and "too large to expand" in note
    assert seconds < 5                                           # the budget is 0.75 s; before: minutes
    assert [t.symbolic.grad(v) for v in t.inputs] == [None, None, None]
    assert t.symbolic.value(t.output) is None
    assert len(t.symbolic.chain("x")) == 1                       # the chain form is always there


def test_a_program_reusing_each_line_twice_stops_at_the_size_budget():
    lines = ["h0 = tanh(w*x + x)"] + [f"h{i} = tanh(w*h{i - 1} + h{i - 1})" for i in range(1, 20)]
    t = bt.trace("; ".join(lines), {"x": 0.5, "w": 0.8})
    note, seconds = _cpu(lambda: t.symbolic.why_not)
    assert note and f"more than {MAX_TREE:,} terms" in note and seconds < 5
    assert t.symbolic.cse() == ([], [])


def test_small_graphs_still_get_their_expanded_forms_within_budget():
    t = bt.trace(_nest(3), {"x": 0.5, "w": 0.8, "b": 0.1})
    assert t.symbolic.why_not is None
    at = {t.symbolic.symbols[v]: t.values[v] for v in t.inputs}
    for v in t.inputs:
        assert float(t.symbolic.grad(v).subs(at)) == pytest.approx(t.gradient[v], rel=1e-12)


@pytest.mark.parametrize("text", ["+".join(["x"] * 4000), "-" * 4000 + "x", "x" + "*tanh(x" * 70 + ")" * 70])
def test_grad_past_the_budget_never_makes_node_attributes(text, monkeypatch, capsys):
    # fasttape.py traced the text into the tape; the node attributes would parse it a second time
    from backprop_tutor.commands import _direct
    from backprop_tutor.engine import graph

    def reparse(*args, **kwargs):
        raise AssertionError("the node attributes were made: the text was parsed again")

    monkeypatch.setattr(graph, "build", reparse)
    for as_json in (True, False):
        assert _direct.grad(text, ["x=1"], as_json=as_json) == 0
    out = capsys.readouterr().out
    assert "symbolic_note" in out and "too large to expand" in out
    t = bt.trace(text, {"x": 1})
    assert t.symbolic.why_not and t.structure._nodes is None


def test_the_predictor_refuses_the_10_layer_nest_before_sympy_builds_anything(monkeypatch):
    from backprop_tutor.engine.symbolic import PREDICT_MARGIN, Symbolic

    def build(*args):
        raise AssertionError("SymPy was asked to build the expanded formulas")

    monkeypatch.setattr(Symbolic, "_build_values", build)
    t = bt.trace(_nest(10), {"x": 0.5, "w": 0.8, "b": 0.1})
    assert t.symbolic.predicted_size() > PREDICT_MARGIN * MAX_TREE
    assert t.symbolic.why_not == (f"the expanded formulas would have more than {MAX_TREE:,} terms: too large to "
                                  "expand (the chain form is exact)")
    assert [t.symbolic.grad(v) for v in t.inputs] == [None, None, None]


@pytest.mark.parametrize("text", ["x - x + tanh(y)", "(x*x)^2 * sigmoid(x)", "tanh(x)*tanh(x) + exp(x)/exp(x)"])
def test_the_predicted_size_falls_short_of_what_sympy_builds_on_small_graphs(text):
    from backprop_tutor.engine.symbolic import _Budget

    t = bt.trace(text, {"x": 0.5, "y": 0.3} if "y" in text else {"x": 0.5})
    sym, budget = t.symbolic, _Budget(10, 10**9)
    values = sym._build_values(budget)
    grads = sym._build_grads(values, budget)
    real = max(budget.sizes.get(e, 1) for e in (*values.values(), *grads.values()))
    assert sym.predicted_size() <= PREDICT_MARGIN_OK * real


PREDICT_MARGIN_OK = 2.5   # the overshoot seen on random programs (2.4x at most): PREDICT_MARGIN leaves room
