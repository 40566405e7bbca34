"""Slides as pictures: the SVG of every step holds its numbers, highlights its node, keeps its layout.

Expected numbers are the published cs231n sigmoid-neuron example (w0=2, x0=-1, w1=-3, x1=-2,
w2=-3): f = 0.73, ∂f/∂w0 = -0.20, ∂f/∂x0 = 0.39, ∂f/∂w1 = -0.39, ∂f/∂x1 = -0.59, ∂f/∂w2 = 0.20.
Every test runs with each layout engine installed (system dot, graphviz-pure).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import backprop_tutor as bt
from backprop_tutor.errors import TutorError
from backprop_tutor.render import engine as gv
from backprop_tutor.render.graphviz import MAX_FULL, to_dot

ENGINES = [e for e in gv.ENGINES if shutil.which(e) or shutil.which(e, path=gv.Path(gv.sys.executable).parent)]
NEURON = "1/(1+exp(-(w0*x0+w1*x1+w2)))"
AT = {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3}
SVG = "{http://www.w3.org/2000/svg}"

pytestmark = pytest.mark.skipif(not ENGINES, reason="neither dot nor graphviz-pure is installed")


@pytest.fixture(scope="module")
def neuron() -> bt.Trace:
    return bt.trace(NEURON, AT, expand=True)


@pytest.fixture(scope="module", params=ENGINES)
def svgs(request: pytest.FixtureRequest, neuron: bt.Trace) -> list[ET.Element]:
    images = gv.render([to_dot(neuron, i) for i in range(len(neuron.steps))], ["svg"], request.param)
    return [ET.fromstring(img["svg"]) for img in images]


def groups(svg: ET.Element) -> dict[str, ET.Element]:
    """Every node group of a slide by its Graphviz name (the <title>)."""
    return {g.find(f"{SVG}title").text: g for g in svg.iter(f"{SVG}g") if "node" in g.get("class", "")}


def texts(g: ET.Element) -> list[str]:
    return ["".join(t.itertext()).strip() for t in g.iter(f"{SVG}text")]


def test_last_slide_has_the_lecture_gradients_under_the_input_wires(svgs: list[ET.Element]) -> None:
    wires = groups(svgs[-1])
    expected = {"w0": ("2", "-0.20"), "x0": ("-1", "0.39"), "w1": ("-3", "-0.39"), "x1": ("-2", "-0.59"),
                "w2": ("-3", "0.20")}
    for x, (value, grad) in expected.items():
        wire = next(g for name, g in wires.items() if name.startswith(f"wire:{x}>"))
        assert texts(wire) == [value, grad]  # value first (above), gradient second (below)
    out = next(g for name, g in wires.items() if name.endswith(">box"))
    assert texts(out) == ["0.73", "1"]


def test_each_slide_shows_the_step_number_on_its_wire_and_highlights_its_node(
        svgs: list[ET.Element], neuron: bt.Trace) -> None:
    from backprop_tutor.fmt import fmt

    for i, (svg, step) in enumerate(zip(svgs, neuron.steps)):
        nodes = groups(svg)
        current = [name for name, g in nodes.items() if "current" in g.get("class", "").split()
                   and not name.startswith("wire:")]
        assert current == [step.node], f"step {i + 1}"
        if step.phase == "forward":
            out_wires = [g for name, g in nodes.items() if name.startswith(f"wire:{step.node}>")]
            assert all(texts(g)[0] == fmt(step.value) for g in out_wires)
        elif step.wrt is not None:
            wire = nodes[f"wire:{step.wrt}>{step.node}:{step.arg}"]
            assert "current" in wire.get("class", "")
            assert texts(wire) == [fmt(neuron.number(step.wrt)), fmt(step.value)]


def test_forward_slides_show_no_gradient_and_only_computed_values(svgs: list[ET.Element]) -> None:
    first = groups(svgs[0])
    assert texts(first["wire:n1>n3:0"]) == ["-2"]          # n1 = w0*x0 was just computed
    assert texts(first["wire:n2>n3:1"]) == []              # n2 not yet
    forward_text = " ".join(t for g in groups(svgs[7]).values() for t in texts(g))
    assert "-0.53" not in forward_text and "0.73" in forward_text


def _positions(svg: ET.Element) -> dict[str, str]:
    """Each node's shape geometry (ellipse centre or polygon/path points)."""
    out = {}
    for name, g in groups(svg).items():
        shape = next(iter(g.iter(f"{SVG}ellipse")), None) or next(iter(g.iter(f"{SVG}path")), None) \
            or next(iter(g.iter(f"{SVG}polygon")), None)
        if shape is not None:
            out[name] = shape.get("cx", "") + shape.get("cy", "") + shape.get("d", "") + shape.get("points", "")
    return out


def test_every_slide_of_a_deck_has_the_same_layout(svgs: list[ET.Element]) -> None:
    first = _positions(svgs[0])
    assert len(first) > 10
    for svg in svgs[1:]:
        assert _positions(svg) == first
        assert svg.get("viewBox") == svgs[0].get("viewBox")


@pytest.mark.parametrize("engine", ENGINES)
def test_the_same_trace_gives_byte_identical_svg(engine: str) -> None:
    one = [to_dot(bt.trace(NEURON, AT, expand=True), i) for i in (3, 15)]
    two = [to_dot(bt.trace(NEURON, AT, expand=True), i) for i in (3, 15)]
    assert one == two
    assert gv.render(one, ["svg"], engine) == gv.render(two, ["svg"], engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_svg_and_png_drawn_in_one_call_are_those_drawn_alone(engine: str, neuron: bt.Trace) -> None:
    """A pinned deck's SVG and PNG come from one call at the PNG's dpi and size; the SVG is then
    given back its own size and scale. Slides of another size (not the deck's layout) are drawn
    again alone."""
    pins = gv.layout(to_dot(neuron, len(neuron.steps) - 1), engine)
    deck = [to_dot(neuron, i, pins=pins) for i in (0, 9, 20)]
    other = ['digraph { a [pos="0,0"] }', 'digraph { a [pos="0,0"]; b [pos="900,400"] }']
    for sources in (deck, other):
        ticks: list[int] = []
        both = gv.render(sources, ["svg", "png"], engine, done=ticks.append, pinned=True)
        assert [r["svg"] for r in both] == [r["svg"] for r in gv.render(sources, ["svg"], engine, pinned=True)]
        assert [r["png"] for r in both] == [r["png"] for r in gv.render(sources, ["png"], engine, pinned=True)]
        assert sum(ticks) == 2 * len(sources)  # the progress counts every image once


def test_dark_theme_changes_colours_not_layout(neuron: bt.Trace) -> None:
    light, dark = to_dot(neuron, 12, "light"), to_dot(neuron, 12, "dark")
    assert 'bgcolor="#ffffff"' in light and 'bgcolor="#0d1117"' in dark
    strip = re.compile(r'(bg)?color="#[0-9a-f]{6}"|fillcolor="#[0-9a-f]{6}"')
    assert strip.sub("", light) == strip.sub("", dark)


def test_caption_has_the_chain_rule_in_symbols_and_numbers() -> None:
    t = bt.trace("q = x + y; f = q * z", {"x": -2, "y": 5, "z": -4})
    seed = next(i for i, s in enumerate(t.steps) if s.phase == "backward")
    assert "∂f/∂q = ∂f/∂f · (local ∂f/∂q) = 1 · z = 1 · (-4) = -4" in to_dot(t, seed + 1)


def test_fan_out_caption_sums_the_branches() -> None:
    t = bt.trace("q = x + y; f = q * x", {"x": 3, "y": -1})  # f = (x+y)x: ∂f/∂x = q + x = 2 + 3
    last_x = max(i for i, s in enumerate(t.steps) if s.wrt == "x")
    dot = to_dot(t, last_x)
    assert "(path 2 of 2)" in dot and "= 5" in dot
    assert re.search(r"∂f/∂x = [-\d()]+ \+ [-\d()]+ = 5", dot)


def test_folded_constants_are_inside_their_gate_not_drawn(neuron: bt.Trace) -> None:
    dot = to_dot(neuron, 0)
    assert '"c1"' not in dot and '"c2"' not in dot
    assert ">+1<" in dot and ">1/x<" in dot and ">*-1<" in dot


@pytest.mark.parametrize("engine", ENGINES)
def test_big_graph_slide_shows_the_neighbourhood_with_a_bounded_png(engine: str) -> None:
    text = "+".join(f"x{i}*w{i}" for i in range(60))  # 239 nodes
    t = bt.trace(text, {**{f"x{i}": 1 for i in range(60)}, **{f"w{i}": 2 for i in range(60)}})
    assert t.graph.number_of_nodes() > MAX_FULL
    step = len(t.steps) // 2
    dot = to_dot(t, step)
    assert "nodes: the step" in dot and "neighbourhood" in dot
    assert dot.count("shape=circle") < 15
    png = gv.render([dot], ["png"], engine)[0]["png"]
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert 0 < width <= 1920 and 0 < height <= 1080


def test_no_engine_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gv.shutil, "which", lambda *a, **k: None)
    with pytest.raises(TutorError, match="no Graphviz found.*pip install graphviz-pure"):
        gv.find("auto")
    with pytest.raises(TutorError, match="'dot' engine is not installed"):
        gv.find("dot")
    with pytest.raises(TutorError, match="unknown engine"):
        gv.find("neato")


def test_notebook_view_is_an_svg(neuron: bt.Trace) -> None:
    from backprop_tutor.render.notebook import show

    svg = show(neuron, 5)._repr_svg_()
    assert svg.startswith("<svg") and "n5" in svg
    with pytest.raises(TutorError, match="steps 1 to 21"):
        show(neuron, 22)


@pytest.mark.parametrize("gate", sorted(bt.GATES), ids=str)
def test_every_gate_draws(gate: str) -> None:
    from backprop_tutor.engine.gates import GATES

    g = GATES[gate]
    call = f"a {g.infix} b" if g.infix and g.arity == 2 else "-a" if gate == "neg" else \
        f"{gate}(a, b)" if g.arity == 2 else f"{gate}(a)"
    t = bt.trace(f"f = {call} * a", {"a": "0.5", "b": "1.5"} if g.arity == 2 else {"a": "0.5"})
    sources = [to_dot(t, i, theme) for i in range(len(t.steps)) for theme in ("light", "dark")]
    svgs = gv.render(sources, ["svg"], ENGINES[0])
    assert all(b"<svg" in s["svg"] for s in svgs)
    assert f">{g.symbol}<".encode() in svgs[0]["svg"] or escape_svg(g.symbol) in svgs[0]["svg"]


def escape_svg(text: str) -> bytes:
    """Text as Graphviz writes it into SVG (with - and | as character references)."""
    return ">".encode() + text.replace("-", "&#45;").replace("|", "&#124;").encode() + b"<"


def test_auto_prefers_system_dot_then_graphviz_pure(monkeypatch: pytest.MonkeyPatch) -> None:
    installed = {"dot": "/usr/bin/dot", "graphviz-pure": "/venv/bin/graphviz-pure"}
    monkeypatch.setattr(gv.shutil, "which", lambda name, path=None: installed.get(name))
    assert gv.find("auto") == ("dot", "/usr/bin/dot")
    assert gv.find("graphviz-pure") == ("graphviz-pure", "/venv/bin/graphviz-pure")
    del installed["dot"]
    assert gv.find("auto") == ("graphviz-pure", "/venv/bin/graphviz-pure")


def _fan_out(n: int) -> bt.Trace:
    """x + x + ... + x: a chain of n - 1 add gates, x feeding every one of them (n wires)."""
    return bt.trace("+".join(["x"] * n), {"x": 1})


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_a_variable_used_1000_times_shows_its_nearest_uses_and_says_how_many_are_cut(where: str) -> None:
    from backprop_tutor.render.graphviz import MAX_FOCUS

    t = _fan_out(1000)
    step = {"first": 0, "middle": len(t.steps) // 2, "last": len(t.steps) - 1}[where]
    dot = to_dot(t, step)
    drawn = re.findall(r'^  "([^"]+)" \[id=', dot, re.M)
    shown = [n for n in drawn if not n.startswith("wire:")]  # gates, x and name boxes
    assert 3 <= len(shown) <= MAX_FOCUS
    assert f'"{t.steps[step].node}" [id=' in dot  # the step's own node is always there
    x_wires = sum(1 for n in drawn if n.startswith("wire:x>"))
    assert x_wires >= 1
    cut = re.search(r"wires to nodes not shown are cut \(x: ([\d,]+)", dot)
    assert cut and int(cut.group(1).replace(",", "")) == 1000 - x_wires  # x has 1000 wires in all
    assert f"of {t.graph.number_of_nodes():,} nodes" in dot


def test_a_neighbourhood_slide_of_a_huge_fan_out_renders(tmp_path: gv.Path) -> None:
    svg = gv.render([to_dot(_fan_out(1000), 0)], ["svg"], ENGINES[0])[0]["svg"]
    assert svg.count(b'class="node') <= 200


def test_the_sum_over_1000_paths_is_one_short_line() -> None:
    t = _fan_out(1000)
    last = max(i for i, s in enumerate(t.steps) if s.wrt == "x")
    line = next(line for line in to_dot(t, last).split("<font") if "the sum over its" in line)
    assert "∂f/∂x = 1 + 1 + 1 + … + 1 + 1 = 1000   (the sum over its 1000 paths)" in line
    assert len(line) < 300


def test_a_slide_of_a_big_graph_computes_only_its_own_caption(monkeypatch: pytest.MonkeyPatch) -> None:
    import backprop_tutor.render.graphviz as graphviz

    t, asked = _fan_out(500), []
    real = graphviz.equation
    monkeypatch.setattr(graphviz, "equation", lambda t, i: asked.append(i) or real(t, i))
    to_dot(t, 700)
    assert set(asked) == {700}


def test_a_graph_too_big_to_draw_whole_is_refused() -> None:
    from backprop_tutor.render.graphviz import MAX_WHOLE

    with pytest.raises(TutorError, match=f"at most {MAX_WHOLE:,}"):
        to_dot(_fan_out(MAX_WHOLE + 1), 0, whole=True)


def test_a_crash_of_the_layout_program_names_the_likely_cause(monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    monkeypatch.setattr(gv.subprocess, "run", lambda args, **k: subprocess.CompletedProcess(args, -11, b"", b""))
    with pytest.raises(TutorError, match=r"crashed \(SIGSEGV\).*too large.*--steps.*smaller graph"):
        gv.render(["digraph { a }"], ["svg"], ENGINES[0])


def test_captions_write_step_functions_as_iverson_brackets() -> None:
    from backprop_tutor.render.chain import equation, equation_tex

    t = bt.trace("f = max(z, w)*2", {"z": 2, "w": -1})
    back = [i for i, s in enumerate(t.steps) if s.phase == "backward" and s.wrt in ("z", "w")]
    lines = [line for i in back for line in equation(t, i)]
    assert any("2 · [z ≥ w] = 2 · 1 = 2" in x for x in lines) and any("[w > z]" in x for x in lines)
    tex = " ".join(line for i in back for line in equation_tex(t, i))
    assert r"\left[z \geq w\right]" in tex and "Heaviside" not in " ".join(lines) + tex and r"\theta" not in tex


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity on this platform")
def test_drawing_is_split_over_the_cores_the_process_may_use() -> None:
    # a container's CPU set, not the machine's core count: one core allowed, one worker
    code = ("import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
            "from backprop_tutor.render.engine import cores; print(cores(), os.cpu_count())")
    allowed, machine = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                      check=True).stdout.split()
    assert allowed == "1" and (int(machine) == 1 or allowed != machine)
