"""Decks: `tutor slides` writes every format, with the lecture's numbers, once per engine."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import backprop_tutor as bt
from backprop_tutor.commands.cli import app
from backprop_tutor.render import engine as gv
from backprop_tutor.render.graphviz import to_dot
from backprop_tutor.render.slides import stem

from test_graphviz import AT, ENGINES, NEURON

pytestmark = pytest.mark.skipif(not ENGINES, reason="neither dot nor graphviz-pure is installed")
AT_TEXT = ",".join(f"{k}={v}" for k, v in AT.items())
STEPS = 21  # 8 forward gates, the seed, 12 backward edges of the expanded neuron
GRADIENTS = ("-0.20", "0.39", "-0.39", "-0.59", "-0.53")  # cs231n: w0, x0, w1, x1 and the 1/x wire


def run(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module", params=ENGINES)
def deck(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp(f"deck-{request.param}")
    result = run("slides", NEURON, "--at", AT_TEXT, "--expand", "--out", str(out), "--engine", request.param,
                 "--format", "svg,png,pdf,html,gif,tex,handout")
    assert result.exit_code == 0, result.output
    return out


def test_one_numbered_svg_and_png_per_step(deck: Path) -> None:
    svgs, pngs = sorted(deck.glob("step-*.svg")), sorted(deck.glob("step-*.png"))
    assert len(svgs) == len(pngs) == STEPS
    assert svgs[0].name == "step-01-forward.svg" and svgs[8].name == "step-09-backward.svg"
    assert pngs[-1].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pdf_has_one_page_per_step(deck: Path) -> None:
    from pypdf import PdfReader

    assert len(PdfReader(deck / "deck.pdf").pages) == STEPS


def test_gif_animates_the_backward_pass(deck: Path) -> None:
    from PIL import Image

    with Image.open(deck / "backward.gif") as gif:
        assert gif.n_frames == 1 + 13  # the finished forward pass, then the seed and 12 backward steps


def test_tex_has_a_beamer_frame_with_each_equation(deck: Path) -> None:
    tex = (deck / "deck.tex").read_text()
    assert tex.count(r"\begin{frame}") == STEPS and r"\documentclass{beamer}" in tex
    assert r"\frac{\partial f}{\partial w_{0}} = \frac{\partial f}{\partial n_{1}} \cdot " \
           r"\frac{\partial n_{1}}{\partial w_{0}} = 0.20 \cdot x_{0} = 0.20 \cdot \left(-1\right) = -0.20" in tex
    assert r"f = \frac{1}{n_{7}} = \frac{1}{1.37} = 0.73" in tex
    # printed factors give the printed result: 0.197 · 2 = 0.39, not 0.20 · 2 = 0.39 (issue 10, D2)
    assert r"0.197 \cdot w_{0} = 0.197 \cdot 2 = 0.39" in tex and r"n_{5} = -n_{4} = -\left(1\right) = -1" in tex
    assert r"\includegraphics" in tex and "step-21-backward.png" in tex


def test_handout_has_blanks_and_the_key_has_the_answers(deck: Path) -> None:
    from html import unescape

    sheet, key = unescape((deck / "handout.html").read_text()), unescape((deck / "handout-key.html").read_text())
    svg_sheet = sheet[sheet.index("<svg"):sheet.index("</svg>")]
    assert all(f">{g}<" not in svg_sheet for g in GRADIENTS)
    assert ">0.73<" in svg_sheet and ">1.37<" in svg_sheet  # forward values filled in
    letters = re.findall(r">\(([a-z])\)<", svg_sheet)
    assert letters and sorted(letters) == [chr(ord("a") + k) for k in range(len(letters))]
    svg_key = key[key.index("<svg"):key.index("</svg>")]
    assert all(f">{g}<" in svg_key for g in GRADIENTS)
    assert "∂f/∂w0 = ∂f/∂n1 · ∂n1/∂w0 = 0.20 · x0 = 0.20 · (-1) = -0.20" in key
    assert "∂f/∂x0 = ∂f/∂n1 · ∂n1/∂x0 = 0.197 · w0 = 0.197 · 2 = 0.39" in key
    assert (deck / "handout.pdf").read_bytes()[:5] == b"%PDF-"


def test_html_deck_is_self_contained(deck: Path) -> None:
    html = (deck / "deck.html").read_text()
    assert html.count('<section class="slide"') == STEPS
    assert not re.search(r'(src|href)="(https?:)?//', html) and "@import" not in html
    assert "ArrowRight" in html
    # said once, as text under the drawing: the drawing has no caption
    assert html.count("n1 = w0 · x0 = 2 · (-1) = -2") == 1
    assert html.count("∂f/∂w1 = ∂f/∂n2 · ∂n2/∂w1 = 0.197 · x1 = 0.197 · (-2) = -0.39") == 1
    assert html.count("value above each wire") == STEPS and "value above the wire" not in html


def test_stdout_lists_files_and_the_stem_names_match(deck: Path) -> None:
    import backprop_tutor as bt

    t = bt.trace(NEURON, AT, expand=True)
    assert [stem(t, i) for i in (0, 8, 20)] == ["step-01-forward", "step-09-backward", "step-21-backward"]


def test_default_formats_are_svg_and_png(tmp_path: Path) -> None:
    result = run("slides", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert {p.suffix for p in tmp_path.iterdir()} == {".svg", ".png"}
    assert "wrote" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "svg,pptx"], "unknown format 'pptx'"),
    (["--theme", "blue"], "'blue' is not one of"),   # typer's choice check (main() makes it one line)
    (["--engine", "neato"], "'neato' is not one of"),
])
def test_bad_options_are_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = run("slides", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--out", str(tmp_path), *args)
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output and not any(tmp_path.iterdir())


def test_bad_expression_is_the_parsers_error(tmp_path: Path) -> None:
    result = run("slides", "(x+", "--out", str(tmp_path))
    assert result.exit_code == 2 and "Error:" in result.output


def test_steps_option_draws_only_those(tmp_path: Path) -> None:
    result = run("slides", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--out", str(tmp_path), "--steps", "1,4-5",
                 "--format", "svg,html,pdf")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("*.svg")) == \
        ["step-01-forward.svg", "step-04-backward.svg", "step-05-backward.svg"]
    from pypdf import PdfReader

    assert len(PdfReader(tmp_path / "deck.pdf").pages) == 3
    assert (tmp_path / "deck.html").read_text().count('<section class="slide"') == 3


def test_too_many_slides_is_refused_with_advice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import backprop_tutor.render.slides as slides

    monkeypatch.setattr(slides, "MAX_SLIDES", 5)
    result = run("slides", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--out", str(tmp_path))
    assert result.exit_code == 2 and "has 7 steps" in result.output and "--steps" in result.output
    assert run("slides", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--out", str(tmp_path), "--steps", "3-7").exit_code == 0


def test_a_lesson_id_draws_the_lessons_graph(tmp_path: Path) -> None:
    from backprop_tutor.tutor import lesson

    if "sigmoid-neuron" not in {lesson.lesson_id(p) for p in lesson.builtin()}:
        pytest.skip("the sigmoid-neuron lesson is not in this checkout")
    result = run("slides", "sigmoid-neuron", "--out", str(tmp_path), "--format", "svg")
    assert result.exit_code == 0, result.output
    last = sorted(tmp_path.glob("*.svg"))[-1].read_text()
    assert ">0.73<" in last and ">&#45;0.20<" in last  # f and ∂f/∂w0 of the cs231n example


@pytest.mark.skipif("dot" not in ENGINES, reason="system Graphviz (dot) is not installed")
def test_pdf_from_dot_is_vector_and_the_same_every_run(tmp_path: Path) -> None:
    from pypdf import PdfReader

    for name in ("a", "b"):
        args = ("slides", NEURON, "--at", AT_TEXT, "--expand", "--out", str(tmp_path / name), "--format", "pdf",
                "--engine", "dot", "--steps", "20-21")
        assert run(*args).exit_code == 0
    assert (tmp_path / "a" / "deck.pdf").read_bytes() == (tmp_path / "b" / "deck.pdf").read_bytes()
    text = PdfReader(tmp_path / "a" / "deck.pdf").pages[1].extract_text()
    assert "∂f/∂x0 = ∂f/∂n1 · ∂n1/∂x0 = 0.197 · w0 = 0.197 · 2 = 0.39" in text


def test_lesson_colon_graph_draws_that_graph(tmp_path: Path) -> None:
    from backprop_tutor.tutor import lesson

    if "sigmoid-neuron" not in {lesson.lesson_id(p) for p in lesson.builtin()}:
        pytest.skip("the sigmoid-neuron lesson is not in this checkout")
    found = lesson.find("sigmoid-neuron")
    other = next((g for g in found.graphs if g != "main"), None)
    if other is None:
        pytest.skip("the lesson has one graph")
    result = run("slides", f"sigmoid-neuron:{other}", "--out", str(tmp_path), "--format", "svg")
    assert result.exit_code == 0, result.output
    bad = run("slides", "sigmoid-neuron:nope", "--out", str(tmp_path / "x"))
    assert bad.exit_code == 2 and "has no graph 'nope'" in bad.output


def test_a_graph_over_the_size_limit_is_one_line_before_any_work(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import backprop_tutor.commands.slides as command
    import backprop_tutor.render.slides as slides

    monkeypatch.setattr(slides, "MAX_NODES", 50)
    result = run("slides", "+".join(["x"] * 100), "--at", "x=1", "--steps", "1", "--out", str(tmp_path / "d"))
    assert result.exit_code == 2 and "the graph has 100 nodes" in result.output and "at most 50" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "d").exists()
    monkeypatch.setattr(command, "MAX_CHARS", 150)  # refused by length, before parsing
    result = run("slides", "+".join(["x"] * 100), "--at", "x=1", "--out", str(tmp_path / "d"))
    assert result.exit_code == 2 and "199 characters" in result.output


def test_a_1000_fold_fan_out_draws_one_bounded_slide(tmp_path: Path) -> None:
    result = run("slides", "+".join(["x"] * 1000), "--at", "x=1", "--steps", "1,1500", "--out", str(tmp_path),
                 "--format", "svg")
    assert result.exit_code == 0, result.output
    svgs = sorted(tmp_path.glob("*.svg"))
    assert [p.name for p in svgs] == ["step-0001-forward.svg", "step-1500-backward.svg"]
    assert all(p.read_text().count('class="node') < 250 for p in svgs)


def test_a_handout_of_a_graph_too_big_for_a_page_is_refused(tmp_path: Path) -> None:
    result = run("slides", "+".join(["x"] * 100), "--at", "x=1", "--steps", "1", "--out", str(tmp_path / "d"),
                 "--format", "svg,handout")
    assert result.exit_code == 2 and "handout" in result.output and "100 nodes" in result.output
    assert not (tmp_path / "d").exists()


def test_a_new_deck_replaces_the_earlier_one_and_leaves_other_files(tmp_path: Path) -> None:
    args = ("slides", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--out", str(tmp_path))
    assert run(*args, "--format", "svg,png,pdf,html,gif,tex,handout").exit_code == 0
    mine = {"notes.md", "deck.md", "step-1.svg", "handout.docx", "step-01-forward.svg.bak"}
    for name in mine:
        (tmp_path / name).write_text("the lecturer's own file")
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "step-02-forward.svg").write_text("not in the deck directory itself")
    result = run(*args, "--steps", "1", "--format", "svg")
    assert result.exit_code == 0, result.output
    assert {p.name for p in tmp_path.iterdir()} == mine | {"figures", "step-01-forward.svg"}
    assert (tmp_path / "figures" / "step-02-forward.svg").exists()
    assert "removed" in result.output and "earlier deck" in result.output


def test_a_deck_that_fails_to_draw_leaves_the_earlier_deck(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    from backprop_tutor.render import engine as gv

    args = ("slides", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--out", str(tmp_path), "--format", "svg")
    assert run(*args).exit_code == 0
    before = sorted(p.name for p in tmp_path.iterdir())
    monkeypatch.setattr(gv.subprocess, "run", lambda a, **k: subprocess.CompletedProcess(a, -9, b"", b""))
    result = run(*args, "--steps", "1")
    assert result.exit_code == 2 and "crashed (SIGKILL)" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before and len(before) == 7


PROGRAM = "h = x*x + y\nf = tanh(h) * h"  # x*x: two wires from one node; h named and used twice


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("text", "at"), [(NEURON, AT), (PROGRAM, {"x": 1.5, "y": -0.5})])
def test_every_slide_of_a_deck_is_laid_out_alike(engine: str, text: str, at: dict[str, float]) -> None:
    """Why a deck is laid out once (slides.build): dot puts every node of every slide at the same place."""
    t = bt.trace(text, at, expand=True)
    first = gv.layout(to_dot(t, 0), engine)
    for i in range(1, len(t.steps)):
        assert gv.layout(to_dot(t, i), engine).nodes == first.nodes, f"step {i + 1}"


def _texts(svg: bytes) -> list[tuple[float, float, str]]:
    return [(float(x), float(y), s) for x, y, s in re.findall(r'<text[^>]* x="([-\d.]+)" y="([-\d.]+)"[^>]*>([^<]*)<',
                                                            svg.decode())]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_slide_drawn_at_the_decks_positions_is_its_own_layout(engine: str) -> None:
    """Drawn at the positions of the deck's last slide, a slide's every text is where its own layout puts
    it (the whole picture may be shifted: the drawing's margin counts spline control points)."""
    t = bt.trace(NEURON, AT, expand=True)
    pins = gv.layout(to_dot(t, STEPS - 1), engine)
    for i in (0, 11, STEPS - 1):
        own = _texts(gv.render([to_dot(t, i)], ["svg"], engine)[0]["svg"])
        drawn = _texts(gv.render([to_dot(t, i, pins=pins)], ["svg"], engine, pinned=True)[0]["svg"])
        assert [s for *_, s in drawn] == [s for *_, s in own] and len(own) > 20
        dx, dy = drawn[0][0] - own[0][0], drawn[0][1] - own[0][1]
        assert all(abs(a[0] - b[0] - dx) < 0.5 and abs(a[1] - b[1] - dy) < 0.5 for a, b in zip(drawn, own)), i


def test_a_deck_is_laid_out_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    real = gv._run
    monkeypatch.setattr(gv, "_run", lambda path, args: (calls.append(args), real(path, args))[1])
    result = run("slides", NEURON, "--at", AT_TEXT, "--out", str(tmp_path), "--engine", ENGINES[0])
    assert result.exit_code == 0, result.output
    layouts = [a for a in calls if "-n2" not in a]
    assert len(layouts) == 1 and "-Tjson" in layouts[0] and len(calls) > 2
    assert len(list(tmp_path.glob("step-*.png"))) == 21
