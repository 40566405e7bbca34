"""The symbolic side of a Trace, built along it (never by re-differentiating the whole expression).

Every node has its own SymPy symbol, so the forms the lecture writes stay small:
- `local(node, arg)`: ∂node/∂arg in the neighbouring nodes' symbols, as taught (`z`, `(1 - σ)σ`);
- `chain(node)`: ∂out/∂node = Σ ∂out/∂consumer · local, one term per edge leaving the node;
- `grad(node)`: the same expanded into the inputs (`∂f/∂x = z`), built in reverse order as
  upstream · local, simplified when small.

Expanded forms can swell exponentially (a value used twice doubles its formula per layer) and
SymPy's own rewriting (nested `Piecewise` folding) can take minutes on a small graph, so they
are built under a budget checked while building: at most MAX_TREE tree nodes per formula (its
size as printed) and BUDGET_SECONDS of work (SymPy is interrupted where a timer signal can be
used). Past either, or past MAX_DEPTH nested gates (SymPy's recursion would break), no expanded
form is built and `why_not` says why; the chain form is always there and stays linear. Where a
cheap estimate from the tape (`predicted_size`) is far past MAX_TREE, SymPy is not even tried:
a nest of ten kinked gates would spend the whole time budget inside one Piecewise.
"""

from __future__ import annotations

import contextlib
import functools
import signal
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

import sympy as sp

from .gates import GATES
from .parse import Expr, number

MAX_DEPTH = 60          # deeper graphs keep only the chain (neighbour) form
MAX_NODES = 3000        # so do larger ones: SymPy's cost, not the tape's
SIMPLIFY_OPS = 60       # expanded forms up to this many operations are simplified
MAX_TREE = 5000         # an expanded formula larger than this (nodes as printed) is not built
BUDGET_SECONDS = 0.75   # the whole expanded build (values and gradients) gets this much CPU time
PREDICT_MARGIN = 3      # not tried when predicted_size passes MAX_TREE this many times over (it can
                        # overshoot: 2.4x at most on 600 random programs; the 10-layer nest: 0.5x)


class OverBudget(Exception):
    """Raised inside a bounded piece of SymPy work when it grows past its budget."""


@contextlib.contextmanager
def cpu_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after `seconds` of CPU time with OverBudget, where a timer signal can
    be used (the main thread on POSIX); elsewhere the block's own deadline checks bound it.
    CPU time, not wall time: on a loaded machine the same input gets the same verdict."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or signal.getitimer(signal.ITIMER_VIRTUAL)[0]:  # someone else's timer: leave it be
        yield
        return

    def ring(signum: int, frame: Any) -> None:
        raise OverBudget("time")

    old = signal.signal(signal.SIGVTALRM, ring)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, old)


class _Budget:
    """Tree sizes of the formulas built so far (memoised over SymPy's shared subtrees) and a deadline."""

    def __init__(self, seconds: float, max_tree: int) -> None:
        self.deadline = time.process_time() + seconds
        self.max_tree = max_tree
        self.sizes: dict[Any, int] = {}

    def check(self, expr: Any) -> Any:
        """expr, after checking its size and the clock; OverBudget past either."""
        if time.process_time() > self.deadline:
            raise OverBudget("time")
        sizes, stack = self.sizes, [expr]
        while stack:  # iterative post-order: each distinct subtree is sized once
            e = stack[-1]
            if e in sizes:
                stack.pop()
                continue
            todo = [a for a in e.args if a not in sizes]
            if todo:
                stack.extend(todo)
                continue
            sizes[e] = 1 + sum(sizes[a] for a in e.args)
            stack.pop()
        if sizes[expr] > self.max_tree:
            raise OverBudget("size")
        return expr


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


class _Symbols(dict):
    """Node id -> its SymPy symbol (a constant's exact value), made on first use."""

    def __init__(self, nodes: Mapping[str, Mapping]) -> None:
        super().__init__()
        self.nodes = nodes

    def __missing__(self, n: str) -> sp.Expr:
        attrs = self.nodes[n]
        self[n] = constant(attrs["value"]) if attrs["kind"] == "const" else sp.Symbol(n, real=True)
        return self[n]


def refusal(tape: Any) -> str | None:
    """Why a tape's graph is too large for expanded forms (too many nodes, too deep), or None:
    read off the tape alone, before any node attribute or SymPy object is made."""
    if len(tape.nodes) > MAX_NODES:  # symbols are then made as they are asked for
        return (f"the graph has {len(tape.nodes):,} nodes: too large to expand (expanded forms "
                f"are built up to {MAX_NODES:,} nodes; the chain form is exact)")
    depth = [0] * len(tape.nodes)  # inputs and constants 0, a gate 1 + its deepest input
    for _, _, o, a, b in tape.ops:
        depth[o] = 1 + max(depth[a], depth[b] if b >= 0 else 0)
    deepest = max(depth, default=0)
    if deepest > MAX_DEPTH:
        return (f"the graph nests {deepest} gates deep: too large to expand "
                f"(expanded forms are built up to {MAX_DEPTH} deep; the chain form is exact)")
    return None


class Symbolic:
    """Symbolic local derivatives and gradients of one Trace, computed on demand and cached."""

    def __init__(self, trace: Any) -> None:  # a Trace: not imported, trace.py imports this module
        self.trace = trace
        self._why_not: str | None = refusal(trace.tape)  # from the tape: no node attributes made for it
        if self._why_not is None:
            for n in self.nodes:
                self.symbols[n]  # noqa: B018 - every symbol, so `symbols | {...}` sees them all

    @functools.cached_property
    def nodes(self) -> Mapping[str, Mapping]:
        """Node id -> attributes (the networkx view is not needed), made on first use: a graph
        past the budget may never need them (a text traced by fasttape.py would be parsed again)."""
        return self.trace.structure.nodes

    @functools.cached_property
    def symbols(self) -> dict[str, sp.Expr]:
        """Node id -> its SymPy symbol (a constant's exact value), each made on first use."""
        return _Symbols(self.nodes)

    @property
    def why_not(self) -> str | None:
        """Why the expanded forms are not built (too deep, too many nodes, over budget), or None.
        Asking builds them, under the budget."""
        if self._why_not is None:
            self._expanded  # noqa: B018 - builds, or sets _why_not
        return self._why_not

    def forward(self, node: str) -> sp.Expr:
        """The gate's value in its inputs' symbols: q -> x + y."""
        attrs = self.nodes[node]
        if attrs["kind"] != "gate":
            return self.symbols[node]
        return GATES[attrs["gate"]].sym(*(self.symbols[i] for i in attrs["inputs"]))

    def local(self, node: str, arg: int) -> sp.Expr:
        """∂node/∂(argument `arg`), as taught, in the neighbouring nodes' symbols."""
        attrs = self.nodes[node]
        args = [self.symbols[i] for i in attrs["inputs"]]
        return sp.sympify(GATES[attrs["gate"]].dsym(*args, self.symbols[node])[arg])

    def chain(self, node: str) -> list[tuple[str, int, sp.Expr]]:
        """∂out/∂node as its terms (consumer, arg, local): ∂out/∂node = Σ ∂out/∂consumer · local."""
        return [(c, pos, self.local(c, pos)) for c in self._consumers.get(node, ())
                for pos, i in enumerate(self.nodes[c]["inputs"]) if i == node]

    @functools.cached_property
    def _consumers(self) -> dict[str, list[str]]:
        """node -> the gates that use it, in evaluation order, each once."""
        out: dict[str, dict[str, None]] = {}
        for c, attrs in self.nodes.items():
            for i in attrs["inputs"]:
                out.setdefault(i, {})[c] = None
        return {n: list(cs) for n, cs in out.items()}

    @functools.cached_property
    def _expanded(self) -> tuple[dict[str, sp.Expr], dict[str, sp.Expr]] | None:
        """Every node's value and ∂out/∂node expanded into the inputs, or None (see why_not)."""
        if self._why_not is not None:
            return None
        budget = _Budget(BUDGET_SECONDS, MAX_TREE)
        if self.predicted_size() > PREDICT_MARGIN * MAX_TREE:  # SymPy would pass it too, after up to BUDGET_SECONDS
            self._why_not = f"the expanded formulas would have more than {MAX_TREE:,} terms: too large to expand " \
                            "(the chain form is exact)"
            return None
        try:
            with cpu_limit(BUDGET_SECONDS + 0.05):
                values = self._build_values(budget)
                return values, self._build_grads(values, budget)
        except (OverBudget, RecursionError) as err:
            what = f"would have more than {MAX_TREE:,} terms" if str(err) == "size" else \
                f"take more than {BUDGET_SECONDS:g} s of SymPy to build"
            self._why_not = f"the expanded formulas {what}: too large to expand (the chain form is exact)"
            return None

    def predicted_size(self) -> int:
        """A cheap estimate of the largest expanded formula's tree size, from the tape and each
        gate's form over plain symbols (no formula of this graph is built). A function gate's value
        repeats its argument's tree as often as its form names it (elu: three times); an edge's
        gradient is its gate's gradient times its local derivative, whose size is that of the
        values it names, and a node's gradient sums its edges'. Where SymPy may merge like terms
        (x + x is 2*x, x*x is x**2, x - x is 0) the estimate counts the larger part only: parts
        free of function gates, or parts that are the same formula. Meant to fall short, not over."""
        tape = self.trace.tape
        n = len(tape.nodes)
        value, plain = [1] * n, [True] * n   # plain: no function gate below (a polynomial merges freely)
        shape: list[object] = list(tape.nodes)  # equal shapes: the same formula; a tuple: a number
        for i, c in tape.consts:
            shape[i] = (c,)
        interned: dict[tuple, int] = {}
        for (_, _, o, a, b), gate in zip(tape.ops, tape.gates):
            ins = (a,) if b < 0 else (a, b)
            number = _number(gate, [shape[i] for i in ins])
            if number is not None:
                shape[o] = number
                continue
            shape[o] = interned.setdefault((gate, *(shape[i] for i in ins)), len(interned))
            uses = _uses(gate)
            if uses[0] is not None:
                value[o], plain[o] = 1 + sum(u * value[i] for u, i in zip(uses[0], ins)), False
            else:
                plain[o] = all(plain[i] for i in ins)
                value[o] = _merged(ins, value, plain, shape)
        grad, rich = [0] * n, [False] * n   # rich: a gradient naming a function gate (its terms do not merge)
        grad[tape.slot[self.trace.output]] = 1
        for k in range(len(tape.ops) - 1, -1, -1):
            _, _, o, a, b = tape.ops[k]
            if not grad[o] or isinstance(shape[o], tuple):
                continue
            uses = _uses(tape.gates[k])
            named = (a, b, o)
            for pos, i in enumerate((a,) if b < 0 or b == a else (a, b)):  # x*x: its two edges merge
                # the local derivative names these values (mul: the other argument); a polynomial one may
                # merge with the gradient it multiplies (x*x): counted only past function gates
                local = sum(u * value[m] for u, m in zip(uses[1 + pos], named) if u and not plain[m])
                term, named_fn = grad[o] + local, bool(local) or rich[o]
                # a second edge into i adds a term; terms free of function gates may merge (1 + 1 is 2)
                grad[i] = grad[i] + term if grad[i] and named_fn and rich[i] else max(grad[i], term)
                rich[i] = rich[i] or named_fn
        return max(*value, *grad)

    def _build_values(self, budget: _Budget) -> dict[str, sp.Expr]:
        values: dict[str, sp.Expr] = {}
        for n in self.trace.tape.nodes:
            attrs = self.nodes[n]
            values[n] = self.symbols[n] if attrs["kind"] != "gate" else \
                budget.check(GATES[attrs["gate"]].sym(*(values[i] for i in attrs["inputs"])))
        return values

    def value(self, node: str) -> sp.Expr | None:
        """The node's value as an expression in the inputs (None when not built: see why_not)."""
        return None if self.why_not else self._expanded[0][node]

    def _build_grads(self, values: dict[str, sp.Expr], budget: _Budget) -> dict[str, sp.Expr]:
        g, tape = self.nodes, self.trace.tape
        out = self.trace.output
        grads: dict[str, sp.Expr] = {n: sp.Integer(0) for n in tape.nodes}
        grads[out] = sp.Integer(1)
        for n in reversed(tape.nodes):
            attrs = g[n]
            if attrs["kind"] != "gate" or grads[n] == 0:
                continue
            sub = {self.symbols[i]: values[i] for i in (*attrs["inputs"], n)}
            for pos, i in enumerate(attrs["inputs"]):
                if g[i]["kind"] != "const":
                    grads[i] = budget.check(grads[i] + grads[n] * self.local(n, pos).xreplace(sub))
        return grads

    def grad(self, node: str) -> sp.Expr | None:
        """∂out/∂node expanded into the inputs, simplified when small (None when not built: see why_not)."""
        if self.why_not:
            return None
        return _tidy(self._expanded[1][node])

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
        return sp.cse([self._expanded[1][n] for n in nodes])

    def size(self, nodes: list[str] | None = None) -> int:
        """Operations in the CSE'd expanded gradients (SymPy count_ops): linear in depth on chains."""
        replacements, reduced = self.cse(nodes)
        return int(sum(sp.count_ops(e) for _, e in replacements) + sum(sp.count_ops(e) for e in reduced))


_ZERO = (0,)


def _number(gate: str, shapes: list[object]) -> tuple | None:
    """The shape of a gate whose value SymPy folds to a number (of size 1), else None: a gate over
    numbers, x - x (0), x/x (1), 0*x, 0/x, 0^x, -0."""
    if (gate in ("mul", "div", "pow", "neg") and shapes[0] == _ZERO) or (gate == "mul" and shapes[1] == _ZERO) \
            or (gate == "sub" and shapes[0] == shapes[1]) or (gate == "add" and shapes[0] == shapes[1] == _ZERO):
        return _ZERO
    if gate == "div" and shapes[0] == shapes[1]:
        return (1,)
    if all(isinstance(s, tuple) for s in shapes):
        return (gate, *shapes)
    return None


def _merged(ins: tuple[int, ...], value: list[int], plain: list[bool], shape: list[object]) -> int:
    """The size of + - * / neg ^ over `ins`: the sum of the parts, or the largest where they may
    merge (the same formula twice, or both free of function gates)."""
    if len(ins) == 1:
        return 1 + value[ins[0]]
    a, b = ins
    if shape[a] == shape[b] or (plain[a] and plain[b]):
        return max(value[a], value[b]) + 1
    return 1 + value[a] + value[b]


_ALGEBRA = frozenset({"add", "sub", "mul", "div", "neg", "pow"})  # SymPy merges like terms and powers


@functools.lru_cache(maxsize=None)
def _uses(gate: str) -> tuple[tuple[int, ...], ...] | None:
    """How often the gate's value names each argument (None for + - * / neg ^: SymPy merges
    those), then for each argument's local derivative how often it names (a, b, the gate's value)."""
    a, b, out = sp.symbols("a b out")
    args = (a, b)[:GATES[gate].arity]

    def count(expr: Any, of: tuple) -> tuple[int, ...]:
        leaves = [e for e in sp.preorder_traversal(sp.sympify(expr)) if not e.args]
        return tuple(sum(e == x for e in leaves) for x in of)

    locals_ = GATES[gate].dsym(*args, out)
    value = None if gate in _ALGEBRA else count(GATES[gate].sym(*args), args)
    return (value, *(count(d, (a, b, out)) for d in locals_))


@functools.lru_cache(maxsize=4096)
def _tidy(expr: sp.Expr) -> sp.Expr:
    """Tidy small expressions without changing their kind: no rewriting of e^x as cosh, as
    `simplify` does; the shortest of a few algebraic forms. Big ones stay as built."""
    if sp.count_ops(expr) > SIMPLIFY_OPS:
        return expr
    forms = [expr, sp.factor_terms(expr), sp.cancel(expr), sp.factor(expr)]
    return min(forms, key=sp.count_ops)
