"""render/prose.py draws a lesson's narrative exactly as rich.markdown.Markdown does (the oracle),
with and without colour, at several widths: every text of every shipped lesson, and the corners of
the subset it reads (anything outside it must be handed to Rich's renderer)."""

from __future__ import annotations

import io
import tomllib

import pytest
from rich.console import Console
from rich.markdown import Markdown

from backprop_tutor.render.prose import Prose, prose
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
    for width in (24, 60, 80, 120):
        for colour in (False, True):
            assert draw(prose(text), width, colour) == draw(Markdown(text), width, colour), (width, colour, text)


@pytest.mark.parametrize("text", lesson_texts(), ids=lambda t: t[:30])
def test_every_lesson_text_is_drawn_as_rich_draws_it(text: str) -> None:
    same_as_rich(text)


def test_the_lessons_texts_are_mostly_read_here() -> None:
    texts = lesson_texts()
    mine = sum(isinstance(prose(t), Prose) for t in texts)
    assert mine >= 0.9 * len(texts), (mine, len(texts))
    first = subscripts(tomllib.loads(builtin()[0].read_text(encoding="utf-8"))["steps"][0]["text"].strip())
    assert isinstance(prose(first), Prose)   # the first lesson's first screen: no markdown-it, no Pygments


READ_HERE = [
    "plain", "**bold** and *em* and `code`", "a\nb  c\nd", "**bold\nacross** lines", "*a* *b*",
    "2 * 3 * 4", "f(x)*g(x)", "*(x)*", "**f(x, y) = (x + y) z** at x = -2", "a \\* b \\` c",
    "` a `", "`  `", "` a`", "x\\_1 and w\\_ij", "**a *b* c**", "*a **b** c*", "text:\n- one\n- two",
    "- one\n- two **x**\nlazy line\n\nafter", "- a\n  b", "para\n\n- a\n\n\npara", "*unclosed", "closed*", "3.5 is\n-2 here", "= 3", "a ** b ** c",
]
FALLS_BACK = [
    "# heading", "> quote", "| a | b |\n|---|---|\n| 1 | 2 |", "[link](x)", "a <b> c", "a &amp; b", "~~s~~",
    "1. one\n2. two", "* star item", "+ plus item", "- a\n  - nested", "- a\n\n- b", "- a\n\n  more",
    "line  \nbreak", "a\\\nb", "***", "para\n---", "    code", "```\ncode\n```", "_em_", "x**y**z", "*a* b*c",
    "a\tb", "a\n\xa0b", "x*y*z", "`` `a` ``x", "**a*", "*a**", "a <br> b", "[x]: /url", "a [b](c)", "![i](x)",
    "x &#42; y", "|a|b|\n|-|-|", "a\n|---|---|",
]


@pytest.mark.parametrize("text", READ_HERE)
def test_the_subset_is_drawn_as_rich_draws_it(text: str) -> None:
    assert isinstance(prose(text), Prose), text
    same_as_rich(text)


@pytest.mark.parametrize("text", FALLS_BACK)
def test_the_rest_is_handed_to_rich(text: str) -> None:
    assert isinstance(prose(text), Markdown), text
