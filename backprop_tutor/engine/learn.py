"""Learning from gradients: update steps (SGD, momentum, RMSprop, Adam) and side-by-side comparisons.

The maths of a step still runs in the engine: each new forward pass is a new `walk` of the
same graph at the updated values. Only the optimizers' arithmetic lives here. One SGD step
stays exact (1.5 - 0.01·20 = 1.3); repeated runs use floats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from .trace import walk
from .values import Number, values_from

if TYPE_CHECKING:
    from .trace import Trace


def exact(x: Any) -> Number:
    """A lesson's number (TOML int/float) as the decimal it was typed as: 0.01 -> Fraction(1, 100)."""
    if isinstance(x, float):
        return Fraction(repr(x)) if math.isfinite(x) else x
    if isinstance(x, int | Fraction) and not isinstance(x, bool):
        return Fraction(x)
    return values_from({"x": x})["x"]


@dataclass(frozen=True)
class Update:
    """One gradient-descent step: param -> (old, gradient, new), and the traces around it."""

    lr: Number
    rows: dict[str, tuple[Number, Number, Number]]
    before: "Trace"
    after: "Trace"


def sgd_step(t: "Trace", params: list[str], lr: Any) -> Update:
    """θ ← θ - η·∂L/∂θ for each parameter θ, then a new forward pass at the new values."""
    lr = exact(lr)
    rows = {}
    for p in params:
        old, grad = t.number(p), t.number(p, "grad")
        step = lr * grad if isinstance(lr, Fraction) and isinstance(grad, Fraction) else float(lr) * float(grad)
        new = old - step if isinstance(old, Fraction) and isinstance(step, Fraction) else float(old) - float(step)
        rows[p] = (old, grad, new)
    at = {x: t.number(x) for x in t.inputs} | {p: r[2] for p, r in rows.items()}
    return Update(lr, rows, t, walk(t.structure, at))


@dataclass(frozen=True)
class Run:
    """Repeated updates by one optimizer: (iteration, loss) every `every` iterations, and the end point."""

    optimizer: str
    losses: list[tuple[int, float]]
    final: dict[str, float]
    label: str = ""                 # the column name shown ("GD", "SGD, 1 point"); default: the optimizer

    @property
    def name(self) -> str:
        """What the run is called on screen."""
        return self.label or self.optimizer


def optimize(t: "Trace", params: list[str], lr: float, optimizer: str, iterations: int, every: int = 1,
             gamma: float = 0.9, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8, rho: float = 0.9,
             batches: "list[Trace] | None" = None, label: str = "") -> Run:
    """Run `iterations` updates of `optimizer` ("sgd", "momentum", "rmsprop" or "adam") from the trace's values.

    The loss recorded is always `t`'s (the whole data set). With `batches`, update k takes its gradient
    from batches[(k - 1) % len(batches)] instead (the loss of one point or one minibatch; their inputs
    are among `t`'s): stochastic or minibatch gradient descent, cycling through the batches in order.
    """
    at = {x: float(t.values[x]) for x in t.inputs}
    m = {p: 0.0 for p in params}   # momentum's velocity v, or Adam's first moment
    v = {p: 0.0 for p in params}   # RMSprop's and Adam's running mean of g²
    losses = [(0, float(t.value))]
    current = t
    for k in range(1, iterations + 1):
        source = current
        if batches:
            batch = batches[(k - 1) % len(batches)]
            source = walk(batch.structure, {x: at[x] for x in batch.inputs})
        for p in params:
            g = float(source.grads[p])
            if optimizer == "sgd":                     # θ = θ - η∇J
                at[p] -= lr * g
            elif optimizer == "momentum":              # v = γv + η∇J; θ = θ - v
                m[p] = gamma * m[p] + lr * g
                at[p] -= m[p]
            elif optimizer == "rmsprop":               # s = ρs + (1 - ρ)g²; θ = θ - ηg/(√s + ε)
                v[p] = rho * v[p] + (1 - rho) * g * g
                at[p] -= lr * g / (math.sqrt(v[p]) + eps)
            else:                                      # Adam, with bias correction
                m[p] = beta1 * m[p] + (1 - beta1) * g
                v[p] = beta2 * v[p] + (1 - beta2) * g * g
                at[p] -= lr * (m[p] / (1 - beta1**k)) / (math.sqrt(v[p] / (1 - beta2**k)) + eps)
        current = walk(t.structure, at)
        if k % every == 0 or k == iterations:
            losses.append((k, float(current.value)))
    return Run(optimizer, losses, {p: at[p] for p in params}, label)


@dataclass(frozen=True)
class Curve:
    """A function of x at several points: its values and its slopes (from the engine's backward pass)."""

    function: str
    points: list[Number]
    values: list[Number | None]
    slopes: list[Number | None]


def curves(functions: list[str], points: list[Any]) -> list[Curve]:
    """Each function's value and derivative at each point (None where it is undefined)."""
    from ..errors import TutorError
    from .graph import build as build_graph

    xs = [exact(p) for p in points]
    out = []
    for text in functions:
        g = build_graph(text)
        others = [n for n in g.graph["inputs"] if n != "x"]
        if others:
            raise TutorError(f"{text!r} uses {', '.join(map(repr, others))}; a function here may only use x")
        values, slopes = [], []
        for x in xs:
            try:
                t = walk(g, {"x": x} if "x" in g.graph["inputs"] else {})
                values.append(t.number(t.output))
                slopes.append(t.number("x", "grad") if "x" in t.inputs else 0)
            except TutorError:
                values.append(None)
                slopes.append(None)
        out.append(Curve(text, xs, values, slopes))
    return out
