"""Expression tree -> nx.MultiDiGraph: inputs, constants and gates, as written.

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


def _fold_label(gate: str, inputs: list[str], g: "nx.MultiDiGraph") -> str:
    """A gate's drawn label, with a constant operand folded in as the slides draw it: +1, *-1, 1/x."""
    symbol = GATES[gate].symbol
    consts = [g.nodes[i]["label"] if g.nodes[i]["kind"] == "const" else None for i in inputs]
    if all(c is None for c in consts) or all(c is not None for c in consts):
        return symbol
    if len(inputs) == 1:
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


def build_graph(program: Program | str, *, expand: bool = False) -> "nx.MultiDiGraph":
    """Build the computational graph of a program; `expand` decomposes composite gates.

    Examples:
        >>> g = build_graph("q = x + y; f = q * z")
        >>> list(g.nodes), g.graph["output"], g.nodes["f"]["inputs"]
        (['x', 'y', 'q', 'z', 'f'], 'f', ('q', 'z'))
    """
    import networkx as nx

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

    g = nx.MultiDiGraph(expr=text)
    env: dict[str, str] = {}          # assigned name -> node id
    first_use: dict[str, Expr] = {}   # input name -> where it is first used
    memo: dict[int, str] = {}         # id(Expr) -> node id
    consts: dict[int, tuple] = {}     # id(Expr) -> (value, label, Expr) of a constant tree, not yet a node
    edges: list[tuple] = []           # added in one call at the end: much faster than one by one
    primitives: dict[int, Expr] = {}  # id(composite Expr) -> its primitive form (kept alive: ids stay valid)

    def constant(e: Expr) -> str:
        """The constant node of a constant-valued tree (a literal, π, or a folded one), made on first use."""
        value, label, where = consts[id(e)]
        memo[id(e)] = add_node(fresh("c"), kind="const", value=value, label=label, name=None, inputs=(),
                               folded=False, line=where.line, col=where.col)
        return memo[id(e)]

    def add_node(node_id: str, **attrs: object) -> str:
        if g.number_of_nodes() >= MAX_NODES:
            raise TutorError(f"the graph has more than {MAX_NODES:,} nodes; split the program")
        g.add_node(node_id, **attrs)
        return node_id

    for stmt in program.statements:
        if stmt.name in env:
            raise ParseError(text, stmt.line, stmt.col, f"{stmt.name!r} is assigned twice; use a new name")
        if stmt.name in first_use:
            use = first_use[stmt.name]
            raise ParseError(text, stmt.line, stmt.col, f"{stmt.name!r} is assigned here but was already "
                             f"used as an input (line {use.line}, column {use.col}); assign it before using it")
        roots = {id(stmt.expr)}
        stack = [stmt.expr]
        while stack:  # post-order without recursion: a 10,000-deep chain must build
            e = stack[-1]
            if id(e) in memo or id(e) in consts:
                stack.pop()
                continue
            if e.kind == "num":
                consts[id(e)] = (number(e.value), e.value, e)
            elif e.kind == "name" and e.value in env:
                memo[id(e)] = env[e.value]
            elif e.kind == "name" and e.value in CONSTANTS:
                consts[id(e)] = (CONSTANTS[e.value], _CONST_LABELS[e.value], e)
            elif e.kind == "name":
                if e.value not in g:
                    first_use[e.value] = e
                    add_node(e.value, kind="input", label=e.value, name=e.value, inputs=(), line=e.line, col=e.col)
                memo[id(e)] = e.value
            elif expand and GATES[e.value].expand:
                if id(e) not in primitives:
                    primitives[id(e)] = _substitute(_template(e.value), e.args)
                    if id(e) in roots:
                        roots.add(id(primitives[id(e)]))
                primitive = primitives[id(e)]
                if id(primitive) not in memo and id(primitive) not in consts:
                    stack.append(primitive)
                    continue
                if id(primitive) in consts:
                    constant(primitive)
                memo[id(e)] = memo[id(primitive)]
            else:
                todo = [a for a in e.args if id(a) not in memo and id(a) not in consts]
                if todo:
                    stack.extend(reversed(todo))
                    continue
                folded = None if id(e) in roots or not all(id(a) in consts for a in e.args) else \
                    _fold(e.value, [consts[id(a)] for a in e.args])
                if folded is not None:  # -1, 1+1: a constant, as the slide writes it (x^-1, not x^neg(1))
                    consts[id(e)] = (*folded, e)
                    stack.pop()
                    continue
                inputs = [memo[id(a)] if id(a) in memo else constant(a) for a in e.args]
                node_id = stmt.name if id(e) in roots and stmt.name else fresh("n")
                add_node(node_id, kind="gate", gate=e.value, inputs=tuple(inputs), label=_fold_label(e.value, inputs, g),
                         name=node_id if node_id == stmt.name else None, line=e.line, col=e.col)
                for pos, src in enumerate(inputs):
                    edges.append((src, node_id, pos, {"arg": pos}))
                    if g.nodes[src]["kind"] == "const" and g.nodes[node_id]["label"] != GATES[e.value].symbol:
                        g.nodes[src]["folded"] = True
                memo[id(e)] = node_id
            stack.pop()
        if id(stmt.expr) not in memo:  # `a = 2`: a constant statement is a constant node
            constant(stmt.expr)
        if stmt.name in first_use:  # `x = x + 1`: the name is its own input
            raise ParseError(text, stmt.line, stmt.col, f"{stmt.name!r} is used on the right of its own "
                             f"assignment; pick a new name for the result")
        if stmt.name:
            env[stmt.name] = memo[id(stmt.expr)]
    g.add_edges_from(edges)
    g.graph["output"] = memo[id(program.statements[-1].expr)]
    last = program.statements[-1].name
    g.graph["output_name"] = last or next(n for n in ("f", "out", "output") if n not in names)
    g.graph["inputs"] = tuple(n for n, kind in g.nodes(data="kind") if kind == "input")
    return g


def exact(value: object) -> Fraction | None:
    """`value` as an exact Fraction when it is rational (int, Fraction), else None."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value)
    return None
