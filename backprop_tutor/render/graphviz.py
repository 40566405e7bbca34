"""Trace + step index -> DOT source of one slide, drawn like the cs231n circuit diagrams.

Left to right: inputs and named intermediates as boxes, gates as small labelled circles. Every
wire is a node of its own, a three-row table: the forward value above the line (green,
upright), the line itself, the gradient below it (red, italic, in a box). Every cell and the
caption have a fixed size computed once per deck, so only text and colours change from step to
step and `dot` lays out every slide of a deck identically: flipping through them animates.
Node ids are the graph's ids (`x`, `n3`) and everything is emitted in graph order, so the same
trace gives byte-identical SVG.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from ..errors import TutorError
from .chain import Known, equation, known, name, per_trace, program_line, shown, title
from .labels import FONT, SIZE, THEMES, Theme, caption, gate_label, width, wire_label

if TYPE_CHECKING:
    from ..engine.trace import Trace
    from .engine import Pins

MAX_FULL = 80                         # above this many drawn nodes a slide shows the step's neighbourhood
RADIUS = 2                            # ... within this many edges of the step's node
MAX_FOCUS = 60                        # ... at most this many drawn nodes (boxes count): the nearest ones
MAX_WHOLE = 2_000                     # a graph drawn whole (`whole=True`) at most: dot takes minutes beyond


@dataclass(frozen=True)
class Wire:
    """One drawn line: `src` -> `dst` carrying `node`'s value and the gradient `grad` names."""

    id: str
    src: str
    dst: str
    node: str
    grad: tuple  # ("sent", gate, wrt, arg) | ("total", node) | () for a constant


def _box(node: str) -> str:
    return f"box:{node}"


@per_trace
def wires(t: "Trace") -> tuple[Wire, ...]:
    """Every wire of the drawing, in graph order: arguments into gates, gates into their name boxes."""
    g, out = t.graph, []
    for n, attrs in g.nodes(data=True):
        if attrs["kind"] != "gate":
            continue
        for arg, src in enumerate(attrs["inputs"]):
            s = g.nodes[src]
            if s.get("folded"):
                continue
            tail = _box(src) if s["kind"] == "gate" and (s["name"] or src == t.output) else src
            grad = () if s["kind"] == "const" else ("sent", n, src, arg)
            out.append(Wire(f"wire:{src}>{n}:{arg}", tail, n, src, grad))
        if attrs["name"] or n == t.output:
            out.append(Wire(f"wire:{n}>box", n, _box(n), n, ("total", n)))
    return tuple(out)


def wire_text(t: "Trace", w: Wire, state: Known) -> tuple[str, str]:
    """The value and gradient a wire shows on a slide ('' where not yet known)."""
    value = shown(t, t.number(w.node)) if state.has_value(w.node) else ""
    if not w.grad:
        return value, ""
    got = state.sent(w.grad[1:]) if w.grad[0] == "sent" else state.total(w.grad[1])
    return value, "" if got is None else shown(t, got)


@per_trace
def _widths(t: "Trace") -> dict[str, float]:
    """Each wire's cell width: its widest text on any slide (the final one holds them all)."""
    final = known(t, len(t.steps) - 1)
    return {w.id: max(56.0, *(width(x) for x in wire_text(t, w, final))) for w in wires(t)}


@per_trace
def _caption_size(t: "Trace") -> tuple[float, int]:
    """The caption's width and line count over every step: fixed per deck, so the layout is too."""
    eqs = [equation(t, i) for i in range(len(t.steps))]
    longest = max(width(line, SIZE + 2) for i, lines in enumerate(eqs) for line in [title(t, i), *lines])
    return max(longest, width(program_line(t), SIZE + 2)), max(map(len, eqs))


def geometry(t: "Trace", index: int, keep: set[str] | None) -> tuple[dict[str, float], float, int]:
    """Cell widths and caption size: fixed per deck; a neighbourhood slide (its own layout anyway)
    sizes its caption by its own step, so one slide of a huge graph costs one step's equation."""
    if keep is None:
        return _widths(t), *_caption_size(t)
    lines = [title(t, index), *equation(t, index)]
    return _widths(t), max(width(line, SIZE + 2) for line in lines), len(lines)


@per_trace
def _order(t: "Trace") -> dict[str, int]:
    """Each node's position in evaluation order: 'near' on a neighbourhood slide, and the drawing order."""
    return {n: k for k, n in enumerate(t.graph)}


@per_trace
def _wires_of(t: "Trace") -> dict[str, list[int]]:
    """Node -> indices (into `wires`) of the wires carrying its value: a slide looks up only its own."""
    out: dict[str, list[int]] = {}
    for k, w in enumerate(wires(t)):
        out.setdefault(w.node, []).append(k)
    return out


def _cost(t: "Trace", n: str) -> int:
    """Drawn nodes for graph node `n`: a named gate (and the output) has its name box too."""
    a = t.graph.nodes[n]
    return 2 if a["kind"] == "gate" and (a["name"] or n == t.output) else 1


def _neighbours(t: "Trace", n: str) -> set[str]:
    g = t.graph
    return {m for m in (*g.predecessors(n), *g.successors(n)) if not g.nodes[m].get("folded")}


def focus(t: "Trace", index: int, whole: bool = False) -> set[str] | None:
    """The nodes a slide of a too-large graph shows, or None for all: those within RADIUS edges of
    the step's node, level by level, nearest in evaluation order first, MAX_FOCUS drawn nodes at
    most; so `x` used by 10,000 gates shows its nearest uses, not 10,000 (dot would crash)."""
    if whole or t.graph.number_of_nodes() <= MAX_FULL:
        return None
    s, order = t.steps[index], _order(t)
    keep = [s.node] + ([s.wrt] if s.wrt and s.wrt != s.node else [])
    seen, budget = set(keep), MAX_FOCUS - sum(_cost(t, n) for n in keep)
    frontier = keep
    for _ in range(RADIUS):
        ring = {m for n in frontier for m in _neighbours(t, n)} - seen
        frontier = []
        for m in sorted(ring, key=lambda m: (abs(order[m] - order[s.node]), order[m])):
            if _cost(t, m) <= budget:
                budget -= _cost(t, m)
                frontier.append(m)
        seen.update(frontier)
    return seen


def hidden(t: "Trace", keep: set[str]) -> list[tuple[str, int]]:
    """Shown nodes with wires to nodes not shown, and how many: [(node, count)], most first."""
    g, out = t.graph, []
    for n in keep:
        ends = [m for _, m in g.out_edges(n)] + [m for m, _ in g.in_edges(n)]  # x + x: two wires, one node
        cut = sum(1 for m in ends if m not in keep and not g.nodes[m].get("folded"))
        if cut:
            out.append((n, cut))
    return sorted(out, key=lambda nc: (-nc[1], _order(t)[nc[0]]))


def to_dot(t: "Trace", index: int, theme: str = "light", blanks: dict[str, str] | None = None,
           final: bool = False, whole: bool = False, notes: list[str] | None = None,
           current: str | None = None, pins: "Pins | None" = None, caption: bool = True) -> str:
    """The DOT source of the slide of step `index` (0-based; -1: before the first step, inputs only).

    `blanks` (wire id -> "(a)") draws empty gradient boxes to fill in (the handout); `final`
    shows every value and gradient (the answer key); `whole` draws a big graph whole instead
    of the step's neighbourhood; `notes` replace the caption's equation, and then the step is
    not highlighted (the caption no longer speaks of it) but the node `current` is, if given.
    `pins` (engine.layout of another slide of the deck) places every node and edge where dot put
    them there: such a slide is drawn with `engine.render(..., pinned=True)`, without a layout.
    `caption=False` leaves out the step's title, equation and legend (a page that says them as
    text with the drawing; a neighbourhood's `cut_note` too), and its room under the graph.

    Examples:
        >>> from backprop_tutor.engine.trace import trace
        >>> dot = to_dot(trace("(x+y)*z", {"x": -2, "y": 5, "z": -4}), 0)
        >>> '"n1" [id="n1", class="gate current"' in dot, "n1 = x + y = (-2) + 5 = 3" in dot
        (True, True)
    """
    th, state = THEMES[theme], known(t, len(t.steps) - 1 if final else index)
    s, g = t.steps[index], t.graph
    keep = focus(t, index, whole)
    if keep is None and t.graph.number_of_nodes() > MAX_WHOLE:
        raise TutorError(f"the graph has {t.graph.number_of_nodes():,} nodes; a slide draws at most {MAX_WHOLE:,} "
                         f"whole (layout would take minutes): draw a smaller graph")
    widths, caption_w, caption_lines = geometry(t, index, keep)
    step_hot = not (final or blanks is not None or notes is not None or index < 0)
    hot = ({s.node} if step_hot else set()) | ({current} if current is not None else set())
    hot_wire = None if not step_hot or s.phase == "forward" else \
        f"wire:{s.wrt}>{s.node}:{s.arg}" if s.wrt else f"wire:{s.node}>box"
    lines = ['digraph slide {',
             f'  graph [rankdir=LR, bgcolor="{th.bg}", pad="0.3", nodesep="0.3", ranksep="0.25", '
             f'fontname="{FONT}", fontcolor="{th.fg}", labelloc=b, labeljust=l];',
             f'  node [fontname="{FONT}", fontsize={SIZE + 2}, color="{th.fg}", fontcolor="{th.fg}", penwidth=2];',
             f'  edge [color="{th.fg}", penwidth=2, arrowsize=0.9];']
    order = _order(t)

    def at(*key: str) -> str:  # where the deck's layout put a node (its name) or an edge (tail, head)
        return f', pos="{pins.nodes[key[0]] if len(key) == 1 else pins.edges[key]}"' if pins else ""

    for n in g if keep is None else sorted(keep, key=order.__getitem__):  # graph order: same bytes every run
        attrs = g.nodes[n]
        if attrs.get("folded"):
            continue
        cls, extra = attrs["kind"], ""
        if n in hot:
            cls += " current"
            extra = f', style="filled,bold", fillcolor="{th.fill}", color="{th.line}", penwidth=4'
        if attrs["kind"] == "gate":
            inches = max(0.8, width(attrs["label"], SIZE + 4) / 72 + 0.1)
            lines.append(f'  "{n}" [id="{n}", class="{cls}", shape=circle, fixedsize=true, width={inches:.2f}, '
                         f'label={gate_label(attrs["label"], "" if attrs["name"] or n == t.output else n, th)}'
                         f'{extra}{at(n)}];')
            if attrs["name"] or n == t.output:
                out = ", peripheries=2" if n == t.output else ""
                lines.append(f'  "{_box(n)}" [id="{_box(n)}", class="box{" output" if out else ""}", shape=box, '
                             f'style=rounded, label="{escape(name(t, n))}"{out}{at(_box(n))}];')
        else:
            label = escape(attrs["label"])
            style = "rounded" if attrs["kind"] == "input" else "dashed"
            lines.append(f'  "{n}" [id="{n}", class="{cls}", shape=box, style={style}, label="{label}"{extra}{at(n)}];')
    every = wires(t)
    chosen = every if keep is None else [every[k] for k in sorted(k for n in keep for k in _wires_of(t).get(n, ()))
                                         if every[k].dst.removeprefix("box:") in keep]
    for w in chosen:
        value, grad = wire_text(t, w, state)
        blank = None
        if blanks is not None and w.id in blanks:
            blank, grad = blanks[w.id], ""
        hot_w = w.id == hot_wire
        lines.append(f'  "{w.id}" [id="{w.id}", class="wire{" current" if hot_w else ""}", shape=plaintext, '
                     f'margin=0, label={wire_label(widths[w.id], value, grad, th, blank, hot_w)}{at(w.id)}];')
        pen = f', color="{th.line}", penwidth=4' if hot_w else ""
        lines.append(f'  "{w.src}" -> "{w.id}":m:w [arrowhead=none, headclip=false{pen}{at(w.src, w.id)}];')
        lines.append(f'  "{w.id}":m:e -> "{w.dst}" [tailclip=false{pen}{at(w.id, w.dst)}];')
    if caption:
        lines.append(f"  label={_caption(t, index, th, (caption_w, caption_lines), keep, notes)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _caption(t: "Trace", index: int, th: Theme, size: tuple[float, int], keep: set[str] | None,
             notes: list[str] | None) -> str:
    """The step's title and equation under the graph, in a fixed-size table (same layout every step)."""
    cells, count = size
    head, eqs = (program_line(t), notes) if notes is not None else (title(t, index), equation(t, index))
    if keep is not None:
        eqs = [*eqs, cut_note(t, keep)]
    return caption(head, eqs + [""] * (count - len(eqs)), max([cells, *(width(x, SIZE + 2) for x in eqs)]), th)


def cut_note(t: "Trace", keep: set[str]) -> str:
    """What a neighbourhood slide leaves out: '(showing 60 of 20,001 nodes: ...; 9,940 wires ... cut (x: 9,940))'."""
    cut = hidden(t, keep)
    more = f"; {sum(k for _, k in cut):,} wires to nodes not shown are cut (" + ", ".join(
        f"{name(t, n)}: {k:,}" for n, k in cut[:3]) + (", …)" if len(cut) > 3 else ")") if cut else ""
    return f"(showing {len(keep)} of {t.graph.number_of_nodes():,} nodes: the step's neighbourhood{more})"
