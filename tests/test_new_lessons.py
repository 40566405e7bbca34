"""The lessons added for issue 10 (lessons/18-… onwards): each runs, asks before it shows, and
its key numbers agree with an independent computation written here (numpy or SymPy, never the
engine). Also the curriculum order of `tutor lessons`."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from rich.console import Console
from typer.testing import CliRunner

from backprop_tutor.tutor.lesson import builtin, builtin_dir, curriculum, find, lesson_id
from backprop_tutor.tutor.screens import build, trace_graph

NEW = ["network-size", "perceptron", "softmax-cross-entropy", "reverse-mode", "hidden-layer-deltas",
       "learning-rate", "sgd-minibatch", "optimizers", "gradient-checking",
       "exploding-gradients"]

CURRICULUM = ["chain-rule", "sigmoid-neuron", "gate-patterns", "fan-out", "activations", "network-size",
              "vanishing-gradients", "learning-loop", "losses", "gradient-descent", "xor",
              "dense-layer-matrix-form", "convolution", "backprop-through-time", "delta-rule", "dropout",
              "max-pooling", "residual"]
CURRICULUM.insert(CURRICULUM.index("xor"), "perceptron")
CURRICULUM.insert(CURRICULUM.index("gradient-descent"), "softmax-cross-entropy")
CURRICULUM.insert(CURRICULUM.index("losses"), "reverse-mode")
CURRICULUM.insert(CURRICULUM.index("dropout"), "hidden-layer-deltas")
CURRICULUM.insert(CURRICULUM.index("perceptron"), "learning-rate")
CURRICULUM.insert(CURRICULUM.index("perceptron"), "sgd-minibatch")
CURRICULUM.insert(CURRICULUM.index("perceptron"), "optimizers")
CURRICULUM.insert(CURRICULUM.index("vanishing-gradients"), "gradient-checking")
CURRICULUM.insert(CURRICULUM.index("learning-loop"), "exploding-gradients")


def screens(name: str) -> list:
    return build(find(name))


def traces(name: str) -> dict:
    lesson = find(name)
    return {g: trace_graph(lesson, spec) for g, spec in lesson.graphs.items()}


def quiz(name: str, node: str, ask: str = "grad", nth: int = 0):  # noqa: ANN201
    """The lesson's nth quiz on `node` (asking its value, gradient or local derivative)."""
    found = [s.quiz for s in screens(name) if s.quiz and s.quiz.node == node and s.quiz.ask == ask]
    assert len(found) > nth, f"no {ask} quiz #{nth} on {node} in {name}"
    return found[nth]


# ---------------------------------------------------------------- the curriculum


def test_the_curriculum_lists_every_shipped_lesson_once() -> None:
    listed = curriculum(builtin_dir())
    files = [lesson_id(p) for p in builtin()]
    assert sorted(listed) == sorted(files) and len(set(listed)) == len(listed)
    assert files == listed == CURRICULUM


def test_a_lesson_not_in_the_curriculum_still_ships_after_it(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from backprop_tutor.tutor import lesson as module

    for name in ("01-b.toml", "02-a.toml", "03-c.toml"):
        (tmp_path / name).write_text("")
    (tmp_path / "curriculum.txt").write_text("# order\na\nb   # comment\n\n")
    monkeypatch.setattr(module, "builtin_dir", lambda: tmp_path)
    assert [p.name for p in module.builtin()] == ["02-a.toml", "01-b.toml", "03-c.toml"]


def test_tutor_lessons_lists_the_whole_curriculum_in_order() -> None:
    from backprop_tutor.commands.cli import app

    out = CliRunner().invoke(app, ["lessons"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert out.exit_code == 0
    rows = [line.split("│")[1:3] for line in out.output.splitlines() if line.startswith("│") and
            line.split("│")[1].strip().isdigit()]
    assert [(int(k), i.strip()) for k, i in rows] == list(enumerate(CURRICULUM, 1))


# ---------------------------------------------------------------- every new lesson


@pytest.mark.parametrize("name", NEW)
def test_run_all_prints_every_step(name: str) -> None:
    from backprop_tutor.commands.cli import app

    out = CliRunner().invoke(app, ["run", name, "--all"], env={"COLUMNS": "100", "NO_COLOR": "1"})
    assert out.exit_code == 0, out.output
    n = len(screens(name))
    assert f"step {n} of {n}" in out.output and "Traceback" not in out.output


@pytest.mark.parametrize("name", NEW)
def test_every_screen_renders_at_80_columns(name: str) -> None:
    from backprop_tutor.render.terminal import ScreenView

    shown = screens(name)
    console = Console(width=80, color_system=None, file=open("/dev/null", "w"))  # noqa: SIM115
    for k, s in enumerate(shown, 1):
        with console.capture() as cap:
            console.print(ScreenView(s, k, len(shown), name, reveal=False))
        assert f"step {k} of {len(shown)}" in cap.get()


@pytest.mark.parametrize("name", NEW)
def test_quizzes_come_before_the_screens_that_answer_them(name: str) -> None:
    from backprop_tutor.render.drawing import known

    shown = screens(name)
    asked = [i for i, s in enumerate(shown) if s.quiz]
    assert asked, "every new lesson asks something"
    for i in asked:
        q = shown[i].quiz
        values, grads = known(q.trace, shown[i].known)
        assert q.node not in (values if q.ask == "value" else grads) or q.ask == "local", (i + 1, q.node)
        for earlier in shown[:i]:
            if earlier.trace is q.trace and earlier.kind not in ("quiz", "matrix") and q.ask != "local":
                values, grads = known(earlier.trace, earlier.known)
                assert q.node not in (values if q.ask == "value" else grads), (i + 1, q.node)


@pytest.mark.parametrize("name", NEW)
def test_every_quiz_accepts_its_answer_and_rejects_a_wrong_one(name: str) -> None:
    for s in screens(name):
        if s.quiz is None:
            continue
        q = s.quiz
        assert not q.check(str(float(q.expected) + 1000))[0]
        q.tries, q.solved = 0, None
        assert q.check(q.formula or repr(float(q.expected)))[0], (name, q.prompt)


# ---------------------------------------------------------------- network-size (lecture 003)


def count_parameters(*sizes: int) -> int:
    """Weights and biases of a dense network with these layer sizes, as numpy arrays."""
    layers = [(np.zeros((m, n)), np.zeros(m)) for n, m in zip(sizes, sizes[1:])]
    return sum(w.size + b.size for w, b in layers)


def test_network_size_counts_the_lectures_13() -> None:
    assert count_parameters(2, 3, 1) == 13
    assert quiz("network-size", "P", "value").expected == count_parameters(2, 3, 1)
    assert quiz("network-size", "n_hid").expected == count_parameters(2, 4, 1) - count_parameters(2, 3, 1) == 4
    wide = traces("network-size")["wide"]
    assert wide.number("P") == count_parameters(2, 100, 1) == 401
    assert quiz("network-size", "P", "value", nth=1).expected == count_parameters(2, 1) == 3


def test_network_size_stacked_linear_layers_are_one_line() -> None:
    x, w1, b1, w2, b2 = sp.symbols("x w1 b1 w2 b2")
    stacked = (w2 * (w1 * x + b1) + b2).subs({w1: 2, b1: 1, w2: 3, b2: -4})
    assert sp.expand(stacked) == 6 * x - 1
    assert quiz("network-size", "x").expected == sp.diff(stacked, x) == 6
    assert quiz("network-size", "yhat", "value").expected == stacked.subs(x, 0) == -1
    curves = {c.function: c for s in screens("network-size") for c in s.curves}
    linear, relu = curves["3*(2*x + 1) - 4"], curves["3*relu(2*x + 1) - 4"]
    for k, p in enumerate(linear.points):
        assert linear.values[k] == curves["6*x - 1"].values[k] == stacked.subs(x, p)
        assert relu.values[k] == 3 * max(0, 2 * p + 1) - 4
    assert set(linear.slopes) == {6} and set(relu.slopes) == {0, 6}


# ---------------------------------------------------------------- perceptron (lecture 004)


def test_perceptron_rules_and_the_missing_gradient() -> None:
    x, y, w, eta = np.array([1.0, 1.0, -1.0]), 1, np.array([0.5, -0.5, 0.5]), 0.5  # (w1, w2, w0), input -1
    fire = lambda w: int(w @ x > 0)  # noqa: E731 - McCulloch-Pitts: 1 if the sum exceeds 0
    assert fire(w) == 0 and quiz("perceptron", "a", "value").expected == fire(w)
    rosenblatt = w - eta * (fire(w) - y) * x
    hebb = w + eta * x * (2 * y - 1) if (w @ x) * (2 * y - 1) < 0 else w
    assert (rosenblatt == hebb).all() and list(rosenblatt) == [1, 0, 0] and fire(rosenblatt) == 1
    after = traces("perceptron")["after"]
    assert [after.number(p) for p in ("w1", "w2", "w0")] == list(rosenblatt)
    assert after.number("a") == 1 and after.number("L") == 0
    main = traces("perceptron")["main"]
    assert all(main.number(p, "grad") == 0 for p in ("w1", "w2", "w0"))
    update = next(s.update for s in screens("perceptron") if s.update)
    assert all(old == new for old, _, new in update.rows.values())
    # the sigmoid unit: SymPy's derivative of the whole loss
    w1, w2, w0, S = sp.symbols("w1 w2 w0 S")
    loss = (1 / (1 + sp.exp(-(w1 * 1 + w2 * 1 - w0))) - 1) ** 2
    at = {w1: sp.Rational(1, 2), w2: -sp.Rational(1, 2), w0: sp.Rational(1, 2)}
    want = float(sp.diff(loss, w1).subs(at))
    assert quiz("perceptron", "w1").expected == 0
    assert quiz("perceptron", "w1", nth=1).expected == pytest.approx(want, rel=1e-12)
    assert round(want, 2) == -0.29
    sigma = float(1 / (1 + sp.exp(sp.Rational(1, 2))))
    assert f"{sigma:.4f}" == "0.3775"  # the prompt's a = σ(-0.5) = 0.3775


# ---------------------------------------------------------------- softmax-cross-entropy


def test_softmax_cross_entropy_gives_p_minus_y() -> None:
    s = np.array([2.0, 1.0, 0.1])
    p = np.exp(s) / np.exp(s).sum()
    ts = traces("softmax-cross-entropy")
    for graph, y in (("main", np.array([0, 1, 0])), ("first", np.array([1, 0, 0]))):
        t = ts[graph]
        assert [float(t.number(f"p{k}")) for k in (1, 2, 3)] == pytest.approx(list(p), rel=1e-12)
        assert float(t.value) == pytest.approx(-np.log(p @ y), rel=1e-12)
        assert [float(t.number(f"s{k}", "grad")) for k in (1, 2, 3)] == pytest.approx(list(p - y), rel=1e-12)
    Z = np.exp(s).sum()
    assert float(quiz("softmax-cross-entropy", "p2", "value").expected) == pytest.approx(p[1])
    assert float(quiz("softmax-cross-entropy", "p2").expected) == pytest.approx(-1 / p[1])
    assert float(quiz("softmax-cross-entropy", "Z").expected) == pytest.approx(1 / Z)
    assert float(quiz("softmax-cross-entropy", "s2").expected) == pytest.approx(p[1] - 1)
    assert float(quiz("softmax-cross-entropy", "s1").expected) == pytest.approx(p[0] - 1)
    # the numbers the text prints
    assert (f"{p[0]:.2f}", f"{p[1] - 1:.2f}", f"{p[2]:.3f}", f"{p[0] - 1:.2f}") == ("0.66", "-0.76", "0.099", "-0.34")
    assert (f"{-np.log(0.242):.2f}", f"{1 / Z:.4f}", f"{Z:.2f}") == ("1.42", "0.0892", "11.21")


# ---------------------------------------------------------------- reverse-mode (lectures 001, 003)

# the lesson's graph, written out here: each gate and the nodes it reads
REVERSE_GRAPH = {"a1": ["w1", "x1"], "a2": ["w2", "x2"], "a12": ["a1", "a2"], "z": ["a12", "b1"], "h": ["z"],
                 "a3": ["w3", "h"], "yhat": ["a3", "b2"], "r": ["yhat", "y"], "L": ["r"]}


def depth(node: str, target: str = "L") -> int:
    """Edges from `node` up to the loss (each parameter here has one path)."""
    users = [g for g, ins in REVERSE_GRAPH.items() if node in ins]
    return 0 if node == target else 1 + depth(users[0], target)


def test_reverse_mode_counts_and_the_shared_gradient() -> None:
    params = ["w1", "w2", "b1", "w3", "b2"]
    chains = [depth(p) for p in params]
    assert chains == [8, 8, 6, 4, 3] and sum(chains) == 29
    edges = sum(len(ins) for ins in REVERSE_GRAPH.values())
    assert edges == 16 and edges * len(params) == 80
    t = traces("reverse-mode")["main"]
    assert {(i, g) for g in REVERSE_GRAPH for i in t.graph.nodes[g]["inputs"] if i in t.graph and
            t.graph.nodes[i]["kind"] != "const"} <= {(i, g) for g, ins in REVERSE_GRAPH.items() for i in ins}
    # SymPy: the lecture's gradients, and the shared factor ∂L/∂z
    x1, x2, w1, w2, b1, w3, b2, y, z = sp.symbols("x1 x2 w1 w2 b1 w3 b2 y z")
    at = {x1: 2, x2: -1, w1: sp.Rational(3, 2), w2: 2, b1: 3, w3: sp.Rational(5, 2), b2: -2, y: 6}
    pre = w1 * x1 + w2 * x2 + b1
    loss = (w3 * sp.Max(0, pre) + b2 - y) ** 2
    grads = {p: sp.diff(loss, sp.Symbol(p)).subs(at) for p in params}
    assert grads == {"w1": 20, "w2": -10, "b1": 10, "w3": 16, "b2": 4}
    assert {p: t.number(p, "grad") for p in params} == grads
    shared = sp.diff((w3 * sp.Max(0, z) + b2 - y) ** 2, z).subs(at).subs(z, pre.subs(at))
    assert quiz("reverse-mode", "z").expected == shared == 10
    assert quiz("reverse-mode", "w2").expected == shared * at[x2]


# ---------------------------------------------------------------- hidden-layer-deltas (lecture 004)


def sigmoid(s: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-s))


def test_hidden_layer_deltas_follow_the_lectures_recursion() -> None:
    x, w_in, W, d, eta = 1.0, np.array([0.5, -0.5]), np.array([[1.0, 1.0], [1.0, -1.0]]), np.array([1.0, 0.0]), 0.5
    y_hid = sigmoid(w_in * x)
    y_out = sigmoid(W @ y_hid)
    delta_out = (d - y_out) * y_out * (1 - y_out)               # δ_i = (d_i - y_i) f'(S_i)
    delta_hid = y_hid * (1 - y_hid) * (W.T @ delta_out)          # δ_i = f'(S_i) Σ_l δ_l w_li
    t = traces("hidden-layer-deltas")["main"]
    assert [float(t.number(n, "grad")) for n in ("S3", "S4")] == pytest.approx(list(-delta_out), rel=1e-12)
    assert [float(t.number(n, "grad")) for n in ("S1", "S2")] == pytest.approx(list(-delta_hid), rel=1e-12)
    names = [["w31", "w32"], ["w41", "w42"]]
    assert [float(t.number(n, "grad")) for row in names for n in row] == \
        pytest.approx(list((-np.outer(delta_out, y_hid)).ravel()), rel=1e-12)
    assert float(quiz("hidden-layer-deltas", "S3").expected) == pytest.approx(-delta_out[0])
    assert float(quiz("hidden-layer-deltas", "y1").expected) == pytest.approx(-(W[:, 0] @ delta_out))
    assert float(quiz("hidden-layer-deltas", "S1").expected) == pytest.approx(-delta_hid[0])
    update = next(s.update for s in screens("hidden-layer-deltas") if s.update)
    assert float(update.rows["w31"][2]) == pytest.approx(1 + eta * delta_out[0] * y_hid[0])    # Δw = η δ y
    assert float(update.rows["w1"][2]) == pytest.approx(0.5 + eta * delta_hid[0] * x)
    assert float(update.after.value) < float(t.value) == pytest.approx(0.5 * ((d - y_out) ** 2).sum())
    # the numbers the text prints
    printed = [f"{y_hid[0]:.4f}", f"{y_hid[1]:.4f}", f"{y_out[0]:.4f}", f"{y_out[1]:.4f}", f"{delta_out[0]:.4f}",
               f"{delta_out[1]:.4f}", f"{-W[:, 0] @ delta_out:.4f}", f"{delta_hid[0]:.4f}", f"{delta_hid[1]:.4f}"]
    assert printed == ["0.6225", "0.3775", "0.7311", "0.5609", "0.0529", "-0.1381", "0.0853", "-0.0200", "0.0449"]


# ---------------------------------------------------------------- learning-rate (lecture 003)


def train(eta: float, steps: int = 12) -> list[float]:
    """The lecture 003 network, w1, b1 and w3 updated by plain gradient descent: the loss after each step."""
    x1, x2, w1, w2, b1, w3, b2, y = 2.0, -1.0, 1.5, 2.0, 3.0, 2.5, -2.0, 6.0
    losses = []
    for _ in range(steps + 1):
        z = w1 * x1 + w2 * x2 + b1
        h = max(z, 0.0)
        err = w3 * h + b2 - y
        losses.append(err ** 2)
        dz = 2 * err * w3 * (z > 0)
        w1, b1, w3 = w1 - eta * dz * x1, b1 - eta * dz, w3 - eta * 2 * err * h
    return losses


def test_learning_rate_four_runs() -> None:
    runs = [r for s in screens("learning-rate") for r in s.runs]
    assert len(runs) == 4
    for run, eta in zip(runs, (0.001, 0.01, 0.025, 0.04), strict=True):
        assert [loss for _, loss in run.losses] == pytest.approx(train(eta), rel=1e-9, abs=1e-20)
    small, right, large, divergent = (train(eta) for eta in (0.001, 0.01, 0.025, 0.04))
    assert all(b < a for a, b in zip(small, small[1:])) and small[-1] > 0.4
    assert right[-1] < 1e-15 and f"{right[1]:.3g}" == "0.0361"
    assert large[1] > large[0] and large[3] > large[2] and large[5] > large[4] and large[-1] < large[0]
    assert divergent[1:4] == pytest.approx([18.3184, 27.0, 64.0], abs=0.05) and set(divergent[3:]) == {64.0}
    assert [f"{v:.3g}" for v in (small[-1], right[-1], large[-1])] == ["0.439", "1.45e-16", "0.158"]
    assert float(quiz("learning-rate", "yhat", "value").expected) == pytest.approx(1.86 * 2.0 - 2)  # z = 2
    assert float(quiz("learning-rate", "L", "value").expected) == pytest.approx(0.19 ** 2)


# ---------------------------------------------------------------- optimizers (lecture 002)


def descend(rule: str, lr: float, steps: int = 40, gamma: float = 0.7, rho: float = 0.9) -> list[float]:
    """The ravine L = 0.5 w1² + 25 w2² from (-5, 1), by each update rule as written in the lesson."""
    w, m, v, losses = np.array([-5.0, 1.0]), np.zeros(2), np.zeros(2), []
    for t in range(1, steps + 2):
        losses.append(0.5 * w[0] ** 2 + 25 * w[1] ** 2)
        g = np.array([w[0], 50 * w[1]])
        if rule == "gd":
            w = w - lr * g
        elif rule == "momentum":
            m = gamma * m + lr * g
            w = w - m
        elif rule == "rmsprop":
            v = rho * v + (1 - rho) * g * g
            w = w - lr * g / (np.sqrt(v) + 1e-8)
        else:
            m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
            w = w - lr * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    return losses[:steps + 1]


def test_optimizers_on_the_ravine() -> None:
    runs = [r for s in screens("optimizers") for r in s.runs]
    assert [r.name for r in runs] == ["GD η 0.038", "momentum", "RMSprop", "Adam"]
    for run, (rule, lr) in zip(runs, [("gd", 0.038), ("momentum", 0.038), ("rmsprop", 0.2), ("adam", 0.15)], strict=True):
        want = descend(rule, lr)
        assert [loss for _, loss in run.losses] == pytest.approx([want[k] for k, _ in run.losses], rel=1e-9)
    gd, mom, rms, adam = (descend(r, lr) for r, lr in [("gd", 0.038), ("momentum", 0.038), ("rmsprop", 0.2), ("adam", 0.15)])
    assert mom[-1] < 1e-4 and rms[-1] < 1e-4 < adam[-1] < gd[-1]          # what the text concludes
    assert [f"{x:.2g}" for x in (gd[-1], mom[-1], rms[-1], adam[-1])] == ["0.57", "3.3e-05", "7.6e-05", "0.095"]
    assert (f"{adam[8]:.3g}", f"{adam[12]:.3g}") == ("7.42", "8.04")
    assert runs[0].final["w1"] == pytest.approx(-1.0616, abs=1e-4)
    assert quiz("optimizers", "w2").expected == 50 and quiz("optimizers", "w1").expected == -5
    # first steps the text computes by hand
    g = np.array([-5.0, 50.0])
    assert list(np.round(np.array([-5.0, 1.0]) - 0.2 * g / np.sqrt(0.1 * g * g), 2)) == [-4.37, 0.37]
    assert 1 - 50 * 0.038 == pytest.approx(-0.9)


# ---------------------------------------------------------------- sgd-minibatch (lecture 003)


def test_sgd_minibatch_estimates_and_paths() -> None:
    X, Y = np.array([-2.0, -1.0, 1.0, 2.0]), np.array([0.2, 0.3, 1.7, 1.9])
    assert list(np.round(np.polyfit(X, Y, 1), 4)) == [0.48, 1.025]

    def grad(w: float, b: float, idx: list[int]) -> np.ndarray:
        r = w * X[idx] + b - Y[idx]
        return np.array([np.mean(2 * r * X[idx]), np.mean(2 * r)])

    def path(batches: list[list[int]], lr: float = 0.1, steps: int = 24) -> list[float]:
        p, out = np.zeros(2), []
        for k in range(steps + 1):
            out.append(float(np.mean((p[0] * X + p[1] - Y) ** 2)))
            p = p - lr * grad(p[0], p[1], batches[k % len(batches)])
        return out

    assert float(quiz("sgd-minibatch", "b").expected) == pytest.approx(grad(0, 0, [0, 1, 2, 3])[1])
    assert float(quiz("sgd-minibatch", "b", nth=1).expected) == pytest.approx(grad(0, 0, [2])[1])
    ts = traces("sgd-minibatch")
    for graph, idx in (("main", [0, 1, 2, 3]), ("p1", [0]), ("p4", [3]), ("m31", [2, 0]), ("m42", [3, 1])):
        assert [float(ts[graph].number(p, "grad")) for p in ("w", "b")] == pytest.approx(list(grad(0, 0, idx)))
    runs = [r for s in screens("sgd-minibatch") for r in s.runs]
    assert [r.name for r in runs] == ["GD (4 points)", "SGD (1 point)", "minibatch (2)"]
    for run, batches in zip(runs, ([[0, 1, 2, 3]], [[2], [0], [3], [1]], [[2, 0], [3, 1]]), strict=True):
        want = path(batches)
        assert [loss for _, loss in run.losses] == pytest.approx([want[k] for k, _ in run.losses], rel=1e-9)
    gd, sgd, mini = path([[0, 1, 2, 3]]), path([[2], [0], [3], [1]]), path([[2, 0], [3, 1]])
    assert sgd[4] < gd[4] and f"{sgd[4]:.3g}" == "0.134" and f"{gd[4]:.3g}" == "0.209"
    assert any(b > a for a, b in zip(sgd[10:], sgd[11:]))                # the noisy path goes up as well as down
    assert min(sgd[12:]) > gd[-1] and f"{gd[-1]:.3g}" == "0.0309" and f"{mini[-1]:.3g}" == "0.0313"


# ---------------------------------------------------------------- the update step's new keys


def lesson_text(update: str) -> str:
    return ('id = "t"\ntitle = "T"\nprogram = "L = (w - 3)^2 + (v + 1)^2"\nat = { w = 0, v = 0 }\n'
            '[graphs.half]\nprogram = "L1 = (w - 3)^2"\n'
            '[graphs.other]\nprogram = "L2 = (u - 3)^2"\nat = { u = 1 }\n'
            '[[steps]]\nkind = "update"\nparams = ["w"]\niterations = 3\n' + update)


def test_rmsprop_is_an_optimizer_with_its_own_decay() -> None:
    from backprop_tutor.tutor.lesson import loads

    shown = build(loads(lesson_text('lr = 0.5\noptimizer = "rmsprop"\nrho = 0.5\n')))
    w, s_, losses = 0.0, 0.0, []
    for _ in range(3):
        g = 2 * (w - 3)
        s_ = 0.5 * s_ + 0.5 * g * g
        w -= 0.5 * g / (np.sqrt(s_) + 1e-8)
        losses.append((w - 3) ** 2 + 1)
    assert [loss for _, loss in shown[0].runs[0].losses[1:]] == pytest.approx(losses)


@pytest.mark.parametrize(("update", "message"), [
    ('lr = [0.1, 0.2]\noptimizer = ["sgd"]\n', "lr has 2 numbers for 1 optimizers"),
    ('lr = [0.1, 0.2, 0.3]\nbatches = [["half"], ["main"]]\n', "lr has 3 numbers for 2 runs of batches"),
    ('lr = 0.1\noptimizer = ["sgd", "adam"]\nlabels = ["a"]\n', "labels has 1 entries for 2 runs"),
    ('lr = 0.1\nbatches = [["half", "nope"]]\n', "batches names 'nope'"),
    ('lr = 0.1\nbatches = [["other"]]\n', "batch graph 'other' uses u"),
    ('lr = 0.1\nbatches = [["main"]]\noptimizer = ["sgd", "adam"]\n', "one optimizer"),
    ('lr = [0.1, "x"]\n', "lr is"),
    ('lr = 0.1\nbatches = [[]]\n', "batches is"),
])
def test_bad_update_keys_are_one_clear_line(update: str, message: str) -> None:
    from backprop_tutor.errors import LessonError
    from backprop_tutor.tutor.lesson import loads

    with pytest.raises(LessonError, match="line [0-9]+: ") as err:
        build(loads(lesson_text(update), "t.toml"))
    assert message in str(err.value) and "\n" not in str(err.value)


def test_batches_take_their_gradient_from_each_batch_in_turn() -> None:
    from backprop_tutor.tutor.lesson import loads

    shown = build(loads(lesson_text('lr = 0.25\nbatches = [["half"], ["main"]]\nlabels = ["half", "all"]\n')))
    half, full = shown[0].runs
    assert (half.name, full.name) == ("half", "all")
    w, want = 0.0, []
    for _ in range(3):
        w -= 0.25 * 2 * (w - 3)           # ∂L1/∂w: v is not in the half loss, and not a parameter
        want.append((w - 3) ** 2 + 1)     # the whole loss, v = 0
    assert [loss for _, loss in half.losses[1:]] == pytest.approx(want) == [loss for _, loss in full.losses[1:]]


# ---------------------------------------------------------------- gradient-checking


def test_gradient_checking_orders_and_kinks() -> None:
    from fractions import Fraction as F

    x = sp.Symbol("x")
    f = x ** 3
    exact = sp.diff(f, x).subs(x, 2)
    assert exact == 12 and traces("gradient-checking")["cube"].number("x", "grad") == exact
    ts = traces("gradient-checking")
    for graph, h in (("coarse", F(1, 10)), ("main", F(1, 100)), ("fine", F(1, 1000))):
        centred = (f.subs(x, 2 + h) - f.subs(x, 2 - h)) / (2 * h)
        one_sided = (f.subs(x, 2 + h) - f.subs(x, 2)) / h
        assert centred - exact == h ** 2 and one_sided - exact == 6 * h + h ** 2   # orders h² and h
        assert ts[graph].number("D") == centred and ts[graph].number("F") == one_sided
    assert quiz("gradient-checking", "D", "value").expected == F(120001, 10000)
    rel = abs(12 - F(120001, 10000)) / max(12, F(120001, 10000))
    assert float(quiz("gradient-checking", "rel", "value").expected) == pytest.approx(float(rel), rel=1e-12)
    assert f"{float(rel):.2g}" == "8.3e-06"
    relu = lambda v: max(v, 0)  # noqa: E731
    assert quiz("gradient-checking", "D", "value", nth=1).expected == (relu(F(14, 1000)) - relu(F(-6, 1000))) / F(2, 100) \
        == F(7, 10)
    assert ts["kinkfine"].number("D") == 1 and ts["relu"].number("x", "grad") == 1
    # what the text says --verify prints for relu(x) at x = 1e-7 (h = 1e-6)
    h = 1e-6
    assert round((relu(1e-7 + h) - relu(1e-7 - h)) / (2 * h), 2) == 0.55


# ---------------------------------------------------------------- exploding-gradients


def test_exploding_gradients_and_clipping() -> None:
    x = sp.Symbol("x")
    ts = traces("exploding-gradients")
    for graph, w in (("half", sp.Rational(1, 2)), ("one", 1), ("main", 2)):
        h = x
        for _ in range(6):
            h = sp.Max(0, w * h)
        assert ts[graph].number("x", "grad") == sp.diff(h, x).subs(x, 1) == w ** 6
    assert quiz("exploding-gradients", "x").expected == 64 and 2 ** 20 == 1_048_576
    g, c = np.array([30.0, 40.0]), 5.0
    clipped = g * min(1.0, c / np.linalg.norm(g))
    clip = ts["clip"]
    assert [float(clip.number(n)) for n in ("c1", "c2")] == pytest.approx(list(clipped)) == [3, 4]
    assert float(quiz("exploding-gradients", "c1", "value").expected) == pytest.approx(clipped[0])
    assert float(clip.number("norm")) == np.linalg.norm(g) == 50
