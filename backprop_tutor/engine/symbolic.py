"""The symbolic side of a Trace, built along it (never by re-differentiating the whole expression).

Every node has its own SymPy symbol, so the forms the lecture writes stay small:
- `local(node, arg)`: ∂node/∂arg in the neighbouring nodes' symbols, as taught (`z`, `(1 - σ)σ`);
- `chain(node)`: ∂out/∂node = Σ ∂out/∂consumer · local, one term per edge leaving the node;
- `grad(node)`: the same expanded into the inputs (`∂f/∂x = z`), built in reverse order as
  upstream · local, simplified when small. A graph that nests deeper than MAX_DEPTH gates
  gets no expanded forms (SymPy's recursion would break on them); `why_not` says so.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import sympy as sp

from .gates import GATES
from .parse import Expr, number

MAX_DEPTH = 60          # deeper graphs keep only the chain (neighbour) form
MAX_NODES = 3000        # so do larger ones: SymPy's cost, not the tape's
SIMPLIFY_OPS = 60       # expanded forms up to this many operations are simplified


def constant(value: Any) -> sp.Expr:
    """A constant node's value in SymPy: exact Rationals stay exact, π and e stay symbols."""
    import math
    from fractions import Fraction

    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    if value == math.pi:
        return sp.pi
    if value == math.e:
        return sp.E
    return sp.Float(value)


def to_sympy(expr: Expr, symbols: Mapping[str, sp.Expr]) -> sp.Expr:
    """A parsed expression tree as SymPy, names looked up in `symbols` (KeyError if unknown).

    Never sympify: the tree comes from the safe parser, and each gate builds its own SymPy form.
    """
    done: dict[int, sp.Expr] = {}
    stack = [expr]
    while stack:
        e = stack[-1]
        if e.kind == "num":
            done[id(e)] = constant(number(e.value))
        elif e.kind == "name":
            done[id(e)] = {"pi": sp.pi, "e": sp.E}.get(e.value) or symbols[e.value]
        elif todo := [a for a in e.args if id(a) not in done]:
            stack.extend(todo)
            continue
        else:
            done[id(e)] = GATES[e.value].sym(*(done[id(a)] for a in e.args))
        stack.pop()
    return done[id(expr)]


class Symbolic:
    """Symbolic local derivatives and gradients of one Trace, computed on demand and cached."""

    def __init__(self, trace: Any) -> None:  # a Trace: not imported, trace.py imports this module
        self.trace = trace
        g = trace.graph
        self.symbols: dict[str, sp.Expr] = {}
        for n, attrs in g.nodes(data=True):
            self.symbols[n] = constant(attrs["value"]) if attrs["kind"] == "const" else sp.Symbol(n, real=True)
        self.depth = self._depths()
        self.why_not: str | None = None  # why expanded forms are not built, if they are not
        if max(self.depth.values(), default=0) > MAX_DEPTH:
            self.why_not = (f"the graph nests {max(self.depth.values())} gates deep; expanded forms are built up "
                            f"to {MAX_DEPTH} (the chain form is exact)")
        elif len(self.depth) > MAX_NODES:
            self.why_not = (f"the graph has {len(self.depth):,} nodes; expanded forms are built up to "
                            f"{MAX_NODES:,} (the chain form is exact)")

    def _depths(self) -> dict[str, int]:
        depth: dict[str, int] = {}
        for n, ins in self.trace.graph.nodes(data="inputs"):
            depth[n] = 1 + max((depth[i] for i in ins), default=-1)
        return depth

    def forward(self, node: str) -> sp.Expr:
        """The gate's value in its inputs' symbols: q -> x + y."""
        attrs = self.trace.graph.nodes[node]
        if attrs["kind"] != "gate":
            return self.symbols[node]
        return GATES[attrs["gate"]].sym(*(self.symbols[i] for i in attrs["inputs"]))

    def local(self, node: str, arg: int) -> sp.Expr:
        """∂node/∂(argument `arg`), as taught, in the neighbouring nodes' symbols."""
        attrs = self.trace.graph.nodes[node]
        args = [self.symbols[i] for i in attrs["inputs"]]
        return sp.sympify(GATES[attrs["gate"]].dsym(*args, self.symbols[node])[arg])

    def chain(self, node: str) -> list[tuple[str, int, sp.Expr]]:
        """∂out/∂node as its terms (consumer, arg, local): ∂out/∂node = Σ ∂out/∂consumer · local."""
        g = self.trace.graph
        return [(c, pos, self.local(c, pos)) for c in dict.fromkeys(g.successors(node))
                for pos, i in enumerate(g.nodes[c]["inputs"]) if i == node]

    @functools.cached_property
    def _values(self) -> dict[str, sp.Expr]:
        """Every node's value expanded into the inputs (only built below MAX_DEPTH)."""
        values: dict[str, sp.Expr] = {}
        for n in self.trace.tape.nodes:
            attrs = self.trace.graph.nodes[n]
            values[n] = self.symbols[n] if attrs["kind"] != "gate" else \
                GATES[attrs["gate"]].sym(*(values[i] for i in attrs["inputs"]))
        return values

    def value(self, node: str) -> sp.Expr | None:
        """The node's value as an expression in the inputs (None past MAX_DEPTH: see why_not)."""
        return None if self.why_not else self._values[node]

    @functools.cached_property
    def _grads(self) -> dict[str, sp.Expr]:
        g, tape, values = self.trace.graph, self.trace.tape, self._values
        out = self.trace.output
        grads: dict[str, sp.Expr] = {n: sp.Integer(0) for n in tape.nodes}
        grads[out] = sp.Integer(1)
        for n in reversed(tape.nodes):
            attrs = g.nodes[n]
            if attrs["kind"] != "gate" or grads[n] == 0:
                continue
            sub = {self.symbols[i]: values[i] for i in (*attrs["inputs"], n)}
            for pos, i in enumerate(attrs["inputs"]):
                if attrs["kind"] == "gate" and g.nodes[i]["kind"] != "const":
                    grads[i] += grads[n] * self.local(n, pos).xreplace(sub)
        return grads

    def grad(self, node: str) -> sp.Expr | None:
        """∂out/∂node expanded into the inputs, simplified when small (None past MAX_DEPTH)."""
        if self.why_not:
            return None
        return _tidy(self._grads[node])

    def latex(self, node: str) -> tuple[str, str | None]:
        """∂out/∂node in LaTeX: the chain form (Σ ∂out/∂c · local) and the expanded form (or None)."""
        out = self.trace.output_name
        terms = [rf"\frac{{\partial {out}}}{{\partial {sp.latex(self.symbols[c])}}} \cdot {sp.latex(local)}"
                 for c, _, local in self.chain(node)]
        expanded = self.grad(node)
        return " + ".join(terms) or "1", None if expanded is None else sp.latex(expanded)

    def cse(self, nodes: list[str] | None = None) -> tuple[list[tuple[sp.Symbol, sp.Expr]], list[sp.Expr]]:
        """The expanded gradients of `nodes` (default: the inputs) with shared subexpressions named."""
        nodes = list(self.trace.inputs) if nodes is None else nodes
        if self.why_not:
            return [], []
        return sp.cse([self._grads[n] for n in nodes])

    def size(self, nodes: list[str] | None = None) -> int:
        """Operations in the CSE'd expanded gradients (SymPy count_ops): linear in depth on chains."""
        replacements, reduced = self.cse(nodes)
        return int(sum(sp.count_ops(e) for _, e in replacements) + sum(sp.count_ops(e) for e in reduced))


@functools.lru_cache(maxsize=4096)
def _tidy(expr: sp.Expr) -> sp.Expr:
    """Tidy small expressions without changing their kind: no rewriting of e^x as cosh, as
    `simplify` does; the shortest of a few algebraic forms. Big ones stay as built."""
    if sp.count_ops(expr) > SIMPLIFY_OPS:
        return expr
    forms = [expr, sp.factor_terms(expr), sp.cancel(expr), sp.factor(expr)]
    return min(forms, key=sp.count_ops)
