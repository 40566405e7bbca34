"""The Python API's surface: every public name documented, `help(bt.trace)` shows an example,
`dir(bt)` lists the lazily imported names, the wheel is typed (py.typed)."""

from __future__ import annotations

import inspect
import pydoc

import graphviz

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
