"""Independent oracles for a Trace's gradients: SymPy's derivative of the whole expression and
central finite differences. Used by `tutor grad --verify`, the tests and `gradcheck`."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .trace import Trace


@dataclass(frozen=True)
class Agreement:
    """One input's gradient by backprop and by each oracle (None where an oracle cannot say)."""

    input: str
    backprop: float
    sympy: float | None
    numeric: float | None
    near_kink: bool
    scale: float = 0.0   # the largest |upstream · local| arriving at the input: its branches' size

    @property
    def agrees(self) -> bool:
        """Backprop matches SymPy closely and the finite difference loosely. At a kink neither oracle
        is held against backprop: there the derivative is a convention (relu'(0) = 0 here, 1/2 for
        SymPy's Heaviside, the mean of both sides for a central difference).

        SymPy's value is the truth, so the comparison is relative to it, with room only for the
        rounding of branches that cancel (1e-12 of the largest branch): a saturated sigmoid's
        0 against its true 4e-18 differs. The finite difference is noisy by nature, so loose."""
        if self.near_kink:
            return True
        ok_sym = self.sympy is None or \
            abs(self.backprop - self.sympy) <= 1e-7 * abs(self.sympy) + 1e-12 * self.scale
        ok_num = self.numeric is None or math.isclose(self.backprop, self.numeric, rel_tol=1e-4, abs_tol=1e-6)
        return ok_sym and ok_num


def central_difference(f: Callable[[Sequence[float]], float], x: Sequence[float], i: int,
                       h: float | None = None) -> float:
    """(f(x + h e_i) - f(x - h e_i)) / 2h, with h scaled to x_i."""
    h = h if h is not None else 1e-6 * max(1.0, abs(x[i]))
    up, down = list(x), list(x)
    up[i] += h
    down[i] -= h
    return (f(up) - f(down)) / (2 * h)


KINKED = {"relu", "abs", "max", "min", "leaky_relu", "elu", "step"}


def verify(trace: "Trace") -> list[Agreement]:
    """Compare every input gradient of `trace` with SymPy's diff and central differences."""
    import sympy as sp

    from ..errors import TutorError
    from .symbolic import BUDGET_SECONDS, OverBudget, cpu_limit

    tape, slot, out = trace.tape, trace.tape.slot, trace.tape.slot[trace.output]
    seed = [trace.values[n] for n in tape.nodes]  # inputs and constants as the tape saw them

    def f(x: Sequence[float]) -> float:
        return tape.forward(x)[out]

    branches: dict[int, float] = {}  # input slot -> the largest |upstream · local| sent to it
    inputs = {slot[x] for x in trace.inputs}
    for k, (_, _, o, a, b) in enumerate(tape.ops):
        if a in inputs or b in inputs:
            for i, local in zip((a, b), tape.locals(k, seed)):
                if i in inputs:
                    branches[i] = max(branches.get(i, 0.0), abs(trace.grads[tape.nodes[o]] * float(local)))
    whole = trace.symbolic.value(trace.output)
    at = {trace.symbolic.symbols[x]: sp.Float(seed[slot[x]], 30) for x in trace.inputs}
    rows = []
    for x in trace.inputs:
        exact = None
        if whole is not None:
            try:  # SymPy's diff of a nest of Piecewise can take minutes: bounded like the expanded build
                with cpu_limit(BUDGET_SECONDS):
                    exact = float(sp.N(sp.diff(whole, trace.symbolic.symbols[x]).subs(at), 20))
            except OverBudget:
                exact = None
            exact = exact if exact is not None and math.isfinite(exact) else None
        try:
            numeric = central_difference(f, seed, slot[x])
        except TutorError:
            numeric = None
        rows.append(Agreement(x, trace.grads[x], exact, numeric, near_kink=_near_kink(trace, x),
                              scale=branches.get(slot[x], 0.0)))
    return rows


def _near_kink(trace: "Trace", x: str) -> bool:
    """True when a kinked gate downstream of x has an input within the finite-difference step."""
    import networkx as nx

    h = 1e-5 * max(1.0, abs(trace.values[x]))
    for n in nx.descendants(trace.graph, x):
        attrs = trace.graph.nodes[n]
        if attrs.get("gate") in KINKED:
            ins = [trace.values[i] for i in attrs["inputs"]]
            gap = abs(ins[0] - ins[1]) if attrs["gate"] in {"max", "min"} else abs(ins[0])
            if gap < 1e3 * h:
                return True
    return False
