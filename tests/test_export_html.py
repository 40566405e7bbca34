"""`tutor export … --out lesson.html`: one self-contained interactive page, driven in a real browser.

The browser is the system Chromium driven by Playwright (`executable_path`, no browser download).
The page judges answers itself; its verdicts are checked against the terminal tutor's (Quiz.check)
for the same answers, and its numbers against the lecture's worked example (f = (x+y)z at
x=-2, y=5, z=-4: f = -12, ∂f/∂x = -4, ∂f/∂q = z = -4).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from backprop_tutor.tutor.export import html, lesson_of, pages
from backprop_tutor.tutor.lesson import find
from backprop_tutor.tutor.screens import build

from test_graphviz import ENGINES

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(not ENGINES, reason="neither dot nor graphviz-pure is installed")
TUTOR = [sys.executable, "-m", "backprop_tutor"]


def tutor(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*TUTOR, *args], capture_output=True, text=True, timeout=120, cwd=cwd, check=False)


@pytest.fixture(scope="module")
def chain_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "chain-rule.html"
    done = tutor("export", "chain-rule", "--out", str(out), cwd=out.parent)
    assert done.returncode == 0, done.stderr
    assert out.name in done.stdout
    return out


def test_page_is_self_contained(chain_page: Path) -> None:
    page = chain_page.read_text(encoding="utf-8")
    # nothing fetched: no external src or href, no stylesheet or font links, no import
    assert not re.search(r'\b(src|href)\s*=\s*"(?!#)', page)
    assert "<link" not in page and "@import" not in page and "url(http" not in page
    assert page.count("<svg") >= len(build(find("chain-rule"))) - 1   # every screen with a graph has its drawing
    assert page.count('<section class="screen') == len(build(find("chain-rule")))


def test_cli_refuses_unknown_format_and_suggests_lessons(tmp_path: Path) -> None:
    bad = tutor("export", "chain-rule", "--out", "x.pdf", cwd=tmp_path)
    assert bad.returncode == 2 and "lesson.html" in bad.stderr and "Traceback" not in bad.stderr
    typo = tutor("export", "chian-rule", "--out", "x.html", cwd=tmp_path)
    assert typo.returncode == 2 and "did you mean 'chain-rule'" in typo.stderr
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "x.html").exists()


def test_expression_export(tmp_path: Path) -> None:
    done = tutor("export", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--out", "e.html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "e.html").read_text(encoding="utf-8")
    assert "(x+y)*z" in page and "-12" in page
    assert page.count('<p class="legend">') >= 8 and '<p class="legend"><code>' not in page   # the header has the program
    missing = tutor("export", "(x+y)*z", "--out", "m.html", cwd=tmp_path)
    assert missing.returncode == 2 and "no value for" in missing.stderr


def test_a_cut_out_neighbourhood_is_still_said_without_the_caption() -> None:
    """The drawings have no caption; what only the caption said (a large graph's slide shows the
    step's neighbourhood) moves into the page's text."""
    expr = " + ".join(f"w{i}*x{i}" for i in range(30))
    shown = pages(build(lesson_of(expr, {f"w{i}": 1 for i in range(30)} | {f"x{i}": 2 for i in range(30)})))
    drawn = [p for p in shown if p.svg]
    assert drawn and all(b"showing" not in p.svg and b"value above the wire" not in p.svg for p in drawn)
    assert all(any(n.startswith("(showing ") and "of 119 nodes" in n for n in p.notes) for p in drawn)


def test_lesson_text_cannot_inject_markup(tmp_path: Path) -> None:
    lesson = tmp_path / "evil.toml"
    lesson.write_text('id = "evil"\ntitle = "T </script><script>alert(1)</script>"\nsummary = "s"\n'
                      'program = "f = x * y"\nat = { x = 2, y = 3 }\n'
                      '[[steps]]\nkind = "narrative"\ntext = "<img src=x onerror=alert(1)> [a](javascript:alert(1))"\n'
                      '[[steps]]\nkind = "quiz"\nask = "value"\nnode = "f"\nprompt = "</script><b>x</b>"\n',
                      encoding="utf-8")
    page = html(lesson_of(str(lesson), {}))
    assert "<img" not in page and "href=\"javascript" not in page and "<b>x</b>" not in page
    assert page.count("</script>") == 2  # the quiz data's and the program's closing tags, nothing injected


# ---------------------------------------------------------------- in the browser

def _playwright():  # noqa: ANN202
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install '.[test]')")
    return sync_playwright


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201
    if not CHROMIUM:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    with _playwright()() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def page(browser, chain_page: Path):  # noqa: ANN001, ANN201
    context = browser.new_context(viewport={"width": 1600, "height": 900}, has_touch=True)
    pg = context.new_page()
    requests, errors = [], []
    pg.on("request", lambda r: requests.append(r.url))
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(chain_page.as_uri())
    yield pg
    assert errors == []
    assert [u for u in requests if not u.startswith("file:")] == []  # offline: nothing but the file itself
    context.close()


def current(pg) -> int:  # noqa: ANN001
    return int(pg.locator("body").get_attribute("data-current"))


def visible(pg, css: str):  # noqa: ANN001, ANN201
    return pg.locator(f"section.screen:not([hidden]) {css}")


def test_stepping_by_buttons_keys_and_swipe(page) -> None:  # noqa: ANN001
    total = len(build(find("chain-rule")))
    assert current(page) == 1 and page.inner_text("#count") == f"1 / {total}"
    assert page.locator("section.screen:not([hidden])").count() == 1
    page.click("#next")
    assert current(page) == 2
    page.keyboard.press("ArrowRight")
    assert current(page) == 3
    page.keyboard.press("ArrowLeft")
    page.click("#prev")
    assert current(page) == 1 and page.locator("#prev").is_disabled()
    page.keyboard.press("End")
    assert current(page) == total and page.inner_text("#count") == f"{total} / {total}"
    page.keyboard.press("Home")
    cdp = page.context.new_cdp_session(page)   # a real touch swipe, right to left: the next screen
    for kind, points in (("touchStart", [{"x": 900, "y": 300}]), ("touchMove", [{"x": 600, "y": 310}]),
                         ("touchMove", [{"x": 300, "y": 310}]), ("touchEnd", [])):
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})
    page.wait_for_function("document.body.dataset.current === '2'", timeout=5000)


def test_deep_link_and_graph_fills_the_window(page, chain_page: Path) -> None:  # noqa: ANN001
    page.goto(chain_page.as_uri() + "#8")
    page.reload()
    assert current(page) == 8
    box = visible(page, "figure .before svg").bounding_box()
    # the drawing is scaled to the window (900 px high, 1600 wide), not drawn small in a corner
    assert box["width"] > 0.6 * 1600 or box["height"] > 0.5 * 900, box


def answer(pg, text: str) -> str:  # noqa: ANN001
    field = visible(pg, "input.answer")
    field.fill(text)
    field.press("Enter")
    return visible(pg, ".said li").last.inner_text()


def goto_quiz(pg, k: int) -> None:  # noqa: ANN001
    """Step from the first screen to the k-th quiz screen (1-based) with the → key."""
    pg.evaluate("document.activeElement && document.activeElement.blur()")  # keys typed in a field stay there
    pg.keyboard.press("Home")
    seen = 0
    for _ in range(pg.locator("section.screen").count()):
        if "quiz" in pg.locator("section.screen:not([hidden])").get_attribute("class").split():
            seen += 1
            if seen == k:
                return
        pg.keyboard.press("ArrowRight")
    raise AssertionError(f"the page has fewer than {k} quizzes")


def test_wrong_then_right_answer_with_hint_and_score(page) -> None:  # noqa: ANN001
    goto_quiz(page, 1)                      # f = q · z with q = 3, z = -4
    assert "No quiz answered yet" in page.inner_text("#score")
    before = visible(page, "figure .before").inner_html()
    wrong = answer(page, "-10")
    assert wrong.startswith("Not quite (-10)") and "Hint:" in wrong
    assert not visible(page, "input.answer").is_disabled()
    assert "I cannot use" in answer(page, "q +* z")          # unreadable: no try used up
    right = answer(page, "-12")
    assert right == "Correct: f = -12."
    assert visible(page, "input.answer").is_disabled()
    after = visible(page, "figure .after")
    assert after.is_visible() and not visible(page, "figure .before").is_visible()
    assert ">-12<" in after.inner_html() and ">-12<" not in before   # the answer appears in the drawing
    assert page.inner_text("#score").startswith("Score: 1 of 1 answered so far")
    page.keyboard.press("ArrowRight")   # typing in the field did not move the page, the keys still do
    assert "quiz" not in page.locator("section.screen:not([hidden])").get_attribute("class")


def test_formula_quiz_accepts_the_formula_and_reveals_after_three_tries(page) -> None:  # noqa: ANN001
    goto_quiz(page, 2)                      # ∂f/∂q, the lesson's answer is the formula z
    assert answer(page, "z") == "Correct: ∂f/∂q = z = -4."
    goto_quiz(page, 3)                      # ∂f/∂x = -4
    for wrong in ("4", "1", "-2"):
        said = answer(page, wrong)
    assert said.startswith("Not quite (-2). The answer is ∂f/∂x = -4")
    assert visible(page, "input.answer").is_disabled()
    page.keyboard.press("End")              # the first quiz was skipped: it does not count as wrong
    assert visible(page, ".final-score").inner_text() == "Score: 1 of 2 answered so far (3 quizzes in this lesson)."


JUDGED = [
    # ∂f/∂x of f = (x+y)z (no formula given, tolerance 0.01): numbers, formulas in the graph's names
    ("chain-rule", "x", ["-4", "-4.03", "-4.05", "-3.95", "z", "q + z - 3", "2*-2", "(x+y)z/-3", "-8/2", "2^2*-1",
                         "-(4)", "x - y + 3", "exp(0)*-4"]),
    # ∂f/∂x0 = 0.393… of the sigmoid neuron: computations typed from the rounded numbers on screen
    ("sigmoid-neuron", "x0", ["0.39", "0.38", "0.2*2", "0.20*1.9", "0.2*1.9", "0.196*2", "w0*0.197", "-0.393",
                              "0.40", "0.4", "0.20*2.00", "0.21*1.9"]),
]


def quiz_page(browser, tmp_path: Path, lesson: str, node: str):  # noqa: ANN001, ANN201
    """The lesson's quiz on `node`, its number among the lesson's quizzes, the exported page's
    path, and a fresh browser context and page to type answers into."""
    screens = build(find(lesson))
    quiz = next(s.quiz for s in screens if s.quiz is not None and s.quiz.node == node)
    k = [s.quiz for s in screens if s.quiz is not None].index(quiz) + 1
    out = tmp_path / f"{lesson}.html"
    out.write_text(html(lesson_of(lesson, {})), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    return quiz, k, out, context, page


def both_answer(page, out: Path, k: int, quiz, typed: str) -> tuple[str, bool, str]:  # noqa: ANN001
    """`typed` answered to quiz k of a freshly loaded page, and to the terminal tutor's quiz from its
    first try: the page's reply, and the terminal's verdict and words."""
    page.goto(out.as_uri())
    page.reload()
    goto_quiz(page, k)
    quiz.tries, quiz.solved = 0, None
    ok, terminal = quiz.check(typed)
    return answer(page, typed), ok, terminal


@pytest.mark.parametrize(("lesson", "node", "answers"), JUDGED, ids=[j[0] for j in JUDGED])
def test_page_judges_answers_as_the_terminal_tutor_does(browser, tmp_path: Path, lesson: str, node: str,
                                                        answers: list[str]) -> None:  # noqa: ANN001
    """The page's verdict is Quiz.check's for the same answer. Each answer is typed into a freshly
    loaded page, so no try limit interferes."""
    quiz, k, out, context, page = quiz_page(browser, tmp_path, lesson, node)
    verdicts = []
    for typed in answers:
        said, ok, _ = both_answer(page, out, k, quiz, typed)
        verdicts.append((typed, said.startswith("Correct"), ok))
    context.close()
    assert [v[1] for v in verdicts] == [v[2] for v in verdicts], verdicts
    assert {v[2] for v in verdicts} == {True, False}  # the answers exercise both verdicts


MISTAKEN = [
    # ∂f/∂x = -4: only the local derivative (1), a forward value for the local one (-12, 8), the sign (4),
    # and a number no mistake gives (7)
    ("chain-rule", "x", ["1", "-12", "8", "4", "7"]),
    # ∂f/∂x0 = 0.393: exp's input for its derivative (-1.07), the local derivative alone (2), the sign (-0.39)
    ("sigmoid-neuron", "x0", ["-1.07", "2", "-0.39", "0.5"]),
]


@pytest.mark.parametrize(("lesson", "node", "answers"), MISTAKEN, ids=[m[0] for m in MISTAKEN])
def test_wrong_answer_names_the_likely_mistake_as_the_terminal_tutor_does(browser, tmp_path: Path, lesson: str,
                                                                          node: str, answers: list[str]) -> None:  # noqa: ANN001
    """A wrong answer's message is Quiz.check's, word for word: the diagnoser's likely mistake (computed
    at export time) and the hint."""
    quiz, k, out, context, page = quiz_page(browser, tmp_path, lesson, node)
    said = []
    for typed in answers:
        page_said, ok, terminal = both_answer(page, out, k, quiz, typed)
        assert not ok, typed
        said.append((page_said, terminal))
    context.close()
    for page_said, terminal in said:
        assert page_said == terminal
    named = [p for p, _ in said if "That is the number you get when" in p or "sign is flipped" in p]
    assert len(named) == len(answers) - 1, said   # every answer but the last names a mistake
    assert "(at the add gate q)" in said[0][0] if lesson == "chain-rule" else "(at the exp gate n6)" in said[0][0]


def test_the_caption_is_said_once(page) -> None:  # noqa: ANN001
    """The step's equation is written beside the drawing, not drawn in it as well; the legend is text."""
    page.keyboard.press("End")
    for _ in range(page.locator("section.screen").count()):
        screen = page.locator("section.screen:not([hidden])")
        if screen.locator("figure").count():
            drawn = screen.locator("figure .before svg").text_content()
            assert "value above the wire" not in drawn and "Step " not in drawn and "∂" not in drawn, drawn
            assert screen.locator(".legend").inner_text().endswith("value above the wire gradient below, boxed")
        for line in screen.locator(".eq div").all_inner_texts():
            assert screen.inner_text().count(line) == 1, line
        page.keyboard.press("ArrowLeft")


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)], ids=["1080p", "720p"])
def test_graph_fills_a_projector_window(browser, chain_page: Path, tmp_path: Path, size: tuple[int, int]) -> None:  # noqa: ANN001
    """On a projector the drawing (not just its box) spans the window: the width, or the height left to it."""
    w, h = size
    context = browser.new_context(viewport={"width": w, "height": h})
    page = context.new_page()
    for k in (3, 8, 14):                     # a quiz, a backward step, the end
        page.goto(chain_page.as_uri() + f"#{k}")
        page.reload()
        drawn = page.evaluate("document.querySelector('section.screen:not([hidden]) figure .before svg g.graph')"
                              ".getBoundingClientRect().toJSON()")
        figure = visible(page, "figure").bounding_box()
        assert drawn["width"] >= 0.9 * w or drawn["height"] >= 0.9 * figure["height"], (k, drawn, figure)
        assert figure["height"] >= 0.5 * h, (k, figure)
        assert drawn["bottom"] <= h and visible(page, ".panel").bounding_box()["y"] >= drawn["bottom"] - 1
        page.screenshot(path=str(tmp_path / f"screen-{k}-{w}x{h}.png"))   # kept to look at when this fails
    context.close()
