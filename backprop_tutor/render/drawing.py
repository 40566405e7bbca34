"""The graph in box characters: each node a box with its value (green) and gradient (red) as
far as the walkthrough has come, the current node in a heavy box, the edge in use in colour.

Positions come from Graphviz (`layout.place`); a graph too big for the terminal is drawn as
the neighbourhood of the current node. Renderers read the Trace; no maths here.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from .chain import shown
from .layout import RANKSEP_COLS, place, place_part

if TYPE_CHECKING:
    from ..engine.trace import Number, Step, Trace

U, D, L, R = 1, 2, 4, 8
_LINES = {L | R: "─", U | D: "│", D | R: "┌", D | L: "┐", U | R: "└", U | L: "┘", U | D | R: "├", U | D | L: "┤",
          D | L | R: "┬", U | L | R: "┴", U | D | L | R: "┼", L: "─", R: "─", U: "│", D: "│"}
BOX_H = 3                # top border with the label, the value, bottom border with the gradient
MAX_NODES = 14          # more than this: draw the neighbourhood of the current node
MAX_SUMS = 50            # running sums looked at for a box's width (a hub's thousand are not)
PLAIN_LAYOUT = 60       # graphs with more drawn nodes lay their neighbourhoods out without Graphviz
VALUE, GRAD, CURRENT = "green", "red", "bold yellow"


@dataclass
class Index:
    """What every screen of one trace looks up, computed once: a walkthrough of a graph with N
    nodes has about 3N screens, so nothing per screen may scan the whole graph or all steps."""

    pos: dict[str, int]                         # node -> place in evaluation order
    order: list[str]                            # the nodes in evaluation order
    drawn: int                                  # nodes drawn (not folded into their gate)
    forward: dict[str, int]                     # gate -> index of its forward step
    backward: dict[str, list[int]] = field(default_factory=dict)   # receiver -> its backward steps

    around: dict[str, list[int]] = field(default_factory=dict)     # node -> its neighbours' positions, sorted

    def nearest(self, t: "Trace", node: str, anchor: int, k: int) -> list[str]:
        """The `k` neighbours of `node` nearest to position `anchor` in evaluation order (bisect:
        a hub with 10,000 uses costs a sort once, not on every screen)."""
        if node not in self.around:
            ins = t.structure.nodes[node]["inputs"]
            self.around[node] = sorted({self.pos[m] for m in (*ins, *consumers(t).get(node, ()))})
        near, order = self.around[node], self.order
        hi = bisect.bisect_left(near, anchor)
        lo, out = hi - 1, []
        while len(out) < k and (lo >= 0 or hi < len(near)):
            if hi >= len(near) or (lo >= 0 and anchor - near[lo] <= near[hi] - anchor):
                out.append(order[near[lo]])
                lo -= 1
            else:
                out.append(order[near[hi]])
                hi += 1
        return out

    def branches(self, t: "Trace", wrt: str, upto: int) -> list["Number"]:
        """The values of the first `upto` branches arriving at `wrt` (a fan-out's terms)."""
        return [t.steps[i].value for i in self.backward.get(wrt, [])[:upto]]


def index(t: "Trace") -> Index:
    """The Index of `t`, built on first use and kept with the trace."""
    return t.derived(_build_index)


def consumers(t: "Trace") -> dict[str, list[str]]:
    """node -> the gates that use it, in evaluation order (once each): the graph's successors, read
    off the nodes' `inputs` (the networkx view, `t.graph`, is not needed to draw)."""
    return t.derived(_consumers)


def _consumers(t: "Trace") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for n, attrs in t.structure.nodes.items():
        for i in dict.fromkeys(attrs["inputs"]):
            out.setdefault(i, []).append(n)
    return out


def _build_index(t: "Trace") -> Index:
    g = t.structure
    idx = Index({n: k for k, n in enumerate(g.nodes)}, list(g.nodes), sum(1 for n in g.nodes if not g.nodes[n].get("folded")), {})
    for i, s in enumerate(t.steps):
        if s.phase == "forward":
            idx.forward[s.node] = i
        else:
            idx.backward.setdefault(s.wrt or s.node, []).append(i)
    return idx


def known(t: "Trace", revealed: int, nodes: "list[str] | None" = None,
          hidden: "frozenset[int]" = frozenset()) -> tuple[dict[str, "Number"], dict[str, "Number"]]:
    """Values and gradients of `nodes` (default: all) known once the first `revealed` steps are
    shown, but for the backward steps in `hidden` (passed over by the walkthrough)."""
    return _known(t, revealed, nodes, hidden)[:2]


def _known(t: "Trace", revealed: int, nodes: "list[str] | None" = None, hidden: "frozenset[int]" = frozenset()
           ) -> tuple[dict[str, "Number"], dict[str, "Number"], set[str]]:
    """known(), and the nodes whose gradient is a partial sum (not all branches arrived yet)."""
    idx, g = index(t), t.structure
    values: dict[str, "Number"] = {}
    grads: dict[str, "Number"] = {}
    partial: set[str] = set()
    for n in g.nodes if nodes is None else nodes:
        if g.nodes[n]["kind"] != "gate":
            values[n] = t.number(n)
        elif idx.forward.get(n, revealed) < revealed:
            values[n] = t.steps[idx.forward[n]].value
        done = idx.backward.get(n, [])
        k = bisect.bisect_left(done, revealed)  # backward steps of n among the revealed ones
        while k and done[k - 1] in hidden:
            k -= 1
        if k:
            s = t.steps[done[k - 1]]
            grads[n] = s.value if s.wrt is None else s.total
            if s.wrt is not None and s.branch < s.branches:
                partial.add(n)
    return values, grads, partial


def _whole(t: "Trace") -> tuple[tuple[tuple[str, int, int], ...], tuple[tuple[str, str], ...]]:
    """Every drawn node (id, box width, height) and the edges between them, for `place_part`: the
    whole graph is laid out once per trace and each screen's neighbourhood is cut out of it."""
    g, pos, box = t.structure, index(t).pos, GraphDrawing(t, 0)._box
    nodes = [n for n in g.nodes if not g.nodes[n].get("folded")]
    sizes = {n: max(len(s) for s in box(n)) + 4 for n in nodes}
    edges = sorted(((a, b, k) for b in nodes for k, a in enumerate(g.nodes[b]["inputs"]) if a in sizes),
                   key=lambda e: (pos[e[0]], pos[e[1]], e[2]))
    return tuple((n, sizes[n], BOX_H) for n in nodes), tuple(dict.fromkeys((a, b) for a, b, _ in edges))


def name(t: "Trace", node: str) -> str:
    """How a node is called on screen: its assigned name, its id (n3), or a constant's value."""
    attrs = t.structure.nodes[node]
    if attrs["kind"] == "const":
        return attrs["label"]
    return attrs["name"] or (t.output_name if node == t.output else node)


class _Canvas:
    """A grid of characters: lines merge into box-drawing junctions; text is written over them."""

    def __init__(self) -> None:
        self.bits: dict[tuple[int, int], int] = {}
        self.text: dict[tuple[int, int], tuple[str, str]] = {}
        self.style: dict[tuple[int, int], str] = {}

    def hline(self, r: int, c1: int, c2: int, style: str) -> None:
        a, b = sorted((c1, c2))
        for c in range(a, b + 1):
            self.bits[r, c] = self.bits.get((r, c), 0) | (L if c > a else 0) | (R if c < b else 0)
            self.style[r, c] = style if style != "dim" or (r, c) not in self.style else self.style[r, c]

    def vline(self, c: int, r1: int, r2: int, style: str) -> None:
        a, b = sorted((r1, r2))
        for r in range(a, b + 1):
            self.bits[r, c] = self.bits.get((r, c), 0) | (U if r > a else 0) | (D if r < b else 0)
            self.style[r, c] = style if style != "dim" or (r, c) not in self.style else self.style[r, c]

    def write(self, r: int, c: int, s: str, style: str = "") -> None:
        for i, ch in enumerate(s):
            self.text[r, c + i] = (ch, style)

    def render(self) -> Text:
        cells = set(self.bits) | set(self.text)
        rows, cols = max(r for r, _ in cells) + 1, max(c for _, c in cells) + 1
        out = Text(no_wrap=True, overflow="crop")
        for r in range(rows):
            line = []
            for c in range(cols):
                if (r, c) in self.text:
                    line.append(self.text[r, c])
                elif self.bits.get((r, c)):
                    line.append((_LINES.get(self.bits[r, c], "┼"), self.style.get((r, c), "")))
                else:
                    line.append((" ", ""))
            while line and line[-1][0] == " ":
                line.pop()
            for ch, style in line:
                out.append(ch, style)
            out.append("\n")
        out.rstrip()
        return out


@dataclass
class GraphDrawing:
    """The graph at one moment of the walkthrough."""

    trace: "Trace"
    revealed: int
    current: str | None = None
    step: "Step | None" = None
    hidden: "frozenset[int]" = frozenset()   # backward steps the walkthrough passed over

    def _visible(self, radius: int | None) -> list[str]:
        """All drawn nodes, or at most MAX_NODES within `radius` edges of the current one.

        Nearest first; among equally near, nearest in evaluation order, so a node used a thousand
        times (a fan-out) shows the uses next to the current step, not all of them.
        """
        t, g = self.trace, self.trace.structure
        if radius is None:
            return [n for n in g.nodes if not g.nodes[n].get("folded")]
        pos = index(t).pos
        centre = self.current or t.output
        anchor = pos[self.step.node] if self.step is not None else pos[centre]
        near, frontier = {centre}, [centre]
        idx = index(t)
        for _ in range(radius):
            ring = {m for n in frontier for m in idx.nearest(t, n, anchor, 2 * MAX_NODES)} - near
            frontier = sorted(ring, key=lambda m: (abs(pos[m] - anchor), pos[m]))
            frontier = [m for m in frontier if not g.nodes[m].get("folded")][: MAX_NODES - len(near)]
            near.update(frontier)
            if len(near) >= MAX_NODES:
                break
        return sorted((n for n in near if not g.nodes[n].get("folded")), key=pos.__getitem__)

    def _box(self, node: str) -> tuple[str, str, str]:
        t = self.trace
        attrs = t.structure.nodes[node]
        # a gate's box names it as the equations do (n7, or its assigned name), then its operation
        label = name(t, node) if attrs["kind"] != "gate" else f"{name(t, node)} {attrs['label']}"
        if attrs["kind"] == "const":
            return label, shown(t, t.number(node)), ""
        # the widest gradient the box will ever show (a fan-out's running sums too), so that a box
        # keeps its width, and its bottom edge its place, through the walkthrough (D14a)
        sums = [shown(t, t.steps[i].total) + ("+…" if t.steps[i].branch < t.steps[i].branches else "")
                for i in index(t).backward.get(node, ())[:MAX_SUMS] if t.steps[i].wrt is not None]
        return label, shown(t, t.number(node)), max([shown(t, t.number(node, "grad")), *sums], key=len)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        t, g, idx = self.trace, self.trace.structure, index(self.trace)
        everything = idx.drawn <= MAX_NODES
        for radius in ((None,) if everything else ()) + (3, 2, 1):
            nodes = self._visible(radius)
            sizes = {n: max(len(s) for s in self._box(n)) + 4 for n in nodes}
            # only the edges into the nodes shown: a hub's thousand out-edges are never scanned
            edges = sorted(((a, b, k) for b in nodes for k, a in enumerate(g.nodes[b]["inputs"]) if a in sizes),
                           key=lambda e: (idx.pos[e[0]], idx.pos[e[1]], e[2]))
            at = place(tuple((n, sizes[n], BOX_H) for n in nodes), tuple(dict.fromkeys((a, b) for a, b, _ in edges)),
                       plain=True) if idx.drawn > PLAIN_LAYOUT else place_part(*t.derived(_whole), tuple(nodes))
            if max(c + sizes[n] for n, (_, c) in at.items()) <= options.max_width or radius == 1:
                break
        values, grads, partial = _known(t, self.revealed, nodes, self.hidden)
        canvas = _Canvas()
        hot = set()
        if self.step is not None and self.step.phase == "backward" and self.step.wrt:
            hot = {(self.step.wrt, self.step.node, self.step.arg)}
        elif self.step is not None and self.step.phase == "forward":
            hot = {(i, self.step.node, k) for k, i in enumerate(g.nodes[self.step.node]["inputs"])}
        # every edge is its own wire (D14c): each input of a gate has its own column in the gap before
        # the gate and its own row into the box (one input: the value row; two: the top and bottom
        # corners), so x*x shows two edges and a fan-out's branches never share a segment into a gate
        lanes = max(1, RANKSEP_COLS - 3)
        stacked = sorted(at, key=lambda n: (at[n][1], at[n][0]))
        lane = {n: sum(1 for m in stacked[:k] if at[m][1] == at[n][1]) for k, n in enumerate(stacked)}
        for a, b, arg in edges:
            (ra, ca), (rb, cb) = at[a], at[b]
            style = (GRAD if self.step.phase == "backward" else VALUE) + " bold" if (a, b, arg) in hot else "dim"
            drawn_in = [k for k, i in enumerate(g.nodes[b]["inputs"]) if not g.nodes[i].get("folded")]
            n_in, arg = len(drawn_in), drawn_in.index(arg) if arg in drawn_in else arg
            rows = (1,) if n_in == 1 else (0, 2) if n_in == 2 else (0, 1, 2)
            exit_c, entry_r = ca + sizes[a], rb + rows[min(arg, len(rows) - 1)]
            # the wire into the top corner runs nearest the box when it comes from above, farthest
            # when from below (and the bottom one the other way round): the two never cross
            inner = min(arg, 1) if ra + 1 <= entry_r else 1 - min(arg, 1)
            mid = max(cb - 2 - (lane[b] * min(n_in, 2) + (inner if n_in > 1 else 0)) % lanes, exit_c + 1)
            canvas.hline(ra + 1, exit_c, mid, style)
            canvas.vline(mid, ra + 1, entry_r, style)
            canvas.hline(entry_r, mid, cb - 1, style)
            canvas.write(entry_r, cb - 1, "▶", style)
        for n, (r, c) in at.items():
            label, value, grad = self._box(n)
            w = sizes[n]
            lines = "┏━┓┃┗┛" if n == self.current else "┌─┐│└┘"
            border = CURRENT if n == self.current else ""
            canvas.write(r, c, lines[0] + " " + label + " " + lines[1] * (w - len(label) - 4) + lines[2], border)
            shown_v = shown(t, values[n]) if n in values else "?"
            # a fan-out's sum before its last branch has arrived says so: "0.034+…"
            shown_g = (shown(t, grads[n]) + ("+…" if n in partial else "")) if n in grads else ""
            canvas.write(r + 1, c, lines[3], border)
            canvas.write(r + 1, c + 1, " " + shown_v.ljust(w - 3), VALUE if n in values else "dim")
            canvas.write(r + 1, c + w - 1, lines[3], border)
            bottom = lines[1] * (w - 2)
            if shown_g:  # the gradient is written into the bottom border, in red
                canvas.write(r + 2, c, lines[4] + " ", border)
                canvas.write(r + 2, c + 2, shown_g, GRAD)
                canvas.write(r + 2, c + 2 + len(shown_g), " " + bottom[len(shown_g) + 2:] + lines[5], border)
            else:
                canvas.write(r + 2, c, lines[4] + bottom + lines[5], border)
        yield canvas.render()
        legend = Text.assemble(("value", VALUE), " inside, ", (f"∂{t.output_name}/∂node", GRAD), " on the bottom edge")
        hidden = idx.drawn - len(at)
        self.partial = bool(hidden)
        if hidden:
            legend.append(f"; {hidden} more nodes not shown (the neighbourhood of "
                          f"{name(t, self.current or t.output)})", "dim")
        yield legend
