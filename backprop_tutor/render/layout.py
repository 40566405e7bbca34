"""Where to draw each node: Graphviz's `-Tplain` layout, on a grid of terminal characters.

The system `dot` is used when it is on PATH, else `graphviz-pure` (same flags). Each node
is given its box's size in characters (a character is 0.1in wide and 0.2in tall here), so
Graphviz keeps the boxes apart and orders the ranks to avoid crossings. Without either
program, a plain layered layout (rank = longest path from an input) is used.
"""

from __future__ import annotations

import functools
import subprocess

CHAR_W, CHAR_H = 0.1, 0.2       # inches per terminal column / row
RANKSEP_COLS, NODESEP_ROWS = 7, 1


def _program() -> str | None:
    """The same layout program the slides use (render.engine.find), or None: then a plain layout."""
    from ..errors import TutorError
    from .engine import find

    try:
        return find("auto")[1]
    except TutorError:
        return None


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


@functools.lru_cache(maxsize=256)
def place(nodes: tuple[tuple[str, int, int], ...], edges: tuple[tuple[str, str], ...],
          plain: bool = False) -> dict[str, tuple[int, int]]:
    """Top-left (row, col) of each node's box, from (id, width, height) in characters and edges.

    `plain`: the layered layout, no Graphviz (a big graph has a new neighbourhood on every
    screen, and a process per screen would cost more than the rest of the screen together).
    """
    if plain:
        return _layered(nodes, edges)
    lines = ["digraph G {", "rankdir=LR;", f"ranksep={RANKSEP_COLS * CHAR_W};", f"nodesep={NODESEP_ROWS * CHAR_H};",
             "node [shape=box, fixedsize=true, label=\"\"];"]
    lines += [f"{_quote(n)} [width={w * CHAR_W:.2f}, height={h * CHAR_H:.2f}];" for n, w, h in nodes]
    lines += [f"{_quote(a)} -> {_quote(b)};" for a, b in edges]
    lines.append("}")
    program = _program()
    out = None
    if program:
        try:
            run = subprocess.run([program, "-Tplain"], input="\n".join(lines), capture_output=True, text=True,
                                 timeout=10)
            out = run.stdout if run.returncode == 0 else None
        except (OSError, subprocess.TimeoutExpired):
            out = None
    sizes = {n: (w, h) for n, w, h in nodes}
    centres = _parse_plain(out) if out else None
    if not centres or set(centres) != set(sizes):
        return _layered(nodes, edges)
    top = max(y for _, y in centres.values())
    left = min(x for x, _ in centres.values())
    placed = {}
    for n, (x, y) in centres.items():
        w, h = sizes[n]
        placed[n] = (round((top - y) / CHAR_H - h / 2), round((x - left) / CHAR_W - w / 2))
    r0 = min(r for r, _ in placed.values())
    c0 = min(c for _, c in placed.values())
    return {n: (r - r0, c - c0) for n, (r, c) in placed.items()}


def place_part(nodes: tuple[tuple[str, int, int], ...], edges: tuple[tuple[str, str], ...],
               part: tuple[str, ...]) -> dict[str, tuple[int, int]]:
    """Top-left (row, col) of the boxes of `part`, from the layout of the whole graph.

    The whole graph (`nodes`, `edges`, as for `place`) is laid out by one Graphviz run, kept
    for every later screen (a walkthrough of N nodes has about 3N screens: one process each cost
    more than the rest of the screens together). A screen showing only a neighbourhood ranks
    its nodes afresh, left to right by the edges among them (so the ten gates a fan-out feeds
    share a column, as they would in a layout of their own), keeps Graphviz's top-to-bottom
    order within each column (its crossing-minimised order), and closes the rows' gaps.
    """
    whole = place(nodes, edges)
    if len(part) == len(whole) and set(part) == set(whole):
        return whole
    sizes = {n: (w, h) for n, w, h in nodes}
    inside = [(a, b) for a, b in edges if a in whole and b in whole]
    ranked = _ranks(part, inside)
    col, x = {}, 0
    for r in sorted(set(ranked.values())):
        col[r], x = x, x + max(sizes[n][0] for n in part if ranked[n] == r) + RANKSEP_COLS
    top: dict[str, int] = {}
    for r in col:  # each column top to bottom as Graphviz ordered it, no two boxes overlapping
        below = None
        for n in sorted((n for n in part if ranked[n] == r), key=lambda m: (whole[m][0], whole[m][1])):
            top[n] = whole[n][0] if below is None else max(whole[n][0], below)
            below = top[n] + sizes[n][1] + NODESEP_ROWS
    rows = _close_gaps(top, {n: sizes[n][1] for n in part}, NODESEP_ROWS)
    return {n: (rows[n], col[ranked[n]]) for n in part}


def _ranks(part: tuple[str, ...], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Column of each node of `part`: the longest path to it from a node with no input among them
    (`part` is in evaluation order, so one pass over it suffices)."""
    into: dict[str, list[str]] = {}
    shown = set(part)
    for a, b in edges:
        if a in shown and b in shown:
            into.setdefault(b, []).append(a)
    rank: dict[str, int] = {}
    for n in part:
        rank[n] = 1 + max((rank[a] for a in into.get(n, ()) if a in rank), default=-1)
    return rank


def _close_gaps(start: dict[str, int], size: dict[str, int], gap: int) -> dict[str, int]:
    """Starts along one axis with every empty stretch wider than `gap` narrowed to `gap`
    (boxes that overlap along the axis move together)."""
    out: dict[str, int] = {}
    shift, end = 0, None
    for n in sorted(start, key=lambda m: (start[m], m)):
        if end is not None and start[n] > end + gap:
            shift += start[n] - (end + gap)
        out[n] = start[n] - shift
        end = start[n] + size[n] if end is None else max(end, start[n] + size[n])
    low = min(out.values(), default=0)
    return {n: v - low for n, v in out.items()}


def _parse_plain(text: str) -> dict[str, tuple[float, float]]:
    """Node centres (x, y in inches) from Graphviz's plain output."""
    import shlex

    centres = {}
    for line in text.splitlines():
        if line.startswith("node "):
            parts = shlex.split(line)
            centres[parts[1]] = (float(parts[2]), float(parts[3]))
    return centres


def _layered(nodes: tuple[tuple[str, int, int], ...], edges: tuple[tuple[str, str], ...]) -> dict[str, tuple[int, int]]:
    """A fallback layout: columns by longest path from a source, rows in order of appearance."""
    rank = {n: 0 for n, _, _ in nodes}
    for _ in nodes:  # relax: nodes are few (a drawing shows at most a neighbourhood)
        for a, b in edges:
            rank[b] = max(rank[b], rank[a] + 1)
    width = {r: 0 for r in rank.values()}
    for n, w, _ in nodes:
        width[rank[n]] = max(width[rank[n]], w)
    col, x = {}, 0
    for r in sorted(width):
        col[r], x = x, x + width[r] + RANKSEP_COLS
    row = {r: 0 for r in width}
    placed = {}
    # an input feeding gates in several columns (a fan-out) goes below the rest: its wires then
    # rise to each gate instead of running along the row the gates are chained on
    feeds = {n: {rank[b] for a, b in edges if a == n} for n, _, _ in nodes}
    hubs = [n for n, _, _ in nodes if rank[n] == 0 and len(feeds[n]) > 1]
    for n, _, h in nodes:
        if n not in hubs:
            placed[n] = (row[rank[n]], col[rank[n]])
            row[rank[n]] += h + NODESEP_ROWS
    bottom = max(row.values())
    for n, _, h in nodes:
        if n in hubs:
            placed[n] = (bottom, col[0])
            bottom += h + NODESEP_ROWS
    return placed
