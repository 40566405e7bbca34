"""Where in the program a node is, in words an error message can use: the sub-expression it
computes, written over the names the program uses, and its line and column.

A number that cannot be computed (log(0), 1/0, an overflow) is reported at the node that failed;
its id (n7) is drawn on slides but never shown by `tutor grad`, so messages say what the student
typed instead: "in log(x - 1) (column 1)".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .gates import GATES

if TYPE_CHECKING:
    from .graph import Graph

LIMIT = 40  # characters of a sub-expression a message shows; past them "…"
_BINDS = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}  # how tightly an operator binds


def source(g: "Graph", node: str, limit: int = LIMIT) -> str:
    """The text of the expression `node` computes (named nodes and inputs by name), cut to about `limit`.

    Examples:
        >>> from backprop_tutor.engine.graph import build
        >>> g = build("q = x - 1; f = log(q) * (y + 2)^2")
        >>> source(g, "f"), source(g, "q")
        ('log(q) * (y + 2) ^ 2', 'x - 1')
        >>> source(build("f = " + "+".join(f"x{i}" for i in range(30))), "f")
        '… + x23 + x24 + x25 + x26 + x27 + x28 + x29'
    """
    nodes = g.nodes
    room = [limit]

    def text(n: str, top: bool = False) -> str:
        a = nodes[n]
        if a["kind"] != "gate" or (a["name"] and not top):
            return a["label"] if a["kind"] == "const" else a["name"] or n
        if room[0] <= 0:
            return "…"
        gate = GATES[a["gate"]]
        args = a["inputs"]
        if not gate.infix:
            room[0] -= len(gate.name) + 2
            return f"{gate.name}({', '.join(text(x) for x in args)})"
        binds = _BINDS[a["gate"]]
        if len(args) == 1:  # -x: -(-x), -(a*b) keep their brackets; -x^2 is -(x^2) as typed
            room[0] -= 1
            return "-" + wrapped(args[0], binds, True)
        room[0] -= 3  # the right side first: a long sum is cut at its (deepest) left end
        right = wrapped(args[1], binds, a["gate"] != "pow")  # a - (b + c), a / (b * c); a ^ b ^ c
        left = wrapped(args[0], binds, a["gate"] == "pow")   # (a ^ b) ^ c
        return f"{left} {gate.infix} {right}"

    def wrapped(n: str, binds: int, strict: bool) -> str:
        """An argument's text, bracketed where it binds less tightly than the operator it is under."""
        a = nodes[n]
        leaf = a["kind"] != "gate" or a["name"]
        s = text(n)
        if leaf:
            room[0] -= len(s)
            return s
        inner = _BINDS.get(a["gate"], 9)
        return f"({s})" if inner < binds or (strict and inner == binds) else s

    return text(node, top=True)


def located(g: "Graph", node: str) -> str:
    r"""The node as a message says where it is: 'log(x - 1) (column 1)', 'q = x - 1 (line 2, column 5)'.

    Examples:
        >>> from backprop_tutor.engine.graph import build
        >>> g = build("q = x - 1\nf = log(q)")
        >>> located(g, "q"), located(g, "f")
        ('q = x - 1 (line 1, column 5)', 'f = log(q) (line 2, column 5)')
        >>> located(build("sqrt(x) + 1"), "n1")
        'sqrt(x) (column 1)'
    """
    a = g.nodes[node]
    text = source(g, node)
    name = a["name"] or (g.graph["output_name"] if node == g.graph["output"] and "\n" in g.graph["expr"] else None)
    if name and a["kind"] == "gate":
        text = f"{name} = {text}"
    if not a.get("line"):
        return text
    where = f"line {a['line']}, column {a['col']:,}" if "\n" in g.graph["expr"].strip() else f"column {a['col']:,}"
    return f"{text} ({where})"
