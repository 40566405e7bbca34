"""The HTML deck in a real browser (headless Chromium): it opens on step 1, → moves to step 2.

No driver package: Chromium's --dump-dom prints the DOM after the page's script ran; the deck
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
