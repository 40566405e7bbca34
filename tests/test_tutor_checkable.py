"""Every screen can be checked with a pencil: each printed equation `a · b = c`, `a + b = c`
(and `-`, `/`, exp, σ, tanh, … of printed numbers) recomputes, from the printed numbers, to the
printed result at the printed precision; and every name an equation uses is on the drawing.

The recomputation here is independent of the engine: the printed text is parsed by a small
recursive-descent reader into exact fractions (functions in floats) and compared with the
printed result to half a unit of its last digit.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

import pytest
from rich.console import Console

from backprop_tutor.render.terminal import GraphDrawing, ScreenView, equation
from backprop_tutor.tutor.lesson import builtin, find, lesson_id
from backprop_tutor.tutor.screens import build, explain

WIDTH = 400  # wide: an equation is one line, never wrapped in the middle

_TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d+)?(?:e[-+]?\d+)?)|(?P<fn>exp|log|tanh|σ|sigmoid|sqrt|leaky_relu|relu|"
                    r"max|min|abs|sin|cos|step|elu|softplus)"
                    r"|(?P<op>[-+·*×/^(),−]))")
_RESULT = re.compile(r"\s*(?P<n>-?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?:/\d+)?)(?:\s+so far)?(?:\s{2,}\(.*|\s*\)?\.?\s*)?$")
_FUNCS = {"exp": math.exp, "log": math.log, "tanh": math.tanh, "σ": lambda x: 1 / (1 + math.exp(-x)),
          "sigmoid": lambda x: 1 / (1 + math.exp(-x)), "sqrt": math.sqrt, "relu": lambda x: max(x, 0.0),
          "abs": abs, "max": max, "min": min, "sin": math.sin, "cos": math.cos, "step": lambda x: float(x > 0),
          "leaky_relu": lambda x, a: x if x > 0 else a * x, "elu": lambda x, a: x if x > 0 else a * math.expm1(x),
          "softplus": lambda x: math.log1p(math.exp(x))}


class _Reader:
    """expr := term (('+'|'-') term)*; term := unary (('·'|'/') unary)*; unary := '-' unary | power;
    power := atom ('^' unary)?; atom := number | fn '(' expr (',' expr)* ')' | '(' expr ')'."""

    def __init__(self, text: str) -> None:
        self.tokens, pos = [], 0
        text = text.strip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise ValueError(text)
            kind = m.lastgroup
            self.tokens.append((kind, m.group(kind).replace("−", "-").replace("×", "·").replace("*", "·")))
            pos = m.end()
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, op: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (op is not None and tok[1] != op):
            raise ValueError(op)
        self.i += 1
        return tok

    def whole(self) -> Fraction | float:
        value = self.expr()
        if self.peek() is not None:
            raise ValueError("trailing")
        return value

    def expr(self):  # noqa: ANN201
        value = self.term()
        while self.peek() and self.peek()[1] in "+-":
            op = self.take()[1]
            rhs = self.term()
            value = value + rhs if op == "+" else value - rhs
        return value

    def term(self):  # noqa: ANN201
        value = self.unary()
        while self.peek() and self.peek()[1] in "·/":
            op = self.take()[1]
            rhs = self.unary()
            value = value * rhs if op == "·" else value / rhs
        return value

    def unary(self):  # noqa: ANN201
        if self.peek() and self.peek()[1] == "-":
            self.take()
            return -self.unary()
        return self.power()

    def power(self):  # noqa: ANN201
        base = self.atom()
        if self.peek() and self.peek()[1] == "^":
            self.take()
            exponent = self.unary()
            return float(base) ** float(exponent)
        return base

    def atom(self):  # noqa: ANN201
        kind, tok = self.take()
        if kind == "num":
            return Fraction(tok)  # exact, "6.35e-09" too (a float would sit off a rounding tie)
        if kind == "fn":
            self.take("(")
            args = [self.expr()]
            while self.peek() and self.peek()[1] == ",":
                self.take()
                args.append(self.expr())
            self.take(")")
            return _FUNCS[tok](*(float(a) for a in args))
        if tok == "(":
            value = self.expr()
            self.take(")")
            return value
        raise ValueError(tok)


def half_unit(printed: str) -> Fraction:
    """Half a unit of the printed number's last digit: 0.39 -> 0.005, 1.2e-05 -> 5e-07; 0 for exact."""
    mantissa, _, exponent = printed.partition("e")
    if "/" in printed or "." not in mantissa:
        return Fraction(0)
    decimals = len(mantissa.split(".")[1])
    return Fraction(1, 2 * 10 ** decimals) * Fraction(10) ** int(exponent or 0)


def equations(text: str) -> list[tuple[str, str, str]]:
    """(numeric left side, '=' or '≈', printed result) for every step of every line of `text`
    whose left side is all numbers and operators and whose right side is one number."""
    found = []
    for line in text.splitlines():
        parts = re.split(r"\s+([=≈])\s+", line)
        for k in range(0, len(parts) - 2, 2):
            lhs, sign, rhs = parts[k], parts[k + 1], parts[k + 2]
            lhs = lhs.split(": ")[-1].split("(branch ")[0]  # "The branches add up: 6 + 15"
            m = _RESULT.match(rhs)
            if not m or not re.search(r"[-+·/×^]|\w\(", lhs.strip().lstrip("-")):
                continue
            try:
                _Reader(lhs).whole()
            except (ValueError, KeyError, ZeroDivisionError, OverflowError):
                continue
            found.append((lhs.strip(), sign, m.group("n")))
    return found


def wrong_equations(text: str) -> list[str]:
    """The equations that do not recompute to their printed result."""
    bad = []
    for lhs, sign, rhs in equations(text):
        got = _Reader(lhs).whole()
        want = Fraction(rhs)
        slack = half_unit(rhs)
        if isinstance(got, float):  # a function of printed numbers: exact only up to float rounding
            slack += Fraction(abs(float(want))) * Fraction(1, 10 ** 9)
        elif slack == 0:
            slack = Fraction(abs(want)) * Fraction(1, 10 ** 12)
        if sign == "≈":  # "≈" admits the rounding of its factors, not an error of a few percent
            slack = max(slack * 4, Fraction(abs(want)) / 100)
        if abs(Fraction(got) - want) > slack:
            bad.append(f"{lhs} {sign} {rhs}  (recomputed: {float(got):.6g})")
    return bad


def test_the_reader_catches_the_reviewed_examples() -> None:
    """The review's D2 lines are caught; their corrected forms pass."""
    assert wrong_equations("∂f/∂x0 = ∂f/∂n1 · w0 = 0.20 · 2 = 0.39")
    assert wrong_equations("0.22 · 0.22 = 0.0505") and wrong_equations("-0.12 · (-0.4) = 0.0474")
    assert not wrong_equations("0.197 · 2 = 0.39") and not wrong_equations("0.2247 · 0.2247 = 0.0505")
    assert not wrong_equations("0.20 · 2 ≈ 0.39")
    assert not wrong_equations("n7 = 1 + n6 = 1 + 0.37 = 1.37") and not wrong_equations("f = 1 / 1.37 = 0.73")
    assert wrong_equations("n6 = exp(n5) = exp(-1) = 0.38") and not wrong_equations("exp(-1) = 0.37")
    assert wrong_equations("The branches add up: ∂f/∂x = 6 + 15 = 22") and not wrong_equations("f = 1 / 0.7 = 10/7")
    assert equations("∂p/∂z1 = 6 + 15 = 21   (the sum over its 2 paths)") == [("6 + 15", "=", "21")]
    assert equations("= 6 + … = 6 so far") == []  # an elided sum is not an equation to check


def screens_text(screens: list, title: str) -> list[str]:
    console = Console(width=WIDTH, color_system=None, legacy_windows=False)
    out = []
    for k, s in enumerate(screens, 1):
        with console.capture() as cap:
            console.print(ScreenView(s, k, len(screens), title, reveal=True, show_hint=True))
        out.append(cap.get())
    return out


LESSONS = [lesson_id(p) for p in builtin()]
EXPLAIN = [("(x+y)*z", {"x": -2, "y": 5, "z": -4}), ("x*x + x", {"x": 3}),
           ("tanh(w*x+b)", {"w": 0.5, "x": 2, "b": -0.3}), ("sigmoid(w*x+b)", {"w": 0.5, "x": 2, "b": -0.3}),
           ("1/(w*x+b)", {"w": 0.5, "x": 2, "b": -0.3}), ("exp(a)*log(b) + a/b", {"a": 0.3, "b": 1.7}),
           ("e1 = exp(s1); e2 = exp(s2); e3 = exp(s3); z = e1 + e2 + e3; L = -log(e2 / z)",
            {"s1": 1.2, "s2": 0.4, "s3": -1.1}),
           ("max(x*y, z) + relu(x - y)", {"x": 0.7, "y": -1.3, "z": 0.2}),
           ("f = 1/(1 + exp(-(w0*x0 + w1*x1 + w2)))", {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3})]


@pytest.mark.parametrize("name", LESSONS)
def test_every_lesson_equation_checks_out_with_a_pencil(name: str) -> None:
    lesson = find(name)
    shown = screens_text(build(lesson), lesson.title)
    bad = [f"screen {k}: {b}" for k, text in enumerate(shown, 1) for b in wrong_equations(text)]
    assert not bad, "\n".join(bad)
    assert sum(len(equations(t)) for t in shown) > 0


@pytest.mark.parametrize("text,at", EXPLAIN, ids=[e[0][:20] for e in EXPLAIN])
def test_every_explain_equation_checks_out_with_a_pencil(text: str, at: dict) -> None:
    shown = screens_text(build(explain(text, at)), "explain")
    bad = [f"screen {k}: {b}" for k, t in enumerate(shown, 1) for b in wrong_equations(t)]
    assert not bad, "\n".join(bad)
    assert sum(len(equations(t)) for t in shown) >= 3


_TITLE = re.compile(r"[┌┏] (\S+)")
# a name: a word not inside another word, nor after an apostrophe (the "s" of "output's", the "t"
# of "don't" is English, not the node s), nor a denominator "/x" unless it is "∂x"
_NAME = re.compile(r"(?<![\w/∂'’])[A-Za-z_]\w*|(?<=∂)[A-Za-z_]\w*")


def used_names(text: str, names: set[str]) -> set[str]:
    """The node names `text` (an equation, a hint) uses."""
    return set(_NAME.findall(text)) & names


def test_a_contraction_is_not_a_name() -> None:
    """The seed's note "the output's gradient" used the node s (losses: L of s), and "don't" t."""
    names = {"s", "t", "f", "x", "L"}
    assert used_names("∂f/∂f = 1   (the output's gradient with respect to itself: where backprop starts)", names) \
        == {"f"}
    assert used_names("don't forget the gate’s other input", names) == set()
    assert used_names("∂L/∂s = ∂L/∂p · ∂p/∂s = p - y; s's value is 2", names) == {"L", "s"}
    assert used_names("σ(s) · x", names) == {"s", "x"}


def unseen_names(screens: list) -> list[str]:
    """Names that a screen's equation or hint uses but its drawing does not show on a box (D3, D15)."""
    from backprop_tutor.render.terminal import hint, name

    console = Console(width=WIDTH, color_system=None, legacy_windows=False)
    missing = []
    for k, s in enumerate(screens, 1):
        if s.trace is None or s.kind in ("compare", "update", "matrix", "end") or (s.step is None and s.quiz is None):
            continue
        t = s.trace
        revealed = s.known if s.quiz is None else max(s.known, s.quiz.index) + 1
        current = s.quiz.node if s.quiz is not None else \
            (s.step.node if s.step.phase == "forward" else s.step.wrt or s.step.node)
        with console.capture() as cap:
            console.print(GraphDrawing(t, revealed, current, s.step))
        shown = set(_TITLE.findall(cap.get()))
        said = hint(s) if s.quiz is not None else ""
        if s.step is not None:
            with console.capture() as cap:
                console.print(equation(t, s.step, t.steps))
            said += "\n" + cap.get().splitlines()[0]
        # the output is what every ∂L/∂… differentiates: the legend names it on every drawing
        names = {name(t, n) for n in t.graph.nodes if t.graph.nodes[n]["kind"] != "const"} - {t.output_name}
        used = used_names(said, names)
        for n in sorted(used - shown):
            missing.append(f"screen {k}: {n!r} is named in {said.strip()!r} but no box shows it")
    return missing


@pytest.mark.parametrize("name", LESSONS)
def test_every_name_an_equation_uses_is_on_the_drawing(name: str) -> None:
    missing = unseen_names(build(find(name)))
    assert not missing, "\n".join(missing[:10])


@pytest.mark.parametrize("text,at", EXPLAIN, ids=[e[0][:20] for e in EXPLAIN])
def test_every_name_an_explain_equation_uses_is_on_the_drawing(text: str, at: dict) -> None:
    missing = unseen_names(build(explain(text, at)))
    assert not missing, "\n".join(missing[:10])


def test_a_bare_sigmoid_or_tanh_output_is_called_f_in_its_local_derivative() -> None:
    """D15: `tutor explain 'tanh(w*x+b)'` wrote 1 - n3^2 where the output is f."""
    for text, local in (("tanh(w*x+b)", "1 - f^2"), ("sigmoid(w*x+b)", "f·(1 - f)")):
        screens = build(explain(text, {"w": 0.5, "x": 2, "b": -0.3}))
        lines = [str(equation(s.trace, s.step, s.trace.steps)) for s in screens if s.kind == "backward"]
        assert any(local in line for line in lines) and not any("n3" in line for line in lines)


# ---- the slides: captions (SVG/PNG/PDF/GIF), the HTML deck and the handout key print
# render/chain.equation; the Beamer deck prints render/chain.equation_tex

def tex_plain(line: str) -> str:
    """A LaTeX equation line as the plain text the reader above reads (numbers and operators)."""
    text = re.sub(r"(\d+(?:\.\d+)?) \\times 10\^\{(-?\d+)\}", r"\1e\2", line)
    text = re.sub(r"\\sqrt\{([^{}]*)\}", r"sqrt(\1)", text)
    text = re.sub(r"(?<![\w\\])e\^\{([^{}]*)\}", r"exp(\1)", text)
    for _ in range(3):  # nested fractions and powers, innermost first
        text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"(\1) / (\2)", text)
        text = re.sub(r"\{([^{}]*)\}\^\{([^{}]*)\}", r"(\1)^(\2)", text)
    for tex, plain in ((r"\left(", "("), (r"\right)", ")"), (r"\left|", "abs("), (r"\right|", ")"),
                       (r"\cdot", "·"), (r"\approx", "≈"), (r"\sigma", "σ"), (r"\log", "log"), (r"\tanh", "tanh"),
                       (r"\sin", "sin"), (r"\cos", "cos"), (r"\max", "max"), (r"\min", "min"),
                       (r"\mathrm{ReLU}", "relu"), (r"\mathrm{step}", "step"), (r"\mathrm{LReLU}", "leaky_relu"),
                       (r"\mathrm{ELU}", "elu")):
        text = text.replace(tex, plain)
    return text


def test_the_tex_reader_reads_numbers_as_printed() -> None:
    assert tex_plain(r"f = \frac{1}{n_{7}} = \frac{1}{1.37} = 0.73").endswith("= (1) / (1.37) = 0.73")
    assert equations(tex_plain(r"a = 0.197 \cdot \left(-2\right) \approx -0.39")) == [("0.197 · (-2)", "≈", "-0.39")]
    assert not wrong_equations(tex_plain(r"n = e^{-1} = 0.37")) and wrong_equations(tex_plain(r"n = e^{-1} = 0.38"))
    assert wrong_equations(tex_plain(r"x = 1.2 \times 10^{-5} \cdot 2 = 2.5 \times 10^{-5}"))


def lesson_traces(name: str) -> list:
    """Every graph of a lesson, traced as `tutor slides LESSON:GRAPH` traces it."""
    from backprop_tutor.engine.graph import build_graph
    from backprop_tutor.engine.trace import walk

    return [(g, walk(build_graph(spec.program, expand=spec.expand), spec.at)) for g, spec in find(name).graphs.items()]


@pytest.mark.parametrize("name", LESSONS)
def test_every_slide_caption_of_a_lesson_checks_out_with_a_pencil(name: str) -> None:
    """D2 on the slides: `tutor slides sigmoid-neuron` captioned '0.20 · 2 = 0.39'; every caption
    (and its Beamer form) of every graph of every lesson recomputes at printed precision."""
    from backprop_tutor.render.chain import equation as caption, equation_tex

    bad, checked, traces = [], 0, lesson_traces(name)
    for graph, t in traces:
        for i in range(len(t.steps)):
            for form, lines in (("caption", caption(t, i)), ("tex", [tex_plain(x) for x in equation_tex(t, i)])):
                for line in lines:
                    checked += len(equations(line))
                    bad += [f"{graph} step {i + 1} ({form}): {b}" for b in wrong_equations(line)]
    assert not bad, "\n".join(bad[:20])
    assert checked > 0 or not traces


@pytest.mark.parametrize("text,at", EXPLAIN, ids=[e[0][:20] for e in EXPLAIN])
def test_every_slide_caption_of_an_expression_checks_out_with_a_pencil(text: str, at: dict) -> None:
    """`tutor slides EXPR`, expanded or not: every caption and its Beamer form recompute."""
    import backprop_tutor as bt
    from backprop_tutor.render.chain import equation as caption, equation_tex

    for expand in (False, True):
        t = bt.trace(text, at, expand=expand)
        lines = [line for i in range(len(t.steps)) for line in (*caption(t, i), *map(tex_plain, equation_tex(t, i)))]
        bad = [b for line in lines for b in wrong_equations(line)]
        assert not bad, "\n".join(bad)
        assert sum(len(equations(line)) for line in lines) >= 3


def test_the_sigmoid_neuron_slides_print_the_digits_that_multiply_out() -> None:
    """The review's example, end to end through a slide's DOT caption (test_slides.py: deck and handout)."""
    from html import unescape

    from backprop_tutor.render.chain import equation as caption
    from backprop_tutor.render.graphviz import to_dot

    (_, t), *_ = lesson_traces("sigmoid-neuron")
    last = len(t.steps) - 1
    lines = [line for i in range(len(t.steps)) for line in caption(t, i)]
    assert "∂f/∂x0 = ∂f/∂n1 · ∂n1/∂x0 = 0.197 · w0 = 0.197 · 2 = 0.39" in lines
    assert not any("0.20 · 2 = 0.39" in line or "0.20 · (-3) = -0.59" in line for line in lines)
    step = next(i for i in range(last + 1) if "0.197 · 2 = 0.39" in " ".join(caption(t, i)))
    assert "0.197 · 2 = 0.39" in unescape(to_dot(t, step))


def test_the_seed_screen_of_a_deep_graph_does_not_read_s_in_outputs() -> None:
    """The quirk end to end: the seed screen of a deep graph draws the output's neighbourhood,
    not the input s, and its note "(the output's gradient …)" was reported as naming s."""
    screens = build(explain("tanh(" * 30 + "s*x" + ")" * 30, {"s": 0.5, "x": 0.3}))
    seed = [s for s in screens if s.step is not None and s.step.phase == "backward" and s.step.wrt is None]
    assert seed and "output's" in str(equation(seed[0].trace, seed[0].step, seed[0].trace.steps))
    assert unseen_names(screens) == []


@pytest.mark.parametrize("name", ["sigmoid-neuron", "vanishing-gradients"])
def test_the_html_export_captions_check_out_with_a_pencil(name: str) -> None:
    """The exported lesson's notes carry the terminal's equations: every equation in the page
    recomputes, and none the terminal shows is missing."""
    import html
    import shutil

    from backprop_tutor.render import engine as gv
    from backprop_tutor.tutor.export import html as export_html

    if not any(shutil.which(e) or shutil.which(e, path=gv.Path(gv.sys.executable).parent) for e in gv.ENGINES):
        pytest.skip("neither dot nor graphviz-pure is installed")
    page = html.unescape(export_html(find(name)))
    texts = re.findall(r">([^<>]*=[^<>]*)<", page)
    bad = [b for text in texts for b in wrong_equations(text)]
    assert not bad, "\n".join(bad[:10])
    # the page says every equation the terminal says (the drawing has no caption: said once)
    lesson = find(name)
    in_page = {e for text in texts for e in equations(text)}
    on_screen = {e for t in screens_text(build(lesson), lesson.title) for e in equations(t)}
    assert on_screen and on_screen <= in_page, sorted(on_screen - in_page)[:5]
    if name == "sigmoid-neuron":
        assert "0.197 · 2 = 0.39" in page and "0.20 · 2 = 0.39" not in page


def tables_text(screen: object, width: int) -> str:
    """A screen's tables (updates, runs, curves, side by side, matrices, the end's) at `width` columns."""
    from rich.console import Group

    from backprop_tutor.render.terminal import _end, _tables

    console = Console(width=width, color_system=None, legacy_windows=False)
    with console.capture() as cap:
        console.print(Group(*_tables(screen), *(_end(screen, None) if screen.kind == "end" else ())))
    return cap.get()


@pytest.mark.parametrize("name", LESSONS)
def test_no_table_of_a_lesson_is_cut_at_80_columns(name: str) -> None:
    """sgd-minibatch's 7-graph comparison cut its headings to "∂L/∂no…" at 80 columns: a table that
    cannot fit its words turns round (a row per graph). Rich marks a cut word with "…": at 80 columns
    a table has no "…" it does not have at 400."""
    lesson = find(name)
    cut = []
    for k, s in enumerate(build(lesson), 1):
        narrow, wide = tables_text(s, 80), tables_text(s, 400)
        if narrow.count("…") != wide.count("…"):
            cut.append(f"screen {k}:\n{narrow}")
    assert not cut, "\n".join(cut)


@pytest.mark.parametrize("text,at", EXPLAIN, ids=[e[0][:20] for e in EXPLAIN])
def test_no_end_table_of_an_expression_is_cut_at_80_columns(text: str, at: dict) -> None:
    end = build(explain(text, at))[-1]
    assert tables_text(end, 80).count("…") == tables_text(end, 400).count("…")


def test_a_side_by_side_table_too_wide_for_the_screen_turns_round() -> None:
    """At 80 columns sgd-minibatch's gradients of 7 graphs are a row per graph, every heading whole;
    at 120 they are a column per graph, as before."""
    s = next(s for s in build(find("sgd-minibatch")) if s.table and "graphs" in s.table)
    narrow, wide = tables_text(s, 80), tables_text(s, 120)
    assert "│ points 3, 1: ∂L31/∂node │ -1.3 │  -1.9 │" in narrow and max(map(len, narrow.splitlines())) <= 80
    assert "∂L31/∂node ┃" in wide and "│ w    │" in wide and "…" not in narrow + wide
