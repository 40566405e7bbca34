"""The Python API's surface: every public name documented, `help(bt.trace)` shows an example,
`dir(bt)` lists the lazily imported names, the wheel is typed (py.typed)."""

from __future__ import annotations

import inspect
import os
import pydoc
import shutil
import subprocess
import sys
from pathlib import Path

import graphviz
import pytest

import backprop_tutor as bt
from backprop_tutor.render.notebook import StepView
from backprop_tutor.tutor.notebook import Feedback, LessonView, Score, ScreenView

T = bt.trace("(x+y)*z", {"x": -2, "y": 5, "z": -4})


def test_every_public_name_has_a_docstring() -> None:
    for name in bt.__all__:
        obj = getattr(bt, name)
        if callable(obj) or inspect.isclass(obj):
            assert (inspect.getdoc(obj) or "").strip(), name
    for cls in (bt.Trace, bt.Step, StepView, LessonView, ScreenView, Feedback, Score):
        for attr, member in vars(cls).items():
            if attr.startswith("_") or not (callable(member) or isinstance(member, property)):
                continue
            assert (inspect.getdoc(member) or "").strip(), f"{cls.__name__}.{attr}"
    assert inspect.getdoc(bt.Trace.step) and inspect.getdoc(bt.Trace.digraph)


def test_help_shows_an_example() -> None:
    text = pydoc.render_doc(bt.trace, renderer=pydoc.plaintext)
    assert ">>> " in text and "bt.trace(" in text or "trace(" in text.split(">>>", 1)[1]
    lesson_help = pydoc.render_doc(bt.lesson, renderer=pydoc.plaintext)
    assert ">>> " in lesson_help and ".score()" in lesson_help and "Score(right, answered, total)" in lesson_help


def test_dir_lists_lazy_names() -> None:
    assert {"check_answers", "gradcheck", "lesson", "trace"} <= set(dir(bt))


def test_step_is_a_digraph() -> None:
    view = T.step(5)
    assert isinstance(view, graphviz.Digraph) and isinstance(T.digraph, graphviz.Digraph)
    assert view.source.startswith("digraph slide {") and "∂f/∂z" in view.source
    view.attr(bgcolor="lightyellow")                       # tweaked like any Digraph: the picture follows
    assert "lightyellow" in view.source and "lightyellow" in view._repr_image_svg_xml()
    assert b"<svg" in view.pipe("svg")
    assert repr(view) == "<StepView: step 5 of 7 of '(x+y)*z'>"


def test_trace_html_has_value_gradients_and_drawing() -> None:
    html = T._repr_html_()
    assert "<b>f = -12</b>" in html and "<svg" in html
    for x, value, grad in (("x", "-2", "-4"), ("y", "5", "-4"), ("z", "-4", "3")):
        assert f"<td>{x}</td><td style='color:#1a7f37'>{value}</td>" in html
        assert f"<td>{x}</td><td style='color:#1a7f37'>{value}</td><td style='color:#c62828;font-style:italic'>{grad}</td>" in html


def test_lesson_score_is_a_value_not_a_sentence() -> None:
    chain = bt.lesson("chain-rule")
    assert chain.score() == Score(right=0, answered=0, total=3) and not chain.score().done
    assert str(chain.score()) == "No quiz answered yet (3 in this lesson)."
    chain.check(3, -12)                                  # right
    for wrong in ("1", "2", "3"):                        # three wrong tries reveal the answer: answered, not right
        chain.check(6, wrong)
    score = chain.score()
    assert (score.right, score.answered, score.total) == (1, 2, 3) and score.fraction == 1 / 3
    assert repr(score) == "Score(right=1, answered=2, total=3)"
    assert str(score) == "Score: 1 of 2 answered so far (3 quizzes in this lesson)."
    assert score._repr_html_() == "<p><b>Score: 1 of 2 answered so far (3 quizzes in this lesson).</b></p>"
    chain.check(10, -4)
    assert chain.score().done and str(chain.score()) == "Score: 2 of 3 quiz questions right."
    assert chain.score().fraction == 2 / 3
    none = Score(0, 0, 0)
    assert str(none) == "This lesson has no quiz." and none.done and none.fraction == 1.0


NO_DOT = """
import sys, graphviz, backprop_tutor as bt
t = bt.trace("1/(1+exp(-(w0*x0 + w1*x1 + w2)))", {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3}, expand=True)
view = t.step(13)                         # a caption with · and ∂: graphviz-pure warns on each such character
print(graphviz.version())
print(len(view.pipe("svg")) > 1000, view.render("step13", format="png"), "<svg" in view._repr_image_svg_xml())
print("loud:", file=sys.stderr, flush=True)
print(len(view.pipe("svg", quiet=False)) > 1000)   # asked for: its warnings are shown
"""


def test_step_renders_through_graphviz_pure_quietly_without_system_dot(tmp_path: Path) -> None:
    """No system dot: .pipe(), .render() and the inline SVG work through graphviz-pure, graphviz.version()
    names the Graphviz it ports (16.1.0 for graphviz-pure 0.2.2) instead of failing to parse its -V, and
    graphviz-pure's warnings on character widths do not reach the user's terminal."""
    here = Path(sys.executable).parent
    if not shutil.which("graphviz-pure", path=str(here)):
        pytest.skip("graphviz-pure is not installed next to this Python")
    if shutil.which("dot", path=str(here)):
        pytest.skip("a dot sits next to this Python; cannot hide it")
    env = {**os.environ, "PATH": str(here)}   # the venv's bin only: no system dot
    done = subprocess.run([sys.executable, "-c", NO_DOT], capture_output=True, text=True, cwd=tmp_path, env=env,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    version, rendered, loud = done.stdout.splitlines()
    assert version.startswith("(") and len([int(d) for d in version.strip("()").split(", ")]) >= 2, version
    assert rendered == "True step13.png True" and (tmp_path / "step13.png").read_bytes()[:4] == b"\x89PNG"
    assert loud == "True"
    quiet, _, asked = done.stderr.partition("loud:\n")
    assert quiet == ""                                   # nothing on stderr until the call with quiet=False
    assert asked and all("no value for width of non-ASCII character" in w for w in asked.splitlines()), asked
