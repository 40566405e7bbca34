"""gradcheck: a student's own backward pass against central differences, as in cs231n."""

from __future__ import annotations

import math

import numpy as np
import pytest

from backprop_tutor import gradcheck


def test_right_gradients_of_the_lecture_example() -> None:
    # f = (x + y) z at (-2, 5, -4): ∂f/∂x = ∂f/∂y = z = -4, ∂f/∂z = x + y = 3
    report = gradcheck(lambda x, y, z: (x + y) * z, {"x": -2.0, "y": 5.0, "z": -4.0},
                       {"x": -4.0, "y": -4.0, "z": 3.0})
    assert report.ok and [c.verdict for c in report.inputs] == ["right"] * 3
    assert all(c.rel_error < 1e-7 and not c.kink for c in report.inputs)


def test_a_wrong_gradient_is_wrong() -> None:
    sigmoid = lambda s: 1 / (1 + math.exp(-s))  # noqa: E731
    # σ'(s) taken as σ(s) at s = 1: 0.73 instead of 0.20
    report = gradcheck(sigmoid, 1.0, sigmoid(1.0))
    (c,) = report.inputs
    assert c.verdict == "wrong" and c.rel_error > 1e-2 and not report.ok
    assert abs(c.numeric - 0.19661193324148185) < 1e-8


def test_a_slightly_wrong_gradient_is_suspicious() -> None:
    report = gradcheck(lambda x: x * x, [3.0], [6.0 * (1 + 1e-4)])
    assert report.inputs[0].verdict == "suspicious" and report.inputs[0].name == "inputs[0]"


def test_numpy_arrays_report_the_worst_element() -> None:
    rng = np.random.default_rng(0)
    W, x = rng.normal(size=(3, 4)), rng.normal(size=4)
    dW = np.outer(1 - np.tanh(W @ x) ** 2, x)
    dx = W.T @ (1 - np.tanh(W @ x) ** 2)
    bad = dx.copy()
    bad[2] *= -1
    report = gradcheck(lambda W, x: np.sum(np.tanh(W @ x)), {"W": W, "x": x}, {"W": dW, "x": bad})
    checks = {c.name: c for c in report.inputs}
    assert checks["W"].verdict == "right" and checks["x"].verdict == "wrong" and checks["x"].worst_index == (2,)
    assert W.shape == (3, 4) and np.isfinite(W).all()   # inputs are left as they were


def test_a_kink_is_warned_about() -> None:
    relu = lambda x: max(x, 0.0)  # noqa: E731
    report = gradcheck(relu, 0.0, 0.0)      # relu'(0) = 0 by convention; the difference says 0.5
    (c,) = report.inputs
    assert c.kink and c.verdict == "wrong" and report.ok
    assert "kink" in str(report)
    near = gradcheck(lambda x: abs(x), 3e-6, 1.0)     # the step h = 1e-5 crosses 0
    assert near.inputs[0].kink


@pytest.mark.parametrize("f, x, g", [
    (lambda x: x * x, 0.0, 0.0),                 # curvature, not a kink
    (lambda x: math.exp(3 * x), 0.5, 3 * math.exp(1.5)),
    (lambda x: max(x, 0.0), 0.1, 1.0),           # relu far from its kink
])
def test_smooth_points_are_not_kinks(f, x, g) -> None:  # noqa: ANN001
    c = gradcheck(f, x, g).inputs[0]
    assert not c.kink and c.verdict == "right"


def test_report_explains_thresholds_and_is_plain_data() -> None:
    report = gradcheck(lambda x: x ** 3, 2.0, 12.0)
    assert "1e-07" in str(report) and "0.01" in str(report)
    data = report.to_dict()
    assert data["ok"] and data["thresholds"] == {"right": 1e-7, "wrong": 1e-2}
    assert data["inputs"][0]["name"] == "x"


def test_f_must_return_a_scalar() -> None:
    with pytest.raises(ValueError, match="scalar"):
        gradcheck(lambda x: x * 2, np.ones(3), np.ones(3))


def test_mismatched_gradients_are_refused() -> None:
    with pytest.raises(ValueError, match="no gradient for 'y'"):
        gradcheck(lambda x, y: x * y, {"x": 1.0, "y": 2.0}, {"x": 2.0})
    with pytest.raises(ValueError, match="shape"):
        gradcheck(lambda x: np.sum(x), np.ones(3), np.ones(4))
