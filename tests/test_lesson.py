"""Lesson files: loading, validation, and errors that name the file, the line and what was expected."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from backprop_tutor.errors import LessonError
from backprop_tutor.tutor.lesson import builtin, find, loads
from backprop_tutor.tomlpos import key_lines, locate
from backprop_tutor.tutor.screens import build

GOOD = textwrap.dedent('''\
    id = "tiny"
    title = "Tiny"
    program = """
    q = x + y
    f = q * z
    """
    at = { x = -2, y = 5, z = -4 }

    [[steps]]
    kind = "forward"

    [[steps]]
    kind = "quiz"
    ask = "grad"
    node = "q"
    answer = "z"
    ''')


def error(text: str) -> str:
    with pytest.raises(LessonError) as err:
        build(loads(text, "my.toml"))
    return str(err.value)


def test_a_good_lesson_loads_and_builds() -> None:
    lesson = loads(GOOD, "my.toml")
    assert (lesson.id, lesson.title, [s.kind for s in lesson.steps]) == ("tiny", "Tiny", ["forward", "quiz"])
    screens = build(lesson)
    assert [s.kind for s in screens] == ["forward", "forward", "quiz", "end"]
    assert screens[2].quiz.expected == -4


def test_line_numbers_of_keys() -> None:
    lines = key_lines(GOOD)
    assert lines[("program",)] == 3 and lines[("at",)] == 7
    assert lines[("steps", 1)] == 12 and lines[("steps", 1, "node")] == 15
    assert locate(GOOD, ("steps", 1, "missing")) == 12


def test_missing_key() -> None:
    msg = error(GOOD.replace('title = "Tiny"\n', ""))
    assert msg.startswith("my.toml, line 1: the lesson has no 'title'; expected title = ")


def test_unknown_step_kind_with_suggestion() -> None:
    msg = error(GOOD.replace('kind = "forward"', 'kind = "foward"'))
    assert msg.startswith("my.toml, line 10: step 1 has kind 'foward' (did you mean 'forward'?)")
    assert "expected kind = one of narrative, forward, backward, quiz, update, compare, matrix" in msg


def test_wrong_type() -> None:
    msg = error(GOOD + 'tolerance = "small"\n')
    assert msg.startswith("my.toml, line 17: tolerance is 'small'; expected a number")


def test_unknown_key_with_suggestion() -> None:
    msg = error(GOOD + 'promt = "What?"\n')
    assert "my.toml, line 17: unknown key 'promt' in a quiz step (did you mean 'prompt'?)" in msg


def test_bad_expression_points_at_the_file_line() -> None:
    msg = error(GOOD.replace("f = q * z", "f = q * * z"))
    assert msg.startswith("my.toml, line 5: the program of graph 'main' does not parse: unexpected '*'")
    assert "column 9" in msg


def test_unknown_node() -> None:
    msg = error(GOOD.replace('node = "q"', 'node = "r"'))
    assert msg.startswith("my.toml, line 15: node names 'r', which is not a node of this graph; expected one of x, y, q, z, f")


def test_missing_value_for_an_input() -> None:
    msg = error(GOOD.replace(", z = -4", ""))
    assert msg.startswith("my.toml, line 7: graph 'main' cannot be traced: no value for 'z'; expected a value")


def test_unknown_graph_and_bad_toml() -> None:
    assert "graph is 'other', which is not defined here; expected one of main" in \
        error(GOOD + 'graph = "other"\n')
    assert error(GOOD + "oops = = 1\n").startswith("my.toml, line 17: this is not valid TOML")


def test_required_field_of_a_kind() -> None:
    msg = error(GOOD.replace('ask = "grad"\n', ""))
    assert msg.startswith("my.toml, line 13: this quiz step has no 'ask'; expected ask = ")


def test_bad_answer_formula() -> None:
    assert "line 16: answer does not parse" in error(GOOD.replace('answer = "z"', 'answer = "z +"'))


def test_a_wrong_answer_formula_is_refused_with_its_line_and_the_true_number() -> None:
    msg = error(GOOD.replace('answer = "z"', 'answer = "x"'))   # x is -2 here; ∂f/∂q = z = -4
    assert msg == ("my.toml, line 16: answer 'x' is -2 at this graph's point, but ∂f/∂q is -4; expected a formula "
                   "for ∂f/∂q in the graph's names, equal to -4 here")


def test_an_answer_with_the_right_number_but_the_wrong_formula_is_refused() -> None:
    msg = error(GOOD.replace('answer = "z"', 'answer = "2*z + 4"'))   # -4 at z = -4, but not z
    assert msg.startswith("my.toml, line 16: answer '2*z + 4' has the right number here but is not the formula of ∂f/∂q")
    for same in ("z", "q*0 + z", "2*z/2", "-4"):   # equal formulas, and a bare number, are fine
        build(loads(GOOD.replace('answer = "z"', f'answer = "{same}"'), "my.toml"))


def test_an_answer_that_does_not_evaluate_or_names_nothing_is_refused() -> None:
    msg = error(GOOD.replace('answer = "z"', 'answer = "9^9^9^9"'))
    assert msg.startswith("my.toml, line 16: answer '9^9^9^9': 9 ^ 387420489 cannot be evaluated: it overflows "
                          "float64; expected a formula for ∂f/∂q")
    msg = error(GOOD.replace('answer = "z"', 'answer = "w"'))
    assert msg == "my.toml, line 16: answer uses 'w', which is not a name of this graph; expected names among x, y, q, z, f"


def test_value_and_local_answers_are_checked_too() -> None:
    value = GOOD.replace('ask = "grad"', 'ask = "value"').replace('node = "q"', 'node = "f"')
    build(loads(value.replace('answer = "z"', 'answer = "q*z"'), "my.toml"))
    assert "answer 'q + z' is -1 at this graph's point, but f is -12" in error(value.replace('answer = "z"', 'answer = "q + z"'))
    local = GOOD.replace('node = "q"', 'node = "f"\nwrt = "q"')
    build(loads(local.replace('answer = "z"', 'answer = "z"').replace('ask = "grad"', 'ask = "local"'), "my.toml"))
    msg = error(local.replace('answer = "z"', 'answer = "q"').replace('ask = "grad"', 'ask = "local"'))
    assert "answer 'q' is 3 at this graph's point, but ∂f/∂q is -4" in msg


def test_a_negative_tolerance_is_refused() -> None:
    msg = error(GOOD + "tolerance = -1\n")
    assert msg == "my.toml, line 17: tolerance is -1; expected a number, 0 or more (a relative error, e.g. 0.01)"
    build(loads(GOOD + "tolerance = 0\n", "my.toml"))


def test_graph_inheritance() -> None:
    text = GOOD + '\n[graphs.other]\nat = { x = 1 }\n'
    lesson = loads(text, "my.toml")
    assert lesson.graphs["other"].program == lesson.graphs["main"].program
    assert lesson.graphs["other"].at == {"x": 1, "y": 5, "z": -4}


def test_every_builtin_lesson_is_valid() -> None:
    for path in builtin():
        build(loads(path.read_text(), str(path)))


def test_loading_lessons_does_not_import_sympy() -> None:
    code = ("import sys; from backprop_tutor.tutor.lesson import builtin, load; from backprop_tutor.tutor.screens import build\n"
            "[build(load(p), formulas=False) for p in builtin()]\nprint('sympy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_documented_example_is_a_valid_lesson() -> None:
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "lessons" / "README.md").read_text()
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    screens = build(loads(example, "README.md"))
    kinds = [s.kind for s in screens]
    assert kinds[0] == "narrative" and kinds[-1] == "end"
    assert {"forward", "backward", "quiz", "update", "compare", "matrix"} <= set(kinds)


def test_compare_functions_may_only_use_x() -> None:
    text = 'id = "c"\ntitle = "C"\n\n[[steps]]\nkind = "compare"\nfunctions = ["tanh(x)", "leaky_relu(x, a)"]\npoints = [0]\n'
    msg = error(text)
    assert msg.startswith("my.toml, line 6: a function cannot be used: 'leaky_relu(x, a)' uses 'a'")


def test_update_iterations_are_bounded() -> None:
    msg = error(GOOD + '\n[[steps]]\nkind = "update"\nlr = 0.1\nparams = ["x"]\niterations = 100000000\n')
    assert msg.startswith("my.toml, line 22: iterations is 100000000; expected a whole number from 1 to 10000")


def test_shipped_lessons_are_found_in_an_installed_namespace_package(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """A non-editable install maps lessons/ to backprop_tutor/lessons, a namespace package."""
    from importlib.resources.readers import MultiplexedPath

    from backprop_tutor.tutor import lesson as module

    (tmp_path / "01-only.toml").write_text(GOOD)
    monkeypatch.setattr(module.resources, "files", lambda name: MultiplexedPath(str(tmp_path)))
    assert module.builtin_dir() == tmp_path
    assert [p.name for p in module.builtin()] == ["01-only.toml"]


def test_compare_labels_must_match_the_graphs() -> None:
    text = GOOD + '\n[[steps]]\nkind = "compare"\ngraphs = ["main"]\nlabels = ["a", "b"]\nrows = ["f"]\n'
    assert error(text).startswith("my.toml, line 21: labels has 2 names for 1 graphs; expected one label per graph")


def quiz(ask: str = "grad", node: str = "q", formula: str | None = "z"):  # noqa: ANN201 - a Quiz
    screens = build(loads(GOOD.replace('ask = "grad"', f'ask = "{ask}"').replace('node = "q"', f'node = "{node}"')
                          .replace('answer = "z"', f'answer = "{formula}"' if formula else ""), "my.toml"))
    return next(s.quiz for s in screens if s.quiz is not None)


def test_quiz_numbers_within_tolerance() -> None:
    q = quiz()
    assert q.check("-4.001") == (True, "Correct: -4.001 (∂f/∂q = -4).") and q.solved is True  # the true value
    q = quiz()
    ok, said = q.check("-4.2")
    assert not ok and said.startswith("Not quite (-4.2). Hint: upstream times local: ∂f/∂q = ∂f/∂f · (local ∂f/∂q)")
    assert q.tries == 1 and q.solved is None


def test_quiz_echoes_a_number_as_typed() -> None:
    assert quiz().check("-4.0000000001") == (True, "Correct: -4.0000000001 (∂f/∂q = -4).")   # not "-4.00"
    assert quiz().check("-8/2") == (True, "Correct: -8/2 = -4.")
    assert quiz().check("-4.2")[1].startswith("Not quite (-4.2).")


def test_quiz_correct_shows_the_true_value_not_the_students_rounding() -> None:
    """D16: sigmoid-neuron's x0 quiz; 0.4 is accepted, and the screen says the value is 0.393."""
    import math

    q = next(s.quiz for s in build(find("sigmoid-neuron")) if s.quiz is not None and s.quiz.node == "x0")
    s = 1 / (1 + math.exp(-(2 * -1 + -3 * -2 - 3)))
    assert f"{(1 - s) * s * 2:.3f}" == "0.393"
    assert q.check("0.4") == (True, "Correct: 0.4 (∂f/∂x0 = 0.393).")


def test_quiz_hint_names_the_likely_mistake() -> None:
    """D16: a sign error, a missing fan-out branch are named (the homework diagnoser's words)."""
    ok, said = quiz().check("4")  # ∂f/∂q = -4
    assert not ok and "sign" in said and "Hint:" in said
    fan = build(loads('id = "a"\ntitle = "A"\nprogram = "f = x*x + x"\nat = {x = 3}\n'
                      '[[steps]]\nkind = "quiz"\nask = "grad"\nnode = "x"', "fan.toml"))
    q = next(s.quiz for s in fan if s.quiz is not None)
    assert q.expected == 7  # 2x + 1 at x = 3
    ok, said = q.check("3")  # one branch of x*x kept, the other two dropped
    assert not ok and "SUM of their gradients" in said and "only one branch was kept" in said
    ok, said = q.check("12.5")  # no known mistake: no diagnosis, only the hint
    assert not ok and said.startswith("Not quite (12.5). Hint:")


def test_quiz_accepts_a_computation_from_the_numbers_on_screen() -> None:
    """D1: vanishing-gradients asks ∂h6/∂h4 = 0.0505; the screen shows ∂h6/∂h5 = 0.22 and h5 = 0.66,
    and the hint says ∂h6/∂h5 · (1 - h5)·h5 · w5 (w5 = 1). Typed from the screen, that is right."""
    import math

    q = next(s.quiz for s in build(find("vanishing-gradients")) if s.quiz is not None and s.quiz.node == "h4")
    h, hs = 1.0, []
    for _ in range(6):  # h_k = σ(w_k·h_(k-1)), all w = 1, x = 1 (the lesson's chain)
        h = 1 / (1 + math.exp(-h))
        hs.append(h)
    true = math.prod((1 - x) * x for x in hs[4:6])  # ∂h6/∂h4 = σ'(n6)·σ'(n5)
    assert float(q.expected) == pytest.approx(true) and f"{true:.4f}" == "0.0505"
    for typed in ("0.22*0.66*0.34", "0.0494", "0.05", "0.0505"):
        assert q.check(typed)[0], typed
    for typed in ("0.1*0.4", "0.0404", "0.22"):  # one-digit guesses and wrong numbers are not widened
        assert not q.check(typed)[0], typed


def test_lesson_check_rejects_a_tolerance_that_fails_the_numbers_on_screen(tmp_path) -> None:  # noqa: ANN001
    text = find("vanishing-gradients").text.replace("tolerance = 0.05", "tolerance = 0.02")
    with pytest.raises(LessonError, match="a student who multiplies the numbers on screen .* gets 0.0484"):
        build(loads(text, "v.toml"))


def test_quiz_formulas_by_symbolic_equivalence() -> None:
    q = quiz()
    assert q.check("2*z/2") == (True, "Correct: 2*z/2 is -4 here.")
    q = quiz()
    ok, said = q.check("x - 2")  # -4 at this point, but not the formula z
    assert not ok and said.startswith("Not quite (x - 2 is -4 here).")
    q = quiz(formula=None)
    assert q.check("x - 2")[0]  # without a formula answer, a formula counts by its value here


def test_quiz_three_tries_then_the_answer() -> None:
    q = quiz()
    for wrong in ("1", "2"):
        assert not q.check(wrong)[0]
    ok, said = q.check("3")
    assert not ok and said == "Not quite (3). The answer is -4 = z." and q.solved is False


def test_quiz_unreadable_answers_use_no_try_and_are_never_evaluated() -> None:
    q = quiz()
    ok, said = q.check("__import__('os').system('true')")
    assert not ok and said.startswith("I cannot use") and q.tries == 0
    ok, said = q.check("k + 1")
    assert not ok and "unknown name 'k'; you can use x, y, q, z, f" in said and q.tries == 0
    assert "log" in q.check("log(-1)")[1] and q.tries == 0


def test_quiz_value_and_local() -> None:
    q = quiz("value", "f", None)
    assert q.expected == -12 and "f" not in q.names() and q.check("q*z")[0]
    text = GOOD.replace('ask = "grad"', 'ask = "local"').replace('node = "q"', 'node = "f"\nwrt = "z"') \
        .replace('answer = "z"', 'answer = "q"')
    local = next(s.quiz for s in build(loads(text, "my.toml")) if s.quiz is not None)
    assert local.expected == 3
    assert not local.check("z")[0] and local.check("q")[0]  # ∂(q·z)/∂z is q = 3, not z
    assert "needs wrt" in error(text.replace('wrt = "z"\n', ""))


def test_a_relative_tolerance_holds_below_one() -> None:
    q = quiz(formula=None)
    q.expected, q.tolerance = 0.0505, 0.05
    assert q.check("0.0625")[0]  # below 1 the tolerance is absolute: the lecturer's complaint
    q = quiz(formula=None)
    q.expected, q.tolerance, q.relative = 0.0505, 0.02, True
    assert not q.check("0.0625")[0] and not q.check("0.1")[0]
    assert q.check("0.0505")[0]
    text = GOOD.replace('answer = "z"', 'relative = "yes"')
    assert "relative" in error(text)


def test_before_hides_the_graph_from_an_earlier_node() -> None:
    screens = build(loads(GOOD.replace('answer = "z"', 'before = "f"'), "my.toml"))
    shown = next(s for s in screens if s.quiz is not None)
    assert shown.trace.steps[shown.known].node == "f" and shown.trace.steps[shown.known].wrt is None  # the seed
    assert "after the asked number" in error(GOOD.replace('answer = "z"', 'before = "x"'))


def test_lesson_check_rejects_a_backward_walk_that_skips_a_gate() -> None:
    """D4: a walk that names y, then w, skips the σ gate between them; the screen for w would start
    from a gradient no screen showed. Naming the σ's input (n1) too makes it whole."""
    text = ('id = "a"\ntitle = "A"\nprogram = "y = sigmoid(w*x); L = (y - t)^2"\nat = {w = 0.5, x = 2, t = 1}\n'
            '[[steps]]\nkind = "backward"\nnodes = NODES\n')
    with pytest.raises(LessonError, match=r"line 7: the screen for 'w' starts from ∂L/∂n1, which no screen before it "
                                          r"shows .*; expected 'n1' in nodes, before 'w'"):
        build(loads(text.replace("NODES", '["L", "n2", "y", "w"]'), "a.toml"))
    screens = build(loads(text.replace("NODES", '["L", "n2", "y", "n1", "w"]'), "a.toml"))
    assert [s.step.wrt for s in screens if s.kind == "backward"] == [None, "n2", "y", "n1", "w"]


def test_a_skipped_branch_is_not_drawn_and_a_partial_sum_says_so() -> None:
    """D5: a box shows a gradient only after its screen, and a fan-out's running sum is marked."""
    from rich.console import Console

    from backprop_tutor.render.terminal import GraphDrawing

    text = ('id = "a"\ntitle = "A"\nprogram = "f = x*y + x"\nat = {x = 3, y = 2}\n'
            '[[steps]]\nkind = "backward"\nnodes = ["f", "n1", "x"]\n')
    screens = [s for s in build(loads(text, "a.toml")) if s.kind == "backward"]
    console = Console(width=120, color_system=None)

    def drawn(s) -> str:  # noqa: ANN001
        with console.capture() as cap:
            console.print(GraphDrawing(s.trace, s.known, s.step.wrt or s.step.node, s.step, s.hidden))
        return cap.get()

    first_x = next(s for s in screens if s.step.wrt == "x")
    assert first_x.step.branch == 1 and first_x.step.branches == 2
    assert "┗ 1+… ┛" in drawn(first_x)  # ∂f/∂x so far: the +x branch; x*y's y = 2 still to come
    last_x = next(s for s in screens if s.step.wrt == "x" and s.step.branch == 2)
    assert "┗ 3 ━" in drawn(last_x) and "+…" not in drawn(last_x)  # 1 + 2 = 3: complete
    # y's gradient (x = 3) is passed over by this walk: never drawn
    assert all("└ 3 " not in drawn(s).split("┌ y")[1][:60] for s in screens if "┌ y" in drawn(s))
