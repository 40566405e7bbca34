"""Graph + input values -> Trace: the forward and backward pass, recorded once.

The Trace is the one public data structure: the terminal tutor, the slides and the homework
checker all read it and never recompute the maths. Numbers are float64 in `values`/`grads`
(full precision, for checking); `steps` carry the same numbers as exact Fractions wherever
every number leading to them is exact (so `-12` shows as `-12`), else floats. Steps, exact
numbers and symbolic forms are computed on first use, so a numeric trace of a big graph pays
only for its two loops over the tape.
"""

from __future__ import annotations

import contextlib
import gc
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from ..errors import DomainError, MissingValueError, ValueInputError
from ..fmt import name_list
from .fasttape import compile_text
from .graph import build
from .parse import Program
from .tape import Tape
from .values import Number, exactly, is_exact, values_from
from .where import located

if TYPE_CHECKING:
    import networkx as nx

    from .graph import Graph

    from .symbolic import Symbolic



T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Step:
    """One line of the walkthrough.

    forward:  `node` = gate(`inputs`) = `value`.
    backward: the gate `node` sends `value` = `upstream` * `local` to its argument number `arg`,
              the node `wrt`; `total` is ∂out/∂wrt summed so far, this being branch `branch`
              of `branches` (the edges leaving `wrt`: more than one is a fan-out, and the
              total derivative is the sum of the branches). The first backward step is the
              seed: `node` is the output, `wrt` None, `value` 1 (∂out/∂out).
    """

    phase: Literal["forward", "backward"]
    node: str
    value: Number
    inputs: tuple[Number, ...] = ()
    wrt: str | None = None
    arg: int | None = None
    upstream: Number | None = None
    local: Number | None = None
    total: Number | None = None
    branch: int | None = None
    branches: int | None = None


@dataclass(frozen=True)
class Trace:
    """A computational graph evaluated at a point, with every gradient.

    Examples:
        >>> t = trace("(x+y)*z", {"x": -2, "y": 5, "z": -4})
        >>> t.value, t.gradient
        (-12.0, {'x': -4.0, 'y': -4.0, 'z': 3.0})
    """

    expr: str                          # as the user typed it
    structure: "Graph | nx.MultiDiGraph"  # the graph as built: `graph` is its networkx view
    tape: Tape                         # the compiled graph the numbers ran over
    at: Mapping[str, Number]           # input values as given (exact where typed exactly)
    values: Mapping[str, float]        # forward value of every node
    grads: Mapping[str, float]         # ∂output/∂node for every input and gate

    @cached_property
    def graph(self) -> "nx.MultiDiGraph":
        """The structure as a networkx MultiDiGraph (node attrs as in graph.py), made on first use:
        drawings need it, the numbers do not."""
        s = self.structure
        return s.networkx() if hasattr(s, "networkx") else s

    @property
    def output(self) -> str:
        """The id of the output node (the last assignment, or the whole expression)."""
        return self.structure.graph["output"]

    @property
    def output_name(self) -> str:
        """What the output is called: its assigned name, or f for a bare expression (∂f/∂x)."""
        return self.structure.graph["output_name"]

    @property
    def inputs(self) -> tuple[str, ...]:
        """The input variables in order of first use."""
        return self.structure.graph["inputs"]

    @property
    def value(self) -> float:
        """The output's value."""
        return self.values[self.output]

    @property
    def gradient(self) -> dict[str, float]:
        """∂output/∂input for every input variable."""
        return {x: self.grads[x] for x in self.inputs}

    @cached_property
    def _exact(self) -> tuple[list, list]:
        tape = self.tape
        seed: list[Fraction | None] = [None] * len(tape.nodes)
        for x in self.inputs:
            seed[tape.slot[x]] = exactly(self.at[x])
        for i, value in tape.consts:  # literals are exact; π and e are not
            seed[i] = value if isinstance(value, Fraction) else None
        return tape.exact(seed, tape.slot[self.output])

    def number(self, node: str, kind: Literal["value", "grad"] = "value") -> Number:
        """A node's value or gradient: the exact Fraction where there is one, else the float."""
        exact = self._exact[0 if kind == "value" else 1][self.tape.slot[node]]
        return exact if exact is not None else (self.values if kind == "value" else self.grads)[node]

    @cached_property
    def steps(self) -> tuple[Step, ...]:
        """Every forward step in evaluation order, then the seed and every backward step in reverse."""
        tape, (ev, eg) = self.tape, self._exact
        fv = [self.values[n] for n in tape.nodes]
        value = [e if e is not None else f for e, f in zip(ev, fv)]
        grad = [e if e is not None else self.grads.get(n, 0.0) for e, n in zip(eg, tape.nodes)]
        steps = [Step("forward", tape.nodes[o], value[o], inputs=(value[a],) if b < 0 else (value[a], value[b]))
                 for _, _, o, a, b in tape.ops]
        out = tape.slot[self.output]
        steps.append(Step("backward", tape.nodes[out], grad[out]))
        is_const = [kind == "const" for kind in tape.kinds]
        fanout = [0] * len(tape.nodes)
        for _, _, _, a, b in tape.ops:
            for i in (a,) if b < 0 else (a, b):
                fanout[i] += 1
        seen = [0] * len(tape.nodes)
        running: list[Number] = [Fraction(0)] * len(tape.nodes)
        for k in range(len(tape.ops) - 1, -1, -1):
            _, _, o, a, b = tape.ops[k]
            ins = (a,) if b < 0 else (a, b)
            exact_ins = ev[o] is not None  # an exact gate output means exact inputs
            locals_ = [_exact_or(e, f) for e, f in zip(tape.locals(k, ev), tape.locals(k, fv))] if exact_ins \
                else list(tape.locals(k, fv))
            for arg, (i, local) in enumerate(zip(ins, locals_)):
                if is_const[i]:
                    continue
                seen[i] += 1
                sent = _times(grad[o], local)
                running[i] = running[i] + sent if is_exact(running[i]) and is_exact(sent) \
                    else float(running[i]) + float(sent)
                steps.append(Step("backward", tape.nodes[o], sent, wrt=tape.nodes[i], arg=arg, upstream=grad[o],
                                  local=local, total=running[i], branch=seen[i], branches=fanout[i]))
        return tuple(steps)

    @cached_property
    def symbolic(self) -> "Symbolic":
        """Local derivatives and gradients as SymPy expressions (imports SymPy on first use)."""
        from .symbolic import Symbolic

        return Symbolic(self)

    def derived(self, build: Callable[["Trace"], T]) -> T:
        """build(self), computed once per trace and kept with it: where renderers keep their
        per-trace indexes (when each number becomes known, fan-out terms), not in global caches."""
        cache = self.__dict__.setdefault("_derived", {})  # as cached_property does: a frozen dataclass
        if build not in cache:
            cache[build] = build(self)
        return cache[build]

    def step_count(self) -> int:
        """How many steps the walkthrough has (forward, the seed, and backward)."""
        return len(self.steps)


def _exact_or(exact: Any, fallback: float) -> Number:
    return Fraction(exact) if is_exact(exact) else fallback


def _times(a: Number, b: Number) -> Number:
    return a * b if is_exact(a) and is_exact(b) else float(a) * float(b)


def walk(graph: "Graph | nx.MultiDiGraph", at: Mapping[str, Any]) -> Trace:
    """Run the forward and backward pass of `graph` at the input values `at`."""
    given = values_from(at)
    inputs = graph.graph["inputs"]
    missing = [x for x in inputs if x not in given]
    if missing:
        hint = ",".join(f"{x}=…" for x in missing[:4]) + (",…" if len(missing) > 4 else "")
        raise MissingValueError(f"no value for {name_list(missing)}; pass --at {hint}")
    if len(given) > len(inputs):
        known = set(inputs)
        extra = [x for x in given if x not in known]
        raise ValueInputError(f"{name_list(extra)} {'is not an input' if len(extra) == 1 else 'are not inputs'}"
                              f" of this expression (its inputs: {name_list(inputs, 8, quote=False) or 'none'}); remove "
                              f"{'it' if len(extra) == 1 else 'them'}")
    tape = Tape.of(graph)
    floats = [0.0] * len(tape.nodes)
    slot = tape.slot
    try:
        for x in inputs:
            floats[slot[x]] = float(given[x])
        for i, value in tape.consts:  # (a Fraction's float is numerator / denominator, without two calls)
            floats[i] = value.numerator / value.denominator if value.__class__ is Fraction else float(value)
    except OverflowError:  # a literal such as 1e400
        raise DomainError("a number in the expression is too large for float64 (at most about 1.8e308)") from None
    try:
        v = tape.forward(floats)
        if not all(map(math.isfinite, v)):
            bad = next(n for n, x in zip(tape.nodes, v) if not math.isfinite(x))
            raise DomainError("", node=bad, what=f"a value overflows float64 ({v[tape.slot[bad]]})",
                              fix="choose smaller input values")
        grads = tape.backward(v, tape.slot[graph.graph["output"]])
    except DomainError as err:  # the message says where, in the program's own words
        raise DomainError(f"{err.what}, in {located(graph, err.node)}; {err.fix}", node=err.node, what=err.what,
                          fix=err.fix) from None
    all_grads = dict(zip(tape.nodes, grads))
    for i, _ in tape.consts:  # (a constant's own gradient, often nan (∂x^2/∂2 at x < 0), is nobody's)
        del all_grads[tape.nodes[i]]
    if not all(map(math.isfinite, all_grads.values())):
        varies = [kind == "input" for kind in tape.kinds]  # only what depends on an input needs a gradient:
        for _, _, o, a, b in tape.ops:                     # k = -1; x^k at x < 0 has no ∂/∂k, and needs none
            varies[o] = varies[a] or (b >= 0 and varies[b])
        for n, d, var in zip(tape.nodes, grads, varies):
            if not var:
                continue
            if math.isinf(d):
                raise DomainError(f"∂{graph.graph['output_name']}/∂{n} overflows float64 at this point; "
                                  f"choose other input values", node=n)
            if math.isnan(d):
                raise DomainError(f"∂{graph.graph['output_name']}/∂{n} is undefined at this point (0·∞, or a^b "
                                  f"with a ≤ 0 and a variable b); choose other input values", node=n)
    return Trace(expr=graph.graph["expr"], structure=graph, tape=tape, at=given,
                 values=dict(zip(tape.nodes, v)), grads=all_grads)


def trace(expr: str | Program, at: Mapping[str, Any], *, expand: bool = False) -> Trace:
    """Parse `expr`, build its graph and trace it at `at`: the one entry point.

    Examples:
        >>> t = trace("q = x + y; f = q * z", {"x": -2, "y": 5, "z": -4})
        >>> t.values["q"], t.value, t.gradient["x"]
        (3.0, -12.0, -4.0)
    """
    with _no_gc():
        graph = compile_text(expr) if isinstance(expr, str) and not expand else None
        return walk(graph if graph is not None else build(expr, expand=expand), at)


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a trace is built: its tens of thousands of new
    tuples and dicts (none in a cycle) would otherwise trigger full collections over and over,
    a third of the time of a large trace."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
