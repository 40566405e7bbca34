"""Expression tree -> Graph (plain dicts, for the numbers) -> nx.MultiDiGraph (for drawings).

The numbers need only the nodes in evaluation order and their attributes, so `build` makes
those as plain dicts (a `Graph`); the networkx MultiDiGraph the renderers walk is made from it
on first use (`Graph.networkx()`, `Trace.graph`), since building it costs more than the trace.
`trace` goes one step further on plain text: fasttape.py compiles the tape straight from the
text, and that Graph makes its node attributes here, by `build`, on first use (`Graph.lazy`).

Node ids are stable: an input is its name (`x`), a gate assigned to a name is that name (`q`),
other gates are `n1, n2, ...` and constants `c1, c2, ...`, numbered in evaluation order. Nodes
are added in evaluation (topological) order. A MultiDiGraph, so `a + a` keeps its two edges;
edge key = argument position. Nothing is reordered or simplified.

Node attributes: kind ("input" | "const" | "gate"), gate (gate name), inputs (ordered ids: x*x
lists x twice), label (what a drawing writes: "+1", "*-1", "1/x" where a constant is folded
into its gate, as on the slides), name (the assigned name or None), value (constants: exact
Fraction or float), folded (constants drawn inside their gate), line and col (where it was typed).
"""

from __future__ import annotations

import functools
import itertools
from fractions import Fraction
from typing import TYPE_CHECKING

from ..errors import ParseError, TutorError
from ..fmt import fmt
from .gates import CONSTANTS, GATES, rational
from .parse import Expr, Program, names_in, number, parse

if TYPE_CHECKING:
    import networkx as nx

MAX_NODES = 300_000
_CONST_LABELS = {"pi": "π", "e": "e"}


@functools.cache
def _template(gate: str) -> Expr:
    """The primitive form of a composite gate, as an expression over arguments a, b."""
    return parse(GATES[gate].expand).statements[0].expr


def _substitute(template: Expr, args: tuple[Expr, ...]) -> Expr:
    """Put the argument trees in place of a, b (templates are a few levels deep)."""
    if template.kind == "name" and template.value in "ab":
        return args["ab".index(template.value)]
    return template._replace(args=tuple(_substitute(t, args) for t in template.args))


def _fold_label(gate: str, inputs: list[str], nodes: dict[str, dict]) -> str:
    """A gate's drawn label, with a constant operand folded in as the slides draw it: +1, *-1, 1/x."""
    symbol = GATES[gate].symbol
    consts = [nodes[i]["label"] if nodes[i]["kind"] == "const" else None for i in inputs]
    if consts.count(None) != 1 or len(inputs) == 1:  # no constant, only constants, or one argument
        return symbol
    a, b = consts
    if GATES[gate].infix:
        forms = {"add": ("+{a}", "+{b}"), "sub": ("{a}-x", "-{b}"), "mul": ("*{a}", "*{b}"),
                 "div": ("{a}/x", "/{b}"), "pow": ("{a}^x", "^{b}")}[gate]
        label = forms[0 if a is not None else 1].format(a=a, b=b)
        return label.replace("+-", "-").replace("--", "+")
    return f"{symbol}(" + ", ".join(c if c is not None else "·" for c in consts) + ")"


def _fold(gate: str, args: list[tuple]) -> tuple[object, str] | None:
    """(value, label) of a gate over constants when it folds into one constant: the negation of
    a constant (-1, -π), or an exact gate whose exact result stays small (1+1, 1/2); else None."""
    values, labels = [a[0] for a in args], [a[1] for a in args]
    if gate == "neg":
        return -values[0], labels[0][1:] if labels[0].startswith("-") else f"-{labels[0]}"
    if not GATES[gate].exact or not all(isinstance(v, Fraction) for v in values):
        return None
    try:
        value = rational(GATES[gate].forward(*values))
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return None  # left as a gate: the tape names the domain error where it happens
    return None if value is None else (value, fmt(value))


class Graph:
    """A built graph as plain data: `nodes` maps id -> attributes in evaluation order, `graph`
    holds expr, output, output_name, inputs (and the compiled tape), as networkx's graph dict."""

    __slots__ = ("_nodes", "graph", "_nx")

    def __init__(self, nodes: dict[str, dict], graph: dict) -> None:
        self._nodes, self.graph, self._nx = nodes, graph, None

    @classmethod
    def lazy(cls, graph: dict) -> "Graph":
        """A graph whose `graph` dict (with its tape) is known and whose node attributes are made
        from the text, graph["expr"], by parse -> build on first use (fasttape.py: the numbers
        never read them)."""
        return cls(None, graph)  # type: ignore[arg-type]

    @property
    def nodes(self) -> dict[str, dict]:
        """Node id -> attributes, in evaluation order."""
        if self._nodes is None:
            nodes = build(parse(self.graph["expr"])).nodes
            assert tuple(nodes) == self.graph["tape"].nodes, "fasttape and build disagree"
            self._nodes = nodes
        return self._nodes

    def __contains__(self, node: object) -> bool:
        return node in (self._nodes if self._nodes is not None else self.graph["tape"].slot)

    def __len__(self) -> int:
        return len(self._nodes if self._nodes is not None else self.graph["tape"].nodes)

    def networkx(self) -> "nx.MultiDiGraph":
        """The MultiDiGraph view (edge key = argument position), made once."""
        if self._nx is None:
            import networkx as nx

            g = nx.MultiDiGraph()
            g.graph.update(self.graph)
            g.add_nodes_from(self.nodes.items())
            g.add_edges_from((src, n, pos, {"arg": pos}) for n, attrs in self.nodes.items()
                             for pos, src in enumerate(attrs["inputs"]))
            self._nx = g
        return self._nx


def build_graph(program: Program | str, *, expand: bool = False) -> "nx.MultiDiGraph":
    """Build the computational graph of a program; `expand` decomposes composite gates.

    Examples:
        >>> g = build_graph("q = x + y; f = q * z")
        >>> list(g.nodes), g.graph["output"], g.nodes["f"]["inputs"]
        (['x', 'y', 'q', 'z', 'f'], 'f', ('q', 'z'))
    """
    return build(program, expand=expand).networkx()


def build(program: Program | str, *, expand: bool = False) -> Graph:
    """The graph of a program as plain data (what `build_graph` makes its networkx view of)."""
    if isinstance(program, str):
        program = parse(program)
    text = program.text
    names = set().union(*(names_in(s.expr) for s in program.statements))
    names |= {s.name for s in program.statements if s.name}
    counter = {"n": itertools.count(1), "c": itertools.count(1)}

    def fresh(prefix: str) -> str:
        while (node_id := f"{prefix}{next(counter[prefix])}") in names:
            pass
        return node_id

    nodes: dict[str, dict] = {}
    env: dict[str, str] = {}          # assigned name -> node id
    first_use: dict[str, Expr] = {}   # input name -> where it is first used
    memo: dict[int, str] = {}         # id(Expr) -> node id
    consts: dict[int, tuple] = {}     # id(Expr) -> (value, label, Expr) of a constant tree, not yet a node
    primitives: dict[int, Expr] = {}  # id(composite Expr) -> its primitive form (kept alive: ids stay valid)

    def constant(e: Expr) -> str:
        """The constant node of a constant-valued tree (a literal, π, or a folded one), made on first use."""
        value, label, where = consts[id(e)]
        memo[id(e)] = add_node(fresh("c"), kind="const", value=value, label=label, name=None, inputs=(),
                               folded=False, line=where.line, col=where.col)
        return memo[id(e)]

    def add_node(node_id: str, **attrs: object) -> str:
        if len(nodes) >= MAX_NODES:
            raise TutorError(f"the graph has more than {MAX_NODES:,} nodes; split the program")
        nodes[node_id] = attrs
        return node_id

    for stmt in program.statements:
        if stmt.name in env:
            raise ParseError(text, stmt.line, stmt.col, f"{stmt.name!r} is assigned twice; use a new name")
        if stmt.name in first_use:
            use = first_use[stmt.name]
            raise ParseError(text, stmt.line, stmt.col, f"{stmt.name!r} is assigned here but was already "
                             f"used as an input (line {use.line}, column {use.col}); assign it before using it")
        roots = {id(stmt.expr)}
        stack: list = [stmt.expr]
        while stack:  # post-order without recursion: a 10,000-deep chain must build
            e = stack.pop()
            if e.__class__ is tuple:  # (gate,) once its arguments are done; (composite, primitive) likewise
                if len(e) == 2:
                    composite, primitive = e
                    memo[id(composite)] = memo[id(primitive)] if id(primitive) in memo else constant(primitive)
                    continue
                e = e[0]
                k, args = id(e), e.args
                if consts and id(args[0]) in consts and (len(args) == 1 or id(args[1]) in consts) \
                        and k not in roots:  # (arity is 1 or 2)
                    folded = _fold(e.value, [consts[id(a)] for a in args])
                    if folded is not None:  # -1, 1+1: a constant, as the slide writes it (x^-1, not x^neg(1))
                        consts[k] = (*folded, e)
                        continue
                inputs = [memo[id(a)] if id(a) in memo else constant(a) for a in args]
                node_id = stmt.name if k in roots and stmt.name else fresh("n")
                label = _fold_label(e.value, inputs, nodes)
                add_node(node_id, kind="gate", gate=e.value, inputs=tuple(inputs), label=label,
                         name=node_id if node_id == stmt.name else None, line=e.line, col=e.col)
                if label != GATES[e.value].symbol:  # a constant drawn inside its gate: +1, *-1
                    for src in inputs:
                        if nodes[src]["kind"] == "const":
                            nodes[src]["folded"] = True
                memo[k] = node_id
                continue
            k = id(e)
            if k in memo or k in consts:
                continue
            kind = e.kind
            if kind == "num":
                consts[k] = (number(e.value), e.value, e)
            elif kind == "name":
                name = e.value
                if name in env:
                    memo[k] = env[name]
                elif name in CONSTANTS:
                    consts[k] = (CONSTANTS[name], _CONST_LABELS[name], e)
                else:
                    if name not in nodes:
                        first_use[name] = e
                        add_node(name, kind="input", label=name, name=name, inputs=(), line=e.line, col=e.col)
                    memo[k] = name
            elif expand and GATES[e.value].expand:
                if k not in primitives:
                    primitives[k] = _substitute(_template(e.value), e.args)
                    if k in roots:
                        roots.add(id(primitives[k]))
                stack.append((e, primitives[k]))
                stack.append(primitives[k])
            else:
                stack.append((e,))
                stack.extend(reversed(e.args))
        if id(stmt.expr) not in memo:  # `a = 2`: a constant statement is a constant node
            constant(stmt.expr)
        if stmt.name in first_use:  # `x = x + 1`: the name is its own input
            raise ParseError(text, stmt.line, stmt.col, f"{stmt.name!r} is used on the right of its own "
                             f"assignment; pick a new name for the result")
        if stmt.name:
            env[stmt.name] = memo[id(stmt.expr)]
    last = program.statements[-1].name
    return Graph(nodes, {"expr": text, "output": memo[id(program.statements[-1].expr)],
                         "output_name": last or output_name(names),
                         "inputs": tuple(n for n, attrs in nodes.items() if attrs["kind"] == "input")})


def output_name(taken: object) -> str:
    """The name of a program's unnamed result: f, else out, else output, else f1, f2, ... (the
    first that no input or statement of the program already uses)."""
    names = itertools.chain(("f", "out", "output"), (f"f{k}" for k in itertools.count(1)))
    return next(n for n in names if n not in taken)


def exact(value: object) -> Fraction | None:
    """`value` as an exact Fraction when it is rational (int, Fraction), else None."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value)
    return None
