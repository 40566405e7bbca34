"""Slides in Jupyter: `t.step(5)` (or `show(t, 5)`) displays step 5 of a Trace as SVG. In a cell:

    t = bt.trace("(x+y)*z", {"x": -2, "y": 5, "z": -4})
    t.step(5)

The engine does not know about drawings: `attach()` gives `Trace` its `step` and `_repr_svg_`
from here (the package's `__init__` calls it), so imports still only flow down.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine.trace import Trace


@dataclass
class StepView:
    """One step of a Trace, displayed as its slide by Jupyter (1-based `step`, as on the slides)."""

    trace: "Trace"
    step: int = 1
    theme: str = "light"
    engine: str = "auto"
    _svg: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        from ..errors import TutorError

        count = len(self.trace.steps)
        if not 1 <= self.step <= count:
            raise TutorError(f"step {self.step} does not exist; this trace has steps 1 to {count}")

    def source(self) -> str:
        """The slide's DOT source."""
        from .graphviz import to_dot

        return to_dot(self.trace, self.step - 1, self.theme)

    def _repr_svg_(self) -> str:
        if self._svg is None:
            from .engine import render_one

            svg = render_one(self.source(), "svg", self.engine).decode("utf-8")
            self._svg = svg[svg.index("<svg"):]
        return self._svg


def show(trace: "Trace", step: int = 1, theme: str = "light", engine: str = "auto") -> StepView:
    """The slide of step `step` (1-based) of `trace`; the last expression of a cell displays it."""
    return StepView(trace, step, theme, engine)


def _step(self: Trace, n: int) -> StepView:
    """Step n (1-based) as a picture that Jupyter shows (SVG)."""
    return show(self, n)


def _repr_svg_(self: Trace) -> str:
    """Jupyter shows a Trace as its last step: every value and gradient filled in."""
    return show(self, len(self.steps))._repr_svg_()


def attach() -> None:
    """Give `Trace` its notebook views: `t.step(n)` and the SVG Jupyter shows for `t`."""
    Trace.step = _step
    Trace._repr_svg_ = _repr_svg_
