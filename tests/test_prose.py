"""render/prose.py draws a lesson's narrative exactly as rich.markdown.Markdown does (the oracle),
with and without colour, at several widths: every text of every shipped lesson, the corners of
the subset it reads (anything outside it must be handed to Rich's renderer), and random documents
of tables, code and paragraphs."""

from __future__ import annotations

import io
import tomllib

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from rich.console import Console
from rich.markdown import Markdown

from backprop_tutor.render.prose import MONOKAI_BACKGROUND, MONOKAI_TEXT, Prose, prose
from backprop_tutor.render.terminal import subscripts
from backprop_tutor.tutor.lesson import builtin


def lesson_texts() -> list[str]:
    texts = []
    for path in builtin():
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        texts += [subscripts(step["text"].strip()) for step in data.get("steps", []) if step.get("text")]
    return texts


def draw(renderable: object, width: int, colour: bool) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=colour, color_system="truecolor" if colour else None,
                      legacy_windows=False)
    console.print(renderable)
    return out.getvalue()


def same_as_rich(text: str) -> None:
    for width in (24, 60, 80, 100, 120):
        for colour in (False, True):
            assert draw(prose(text), width, colour) == draw(Markdown(text), width, colour), (width, colour, text)


@pytest.mark.parametrize("text", lesson_texts(), ids=lambda t: t[:30])
def test_every_lesson_text_is_drawn_as_rich_draws_it(text: str) -> None:
    same_as_rich(text)


def test_the_lessons_texts_are_mostly_read_here() -> None:
    texts = lesson_texts()
    mine = sum(isinstance(prose(t), Prose) for t in texts)
    assert mine >= 0.9 * len(texts), (mine, len(texts))


@pytest.mark.parametrize("path", builtin(), ids=lambda p: p.stem)
def test_every_lesson_s_first_text_is_read_here(path) -> None:
    first = subscripts(tomllib.loads(path.read_text(encoding="utf-8"))["steps"][0]["text"].strip())
    assert isinstance(prose(first), Prose)   # a lesson's first screen: no markdown-it, no Pygments


def test_code_is_drawn_in_the_colours_pygments_gives_rich() -> None:
    from pygments.token import Token
    from rich.syntax import Syntax

    syntax = Syntax("x", "text", theme="monokai")
    assert syntax._get_base_style().bgcolor.name == MONOKAI_BACKGROUND
    style = syntax._theme.get_style_for_token(Token.Text)
    assert (style.color.name, style.bgcolor.name) == (MONOKAI_TEXT, MONOKAI_BACKGROUND)


READ_HERE = [
    "plain", "**bold** and *em* and `code`", "a\nb  c\nd", "**bold\nacross** lines", "*a* *b*",
    "2 * 3 * 4", "f(x)*g(x)", "*(x)*", "**f(x, y) = (x + y) z** at x = -2", "a \\* b \\` c",
    "` a `", "`  `", "` a`", "x\\_1 and w\\_ij", "**a *b* c**", "*a **b** c*", "text:\n- one\n- two",
    "- one\n- two **x**\nlazy line\n\nafter", "- a\n  b", "para\n\n- a\n\n\npara", "*unclosed", "closed*", "3.5 is\n-2 here", "= 3", "a ** b ** c",
    # runs that may open and close (inside a word, between punctuation): they close the run on top, else open
    "x**y**z", "*a* b*c", "x*y*z", "a*b", "**h = relu(z)**, an", "**e^-(w0·x0 + w2))**.", "**[[45, 110]]**.",
    "**g ← min(1, c/‖g‖)**.", "**-(y1 log p1)**, here", "(*a*)(*b*)", "**a**b**c**",
]
WORDS = "word " * 30
TABLES = [
    "| a | b |\n|---|---|\n| 1 | 2 |", "|a|b|\n|-|-|", "| a\n:-:\n| x", "| a | b\n|---|---\n| 1 | 2",
    "| left | centre | right | default |\n|:--|:-:|--:|---|\n| 1 | 2 | 3 | 4 |\n| longer cell | x | yy | z |",
    "| **b** | *i* | `c` | x\\_1 |\n|---|---|---|---|\n| `a b` | **x** y | *z* | \\* |",   # inline markup in cells
    "| a | b | c |\n|---|---|---|\n| 1 |\n| 1 | 2 | 3 | 4 |\n| | | |\n|---|---|---|\n||",   # short, long, empty rows
    "| 漢字 | ² |\n|---|---|\n| ｗｉｄｅ | é |",
    "| " + " | ".join(WORDS.split()[:12]) + " |\n|" + "---|" * 12 + "\n| " + " | ".join(["a longer cell"] * 12) + " |",
    "| x | " + WORDS + "|\n|---|---|\n| 1 | " + WORDS + "|",   # wider than the screen: cells wrap
    "text\n\n| a |\n|---|\n| 1 |\n\nafter", "- item\n\n| a |\n|---|\n| 1 |\n\n- next",
]
CODE = [
    "```\ncode\n```", "```text\nx\n```", "``` text \nx\n```", "```\n```", "````\n```\n````", "```\nx\n  ```  ",
    "para\n\n```\n  indented\n\nblank inside\n```\n\nafter", "- a\n- b\n\n```\ncode\n```\n\n- c",
    "```\n" + "x" * 150 + "\n" + WORDS + "\n```",   # long lines wrap
    "```\n<b> &amp; [x](y) *a* _x_ \\_ |---|\n# not a heading\n```", "```\ntrailing   \n\n\n```",
    "```\n x1 ──┬──▶ h1 ──┐\n      ├──▶ h2 ──┼──▶ ŷ\n 漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字\n```",
]
FALLS_BACK = [
    "# heading", "> quote", "[link](x)", "a <b> c", "a &amp; b", "~~s~~",
    "1. one\n2. two", "* star item", "+ plus item", "- a\n  - nested", "- a\n\n- b", "- a\n\n  more",
    "line  \nbreak", "a\\\nb", "***", "para\n---", "    code", "_em_", "*a**b*", "**a*b*c**",
    "a\tb", "a\n\xa0b", "`` `a` ``x", "**a*", "*a**", "a <br> b", "[x]: /url", "a [b](c)", "![i](x)",
    "x &#42; y", "a\n|---|---|",
    # tables markdown-it reads otherwise, or that need more than the subset
    "text\n| a |\n|---|", "| a \\| b |\n|---|", "| a | b |\n|---|", "| a |\n|---|\nb", "| a |\n |---|",
    "| a |\n|---|\n- b", "| [a](b) |\n|---|", "| a |  \n|---|", "| a |\n|--|--|",
    # code in a language (Pygments), or not standing alone between blank lines
    "```python\nx\n```", "``` python\nx\n```", "~~~\nx\n~~~", "para\n```\nx\n```", "```\nx\n```\nafter",
    "```\nunclosed", " ```\nx\n```", "```\na\tb\n```", "```\na\x07b\n```", "- a\n```\nx\n```",
]


@pytest.mark.parametrize("text", READ_HERE + TABLES + CODE)
def test_the_subset_is_drawn_as_rich_draws_it(text: str) -> None:
    assert isinstance(prose(text), Prose), text
    same_as_rich(text)


@pytest.mark.parametrize("text", FALLS_BACK)
def test_the_rest_is_handed_to_rich(text: str) -> None:
    assert isinstance(prose(text), Markdown), text


CELL = st.lists(st.sampled_from(["a", "word", "longer words here", "-", ":", "²", "漢字", "1.5", "**b**", "`c d`",
                                 "*i*", "x\\_1", "---", "e^x", "(x)", "*"]), max_size=4).map(" ".join)
SPACE = st.sampled_from(["", " "])


@st.composite
def tables(draw: st.DrawFn) -> str:
    n = draw(st.integers(1, 6))
    row = st.builds(lambda cells, end: "|" + "|".join(cells) + end,
                    st.lists(st.builds("".join, st.tuples(SPACE, CELL, SPACE)), min_size=0, max_size=n + 1),
                    st.sampled_from(["|", ""]))
    mark = st.builds("".join, st.tuples(SPACE, st.sampled_from(["", ":"]), st.sampled_from(["-", "---"]),
                                        st.sampled_from(["", ":"]), SPACE))
    rule = st.builds(lambda marks, ends: ends[0] + "|".join(marks) + ends[1], st.lists(mark, min_size=n, max_size=n),
                     st.sampled_from([("|", "|"), ("|", ""), ("", "|")]))
    head = st.builds(lambda cells: "|" + "|".join(f" {c} " for c in cells) + "|", st.lists(CELL, min_size=n, max_size=n))
    return "\n".join([draw(head), draw(rule), *draw(st.lists(row, max_size=4))])


CODE_LINE = st.lists(st.sampled_from(["x", " ", "─", "▶", "漢", "```", "*", "<b>", "word ", "a" * 30]), max_size=12).map("".join)
CODE_BLOCKS = st.builds(lambda fence, lines, close: "\n".join([fence, *lines, close]),
                        st.sampled_from(["```", "````", "```text"]), st.lists(CODE_LINE, max_size=4),
                        st.sampled_from(["```", "````", " ```", "```` "]))
DOCUMENTS = st.lists(st.one_of(tables(), CODE_BLOCKS, st.sampled_from(["plain text", "**bold** and `code`", "- a\n- b"])),
                     min_size=1, max_size=3).map("\n\n".join)


@given(DOCUMENTS, st.integers(8, 130))
def test_what_is_read_here_is_drawn_as_rich_draws_it(text: str, width: int) -> None:
    drawn = prose(text)
    assume(isinstance(drawn, Prose))   # (most are: hypothesis stops if too few are)
    for colour in (False, True):
        assert draw(drawn, width, colour) == draw(Markdown(text), width, colour), (width, colour, text)


INLINE = st.lists(st.sampled_from(["*", "**", "a", "b", " ", "(", ")", ".", ",", "-", "²", "‖", "ŷ", "1", "\\*", "`x`",
                                   "\n", ":", "·", "δ"]), min_size=1, max_size=14).map("".join)


@given(INLINE)
def test_emphasis_read_here_is_drawn_as_rich_draws_it(text: str) -> None:
    text = text.strip()
    drawn = prose(text)
    assume(text and isinstance(drawn, Prose))
    for colour in (False, True):
        assert draw(drawn, 40, colour) == draw(Markdown(text), 40, colour), (colour, text)
