"""A printable worksheet and its answer key, from the same trace.

The worksheet is the graph after the forward pass: every value filled in, an empty lettered
box under each wire for its gradient, in the order the backward pass computes them. The key
is the same picture with every gradient, and each letter's chain-rule equation. Both are
written as HTML (print from any browser) and PDF.
"""

from __future__ import annotations

import string
from collections import Counter
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from . import engine as gv
from .chain import equation, known, name, program_line
from ..errors import TutorError
from .graphviz import MAX_FULL, Wire, to_dot, wire_text, wires
from .labels import THEMES
from .pdf import merge_pdf, write_pdf

if TYPE_CHECKING:
    from ..engine.trace import Trace


def _letter(k: int) -> str:
    letters = string.ascii_lowercase
    return f"({letters[k]})" if k < 26 else f"({letters[k // 26 - 1]}{letters[k % 26]})"


def blanks(t: "Trace") -> dict[str, tuple[str, int]]:
    """Wire id -> (letter, step index that fills it), lettered in the order backprop fills them."""
    ids = {w.grad: w.id for w in wires(t) if w.grad}
    out: dict[str, tuple[str, int]] = {}
    for i, s in enumerate(t.steps):
        if s.phase != "backward":
            continue
        key = ("total", s.node) if s.wrt is None else ("sent", s.node, s.wrt, s.arg)
        if key in ids:
            out[ids[key]] = (_letter(len(out)), i)
        if s.wrt is not None and s.branch == s.branches and ("total", s.wrt) in ids:
            out[ids[("total", s.wrt)]] = (_letter(len(out)), i)
    return out


def _columns(items: list[str], per_line: int = 3) -> list[str]:
    """Short items side by side, `per_line` to a caption line."""
    return ["      ".join(items[k:k + per_line]) for k in range(0, len(items), per_line)]


def _page(t: "Trace", svg: bytes, heading: str, rows: list[tuple[str, str]], theme: str) -> str:
    th = THEMES[theme]
    body = svg.decode("utf-8")
    body = body[body.index("<svg"):]
    table = "".join(f"<tr><td>{escape(a)}</td><td>{escape(b)}</td></tr>" for a, b in rows)
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(heading)}</title><style>body{{font-family:Helvetica,Arial,sans-serif;"
            f"background:{th.bg};color:{th.fg};margin:1.5rem}}svg{{width:100%;height:auto}}"
            "table{border-collapse:collapse;font-size:1.1rem;margin-top:1rem}td{padding:.45rem .8rem;"
            f"border-bottom:1px solid {th.muted}}}td:last-child{{min-width:22rem}}"
            "@media print{body{margin:0}}</style></head>\n<body>"
            f"<h1>{escape(heading)}</h1><p>Name: ______________________ &nbsp; "
            f"<code>{escape(program_line(t))}</code></p>{body}<table>{table}</table></body></html>\n")


def check_handout(t: "Trace") -> None:
    """Refuse a worksheet of a graph too big to print whole on a page (a slide shows only a part)."""
    if t.graph.number_of_nodes() > MAX_FULL:
        raise TutorError(f"a handout draws the whole graph on one page; this one has {t.graph.number_of_nodes():,} "
                         f"nodes (at most {MAX_FULL}): leave out 'handout', or choose a smaller graph")


def write_handout(t: "Trace", out: Path, theme: str = "light", engine: str = "auto") -> list[Path]:
    """Write handout.html / handout-key.html and their PDFs into `out`; returns the paths."""
    check_handout(t)
    spaces = blanks(t)
    out_name = t.output_name
    by_id = {w.id: w for w in wires(t)}
    paths_of = Counter(w.node for w in by_id.values() if w.grad and w.grad[0] == "sent")

    same_gate = Counter((w.node, w.dst) for w in by_id.values())

    def ask(w: Wire) -> str:  # a fan-out wire carries one path's share: say which path
        via = ""
        if paths_of[w.node] > 1 and w.grad[0] == "sent":
            via = f" via {name(t, w.dst)}" + (f" (argument {w.grad[3] + 1})" if same_gate[w.node, w.dst] > 1 else "")
        return f"∂{out_name}/∂{name(t, w.node)}{via} = "

    short = [(letter, ask(by_id[w])) for w, (letter, _) in spaces.items()]
    answers = [(letter, "   ".join(equation(t, i))) for letter, i in spaces.values()]
    last_forward = max((i for i, s in enumerate(t.steps) if s.phase == "forward"), default=0)
    sheet = to_dot(t, last_forward, theme, blanks={w: letter for w, (letter, _) in spaces.items()},
                   notes=["Fill in the box under each wire: the gradient of the output along it.",
                          *_columns([f"{a} {b}_________" for a, b in short])])
    done = known(t, len(t.steps) - 1)
    key = to_dot(t, len(t.steps) - 1, theme, final=True,
                 notes=["Answer key", *_columns([f"{a} {b}{wire_text(t, by_id[w], done)[1]}" for (a, b), w
                                                 in zip(short, spaces)])])
    vector = gv.find(engine)[0] == "dot"  # graphviz-pure has no PDF writer: PNG pages then
    images = gv.render([sheet, key], ["svg", "pdf" if vector else "png"], engine)
    paths = [out / "handout.html", out / "handout-key.html", out / "handout.pdf", out / "handout-key.pdf"]
    paths[0].write_text(_page(t, images[0]["svg"], "Backprop worksheet: fill in every gradient", [], theme),
                        encoding="utf-8")
    paths[1].write_text(_page(t, images[1]["svg"], "Backprop worksheet: answer key", answers, theme),
                        encoding="utf-8")
    for image, path in zip(images, paths[2:]):
        merge_pdf([image["pdf"]], path) if vector else write_pdf([image["png"]], path)
    return paths
