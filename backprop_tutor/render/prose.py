"""A lesson's narrative (Markdown) for the terminal, as `rich.markdown.Markdown` draws it, without
importing markdown-it and Pygments (they cost more than a lesson's whole first screen).

render/prose_read.py reads the subset lessons write (paragraphs with **bold**, *italics* and
`code`, bullet lists, tables, fenced code without a language); it is drawn here with the same Rich
styles, spans and layout as Rich's own Markdown renderer. Anything else (a heading, a link, a
numbered or nested list, HTML, code in a language, an emphasis whose reading needs CommonMark's
finer rules) is handed to Rich's renderer. tests/test_prose.py holds the two to the same output,
byte for byte, with and without colour, for every lesson.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .prose_read import Block, Inline, Table, blocks

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

# Rich draws a code block as Syntax(code, "text", theme="monokai", word_wrap=True, padding=1): the
# colours Pygments' monokai style gives its background and Token.Text (tests/test_prose.py checks them)
MONOKAI_BACKGROUND, MONOKAI_TEXT = "#272822", "#f8f8f2"


def prose(markdown: str) -> Any:
    """A renderable of `markdown`: the subset drawn here, else `rich.markdown.Markdown`."""
    read = blocks(markdown)
    if read is None:
        from rich.markdown import Markdown

        return Markdown(markdown)
    return Prose(read)


class Prose:
    """Paragraphs, bullet lists, tables and code, drawn step by step as rich.markdown.Markdown draws them."""

    def __init__(self, blocks: list[Block]) -> None:
        self.blocks = blocks

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.segment import Segment
        from rich.style import StyleStack

        stack = StyleStack(console.get_style("none", default="none"))
        options = options.update(height=None)
        new_line = False
        for kind, content in self.blocks:
            # Rich puts a new line before a block once an element was closed: a list's or a table's
            # own paragraphs and cells close before it does, so those always have one
            if new_line or kind in ("ul", "table"):
                yield Segment.line()
            new_line = True
            if kind == "p":
                yield from console.render(_paragraph(console, stack, content), options)
            elif kind == "ul":
                items = []
                for part in content:
                    stack.push(console.get_style("markdown.item", default="none"))
                    items.append((stack.current, _paragraph(console, stack, part)))
                    stack.pop()
                yield from _bullets(console, options, items)
            elif kind == "table":
                yield from console.render(_table(console, stack, content), options)
            else:
                yield from _code(console, options, content)


def _append(console: Console, stack: Any, text: Any, parts: Inline) -> Any:
    """Append inline pieces to a Text as Rich's Markdown does: each in its stacked style."""
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
    return text


def _paragraph(console: Console, stack: Any, parts: Inline) -> Any:
    """One paragraph as rich.markdown.Paragraph: a left-justified Text in the paragraph's style."""
    from rich.text import Text

    stack.push(console.get_style("markdown.paragraph", default="none"))
    text = _append(console, stack, Text(justify="left"), parts)
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


def _table(console: Console, stack: Any, table: Table) -> Any:
    """The table rich.markdown.TableElement builds: cells are Texts in their column's justify (no
    paragraph style), the header's restyled as markdown.table.header."""
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text

    def cell(justify: Any, parts: Inline) -> Any:
        return _append(console, stack, Text("", justify=justify), parts)

    justify, header, rows = table
    drawn = RichTable(box=box.SIMPLE, pad_edge=False, style="markdown.table.border", show_edge=True,
                      collapse_padding=True)
    for heading in map(cell, justify, header):
        heading.stylize("markdown.table.header")
        drawn.add_column(heading)
    for row in rows:
        drawn.add_row(*map(cell, justify, row))
    return drawn


def _code(console: Console, options: ConsoleOptions, code: str) -> RenderResult:
    """A fenced block as rich.markdown.CodeBlock draws one without a language: Rich's Syntax with
    Pygments' text lexer (one token, the whole code) in monokai, word-wrapped, padded by 1."""
    from rich.padding import Padding
    from rich.segment import Segment, Segments
    from rich.style import Style
    from rich.text import Text

    code = code.rstrip()   # as CodeBlock (and Syntax then ends it with a new line)
    base = Style(bgcolor=MONOKAI_BACKGROUND)
    token = Style(color=MONOKAI_TEXT, bgcolor=MONOKAI_BACKGROUND, bold=False, italic=False, underline=False)
    text = Text(justify="left", style=base, tab_size=4, no_wrap=False).append_tokens([(code + "\n", token)])
    line_options = options.update(width=max(0, options.max_width - 2)).update(height=None, justify="left")
    segments: list[Segment] = []
    for line in text.split("\n", allow_blank=False):
        for wrapped in console.render_lines(line, line_options, style=base, pad=True):
            segments += [*wrapped, Segment("\n")]
    yield from console.render(Padding(Segments(segments), style=base, pad=1), options)
