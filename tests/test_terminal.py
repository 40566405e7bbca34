"""The terminal screens, rendered without colour at a fixed width: drawing, equations, tables."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest
from rich.console import Console

from backprop_tutor.render import layout
from backprop_tutor.tutor.lesson import find, loads
from backprop_tutor.render.terminal import GraphDrawing, ScreenView, equation, known
from backprop_tutor.engine.trace import trace
from backprop_tutor.tutor.screens import build, explain


def text(renderable: object, width: int = 100) -> str:
    console = Console(width=width, color_system=None, legacy_windows=False)
    with console.capture() as cap:
        console.print(renderable)
    return "\n".join(line.rstrip() for line in cap.get().splitlines())


T = trace("q = x + y; f = q * z", {"x": -2, "y": 5, "z": -4})


def test_forward_and_backward_equations() -> None:
    fwd = [s for s in T.steps if s.phase == "forward"]
    assert text(equation(T, fwd[0])) == "q = x + y = -2 + 5 = 3"
    assert text(equation(T, fwd[1])) == "f = q · z = 3 · (-4) = -12"
    back = {s.wrt: s for s in T.steps if s.phase == "backward"}
    assert text(equation(T, back["x"])).splitlines() == [
        "∂f/∂x = ∂f/∂q · ∂q/∂x = z · 1 = -4 · 1 = -4",
        "(an add gate distributes: every input gets the upstream gradient unchanged)"]
    assert text(equation(T, back["z"])).splitlines() == [
        "∂f/∂z = ∂f/∂f · (local ∂f/∂z) = 1 · q = 1 · 3 = 3",
        "(a multiply gate swaps: each input gets the upstream gradient times the other input)"]
    assert text(equation(T, back[None])).startswith("∂f/∂f = 1")


def test_fan_out_shows_the_branch_sum() -> None:
    t = trace("h1 = z1 * z2; h2 = z1 + z2; p = h1 * h2", {"z1": 2, "z2": 3})
    first, last = [s for s in t.steps if s.phase == "backward" and s.wrt == "z1"]
    assert "z1 is used 2 times (a fan-out): this is branch 1 of 2" in text(equation(t, first, t.steps), 160)
    assert text(equation(t, first, t.steps), 160).endswith("= 6 + … = 6 so far")
    shown = text(equation(t, last, t.steps), 160)
    assert "branch 2 of 2" in shown and shown.endswith("∂p/∂z1 = 6 + 15 = 21")


def test_known_values_grow_with_the_walkthrough() -> None:
    values, grads = known(T, 0)
    assert set(values) == {"x", "y", "z"} and grads == {}
    values, grads = known(T, len(T.steps))
    assert values["f"] == -12 and grads == {"f": 1, "q": -4, "z": 3, "x": -4, "y": -4}


def test_drawing_shows_boxes_values_gradients_and_the_current_node() -> None:
    before = text(GraphDrawing(T, 0))
    assert "┌ q + ┐" in before and "┌ f * ┐" in before and "│ ?   │" in before
    assert "▶" in before and "-12" not in before
    step = next(s for s in T.steps if s.phase == "backward" and s.wrt == "x")
    after = text(GraphDrawing(T, len(T.steps), "x", step))
    assert "┏ x ━┓" in after and "┃ -2 ┃" in after and "┗ -4 ┛" in after  # current node: heavy box
    assert "│ -12 │" in after and "└ 1 ──┘" in after  # values inside, gradients on the bottom edge
    assert "value inside, ∂f/∂node on the bottom edge" in after


def test_drawing_without_graphviz_uses_a_layered_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layout, "_program", lambda: None)
    layout.place.cache_clear()
    try:
        drawn = text(GraphDrawing(T, len(T.steps)))
    finally:
        layout.place.cache_clear()
    assert "┌ q + ┐" in drawn and "│ -12 │" in drawn


def test_big_graph_draws_a_neighbourhood() -> None:
    t = trace(" + ".join(f"w{i}*x{i}" for i in range(12)), {f"{p}{i}": 1 for i in range(12) for p in "wx"})
    drawn = text(GraphDrawing(t, len(t.steps), "w3"), width=120)
    assert "more nodes not shown (the neighbourhood of w3)" in drawn
    assert "w3" in drawn and "w9 " not in drawn


def test_a_whole_screen() -> None:
    screens = build(explain("q = x + y\nf = q * z", {"x": -2, "y": 5, "z": -4}))
    k = next(i for i, s in enumerate(screens) if s.step is not None and s.step.wrt == "x")
    shown = text(ScreenView(screens[k], k + 1, len(screens), "explain", keys=True))
    lines = shown.splitlines()
    assert lines[0].startswith(f"step {k + 1} of {len(screens)} · explain ─")
    assert lines[1] == "Backward pass"
    assert "∂f/∂x = ∂f/∂q · ∂q/∂x = z · 1 = -4 · 1 = -4" in lines
    assert lines[-1] == "[Enter/n/→] next   [b/←] back   [r] restart   [h] hint   [q] quit"


def test_quiz_screen_hides_then_reveals() -> None:
    screens = build(find("chain-rule"))
    k, s = next((i, s) for i, s in enumerate(screens) if s.quiz is not None and s.quiz.ask == "value")
    hidden = text(ScreenView(s, k + 1, len(screens), "chain-rule"))
    assert "Quiz: The add gate gave q = 3." in hidden and "-12" not in hidden
    revealed = text(ScreenView(s, k + 1, len(screens), "chain-rule", reveal=True))
    assert "Answer: -12" in revealed and "┃ -12 ┃" in revealed


def test_update_and_matrix_tables() -> None:
    screens = build(find("learning-loop"))
    shown = text(next(ScreenView(s, 1, 1, "l") for s in screens if s.update))
    assert "θ ← θ - η · ∂L/∂θ   (η = 0.01)" in shown and "x ←" not in shown
    assert any(line.split() == ["│", "w1", "│", "1.5", "│", "20", "│", "1.3", "│"] for line in shown.splitlines())
    assert "6.19" not in shown  # learning-loop walks the new forward pass itself (save_as): no table first
    single = build(loads('id = "u"\ntitle = "U"\nprogram = "yhat = w*x; L = (yhat - y)^2"\nat = {w = 1, x = 2, y = 3}\n'
                         '[[steps]]\nkind = "update"\nlr = 0.1\nparams = ["w"]', "u.toml"))
    again = text(next(ScreenView(s, 1, 1, "u") for s in single if s.update))
    assert "A new forward pass at the new values" in again  # w = 1 - 0.1·(2·(2-3)·2) = 1.4: ŷ = 2.8
    assert any(line.split() == ["│", "yhat", "│", "2", "│", "2.8", "│"] for line in again.splitlines())
    conv = build(find("convolution"))
    out = next(s for s in conv if s.table and any(m[0] == "output o = x * k" for m in s.table.get("matrices", [])))
    rows = [line.split() for line in text(ScreenView(out, 1, 1, "c")).splitlines()]
    assert ["│", "45", "│", "110", "│"] in rows and ["│", "40", "│", "40", "│"] in rows


def test_lesson_text_is_never_read_as_rich_markup() -> None:
    from backprop_tutor.tutor.lesson import loads

    text = ('id = "m"\ntitle = "[bold]M[/]"\nprogram = "f = x*y"\nat = { x = 2, y = 3 }\n\n[[steps]]\nkind = "compare"\n'
            'graphs = ["main"]\nlabels = ["[/] odd [red]"]\nrows = ["f"]\n\n[[steps]]\nkind = "compare"\n'
            'functions = ["relu(x)"]\npoints = [1]\n')
    lesson = loads(text, "m.toml")
    shown = "\n".join(text_ for text_ in (text_of(ScreenView(s, 1, 1, lesson.title)) for s in build(lesson)))
    assert "[/] odd [red]: value" in shown and "step 1 of 1 · [bold]M[/]" in shown


def text_of(renderable: object) -> str:
    return text(renderable, 120)


SUM = "+".join(["x"] * 300)   # one input used 300 times: a hub every gate touches


def test_a_hub_draws_a_bounded_neighbourhood_near_the_current_step() -> None:
    t = trace(SUM, {"x": 1})
    step = next(s for s in t.steps if s.phase == "backward" and s.node == "n150" and s.wrt == "x")
    drawn = text(GraphDrawing(t, len(t.steps), step.wrt, step), width=200)
    boxes = drawn.count("┌ ") + drawn.count("┏ ")   # a box's corner, then its label (a wire turns ┌─ or ┌▶)
    assert 2 <= boxes <= 14          # not all 300 uses of x
    assert "more nodes not shown" in drawn
    assert "┃ 150" in drawn or "│ 150" in drawn   # the gates around the step, not the first ones
    rows = drawn.splitlines()
    hub = next(k for k, line in enumerate(rows) if line.startswith("┏ x "))
    assert all("┌ +" not in line for line in rows[hub:])   # x below the chain: its wires rise to each gate


def test_a_long_fan_out_sum_is_one_bounded_line() -> None:
    t = trace(SUM, {"x": 1})
    step = [s for s in t.steps if s.phase == "backward" and s.wrt == "x"][249]
    shown = text(equation(t, step, t.steps), width=200)
    assert "this is branch 250 of 300" in shown
    assert "1 + 1 + 1 + 1 + 1 + 1 + … (242 terms not shown) + 1 + 1 + …" in shown
    assert "= 250 so far" in shown and len(shown) < 800


def test_a_long_walkthrough_shows_its_ends_and_says_what_it_skips() -> None:
    from backprop_tutor.tutor.screens import MAX_STEP_SCREENS

    screens = build(explain("+".join(["x"] * 1000), {"x": 1}))
    assert len(screens) == 1 + 2 * (MAX_STEP_SCREENS + 1) + 1
    gaps = [s for s in screens if "skipped" in s.title]
    assert [g.title for g in gaps] == ["… 879 forward steps skipped", "… 1,879 backward steps skipped"]
    assert screens[-2].step.wrt == "x" and screens[-2].step.branch == 1000   # the last step is kept
    assert "`tutor grad` prints every value and gradient" in gaps[0].text
    shown = text(ScreenView(gaps[1], 1, len(screens), "explain"))
    assert "│ 1000 │" in shown    # the gap shows the graph as it stands after the skipped steps


def test_the_end_table_of_a_graph_with_many_inputs_is_bounded() -> None:
    from backprop_tutor.render.terminal import END_ROWS

    text_in = " + ".join(f"w{i}*x{i}" for i in range(100))
    screens = build(explain(text_in, {f"{p}{i}": 2 for i in range(100) for p in "wx"}))
    shown = text(ScreenView(screens[-1], len(screens), len(screens), "explain"), width=120)
    assert f"│ x{END_ROWS // 2 - 1} " in shown and f"│ w{END_ROWS // 2} " not in shown
    assert f"… and {200 - END_ROWS} more inputs (`tutor grad` lists them all)" in shown


def test_step_functions_read_as_a_lecture_writes_them() -> None:
    import sympy as sp

    from backprop_tutor.render.formula_text import latex, plain

    w, z, x, a = sp.symbols("w z x a", real=True)
    assert plain(2 * sp.Heaviside(w - z, 0)) == "2·[w > z]"
    assert plain(sp.Heaviside(z - w, 1)) == "[z ≥ w]"
    assert plain(sp.Heaviside(x, 0)) == "[x > 0]"
    assert plain(sp.Piecewise((1, x > 0), (a, True))) == "(1 if x > 0, else a)"
    assert latex(sp.Heaviside(x, 1)) == r"\left[x \geq 0\right]"
    t = trace("f = max(z, w)*2", {"z": 2, "w": -1})
    shown = [equation(t, s).plain for s in t.steps if s.phase == "backward" and s.wrt in ("z", "w")]
    assert any("[z ≥ w]" in e for e in shown) and any("[w > z]" in e for e in shown)
    assert not any("Heaviside" in e for e in shown)


def test_a_constant_operand_gets_its_own_pattern_and_the_output_factor_is_local() -> None:
    t = trace("f = 2*(x + 1)", {"x": 3})
    lines = [equation(t, s).plain for s in t.steps if s.phase == "backward" and s.wrt]
    assert "(local ∂f/∂n1)" in lines[0] and "a scale gate multiplies the gradient by its constant, 2" in lines[0]
    assert "an add-constant gate passes the gradient unchanged" in lines[1]
    assert "swaps" not in "".join(lines)


def test_a_quiz_with_before_hides_the_equal_number_and_reveals_the_answer() -> None:
    shown = build(find("vanishing-gradients"))
    i = next(k for k, s in enumerate(shown) if s.quiz)
    asking, answered = text(ScreenView(shown[i], i + 1, 1, "l")), text(ScreenView(shown[i], i + 1, 1, "l", reveal=True))
    assert "0.0505" not in asking.split("Quiz:")[0]  # neither ∂h6/∂n5 nor ∂h6/∂h4 is drawn
    assert "0.0505" in answered.split("Quiz:")[0]


def test_a_revealed_fan_out_quiz_draws_the_total_not_a_partial_sum() -> None:
    shown = build(find("backprop-through-time"))
    i = next(k for k, s in enumerate(shown) if s.quiz and s.quiz.node == "u")
    answered = text(ScreenView(shown[i], i + 1, 1, "l", reveal=True))
    assert "-0.27" in answered.split("Quiz:")[0] and "-0.72" not in answered


def _boxes_close(drawn: str) -> list[str]:
    """Boxes whose bottom edge does not line up with their top edge: (row, col) of each."""
    rows = drawn.splitlines()
    bad = []
    for r, line in enumerate(rows):
        for c, ch in enumerate(line):
            if ch in "┌┏" and line[c + 1:c + 2] == " ":  # a box's corner, not a wire's
                end = line.find("┐" if ch == "┌" else "┓", c)
                below = rows[r + 2] if r + 2 < len(rows) else ""
                corners = ("└┘" if ch == "┌" else "┗┛")
                if end < 0 or len(below) <= end or below[c] != corners[0] or below[end] != corners[1]:
                    bad.append(f"row {r} col {c}")
    return bad


@pytest.mark.parametrize("lesson", ["gradient-descent", "xor", "fan-out", "backprop-through-time"])
def test_every_box_keeps_its_width_while_its_gradient_grows(lesson: str) -> None:
    """D14a: a box as wide as its widest label, running sums included (it was narrower on top)."""
    screens = build(find(lesson))
    for k, s in enumerate(screens, 1):
        if s.trace is not None and s.kind not in ("compare", "update", "matrix"):
            drawn = text(GraphDrawing(s.trace, s.known, None, s.step, s.hidden), 200)
            assert not _boxes_close(drawn), (k, drawn)


def test_formulas_keep_their_subscripts() -> None:
    """D14b: Markdown took x_(i+p, j+q)'s underscores for italics."""
    shown = text(ScreenView(build(find("convolution"))[0], 1, 2, "convolution"), 120)
    assert "(x * k)_ij = Σ_p Σ_q x_(i+p, j+q)" in shown


def test_each_edge_is_its_own_wire() -> None:
    """D14c: x*x draws two edges into the * gate, each entering at its own row."""
    t = trace("x*x + x", {"x": 3})
    rows = text(GraphDrawing(t, 0), 100).splitlines()
    top = next(r for r, line in enumerate(rows) if "┌ n1 *" in line)
    col = rows[top].index("┌ n1 *")
    assert rows[top][col - 1] == "▶" and rows[top + 2][col - 1] == "▶"  # top corner and bottom corner
    f = next(r for r, line in enumerate(rows) if "┌ f +" in line)
    assert sum(line[rows[f].index("┌ f +") - 1] == "▶" for line in rows[f:f + 3]) == 2  # n1 and x into f


@pytest.mark.parametrize("width", [80, 100])
def test_an_intro_screen_shows_the_whole_graph_at_80_and_100_columns(width: int) -> None:
    """D14f: the sigmoid neuron is drawn as the neighbourhood of f at 100 columns; the screen
    then lists every gate, and nothing is wider than the terminal or cut mid-word."""
    screens = build(find("sigmoid-neuron"))
    shown = text(ScreenView(screens[0], 1, len(screens), find("sigmoid-neuron").title), width)
    assert all(len(line) <= width for line in shown.splitlines())
    if "more nodes not shown" in shown:
        assert "The whole graph, gate by gate:" in shown
        for gate in ("n1 = w0 · x0", "n2 = w1 · x1", "n3 = n1 + n2", "n4 = n3 + w2", "n5 = -n4", "n6 = exp(n5)",
                     "n7 = 1 + n6", "f = 1 / n7"):
            assert gate in shown
    loop = build(find("learning-loop"))
    head = text(ScreenView(loop[0], 1, len(loop), find("learning-loop").title), width)
    assert "…" not in head.splitlines()[0] and find("learning-loop").title.split()[-1] in head


def test_a_negation_of_a_number_is_written_out() -> None:
    """D14g: "n5 = -n4 = -1 = -1" said nothing; the number is negated in brackets."""
    t = trace("f = exp(-(a*b))", {"a": 1, "b": 1})
    neg = next(s for s in t.steps if s.phase == "forward" and t.graph.nodes[s.node]["gate"] == "neg")
    assert text(equation(t, neg)) == f"{neg.node} = -n1 = -(1) = -1"


def test_residual_says_what_a_skip_guarantees() -> None:
    """D13: the skip adds the upstream gradient unchanged; the branch can subtract (w = -5, σ' = 1/4)."""
    said = "\n".join(s.text for s in build(find("residual")))
    assert "1 + σ'·w_k" in said and "1 - 1.25 = -0.25" in said and 1 + 0.25 * -5 == -0.25
    assert "always contributes the term 1" not in said


def test_a_fraction_next_to_decimals_is_written_as_a_decimal() -> None:
    """D14h: "f = 1 / 0.7 = 10/7" mixed an exact fraction with decimals; 1/0.7 = 1.428…"""
    t = trace("1/(w*x+b)", {"w": 0.5, "x": 2, "b": -0.3})
    last = [s for s in t.steps if s.phase == "forward"][-1]
    assert text(equation(t, last)) == f"f = 1 / n2 = 1 / 0.7 = {1 / 0.7:.2f}"
    assert text(equation(T, [s for s in T.steps if s.phase == "forward"][0])) == "q = x + y = -2 + 5 = 3"  # exact stays


_FRACTION = re.compile(r"(?<![\w/.])-?\d+/\d+(?![\w(])")  # 10/7, -100/49; not 1/x, 1/(w*x+b), ∂f/∂n2


def _walk(expr: str, at: dict) -> list[str]:
    screens = build(explain(expr, at))
    return [text(ScreenView(s, k, len(screens), "explain", reveal=True)) for k, s in enumerate(screens, 1)]


def test_one_number_is_written_one_way_on_every_screen() -> None:
    """D14h: 1/(w*x+b) at w=0.5, x=2, b=-0.3 drew 10/7 and -100/49 in its boxes and end table next to
    0.5 and 0.7, and ∂f/∂n1 was -100/49 in a box and -2.04 in the next screen's equation. A fraction
    that is no decimal is rounded on every screen (1/0.7 = 1.428…, -1/0.49 = -2.0408…)."""
    shown = _walk("1/(w*x+b)", {"w": 0.5, "x": 2, "b": -0.3})
    assert not [m for screen in shown for m in _FRACTION.findall(screen)]
    end = shown[-1]
    table = end.split("\nf = 1.43\n")[1]  # the end table, below the drawing
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:4]]
            for line in table.splitlines() if line.startswith("│ ") and line.split("│")[1].strip()}
    assert rows == {"w": ["0.5", "-4.08"], "x": ["2", "-1.02"], "b": ["-0.3", "-2.04"]}
    # every box and equation that shows ∂f/∂n2 = ∂f/∂n1 = ∂f/∂b = -100/49 shows -2.04, never more digits
    backward = "\n".join(shown[5:])
    assert "└ -2.04 ┘" in backward and "= -2.04\n" in backward and "-2.041" not in backward
    assert "1 / n2 = 1 / 0.7 = 1.43" in "\n".join(shown) and "│ 1.43  │" in end


def test_fractions_the_student_typed_stay_fractions() -> None:
    """x=1/3 was typed as a fraction: it stays 1/3 on every screen (box, equation, end table), and
    so does a result it makes exact (1/3 · 3 = 1, 1/3 + 0.5 = 5/6); integers and decimals stay."""
    shown = _walk("x*3 + x + y", {"x": Fraction(1, 3), "y": 0.5})
    every = "\n".join(shown)
    assert "│ 1/3 " in shown[-1] and "n1 = x · 3 = 1/3 · 3 = 1" in every
    assert "= 1 + 1/3 = 4/3" in every and "f = 11/6" in shown[-1] and "0.33" not in every
    assert "y = 0.5" not in every and "│ 0.5 " in shown[-1]


def test_a_fraction_no_student_typed_is_rounded_alike_everywhere() -> None:
    """x/3 at x=1: the inputs are integers, so 1/3 is a rounded decimal in every box, equation and
    table; only a formula (SymPy's, exact) may read 1/3."""
    from backprop_tutor.render.chain import shown as show_number
    from backprop_tutor.render.chain import shows_fractions

    t = trace("x/3", {"x": 1})
    assert not shows_fractions(t) and show_number(t, t.number(t.output)) == "0.33"
    assert shows_fractions(trace("x/3", {"x": Fraction(1, 3)}))
    *steps, end = _walk("x/3", {"x": 1})
    said = "\n".join(steps)
    assert "f = x / 3 = 1 / 3 = 0.33" in said and "┃ 0.33 ┃" in said and "┗ 0.33 ┛" in said
    # the local derivative 1/3 in symbols, then its number
    assert "= 1 · 1/3 = 1 · 0.33 = 0.33" in said and _FRACTION.findall(said) == ["1/3"]
    assert "f = 0.33" in end and "│ x     │     1 │      0.33 │ 1/3     │" in end  # the formula column, SymPy's

def _nest(layers: int = 10) -> str:
    """Issue #9's nest: tanh, sigmoid, softplus, elu, leaky_relu in turn, sharing w and b."""
    text = "x"
    for i in range(layers):
        text = f"{('tanh', 'sigmoid', 'softplus', 'elu', 'leaky_relu')[i % 5]}(w*{text} + b)"
    return f"w*{text} + b"


def test_a_walkthrough_lays_its_graph_out_once(monkeypatch) -> None:
    """Every screen of the 10-layer nest shows a neighbourhood of a different shape; they are all cut
    from one layout of the whole graph: one Graphviz process, not one per screen (99 before)."""
    import subprocess

    runs = []
    real = subprocess.run
    monkeypatch.setattr(layout.subprocess, "run", lambda *a, **k: runs.append(a) or real(*a, **k))
    layout.place.cache_clear()
    t = trace(_nest(), {"x": 0.5, "w": 0.8, "b": 0.1})
    screens = build(explain(_nest(), {"x": 0.5, "w": 0.8, "b": 0.1}))
    for i, s in enumerate(screens):
        text(ScreenView(s, i, len(screens)), 100)
    assert len(screens) > 80 and len(runs) <= 1
    assert layout.place.cache_info().misses == 1
    drawing = text(GraphDrawing(t, len(t.steps) // 2, current="n17"), 100)
    assert "n17" in drawing and "more nodes not shown" in drawing


def test_a_neighbourhood_cut_from_the_whole_layout_has_no_overlaps() -> None:
    nodes = tuple((n, w, 3) for n, w in [("b", 8), ("a", 6), ("g1", 9), ("g2", 7), ("g3", 9), ("h", 12)])
    edges = (("b", "g1"), ("a", "g1"), ("b", "g2"), ("g1", "g2"), ("b", "g3"), ("g2", "g3"), ("g3", "h"))
    part = ("b", "g1", "g2", "g3")
    at = layout.place_part(nodes, edges, part)
    assert set(at) == set(part) and min(r for r, _ in at.values()) == 0 == min(c for _, c in at.values())
    sizes = {n: w for n, w, _ in nodes}
    boxes = [(r, c, r + 3, c + sizes[n]) for n, (r, c) in at.items()]
    for i, (r1, c1, r2, c2) in enumerate(boxes):
        for r3, c3, r4, c4 in boxes[i + 1:]:
            assert r2 <= r3 or r4 <= r1 or c2 <= c3 or c4 <= c1     # no two boxes overlap
    assert at["b"][1] < at["g1"][1] < at["g2"][1] < at["g3"][1]     # left to right along the edges
    assert layout.place_part(nodes, edges, tuple(n for n, _, _ in nodes)) == layout.place(nodes, edges)


def test_a_long_chain_walks_through_its_gap_without_a_missing_upstream() -> None:
    # 300 negations: the tail's first backward screen starts from a gradient the gap stands for
    screens = build(explain("-" * 300 + "x", {"x": 1}))
    gaps = [s for s in screens if "skipped" in s.title]
    assert [g.title for g in gaps] == ["… 180 forward steps skipped", "… 181 backward steps skipped"]
    assert len(gaps[1].gap) == 181 and all(gaps[1].trace.steps[k].phase == "backward" for k in gaps[1].gap)
    assert not screens[-2].hidden   # the drawing shows the gradients the gap stood for


def test_the_steps_of_a_long_walkthrough_are_indexed_once(monkeypatch) -> None:
    from backprop_tutor.tutor import screens as module

    calls = []
    real = module._index_sent
    monkeypatch.setattr(module, "_index_sent", lambda t: calls.append(t) or real(t))
    build(explain("+".join(["x"] * 1000), {"x": 1}))
    assert len(calls) == 1   # not a scan of all 3,000 steps per screen (quadratic on a 145,000-term sum)


def test_explain_refuses_a_graph_too_large_to_walk_in_one_line() -> None:
    from typer.testing import CliRunner

    from backprop_tutor.commands.cli import app
    from backprop_tutor.tutor.screens import MAX_WALK_GATES

    result = CliRunner().invoke(app, ["explain", "+".join(["x"] * (MAX_WALK_GATES + 2)), "--at", "x=1", "--all"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"Error: the graph has {MAX_WALK_GATES + 1:,} gates: too many to walk through (`tutor explain` walks up "
        f"to {MAX_WALK_GATES:,}); `tutor grad` prints its value and every gradient, or explain a smaller part of "
        "the program"]


def test_explain_heads_its_screens_with_at_most_200_characters_of_the_program() -> None:
    from backprop_tutor.tutor.screens import heading

    assert heading("q = x + y\nf = q * z\n") == "q = x + y; f = q * z"
    assert heading("+".join(["x"] * 1000)) == "x+" * 100 + "… (1,999 characters)"
