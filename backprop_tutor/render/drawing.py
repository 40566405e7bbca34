"""The graph in box characters: each node a box with its value (green) and gradient (red) as
far as the walkthrough has come, the current node in a heavy box, the edge in use in colour.

Positions come from Graphviz (`layout.place`); a graph too big for the terminal is drawn as
the neighbourhood of the current node. Renderers read the Trace; no maths here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from ..fmt import fmt
from .layout import RANKSEP_COLS, place

if TYPE_CHECKING:
    from ..trace import Number, Step, Trace

U, D, L, R = 1, 2, 4, 8
_LINES = {L | R: "─", U | D: "│", D | R: "┌", D | L: "┐", U | R: "└", U | L: "┘", U | D | R: "├", U | D | L: "┤",
          D | L | R: "┬", U | L | R: "┴", U | D | L | R: "┼", L: "─", R: "─", U: "│", D: "│"}
BOX_H = 3                # top border with the label, the value, bottom border with the gradient
MAX_NODES = 14          # more than this: draw the neighbourhood of the current node
VALUE, GRAD, CURRENT = "green", "red", "bold yellow"


def known(t: "Trace", revealed: int) -> tuple[dict[str, "Number"], dict[str, "Number"]]:
    """Values and gradients known once the first `revealed` steps of the trace are shown."""
    values = {n: t.number(n) for n, kind in t.graph.nodes(data="kind") if kind != "gate"}
    grads: dict[str, "Number"] = {}
    for s in t.steps[:revealed]:
        if s.phase == "forward":
            values[s.node] = s.value
        elif s.wrt is None:
            grads[s.node] = s.value
        else:
            grads[s.wrt] = s.total
    return values, grads


def name(t: "Trace", node: str) -> str:
    """How a node is called on screen: its assigned name, its id (n3), or a constant's value."""
    attrs = t.graph.nodes[node]
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

    def _visible(self, radius: int | None) -> list[str]:
        g = self.trace.graph
        drawn = [n for n in g.nodes if not g.nodes[n].get("folded")]
        if radius is None:
            return drawn
        centre = self.current or self.trace.output
        near, frontier = {centre}, {centre}
        for _ in range(radius):
            frontier = {m for n in frontier for m in (*g.predecessors(n), *g.successors(n))} - near
            near |= frontier
        return [n for n in drawn if n in near]

    def _box(self, node: str) -> tuple[str, str, str]:
        t = self.trace
        attrs = t.graph.nodes[node]
        label = name(t, node) if attrs["kind"] != "gate" else \
            (f"{attrs['name']} {attrs['label']}" if attrs["name"] else attrs["label"])
        return label, fmt(t.number(node)), fmt(t.number(node, "grad")) if attrs["kind"] != "const" else ""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        t, g = self.trace, self.trace.graph
        everything = sum(1 for n in g.nodes if not g.nodes[n].get("folded")) <= MAX_NODES
        for radius in ((None,) if everything else ()) + (3, 2, 1):
            nodes = self._visible(radius)
            if radius not in (None, 1) and len(nodes) > MAX_NODES:
                continue
            sizes = {n: max(len(s) for s in self._box(n)) + 4 for n in nodes}
            edges = tuple((a, b) for a, b in g.edges() if a in sizes and b in sizes)
            at = place(tuple((n, sizes[n], BOX_H) for n in nodes), tuple(dict.fromkeys(edges)))
            if max(c + sizes[n] for n, (_, c) in at.items()) <= options.max_width or radius == 1:
                break
        values, grads = known(t, self.revealed)
        canvas = _Canvas()
        hot = set()
        if self.step is not None and self.step.phase == "backward" and self.step.wrt:
            hot = {(self.step.wrt, self.step.node, self.step.arg)}
        elif self.step is not None and self.step.phase == "forward":
            hot = {(i, self.step.node, k) for k, i in enumerate(g.nodes[self.step.node]["inputs"])}
        # each gate gets its own column in the gap before it (a bus for its inputs), so the edges of
        # gates stacked in one rank stay apart: the k-th gate from the top uses column k (mod lanes)
        lanes = max(1, RANKSEP_COLS - 3)
        stacked = sorted(at, key=lambda n: (at[n][1], at[n][0]))
        lane = {n: sum(1 for m in stacked[:k] if at[m][1] == at[n][1]) % lanes for k, n in enumerate(stacked)}
        for a, b, arg in g.edges(keys=True):
            if a not in at or b not in at:
                continue
            (ra, ca), (rb, cb) = at[a], at[b]
            style = (GRAD if self.step.phase == "backward" else VALUE) + " bold" if (a, b, arg) in hot else "dim"
            # every input of a gate comes down one column and enters at its value row, like a bus
            exit_c, entry_r = ca + sizes[a], rb + 1
            mid = max(cb - 2 - lane[b], exit_c + 1)
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
            shown_v = fmt(values[n]) if n in values else "?"
            shown_g = fmt(grads[n]) if n in grads else ""
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
        hidden = sum(1 for n in g.nodes if not g.nodes[n].get("folded")) - len(at)
        if hidden:
            legend.append(f"; {hidden} more nodes not shown (the neighbourhood of "
                          f"{name(t, self.current or t.output)})", "dim")
        yield legend
