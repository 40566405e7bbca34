"""Slides in Jupyter: `show(t, 5)` displays step 5 of a Trace as SVG (`_repr_svg_`). In a cell:

    from backprop_tutor.render.notebook import show
    show(bt.trace("(x+y)*z", {"x": -2, "y": 5, "z": -4}), 5)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
