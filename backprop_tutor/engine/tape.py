"""The numbers run here: a flat tape of operations in topological order over integer slots.

networkx keeps the structure (and feeds the drawings); walking node attributes for every
operation costs several times more than this loop over tuples, so the graph is compiled once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..errors import DomainError
from .gates import GATES, rational

if TYPE_CHECKING:
    import networkx as nx

    from .graph import Graph

_DOMAIN = (ValueError, ZeroDivisionError, OverflowError)
_ADD, _MUL = GATES["add"].forward, GATES["mul"].forward


@dataclass(frozen=True)
class Tape:
    """Slots 0..n-1 are the graph's nodes in topological order; `ops` are its gates, in order."""

    nodes: tuple[str, ...]
    slot: dict[str, int]
    ops: tuple[tuple[Callable, Callable, int, int, int], ...]   # (forward, local, out, a, b); b = -1: unary
    gates: tuple[str, ...]                                      # gate name of each op
    kinds: tuple[str, ...]                                      # "input" | "const" | "gate" of each slot
    consts: tuple[tuple[int, Any], ...]                         # (slot, value) of the constants

    @classmethod
    def of(cls, g: "Graph | nx.MultiDiGraph") -> "Tape":
        """The graph's tape, compiled on first use and kept with it (graphs are not mutated)."""
        if "tape" not in g.graph:
            g.graph["tape"] = cls.compile(g)
        return g.graph["tape"]

    @classmethod
    def compile(cls, g: "Graph | nx.MultiDiGraph") -> "Tape":
        """Flatten the graph (its nodes are already in evaluation order)."""
        items = g.nodes.items() if isinstance(g.nodes, dict) else g.nodes(data=True)
        nodes = tuple(g.nodes)
        slot = {n: i for i, n in enumerate(nodes)}
        ops, gates, kinds, consts = [], [], [], []
        table = {name: (gate.forward, gate.local) for name, gate in GATES.items()}
        for i, (n, attrs) in enumerate(items):
            kind = attrs["kind"]
            kinds.append(kind)
            if kind == "gate":
                forward, local = table[attrs["gate"]]
                ins = attrs["inputs"]
                ops.append((forward, local, i, slot[ins[0]], slot[ins[1]] if len(ins) > 1 else -1))
                gates.append(attrs["gate"])
            elif kind == "const":
                consts.append((i, attrs["value"]))
        return cls(nodes, slot, tuple(ops), tuple(gates), tuple(kinds), tuple(consts))

    def forward(self, seed: Sequence[Any]) -> list[Any]:
        """Values of every slot, from `seed` (inputs and constants filled in, gates anything)."""
        v = list(seed)
        try:
            for f, _, o, a, b in self.ops:
                if f is _ADD:  # + and * written out: the same arithmetic, without a call
                    v[o] = v[a] + v[b]
                elif f is _MUL:
                    v[o] = v[a] * v[b]
                else:
                    v[o] = f(v[a]) if b < 0 else f(v[a], v[b])
        except _DOMAIN:  # again, counting the operations, to name the one that failed
            for k, (f, _, o, a, b) in enumerate(self.ops):
                try:
                    v[o] = f(v[a]) if b < 0 else f(v[a], v[b])
                except _DOMAIN as err:
                    raise self._error(k, v, "cannot be evaluated", err) from None
        return v

    def backward(self, v: Sequence[float], output: int) -> list[float]:
        """∂output/∂slot for every slot, summed over all paths (reverse order, upstream * local)."""
        g = [0.0] * len(v)
        g[output] = 1.0
        try:
            for f, local, o, a, b in reversed(self.ops):
                up = g[o]
                if f is _ADD:  # local (1, 1): up * 1 is up
                    g[a] += up
                    g[b] += up
                elif f is _MUL:  # local (b, a)
                    g[a] += up * v[b]
                    g[b] += up * v[a]
                elif b < 0:
                    g[a] += up * local(v[a], v[o])[0]
                else:
                    la, lb = local(v[a], v[b], v[o])
                    g[a] += up * la
                    g[b] += up * lb
        except _DOMAIN:  # again, counting the operations, to name the one that failed
            g = [0.0] * len(v)
            g[output] = 1.0
            for k in range(len(self.ops) - 1, -1, -1):
                _, local, o, a, b = self.ops[k]
                up = g[o]
                try:
                    if b < 0:
                        g[a] += up * local(v[a], v[o])[0]
                    else:
                        la, lb = local(v[a], v[b], v[o])
                        g[a] += up * la
                        g[b] += up * lb
                except _DOMAIN as err:
                    raise self._error(k, v, "has no derivative", err) from None
        return g

    def locals(self, k: int, v: Sequence[Any]) -> tuple:
        """The local derivatives of op k at values v."""
        _, local, o, a, b = self.ops[k]
        return local(v[a], v[o]) if b < 0 else local(v[a], v[b], v[o])

    def exact(self, seed: Sequence[Fraction | None], output: int) -> tuple[list, list]:
        """Values and gradients as Fractions where every number leading to them is exact, else None."""
        v: list[Any] = list(seed)
        for k, (f, _, o, a, b) in enumerate(self.ops):
            args = (v[a],) if b < 0 else (v[a], v[b])
            v[o] = None
            if GATES[self.gates[k]].exact and None not in args:
                try:
                    v[o] = rational(f(*args))
                except (ValueError, ZeroDivisionError, OverflowError, TypeError):
                    pass
        g: list[Any] = [Fraction(0)] * len(v)
        g[output] = Fraction(1)
        for k in range(len(self.ops) - 1, -1, -1):
            _, _, o, a, b = self.ops[k]
            ins = (a,) if b < 0 else (a, b)
            locs = self.locals(k, v) if v[o] is not None else (None,) * len(ins)
            for i, loc in zip(ins, locs):
                loc = rational(loc) if g[o] is not None else None
                g[i] = rational(g[i] + g[o] * loc) if loc is not None and g[i] is not None else None
        return v, g

    def _error(self, k: int, v: Sequence[Any], what: str, err: Exception) -> DomainError:
        """Op k failed: log(0), 1 / 0, (-1) ^ 0.5 ... and why (the trace says where, see engine/where.py)."""
        _, _, o, a, b = self.ops[k]
        gate = GATES[self.gates[k]]
        if gate.infix and b >= 0:
            call = f" {gate.infix} ".join(_show(v[i], bracket=True) for i in (a, b))
        else:
            call = f"{gate.name}({', '.join(_show(v[i]) for i in ((a,) if b < 0 else (a, b)))})"
        overflow = isinstance(err, OverflowError)
        happened = f"{call} {what}: {'it overflows float64' if overflow else 'outside its domain'}"
        fix = "choose smaller input values" if overflow else "choose input values where it is defined"
        return DomainError(f"{happened}, at node {self.nodes[o]!r}; {fix}", node=self.nodes[o], what=happened, fix=fix)


def _show(x: Any, bracket: bool = False) -> str:
    """A number in an error message; `bracket`: a negative one in brackets, as an operand: (-1) ^ 0.5."""
    x = float(x)
    s = str(int(x)) if x.is_integer() and abs(x) < 1e15 else f"{x:.6g}"
    return f"({s})" if bracket and s.startswith("-") else s


def finite(xs: Sequence[float]) -> bool:
    """True when no number is inf or nan."""
    return all(map(math.isfinite, xs))
