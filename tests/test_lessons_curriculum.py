"""Every lesson of the curriculum: the numbers of the lecture material, from the engine's traces."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from rich.console import Console

from backprop_tutor.fmt import fmt
from backprop_tutor.tutor.lesson import builtin, find, lesson_id
from backprop_tutor.render.terminal import ScreenView
from backprop_tutor.tutor.screens import build, trace_graph

IDS = ["chain-rule", "sigmoid-neuron", "gate-patterns", "fan-out", "activations", "vanishing-gradients",
       "learning-loop", "losses", "gradient-descent", "xor", "dense-layer-matrix-form", "convolution",
       "backprop-through-time", "delta-rule", "dropout"]
ALL = IDS + ["max-pooling", "residual"]  # the fifteen, then lessons added where the lectures suggest them


def traces(name: str) -> dict:
    lesson = find(name)
    return {g: trace_graph(lesson, spec) for g, spec in lesson.graphs.items()}


def screens(name: str) -> list:
    return build(find(name))


def test_the_fifteen_lessons_ship_in_order() -> None:
    assert [i for i in (lesson_id(p) for p in builtin()) if i in ALL] == ALL  # lessons added later: test_new_lessons
    assert [find(i).id for i in ALL] == ALL


@pytest.mark.parametrize("name", ALL)
def test_every_screen_renders(name: str) -> None:
    all_screens = screens(name)
    console = Console(width=100, color_system=None, file=open("/dev/null", "w"))
    for k, s in enumerate(all_screens, 1):
        with console.capture() as cap:
            console.print(ScreenView(s, k, len(all_screens), name, reveal=True))
        assert f"step {k} of {len(all_screens)}" in cap.get()
    assert all_screens[-1].kind == "end"


def test_chain_rule() -> None:
    t = traces("chain-rule")["main"]
    assert (t.number("q"), t.number("f")) == (3, -12)
    assert [t.number(x, "grad") for x in "xyz"] == [-4, -4, 3]
    assert all(isinstance(t.number(x, "grad"), Fraction) for x in "xyz")  # shown exactly: -4, not -4.0


def test_sigmoid_neuron_both_ways() -> None:
    ts = traces("sigmoid-neuron")
    want = {"w0": "-0.20", "x0": "0.39", "w1": "-0.39", "x1": "-0.59", "w2": "0.20"}
    for t in (ts["main"], ts["sigma"]):
        assert fmt(t.value) == "0.73"
        assert {x: fmt(g) for x, g in t.gradient.items()} == want
    labels = {a["label"] for _, a in ts["main"].graph.nodes(data=True) if a["kind"] == "gate"}
    assert labels == {"*", "+", "*-1", "exp", "+1", "1/x"}
    sigma = [a for _, a in ts["sigma"].graph.nodes(data=True) if a["kind"] == "gate" and a["gate"] == "sigmoid"]
    assert len(sigma) == 1
    quiz = next(s.quiz for s in screens("sigmoid-neuron") if s.quiz and s.quiz.ask == "local")
    assert quiz.expected == pytest.approx((1 - 0.7310585786300049) * 0.7310585786300049)
    # the engine's expand=True turns the σ gate into the same primitive gates as the slide
    import backprop_tutor as bt

    expanded = bt.trace("sigmoid(w0*x0 + w1*x1 + w2)", ts["main"].at, expand=True)
    assert {a["label"] for _, a in expanded.graph.nodes(data=True) if a["kind"] == "gate"} == labels


def test_gate_patterns() -> None:
    t = traces("gate-patterns")["main"]
    assert {x: t.number(x, "grad") for x in "xyzw"} == {"x": -8, "y": 6, "z": 2, "w": 0}
    assert t.number("q", "grad") == t.number("m", "grad") == t.number("s", "grad") == 2  # add distributes
    assert t.number("x", "grad") == 2 * t.number("y") and t.number("y", "grad") == 2 * t.number("x")  # mul swaps


def test_fan_out_adds_the_branches() -> None:
    t = traces("fan-out")["main"]
    assert (t.number("z1", "grad"), t.number("z2", "grad")) == (21, 16)
    branches = [s for s in t.steps if s.phase == "backward" and s.wrt == "z1"]
    assert len(branches) == 2 and sum(s.value for s in branches) == 21 and branches[-1].total == 21


def test_activations() -> None:
    all_screens = screens("activations")
    curves = {c.function: c for s in all_screens for c in s.curves}
    sig, tanh, relu = curves["sigmoid(x)"], curves["tanh(x)"], curves["relu(x)"]
    assert max(sig.slopes) == pytest.approx(0.25) and sig.slopes[sig.points.index(0)] == pytest.approx(0.25)
    assert sig.slopes[0] < 1e-4 and tanh.slopes[0] < 1e-7  # saturation at x = -10
    assert [relu.slopes[relu.points.index(x)] for x in (-5, 0, 5)] == [0, 0, 1]
    lrelu = curves["leaky_relu(x)"]
    assert lrelu.slopes[0] == pytest.approx(0.01)
    ts = traces("activations")
    assert ts["dead"].number("w", "grad") == 0 and ts["dead"].number("b", "grad") == 0
    assert ts["prelu"].number("a", "grad") == -2 and ts["prelu"].number("x", "grad") == Fraction(1, 10)


def test_vanishing_gradients() -> None:
    ts = traces("vanishing-gradients")
    sig, relu = ts["main"], ts["relu"]
    grads = [float(sig.number(f"h{k}", "grad")) for k in range(6, 0, -1)]
    for upper, lower in zip(grads, grads[1:]):
        assert 0 < lower <= upper / 4  # σ' ≤ 1/4 and w = 1: at most a quarter per layer
    assert grads[-1] < 1e-3
    assert all(relu.number(f"h{k}", "grad") == 1 for k in range(1, 7))


def test_learning_loop() -> None:
    ts = traces("learning-loop")
    t = ts["main"]
    assert [t.number(n) for n in ("z", "h", "yhat", "L")] == [4, 4, 8, 4]
    assert [t.number(n, "grad") for n in ("w3", "h", "w1", "b1")] == [16, 10, 20, 10]
    update = next(s.update for s in screens("learning-loop") if s.update)
    assert {p: r[2] for p, r in update.rows.items()} == {"w1": Fraction(13, 10), "b1": Fraction(29, 10),
                                                         "w3": Fraction(234, 100)}
    assert [fmt(r[2]) for r in update.rows.values()] == ["1.3", "2.9", "2.34"]
    after = update.after
    assert (after.number("z"), after.number("yhat")) == (Fraction(7, 2), Fraction(619, 100))
    assert abs(after.value - 6) < abs(t.value - 6) or after.number("L") < t.number("L")


def test_losses() -> None:
    ts = traces("losses")
    assert ts["main"].number("yhat", "grad") == 2 * (Fraction(5, 2) - 3)
    assert ts["absolute"].number("yhat", "grad") == -1
    p = 1 / (1 + math.exp(-0.5))
    assert ts["bce"].number("s", "grad") == pytest.approx(p - 1)
    sm = ts["softmax"]
    s = np.array([2, 1, 0.1])
    probs = np.exp(s) / np.exp(s).sum()
    y = np.array([0, 1, 0])
    assert [float(sm.number(f"s{k}", "grad")) for k in (1, 2, 3)] == pytest.approx(list(probs - y))


def test_losses_derive_bce_and_walk_the_softmax_graph() -> None:
    """D4/missing topics: BCE's p - y derived through the chain with its numbers; the softmax
    graph walked on screen, Z's fan-out into p1, p2, p3 included, quiz on ∂L/∂s2 = p2 - 1."""
    all_screens = screens("losses")
    p = 1 / (1 + math.exp(-0.5))
    text = "\n".join(s.text for s in all_screens)
    assert f"p = {p:.4f}" in text and f"-1/{p:.4f} = {-1 / p:.4f}" in text
    assert f"{-1 / p:.4f} · {p * (1 - p):.4f} = {p - 1:.4f} = {p:.4f} - 1" in text
    walked = [s.step for s in all_screens if s.kind == "backward" and s.trace.expr.startswith("\ne1") or
              (s.kind == "backward" and "e1 = exp(s1)" in s.trace.expr)]
    z_branches = [st for st in walked if st.wrt == "Z"]
    assert [st.node for st in z_branches] and {st.node for st in z_branches} == {"p1", "p2", "p3"}
    assert {st.wrt for st in walked} >= {"s1", "s2", "s3", "e1", "e2", "e3", "Z", "p1", "p2", "p3"}
    s = np.array([2, 1, 0.1])
    probs = np.exp(s) / np.exp(s).sum()
    quiz = next(x.quiz for x in all_screens if x.quiz is not None and x.quiz.node == "s2")
    assert float(quiz.expected) == pytest.approx(probs[1] - 1) and f"{probs[1] - 1:.2f}" == "-0.76"
    assert f"({probs[0]:.2f}, {probs[1] - 1:.2f}, {probs[2]:.3f})" in text  # (0.66, -0.76, 0.099)


def test_gradient_descent() -> None:
    all_screens = screens("gradient-descent")
    runs = [r for s in all_screens for r in s.runs]
    gd = runs[0]
    losses = [loss for _, loss in gd.losses]
    assert all(b < a for a, b in zip(losses, losses[1:])) and losses[-1] < 1e-5
    assert gd.final["w"] == pytest.approx(0.1, abs=1e-2) and gd.final["b"] == pytest.approx(0.3, abs=1e-2)


def _ravine(opt: str, lr: float, iters: int = 40, gamma: float = 0.6) -> tuple[list[float], np.ndarray]:
    """L = ½(50u² + v²) from (1, 1): GD, momentum (v = γv + ηg; θ -= v), Adam (bias-corrected), in numpy."""
    th, m, v, out = np.array([1.0, 1.0]), np.zeros(2), np.zeros(2), [25.5]
    for k in range(1, iters + 1):
        g = np.array([50 * th[0], th[1]])
        if opt == "gd":
            th = th - lr * g
        elif opt == "momentum":
            m = gamma * m + lr * g
            th = th - m
        else:
            m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
            th = th - lr * (m / (1 - 0.9**k)) / (np.sqrt(v / (1 - 0.999**k)) + 1e-8)
        if k % 5 == 0:
            out.append(0.5 * (50 * th[0] ** 2 + th[1] ** 2))
    return out, th


def test_gradient_descent_in_a_ravine_momentum_wins_and_adam_does_not_settle() -> None:
    """D6-D9: full batch is called GD; the comparison is the lecture's ravine, each rule at its own η;
    the text's claims hold on the table, recomputed here in numpy."""
    all_screens = screens("gradient-descent")
    ravine = [s for s in all_screens if s.runs and len(s.runs) == 3][0]
    assert ravine.table["labels"] == ["gd η=0.03", "momentum η=0.04", "adam η=0.1"]
    got = {r.optimizer: r for r in ravine.runs}
    for opt, lr in (("gd", 0.03), ("momentum", 0.04), ("adam", 0.1)):
        want, th = _ravine(opt, lr)
        run = got["sgd" if opt == "gd" else opt]
        assert [loss for _, loss in run.losses] == pytest.approx(want, rel=1e-9)
        assert [run.final["u"], run.final["v"]] == pytest.approx(th.tolist(), rel=1e-9, abs=1e-12)
    gd, mom, adam = (_ravine(o, lr)[0] for o, lr in (("gd", 0.03), ("momentum", 0.04), ("adam", 0.1)))
    assert mom[-1] < gd[-1] / 1000 and mom[-1] < adam[-1]          # momentum ends lowest
    assert f"{gd[-1]:.2g}" == "0.044" and f"{_ravine('gd', 0.03)[1][1]:.2f}" == "0.30"
    assert f"{mom[-1]:.0e}" == "2e-05"
    assert [f"{adam[k]:.2g}" for k in (2, 4, 8)] == ["0.15", "1.9", "0.26"]   # up and down: not settled
    assert any(b > a for a, b in zip(adam[4:], adam[5:]))
    text = "\n".join(s.text for s in all_screens)
    assert "SGD" not in text.replace("**SGD** would use one", "")  # full batch is not called SGD
    assert "settles" not in text and "0.044" in text and "2e-05" in text
    # the w-sign argument (D7): ∂L/∂w = (2/5) Σ x_i (ŷ_i - y_i) at w = b = 0
    x = np.arange(-2, 3)
    y = 0.1 * x + 0.3
    assert (2 / 5) * np.sum(x * (0 - y)) == pytest.approx(-0.4) and (2 / 5) * np.sum(0 - y) == pytest.approx(-0.6)
    assert "(2/5)(0.2 + 0.2 + 0 - 0.4 - 1.0) = -0.4" in text


def test_xor() -> None:
    ts = traces("xor")
    outputs = [ts[g].value for g in ("main", "x01", "x10", "x11")]
    assert [round(y) for y in outputs] == [0, 1, 1, 0]
    perceptron = [ts[g].value > 0.5 for g in ("p00", "p01", "p10", "p11")]
    assert perceptron != [False, True, True, False]  # one line cannot do it: this one computes OR
    assert ts["train"].number("w21", "grad") == 0 and ts["train"].number("w11", "grad") != 0


def _xor_net(p: dict, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    h1 = sig(p["w11"] * X[:, 0] + p["w21"] * X[:, 1] + p["b1"])
    h2 = sig(p["w12"] * X[:, 0] + p["w22"] * X[:, 1] + p["b2"])
    return h1, h2, sig(p["v1"] * h1 + p["v2"] * h2 + p["c"])


def test_xor_is_the_lectures_threshold_network_then_a_trained_sigmoid_one() -> None:
    """D10: the lecture's 0.5/-0.5 threshold units (θ = 0.5) compute XOR; a run of gradient
    descent from the lesson's weights learns XOR, recomputed in numpy (backprop by hand)."""
    ts, X = traces("xor"), np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    S1, S2 = X @ [0.5, -0.5], X @ [-0.5, 0.5]
    assert [float(ts[g].number("S1")) for g in ("s00", "s01", "s10", "s11")] == S1.tolist()
    assert [float(ts[g].number("S2")) for g in ("s00", "s01", "s10", "s11")] == S2.tolist()
    y1, y2 = (S1 >= 0.5).astype(int), (S2 >= 0.5).astype(int)
    assert ((y1 + y2) >= 0.5).astype(int).tolist() == [0, 1, 1, 0]
    text = "\n".join(s.text for s in screens("xor"))
    for k, x in enumerate(("(0,0)", "(0,1)", "(1,0)", "(1,1)")):
        row = [x, fmt(S1[k]), y1[k], fmt(S2[k]), y2[k], y1[k] + y2[k], int(y1[k] + y2[k] >= 0.5)]
        assert "| " + " | ".join(map(str, row)) + " |" in text
    # the training run: full-batch GD on Σ (y - t)², gradients by hand
    T = np.array([0, 1, 1, 0], float)
    p = dict(w11=0.5, w21=-0.5, b1=0.1, w12=-0.3, w22=0.8, b2=-0.2, v1=1.0, v2=-1.0, c=0.2)
    want = []
    for it in range(301):
        h1, h2, y = _xor_net(p, X)
        if it % 50 == 0:
            want.append(float(np.sum((y - T) ** 2)))
        dy = 2 * (y - T) * y * (1 - y)
        d1, d2 = dy * p["v1"] * h1 * (1 - h1), dy * p["v2"] * h2 * (1 - h2)
        grads = dict(v1=dy @ h1, v2=dy @ h2, c=dy.sum(), w11=d1 @ X[:, 0], w21=d1 @ X[:, 1], b1=d1.sum(),
                     w12=d2 @ X[:, 0], w22=d2 @ X[:, 1], b2=d2.sum())
        if it < 300:
            p = {k: v - 2 * grads[k] for k, v in p.items()}
    run = next(r for s in screens("xor") for r in s.runs)
    assert [loss for _, loss in run.losses] == pytest.approx(want, rel=1e-9)
    assert run.final == pytest.approx(p, rel=1e-9)
    assert f"{want[-1]:.2g}" == "0.012" and want[2] > 0.99 and want[-1] < want[0] / 50
    rounded = {k: round(v, 2) for k, v in p.items()}
    assert all(f"{k} = {fmt(v)}" in text for k, v in rounded.items())
    h1, h2, y = _xor_net(rounded, X)
    assert (y > 0.5).astype(int).tolist() == [0, 1, 1, 0]
    assert [float(traces("xor")[g].number("y")) for g in ("t00", "t01", "t10", "t11")] == pytest.approx(y.tolist())
    assert "y ≈ " + ", ".join(f"{v:.2f}" for v in y) in text


def test_dense_layer_gradients_assemble_into_matrix_products() -> None:
    t = traces("dense-layer-matrix-form")["main"]
    num = lambda n, kind="value": float(t.number(n, kind))  # noqa: E731
    X = np.array([[num(f"x{i}") for i in (1, 2, 3)]])
    W = np.array([[num(f"w{i}{j}") for j in (1, 2)] for i in (1, 2, 3)])
    b = np.array([[num("b1"), num("b2")]])
    Y = X @ W + b
    assert [num("y1"), num("y2")] == pytest.approx(Y[0].tolist())
    dY = np.array([[num("y1", "grad"), num("y2", "grad")]])
    dW = np.array([[num(f"w{i}{j}", "grad") for j in (1, 2)] for i in (1, 2, 3)])
    dX = np.array([[num(f"x{i}", "grad") for i in (1, 2, 3)]])
    assert np.allclose(dW, X.T @ dY)
    assert np.allclose(dX, dY @ W.T)
    assert np.allclose(dY, 2 * (Y - np.array([[1, 0]])))


def test_dense_layer_batch_of_two_sums_over_rows() -> None:
    """D11: with a batch of two rows ∂L/∂b is the column sum of ∂L/∂Y and ∂L/∂W = Xᵀ·∂L/∂Y sums rows."""
    t = traces("dense-layer-matrix-form")["batch"]
    X = np.array([[1, 2, -1], [0, 1, 3]], float)
    W = np.array([[0.5, -1], [0.25, 0.5], [1, 2]])
    b, T = np.array([0.1, -0.2]), np.array([[1, 0], [0, 1]])
    Y = X @ W + b
    dY = 2 * (Y - T)
    num = lambda n, kind="value": float(t.number(n, kind))  # noqa: E731
    assert np.allclose([[num(f"y{r}{c}") for c in (1, 2)] for r in (1, 2)], Y)
    assert np.allclose([[num(f"w{i}{j}", "grad") for j in (1, 2)] for i in (1, 2, 3)], X.T @ dY)
    assert [num("b1", "grad"), num("b2", "grad")] == pytest.approx(dY.sum(axis=0).tolist())
    assert not np.allclose(dY.sum(axis=0), dY[0])  # the batch-1 formula would be wrong here
    all_screens = screens("dense-layer-matrix-form")
    quiz = next(s.quiz for s in all_screens if s.quiz is not None and s.quiz.node == "b1")
    assert float(quiz.expected) == pytest.approx(dY[0, 0] + dY[1, 0])
    assert f"∂L/∂y11 = {dY[0, 0]:g} and ∂L/∂y21 = {dY[1, 0]:g}" in quiz.prompt
    b1_branches = [s.step for s in all_screens if s.kind == "backward" and s.step.wrt == "b1"]
    assert [st.branches for st in b1_branches] == [2, 2]
    labels = [m[0] for s in all_screens if s.table and "matrices" in s.table for m in s.table["matrices"]]
    assert "∂L/∂b = column sums of ∂L/∂Y (1×2)" in labels and "b (1×2)" in labels


def test_convolution() -> None:
    t = traces("convolution")["main"]
    assert [[t.number(f"o{i}{j}") for j in (1, 2)] for i in (1, 2)] == [[45, 110], [40, 40]]
    x = np.array([[0, 80, 40], [20, 40, 0], [0, 0, 40]], dtype=float)
    # dL/dk[a][b] with every dL/do = 1: k[a][b] multiplies x[i + 1 - a][j + 1 - b] (the kernel is flipped)
    dk = [[sum(x[i + 1 - a, j + 1 - b] for i in (0, 1) for j in (0, 1)) for b in (0, 1)] for a in (0, 1)]
    assert [[float(t.number(f"k{a}{b}", "grad")) for b in (1, 2)] for a in (1, 2)] == dk == [[80, 60], [160, 140]]


def test_backprop_through_time_sums_over_steps() -> None:
    t = traces("backprop-through-time")["main"]
    v = {n: float(t.number(n)) for n in ("h0", "w", "u", "x1", "x2", "x3", "y")}
    h = [v["h0"]]
    for x in (v["x1"], v["x2"], v["x3"]):
        h.append(math.tanh(v["w"] * h[-1] + v["u"] * x))
    dh, dw, du = 2 * (h[3] - v["y"]), 0.0, 0.0
    for k in (3, 2, 1):  # BPTT by hand: one contribution per time step
        ds = dh * (1 - h[k] ** 2)
        dw, du, dh = dw + ds * h[k - 1], du + ds * v[f"x{k}"], ds * v["w"]
    assert float(t.number("w", "grad")) == pytest.approx(dw)
    assert float(t.number("u", "grad")) == pytest.approx(du)
    assert max(s.branches for s in t.steps if s.phase == "backward" and s.wrt == "w") == 3


def test_delta_rule() -> None:
    update = next(s.update for s in screens("delta-rule") if s.update)
    t = update.before
    y, d, eta = float(t.number("y")), 1.0, 0.5
    for p, x in (("w1", 1.0), ("w2", 0.5), ("b", 1.0)):
        old, _, new = update.rows[p]
        assert float(new) - float(old) == pytest.approx(eta * (d - y) * (1 - y) * y * x)
    assert update.after.value < t.value  # the error fell


def test_dropout() -> None:
    ts = traces("dropout")
    t = ts["main"]
    assert t.number("w12", "grad") == 0 and t.number("w22", "grad") == 0 and t.number("h2", "grad") == 0
    assert t.number("w11", "grad") != 0 and t.number("w21", "grad") != 0
    assert t.number("d1") == 2 * t.number("h1")  # inverted dropout: kept units scaled by 1/(1-p)
    p = ts["predict"]
    assert p.number("yhat") == p.number("v1") * p.number("h1") + p.number("v2") * p.number("h2")


def test_dropout_both_conventions_agree_in_expectation() -> None:
    """D12: inverted dropout (÷(1-p) in training) and the lecture's (×(1-p) at prediction) each
    predict their own training average, enumerated here over the four masks in numpy."""
    import itertools

    ts = traces("dropout")
    x, W, v = np.array([1, 2]), np.array([[0.5, -0.5], [0.25, 1]]), np.array([1, -1])
    h = np.maximum(x @ W, 0)
    masks = [np.array(m) for m in itertools.product((0, 1), repeat=2)]  # p = 0.5: each mask 1/4
    inverted = np.mean([v @ (m * h / 0.5) for m in masks])
    original = np.mean([v @ (m * h) for m in masks])
    assert float(ts["predict"].number("yhat")) == pytest.approx(inverted) == -0.5
    assert float(ts["scaled"].number("yhat")) == pytest.approx(original) == -0.25
    assert float(ts["main"].number("h1", "grad")) == pytest.approx(2 * (v @ (np.array([1, 0]) * h / 0.5) - 1) * 1 / 0.5)
    text = "\n".join(s.text for s in screens("dropout"))
    assert "nothing is scaled:" in text and "-0.5" in text and "-0.25" in text and "2 · 2 = 4" in text


@pytest.mark.parametrize("name", ALL)
def test_every_quiz_accepts_its_answer_and_hints_on_a_wrong_one(name: str) -> None:
    for s in screens(name):
        if s.quiz is None:
            continue
        wrong = s.quiz
        ok, said = wrong.check(str(float(wrong.expected) + 1000))
        assert not ok and "Hint:" in said and all(h for h in wrong.hints())
        s.quiz.tries, s.quiz.solved = 0, None
        answer = wrong.formula or repr(float(wrong.expected))
        assert wrong.check(answer)[0], (name, wrong.prompt, answer)


def test_max_pooling_routes_to_the_maximum_of_each_window() -> None:
    t = traces("max-pooling")["main"]
    x = np.array([[float(t.number(f"x{i}{j}")) for j in range(1, 5)] for i in range(1, 5)])
    dx = np.array([[float(t.number(f"x{i}{j}", "grad")) for j in range(1, 5)] for i in range(1, 5)])
    weights = {(0, 0): 1, (0, 1): 2, (1, 0): -1, (1, 1): 0.5}
    for (i, j), w in weights.items():
        window, grads = x[2 * i:2 * i + 2, 2 * j:2 * j + 2], dx[2 * i:2 * i + 2, 2 * j:2 * j + 2]
        assert float(t.number(f"p{i + 1}{j + 1}")) == window.max()
        expected = np.zeros((2, 2))
        expected[np.unravel_index(window.argmax(), (2, 2))] = w
        assert (grads == expected).all()


def test_residual_connections_keep_the_gradient() -> None:
    ts = traces("residual")
    plain, skip = ts["main"], ts["residual"]
    assert float(plain.number("x", "grad")) < 0.02
    assert all(float(skip.number(n, "grad")) >= 1 for n in ("h3", "h2", "h1", "x"))


# backprop-through-time: its u quiz follows screens that show partial sums of ∂L/∂u (not yet its total)
@pytest.mark.parametrize("name", [n for n in ALL if n != "backprop-through-time"])
def test_a_quiz_asks_a_number_before_any_screen_shows_it(name: str) -> None:
    from backprop_tutor.render.drawing import known

    shown = screens(name)
    for i, s in enumerate(shown):
        q = s.quiz
        if q is None or q.ask == "local":
            continue
        for earlier in shown[:i]:
            if earlier.trace is q.trace and earlier.kind not in ("quiz", "matrix"):  # a matrix shows its own cells
                values, grads = known(earlier.trace, earlier.known)
                assert q.node not in (values if q.ask == "value" else grads), (i + 1, q.node)


def test_vanishing_gradients_quiz_is_tight() -> None:
    q = next(s.quiz for s in screens("vanishing-gradients") if s.quiz)
    assert (q.node, q.ask) == ("h4", "grad")
    assert not q.check("0.0625")[0] and not q.check("0.1")[0]
    assert q.check("0.0505")[0]


@pytest.mark.parametrize(("name", "targets"), [("learning-loop", {"y"}), ("losses", {"y"}), ("delta-rule", {"d"})])
def test_no_backward_screen_is_spent_on_a_target(name: str, targets: set) -> None:
    spent = {s.step.wrt for s in screens(name) if s.kind == "backward" and s.step is not None}
    assert spent and not spent & targets


def test_the_end_recaps_the_pass_the_lesson_backpropagated() -> None:
    end = screens("dropout")[-1]
    assert end.kind == "end" and end.trace.number("w12", "grad") == 0 and end.trace.number("w22", "grad") == 0
    end = screens("learning-loop")[-1]
    assert [end.trace.number(n, "grad") for n in ("w3", "w1", "b1")] == [16, 20, 10]  # the lecture's pass


def test_gradient_descent_shows_decimals_not_fractions() -> None:
    t = traces("gradient-descent")["main"]
    exact = [n for s in t.steps for n in (s.value, *s.inputs) if isinstance(n, Fraction)]
    assert exact and all("/" not in fmt(n) for n in exact)  # every exact number is a terminating decimal
    first = next(s.update for s in screens("gradient-descent") if s.update)
    assert all("/" not in fmt(x) for row in first.rows.values() for x in row)


def test_delta_rule_hidden_layer_recursion() -> None:
    """Lecture 004's hidden-layer δ = f'(S)·Σ δ_k v_k, recomputed in numpy; backprop's ∂E/∂S = -δ_h."""
    sig = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    h = sig(0.5)
    y1, y2 = sig(h), sig(-h)
    d1, d2 = (1 - y1) * y1 * (1 - y1), (0 - y2) * y2 * (1 - y2)
    dh = h * (1 - h) * (d1 * 1 + d2 * -1)
    t = traces("delta-rule")["hidden"]
    assert float(t.number("S", "grad")) == pytest.approx(-dh)
    assert float(t.number("T1", "grad")) == pytest.approx(-d1) and float(t.number("T2", "grad")) == pytest.approx(-d2)
    text = "\n".join(s.text for s in screens("delta-rule"))
    assert f"{d1:.5f} · 1 + ({d2:.5f}) · (-1) = {d1 - d2:.4f}" in text
    assert f"δ_h = {h * (1 - h):.4f} · {d1 - d2:.4f} = {dh:.4f}" in text and f"∂E/∂S = -{dh:.4f}" in text
    quiz = next(s.quiz for s in screens("delta-rule") if s.quiz and "T1" in s.quiz.trace.expr)
    assert f"δ1 = {d1:.4f}, δ2 = {d2:.4f}" in quiz.prompt and float(quiz.expected) == pytest.approx(-dh)


def test_learning_loop_asks_the_lectures_questions_in_order() -> None:
    """D17: the symbolic ∂L/∂w1 and "did the prediction get better?" are quizzes, and the new ŷ
    (6.19) first appears on the forward-again screens, not in the update's table."""
    from backprop_tutor.render.terminal import ScreenView

    all_screens = screens("learning-loop")
    w1 = next(s.quiz for s in all_screens if s.quiz is not None and s.quiz.node == "w1")
    assert w1.formula == "2*(yhat - y)*w3*x1" and float(w1.expected) == 2 * (8 - 6) * 2.5 * 2
    assert w1.check("2*(yhat - y)*w3*x1")[0] and not w1.check("2*(yhat - y)*w3")[0]
    better = next(s for s in all_screens if s.quiz is not None and s.quiz.ask == "value" and "better" in s.quiz.prompt)
    z = 1.3 * 2 + 2 * -1 + 2.9
    yhat = 2.34 * max(z, 0) - 2
    assert float(better.quiz.expected) == pytest.approx((yhat - 6) ** 2) and f"{yhat:.2f}" == "6.19"
    console = Console(width=200, color_system=None, file=open("/dev/null", "w"))
    first = None
    for k, s in enumerate(all_screens):
        with console.capture() as cap:
            console.print(ScreenView(s, k + 1, len(all_screens), "learning-loop", reveal=False))
        if "6.19" in cap.get():
            first = s
            break
    assert first is not None and first.title == "4. Forward again"
    forward = [s.step.node for s in all_screens if s.kind == "forward" and s.title == "1. Forward"]
    assert forward[:3] == ["n1", "n2", "n3"]  # from the lecture's (2·1.5) + (-1·2) + 3, not from 1 + 3


def test_activations_teach_the_lectures_advice_and_convolution_goes_product_by_product() -> None:
    text = "\n".join(s.text for s in screens("activations"))
    sig2 = 1 / (1 + math.exp(-2))
    assert f"2 · {sig2:.4f} - 1 = {math.tanh(1):.4f}" in text and f"{2 * sig2 - 1:.4f}" == f"{math.tanh(1):.4f}"
    assert "not zero-centred" in text and "use ReLU" in text
    first = [s.step.node for s in screens("convolution") if s.kind == "forward"]
    assert first[-1] == "o11" and len(first) == 7  # x11·k22, x12·k21, x21·k12, x22·k11 and their sums
    t = traces("convolution")["main"]
    assert [float(t.number(n)) for n in first if t.graph.nodes[n]["gate"] == "mul"] == [0 * 1, 80 * 0.5, 20 * 0.25, 40 * 0]


def test_negative_literals_are_constants_not_negation_gates() -> None:
    """D14d: gradient-descent's w*(-2) has no neg gate (the engine folds literals)."""
    t = traces("gradient-descent")["main"]
    assert not [n for n in t.graph.nodes if t.graph.nodes[n].get("gate") == "neg"]
