"""The HTML-like labels of a slide: wires, gates, caption, and the two colour themes.

Every cell has a fixed size (`fixedsize="true"`): the text in it may change from step to step,
the layout may not.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

FONT, SIZE = "Helvetica", 18          # projected: 18 pt numbers, 22 pt gate symbols


@dataclass(frozen=True)
class Theme:
    """The colours of one theme; value and gradient also differ by position and style."""

    bg: str
    fg: str
    value: str
    grad: str
    fill: str       # highlighted node
    line: str       # highlighted outline and wire
    muted: str


THEMES = {
    "light": Theme(bg="#ffffff", fg="#1f2328", value="#1a7f37", grad="#c62828", fill="#ffe08a",
                   line="#b35900", muted="#6e7781"),
    "dark": Theme(bg="#0d1117", fg="#e6edf3", value="#56d364", grad="#ff7b72", fill="#5a3e00",
                  line="#f0b72f", muted="#8b949e"),
}


def width(text: str, size: float = SIZE) -> float:
    """A generous estimate of a text's width in points (cells are fixed, so text must fit)."""
    return 0.64 * size * len(text) + 20


def font(text: str, color: str, size: int | None = None, italic: bool = False) -> str:
    """A coloured text run; nothing for no text (an empty <font> is a syntax error in DOT)."""
    if not text:
        return ""
    body = f"<i>{escape(text)}</i>" if italic else escape(text)
    sized = f' point-size="{size}"' if size else ""
    return f'<font color="{color}"{sized}>{body}</font>'


def wire_label(width: float, value: str, grad: str, th: Theme, blank: str | None, hot: bool) -> str:
    """A wire: the value above the line, the line (the edge's port), the gradient boxed below."""
    box = th.grad if grad else (th.fg if blank is not None else th.bg)
    grad_text = font(grad, th.grad, SIZE, italic=True) if grad else font(blank or "", th.muted, 12)
    line = th.line if hot else th.fg
    return (f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="0">'
            f'<tr><td fixedsize="true" width="{width:.0f}" height="26" valign="bottom">'
            f'{font(value, th.value, SIZE)}</td></tr>'
            f'<tr><td port="m" fixedsize="true" width="{width:.0f}" height="2" border="0" '
            f'bgcolor="{line}"></td></tr>'
            f'<tr><td fixedsize="true" width="{width:.0f}" height="36" valign="top"><table border="0" cellspacing="2" '
            f'cellborder="1" cellpadding="1"><tr><td fixedsize="true" width="{width - 8:.0f}" height="27" '
            f'color="{box}" style="rounded">{grad_text}</td></tr></table></td></tr></table>>')


def gate_label(symbol: str, sub: str, th: Theme) -> str:
    """A gate's circle: its symbol, and small under it the id the captions use."""
    return (f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="0"><tr><td>'
            f'<font point-size="{SIZE + 4}">{escape(symbol)}</font></td></tr>'
            f'<tr><td>{font(sub, th.muted, 11)}</td></tr></table>>')


def caption(head: str, lines: list[str], width: float, th: Theme) -> str:
    """The caption table: a bold title, the equation lines, and the legend of the wires."""
    rows = "".join(f'<tr><td align="left" fixedsize="true" width="{width:.0f}" height="{SIZE + 12}">'
                   f'{font(line, th.fg, SIZE + 2)}</td></tr>' for line in lines)
    legend = (f'<font color="{th.value}">value above the wire</font>   '
              f'<font color="{th.grad}"><i>gradient below, boxed</i></font>')
    return (f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="2">'
            f'<tr><td align="left" fixedsize="true" width="{width:.0f}" height="30">'
            f'<font point-size="{SIZE}"><b>{escape(head)}</b></font></td></tr>'
            f'{rows}<tr><td align="left" fixedsize="true" width="{width:.0f}" height="22">'
            f'<font point-size="12">{legend}</font></td></tr></table>>')
