"""The HTML deck in a real browser (headless Chromium): it opens on step 1, → moves to step 2, and
its drawing fills a projector's width (Playwright).

The navigation tests need no driver package: Chromium's --dump-dom prints the DOM after the page's script ran; the deck
presses the keys named in its URL (`#1&keys=ArrowRight`) through its own key handler.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import backprop_tutor as bt
from backprop_tutor.render.slides import build

from test_graphviz import AT, ENGINES, NEURON

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = [
    pytest.mark.skipif(not CHROMIUM, reason="chromium is not installed (Debian: apt-get install chromium)"),
    pytest.mark.skipif(not ENGINES, reason="neither dot nor graphviz-pure is installed"),
]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module", params=ENGINES)
def deck(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp(f"html-{request.param}")
    build(bt.trace(NEURON, AT, expand=True), out, ["html"], engine=request.param)
    return out / "deck.html"


def dom(page: Path, fragment: str, tmp_path: Path) -> str:
    """The page's DOM after load, as headless Chromium sees it."""
    profile = tmp_path / f"profile-{abs(hash(fragment))}"
    done = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                           f"{page.as_uri()}{fragment}"], capture_output=True, text=True, timeout=90, check=False)
    assert "<body" in done.stdout, done.stderr[-2000:]
    return done.stdout


def visible(html: str) -> list[str]:
    """The step numbers of the slides that are not hidden."""
    return [m.group(2) for m in re.finditer(r'<section class="slide" id="step-(\d+)" data-step="(\d+)"(?! hidden)'
                                            r'(?=[ >])', html)]


def test_deck_opens_on_step_1(deck: Path, tmp_path: Path) -> None:
    html = dom(deck, "", tmp_path)
    assert 'data-current="1"' in html and visible(html) == ["1"]
    assert ">1 / 21<" in html


def test_right_arrow_moves_to_step_2(deck: Path, tmp_path: Path) -> None:
    html = dom(deck, "#1&keys=ArrowRight", tmp_path)
    assert 'data-current="2"' in html and visible(html) == ["2"]
    assert ">2 / 21<" in html


def test_left_arrow_goes_back_and_stops_at_the_ends(deck: Path, tmp_path: Path) -> None:
    html = dom(deck, "#5&keys=ArrowLeft,ArrowLeft,End,ArrowRight", tmp_path)
    assert visible(html) == ["21"]
    html = dom(deck, "#2&keys=ArrowLeft,ArrowLeft", tmp_path)
    assert visible(html) == ["1"]


def test_clicks_navigate(deck: Path, tmp_path: Path) -> None:
    assert visible(dom(deck, "#3&click=next,next", tmp_path)) == ["5"]
    assert visible(dom(deck, "#3&click=prev", tmp_path)) == ["2"]
    assert visible(dom(deck, "#3&click=figure", tmp_path)) == ["4"]  # the right of the picture: next


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install '.[test]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)], ids=["1080p", "720p"])
def test_graph_fills_a_projector_window(browser, deck: Path, tmp_path: Path, size: tuple[int, int]) -> None:  # noqa: ANN001
    """On a projector the drawing spans the window's width (the neuron is wide: width, not height, bounds
    it), the step's text is under it and said once: the drawing has no caption of its own."""
    w, h = size
    context = browser.new_context(viewport={"width": w, "height": h})
    page = context.new_page()
    for k in (1, 12, 21):                    # forward, a backward step, the last
        page.goto(deck.as_uri() + f"#{k}")
        page.reload()
        slide = "section.slide:not([hidden])"
        drawn = page.evaluate(f"document.querySelector('{slide} figure svg g.graph').getBoundingClientRect().toJSON()")
        nodes = page.evaluate(f"""(() => {{
            const boxes = Array.from(document.querySelectorAll('{slide} figure svg g.node'),
                                     n => n.getBoundingClientRect());
            return [Math.min(...boxes.map(b => b.left)), Math.max(...boxes.map(b => b.right))];
        }})()""")
        assert drawn["width"] >= 0.95 * w, (k, drawn)
        assert nodes[1] - nodes[0] >= 0.9 * w, (k, nodes)                # the nodes themselves, not a margin
        panel = page.locator(f"{slide} .panel").bounding_box()
        assert drawn["bottom"] <= panel["y"] + 1 and panel["y"] + panel["height"] <= h + 1, (k, drawn, panel)
        figure_text = page.locator(f"{slide} figure").text_content()
        assert "Step " not in figure_text and "∂" not in figure_text and "value above" not in figure_text
        text = page.locator(f"{slide} .panel").inner_text()
        assert f"Step {k} of 21" in text and text.count("value above each wire") == 1
        for line in page.locator(f"{slide} .eq div").all_inner_texts():
            assert page.locator(slide).inner_text().count(line) == 1, line
        page.screenshot(path=str(tmp_path / f"deck-{k}-{w}x{h}.png"))     # kept to look at when this fails
    context.close()
