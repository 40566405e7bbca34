"""A lesson's narrative (Markdown) for the terminal, as `rich.markdown.Markdown` draws it, without
importing markdown-it and Pygments (they cost more than a lesson's whole first screen).

Lessons write paragraphs with **bold**, *italics*, `code` and escaped characters (\\_), and
bullet lists ("- item"). That subset is read here and drawn with the same Rich styles, spans and
layout as Rich's own Markdown renderer; anything else (a heading, a table, a link, a numbered or
nested list, HTML, an emphasis whose reading needs CommonMark's finer rules) is handed to Rich's
renderer. tests/test_prose.py holds the two to the same output, byte for byte, with and without
colour, for every lesson.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")   # CommonMark's ASCII punctuation
# what may start a construct outside the subset: HTML or an autolink, an entity, a link or an image,
# strikethrough; at the start of a line a heading, a quote, a link definition, a table's rule; and
# whitespace that Python and markdown-it strip differently
_REFUSED = re.compile(r"[\t\r\0\f\v\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
                      r"|<[A-Za-z/!?]|&(?:#\d+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);|\]\(|\]\[|!\[|~~"
                      r"|^ {0,3}[#>\[]|^[-:| ]*\|[-:| ]*-[-:| ]*$|^[-:| ]*-[-:| ]*\|[-:| ]*$", re.M)
_RULE = re.compile(r"[-=*_ ]+")                        # a line of these is a rule or a setext underline
_MARKER = re.compile(r"(?:[-+*]|\d+[.)])(?: |$)")      # a list item's marker at the start of a line

Inline = list[tuple[str, str]]   # ("text", s) | ("soft", "") | ("open", tag) | ("close", tag) | ("code", s)


def prose(markdown: str) -> Any:
    """A renderable of `markdown`: the subset drawn here, else `rich.markdown.Markdown`."""
    blocks = _blocks(markdown)
    if blocks is None:
        from rich.markdown import Markdown

        return Markdown(markdown)
    return Prose(blocks)


class Prose:
    """Paragraphs and bullet lists, drawn step by step as rich.markdown.Markdown draws them."""

    def __init__(self, blocks: list[tuple[str, list[Inline]]]) -> None:
        self.blocks = blocks

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.segment import Segment
        from rich.style import StyleStack

        stack = StyleStack(console.get_style("none", default="none"))
        options = options.update(height=None)
        new_line = False
        for kind, parts in self.blocks:
            if kind == "p":
                if new_line:
                    yield Segment.line()
                yield from console.render(_text(console, stack, parts[0]), options)
                new_line = True
                continue
            items = []
            for part in parts:
                stack.push(console.get_style("markdown.item", default="none"))
                items.append((stack.current, _text(console, stack, part)))
                stack.pop()
            if items:  # Rich's list: a new line before it whenever a paragraph was closed (its items' own)
                yield Segment.line()
            yield from _bullets(console, options, items)
            new_line = True


def _text(console: Console, stack: Any, parts: Inline) -> Any:
    """One paragraph as Rich's Markdown builds it: a Text, each piece appended in its stacked style."""
    from rich.text import Text

    stack.push(console.get_style("markdown.paragraph", default="none"))
    text = Text(justify="left")
    for kind, value in parts:
        if kind == "text":
            text.append(value, stack.current)
        elif kind == "soft":
            text.append(" ", stack.current)
        elif kind == "open":
            stack.push(console.get_style(f"markdown.{value}", default="none"))
        elif kind == "close":
            stack.pop()
        else:  # code
            stack.push(console.get_style("markdown.code", default="none"))
            if value:
                text.append(value, stack.current)
            stack.pop()
    stack.pop()
    return text


def _bullets(console: Console, options: ConsoleOptions, items: list) -> RenderResult:
    """The items as rich.markdown.ListItem.render_bullet draws them: " • " then the wrapped lines."""
    from rich.containers import Renderables
    from rich.segment import Segment

    bullet_style = console.get_style("markdown.item.bullet", default="none")
    bullet, padding, new_line = Segment(" • ", bullet_style), Segment(" " * 3, bullet_style), Segment("\n")
    for style, text in items:
        lines = console.render_lines(Renderables([text]), options.update(width=options.max_width - 3), style=style)
        for k, line in enumerate(lines):
            yield bullet if k == 0 else padding
            yield from line
            yield new_line


def _blocks(markdown: str) -> list[tuple[str, list[Inline]]] | None:
    """[("p", [inline]) | ("ul", [inline per item])], or None when the text is outside the subset."""
    if _REFUSED.search(markdown):
        return None
    blocks: list[tuple[str, list[Inline]]] = []
    for chunk in re.split(r"\n(?:[ ]*\n)+", markdown.strip("\n")):
        lines = chunk.split("\n")
        if blocks and blocks[-1][0] == "ul" and chunk.startswith(" "):
            return None   # indented after a list: a second paragraph of its last item
        if any(line.endswith("  ") or _RULE.fullmatch(line) or line.startswith("    ") for line in lines):
            return None   # a hard break, a rule or setext heading, an indented code block
        para: list[str] = []
        items: list[list[str]] = []
        for line in lines:
            bare = line.strip()
            if not bare:
                return None
            if line.startswith("- ") and not line.startswith("-  "):
                if _MARKER.match(bare[2:]):
                    return None   # a list inside an item
                items.append([bare[2:]])
            elif _MARKER.match(bare):
                return None   # another list marker, an item indented (nested), or one a paragraph line may not start
            elif items:
                items[-1].append(bare)   # a lazy continuation of the item's paragraph
            else:
                para.append(bare)
        if items and blocks and blocks[-1][0] == "ul" and not para:
            return None   # items after a blank line: a loose list
        if para:
            inline = _inline("\n".join(para))
            if inline is None:
                return None
            blocks.append(("p", [inline]))
        if items:
            parsed = [_inline("\n".join(item)) for item in items]
            if any(p is None for p in parsed):
                return None
            blocks.append(("ul", parsed))  # type: ignore[arg-type]
    return blocks


def _kind(ch: str) -> str | None:
    """space, punct, or word for a neighbour of a `*` run; None where CommonMark's class is unsure."""
    if ch in " \n":
        return "space"
    if ch in _PUNCT:
        return "punct"
    if ch.isascii():
        return "word" if ch.isalnum() else None
    kind = unicodedata.category(ch)[0]
    return "punct" if kind in "PS" else "word" if kind in "LN" else None   # as markdown-it: P and S are punctuation


def _inline(text: str) -> Inline | None:
    """Text, soft breaks, code spans and * emphasis, as markdown-it reads them; None if unsure."""
    out: Inline = []
    literal: list[str] = []
    openers: list[tuple[int, int]] = []   # (index in out, run length) of unmatched * runs
    i, n = 0, len(text)

    def flush() -> None:
        if literal:
            out.append(("text", "".join(literal)))
            literal.clear()

    while i < n:
        ch = text[i]
        if ch == "\\":
            if i + 1 >= n or text[i + 1] not in _PUNCT:
                return None
            literal.append(text[i + 1])
            i += 2
        elif ch == "`":
            end = text.find("`", i + 1)
            if text[i + 1:i + 2] == "`" or end < 0 or text[end + 1:end + 2] == "`":
                return None
            code = text[i + 1:end].replace("\n", " ")
            if code.startswith(" ") and code.endswith(" ") and code.strip():
                code = code[1:-1]
            flush()
            out.append(("code", code))
            i = end + 1
        elif ch == "_":
            return None   # _emphasis_ (lessons escape their subscripts: x\_1)
        elif ch == "\n":
            flush()
            out.append(("soft", ""))
            i += 1
        elif ch == "*":
            run = len(text[i:]) - len(text[i:].lstrip("*"))
            before, after = _kind(text[i - 1] if i else " "), _kind(text[i + run] if i + run < n else " ")
            if run > 2 or before is None or after is None:
                return None
            left = after != "space" and (after != "punct" or before != "word")
            right = before != "space" and (before != "punct" or after != "word")
            if left and right:
                return None   # inside a word: CommonMark's rule of three
            tag = "em" if run == 1 else "strong"
            if right and openers:
                at, length = openers.pop()
                if length != run:
                    return None
                flush()
                out[at] = ("open", tag)
                out.append(("close", tag))
            elif left:
                flush()
                out.append(("*", "*" * run))   # an opener until its closer comes (else literal)
                openers.append((len(out) - 1, run))
            else:
                literal.append("*" * run)
            i += run
        else:
            literal.append(ch)
            i += 1
    flush()
    return _join([("text", v) if k == "*" else (k, v) for k, v in out])


def _join(parts: Inline) -> Inline:
    """Neighbouring text pieces as one (markdown-it joins what its delimiters left as text)."""
    out: Inline = []
    for kind, value in parts:
        if kind == "text" and out and out[-1][0] == "text":
            out[-1] = ("text", out[-1][1] + value)
        else:
            out.append((kind, value))
    return out
