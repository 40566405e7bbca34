"""`gradcheck`: a student's own backward pass against central finite differences (as in cs231n).

The relative error |analytic - numeric| / max(|analytic|, |numeric|) is reported per input, worst
element first. For float64 with h = 1e-5: below 1e-7 the gradient is right; above 1e-2 it is
wrong; in between it is suspicious (fine near a kink, usually a bug otherwise). A kink (relu,
abs, max) inside [x - h, x + h] makes the finite difference meaningless there: it is detected
by the one-sided slopes, which for a smooth function differ in proportion to h, and is warned
about, since it explains a large error that is not a bug.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

RIGHT, WRONG = 1e-7, 1e-2


@dataclass(frozen=True)
class InputCheck:
    """One input's comparison: the worst element's relative error and what it means."""

    name: str
    rel_error: float
    verdict: str          # "right" | "suspicious" | "wrong"
    kink: bool            # the finite-difference step crossed a kink at some element
    worst_index: tuple    # the element with the largest relative error (() for a scalar)
    analytic: float
    numeric: float


@dataclass(frozen=True)
class GradcheckReport:
    """Per-input results; `ok` when every input is right or only off at a kink."""

    inputs: list[InputCheck]

    @property
    def ok(self) -> bool:
        """True when no input is wrong or suspicious except across a kink."""
        return all(c.verdict == "right" or c.kink for c in self.inputs)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for autograders."""
        return {"ok": self.ok, "thresholds": {"right": RIGHT, "wrong": WRONG},
                "inputs": [asdict(c) | {"worst_index": list(c.worst_index)} for c in self.inputs]}

    def __str__(self) -> str:
        lines = [f"gradcheck (float64; relative error < {RIGHT:g} is right, > {WRONG:g} is wrong):"]
        for c in self.inputs:
            at = f"[{', '.join(map(str, c.worst_index))}]" if c.worst_index else ""
            lines.append(f"  {c.name}{at}: relative error {c.rel_error:.2e} -> {c.verdict} "
                         f"(analytic {c.analytic:.8g}, numeric {c.numeric:.8g})")
            if c.kink:
                lines.append("    warning: the finite-difference step crosses a kink (relu, abs, max) here; "
                             "a large error at a kink is not a bug")
        return "\n".join(lines)


def gradcheck(f: Callable[..., Any], inputs: Any, analytic_grads: Any, *, h: float = 1e-5) -> GradcheckReport:
    """Compare `analytic_grads` with central differences of the scalar function `f`.

    `inputs` is a dict (f is called f(**inputs)), a list or tuple (f(*inputs)) or one value
    (f(x)); numbers or numpy arrays. `analytic_grads` has the same shape.

    Examples:
        >>> r = gradcheck(lambda x, y: x * y, {"x": 3.0, "y": -2.0}, {"x": -2.0, "y": 3.0})
        >>> [(c.name, c.verdict) for c in r.inputs], r.ok
        ([('x', 'right'), ('y', 'right')], True)
    """
    import numpy as np

    if isinstance(inputs, Mapping):
        names, values = list(inputs), list(inputs.values())
        if missing := [n for n in names if n not in analytic_grads]:
            raise ValueError(f"analytic_grads has no gradient for {', '.join(map(repr, missing))}")
        grads = [analytic_grads[n] for n in names]
        call = lambda vs: f(**dict(zip(names, vs)))  # noqa: E731
    elif isinstance(inputs, Sequence) and not isinstance(inputs, str):
        names, values, grads = [f"inputs[{i}]" for i in range(len(inputs))], list(inputs), list(analytic_grads)
        call = lambda vs: f(*vs)  # noqa: E731
    else:
        names, values, grads = ["x"], [inputs], [analytic_grads]
        call = lambda vs: f(vs[0])  # noqa: E731
    arrays = [np.array(v, dtype=np.float64) for v in values]
    scalar = [np.ndim(v) == 0 for v in values]

    def value(arrs: list) -> float:
        out = np.asarray(call([float(a) if s else a for a, s in zip(arrs, scalar)]), dtype=np.float64)
        if out.size != 1:
            raise ValueError(f"f must return a scalar (a loss); it returned shape {out.shape}: sum it")
        return float(out.reshape(()))

    checks = []
    if len(grads) != len(arrays):
        raise ValueError(f"{len(arrays)} inputs but {len(grads)} analytic gradients")
    base = value(arrays)  # f at the point itself: the same for every element (each is restored)
    for name, x, grad in zip(names, arrays, grads):
        grad = np.asarray(grad, dtype=np.float64)
        if grad.shape != x.shape and grad.size != 1:
            raise ValueError(f"the gradient of {name} has shape {grad.shape}; {name} has shape {x.shape}")
        grad = np.broadcast_to(grad, x.shape)
        worst, kinked = (-1.0, (), 0.0, 0.0), False
        for idx in np.ndindex(x.shape):
            slopes = {0.0: base}
            for step in (h, -h, h / 2, -h / 2):
                saved = x[idx]
                x[idx] = saved + step
                slopes[step] = value(arrays)
                x[idx] = saved
            numeric = (slopes[h] - slopes[-h]) / (2 * h)
            jump_h = (slopes[h] - 2 * slopes[0.0] + slopes[-h]) / h        # right slope - left slope, step h
            jump_half = (slopes[h / 2] - 2 * slopes[0.0] + slopes[-h / 2]) / (h / 2)
            scale = abs(slopes[h] - slopes[0.0]) / h + abs(slopes[0.0] - slopes[-h]) / h
            kinked |= abs(jump_h - 2 * jump_half) > 1e-3 * scale + 1e-7 * (1 + abs(slopes[0.0]))
            analytic = float(grad[idx])
            denom = max(abs(analytic), abs(numeric))
            rel = abs(analytic - numeric) / denom if denom > 0 else 0.0
            if rel > worst[0]:
                worst = (rel, idx, analytic, numeric)
        rel, idx, analytic, numeric = worst
        verdict = "right" if rel < RIGHT else "wrong" if rel > WRONG else "suspicious"
        checks.append(InputCheck(name, rel, verdict, kinked, tuple(int(i) for i in idx), analytic, numeric))
    return GradcheckReport(checks)
