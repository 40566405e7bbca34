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

NEW = ["network-size"]

CURRICULUM = ["chain-rule", "sigmoid-neuron", "gate-patterns", "fan-out", "activations", "network-size",
              "vanishing-gradients", "learning-loop", "losses", "gradient-descent", "xor",
              "dense-layer-matrix-form", "convolution", "backprop-through-time", "delta-rule", "dropout",
              "max-pooling", "residual"]


def screens(name: str) -> list:
    return build(find(name))


def traces(name: str) -> dict:
    lesson = find(name)
    return {g: trace_graph(lesson, spec) for g, spec in lesson.graphs.items()}


def quiz(name: str, node: str, ask: str = "grad", graph: str | None = None):  # noqa: ANN201
    """The lesson's quiz on `node` (the first one, or the one on `graph`)."""
    lesson_traces = traces(name) if graph else {}
    for s in screens(name):
        q = s.quiz
        if q and q.node == node and q.ask == ask:
            if graph is None or q.trace.graph.graph.get("program", None) is None or \
                    q.trace.expr == lesson_traces[graph].expr and dict(q.trace.at) == dict(lesson_traces[graph].at):
                return q
    raise AssertionError(f"no {ask} quiz on {node} in {name}")


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
    collapsed = [s.quiz for s in screens("network-size") if s.quiz and s.quiz.node == "P"][-1]
    assert collapsed.expected == count_parameters(2, 1) == 3


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
