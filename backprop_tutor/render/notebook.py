"""A Trace in Jupyter: its drawing as a `graphviz.Digraph`, and an HTML view of its numbers. In a cell:

    t = bt.trace("(x+y)*z", {"x": -2, "y": 5, "z": -4})
    t              # the value, the gradient table and the drawing (HTML)
    t.step(5)      # step 5's slide: a graphviz.Digraph (.source, .render(), .pipe(), .save())
    t.digraph      # the last step's slide, every value and gradient filled in

The drawings are `graphviz.Digraph` objects, as micrograd's `draw_dot` and torchviz's `make_dot`
return: tweak them with `.attr(...)`, save them with `.render("step5", format="png")`. Where no
system Graphviz `dot` is installed, the `graphviz` package is pointed at the pip-installed
graphviz-pure (same flags; no PDF), so `.pipe()`, `.render()` and Jupyter's inline SVG work too,
`graphviz.version()` says which Graphviz it ports, and its warnings on character widths stay quiet.

The engine does not know about drawings: `attach()` gives `Trace` its `step`, `digraph` and
displays from here (the package's `__init__` calls it), so imports still only flow down.
"""

from __future__ import annotations

import functools
import re
import subprocess
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

import graphviz

from ..engine.trace import Trace
from .chain import shown

TABLE_ROWS = 40  # inputs in a Trace's HTML table; `t.gradient` has them all


def use_graphviz_pure() -> str:
    """Point the `graphviz` package at graphviz-pure when no system `dot` is on PATH; the program used.

    `graphviz.version()` then reports the Graphviz version graphviz-pure ports (its `-V` says
    "graphviz-pure version 0.2.2 (Rust port of Graphviz 16.1.0)", which graphviz cannot parse)."""
    from .engine import find

    name, path = find("auto")
    if name == "graphviz-pure":
        graphviz.backend.dot_command.DOT_BINARY = Path(path)
        if not hasattr(graphviz.version, "__wrapped__"):
            graphviz.version = graphviz.backend.version = _ported(graphviz.version)
    return name


def _ported(upstream: Callable[[], tuple[int, ...]]) -> Callable[[], tuple[int, ...]]:
    """`graphviz.version`, also for graphviz-pure: the version of the Graphviz it is a port of."""
    @functools.wraps(upstream)
    def version() -> tuple[int, ...]:
        try:
            return upstream()
        except RuntimeError:  # "cannot parse [...] output": not Graphviz's own words
            done = subprocess.run([str(graphviz.backend.dot_command.DOT_BINARY), "-V"], capture_output=True,
                                  text=True, check=False)
            port = re.search(r"port of Graphviz (\d+)\.(\d+)(?:\.(\d+))?", done.stdout + done.stderr)
            if port is None:
                raise
            return tuple(int(d) for d in port.groups() if d is not None)
    return version


def _is_pure() -> bool:
    """Is the `graphviz` package running graphviz-pure?"""
    return Path(graphviz.backend.dot_command.DOT_BINARY).stem == "graphviz-pure"


class StepView(graphviz.Digraph):
    """One step's slide as a `graphviz.Digraph`: `.source`, `.pipe()`, `.render()`, `.save()` and
    `.attr()` as on any Digraph; `trace`, `step` (1-based) and `theme` say which slide it is.

    Jupyter shows it as SVG, laid out by the system `dot` or else graphviz-pure.
    """

    trace: Trace
    step: int
    theme: str = "light"
    program: str = "auto"   # the layout program for the inline SVG: auto, dot or graphviz-pure

    def _svg(self) -> str:
        from .engine import render_one

        cached = getattr(self, "_cached", None)
        if cached is None or cached[0] != self.source:  # re-laid out after a tweak (.attr(), .node())
            svg = render_one(self.source, "svg", self.program).decode("utf-8")
            cached = self._cached = (self.source, svg[svg.index("<svg"):])
        return cached[1]

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        """As `graphviz.Digraph.pipe`; graphviz-pure's warnings on character widths are not shown
        (`quiet=True` unless given; its errors still raise)."""
        return super().pipe(*args, **_quiet(args, kwargs, 4))

    def render(self, *args: Any, **kwargs: Any) -> Any:
        """As `graphviz.Digraph.render`; graphviz-pure's warnings on character widths are not shown
        (`quiet=True` unless given; its errors still raise)."""
        return super().render(*args, **_quiet(args, kwargs, 8))

    def _repr_image_svg_xml(self) -> str:  # graphviz's Jupyter hook (`_repr_mimebundle_`)
        return self._svg()

    def _repr_svg_(self) -> str:
        """The slide as SVG markup (IPython's older display hook)."""
        return self._svg()

    def __repr__(self) -> str:
        return f"<StepView: step {self.step} of {len(self.trace.steps)} of {self.trace.expr!r}>"


def _quiet(args: tuple, kwargs: dict[str, Any], position: int) -> dict[str, Any]:
    """`kwargs` with quiet=True when graphviz-pure runs and the caller did not say (by name, or as
    positional argument `position`): it warns about the width of every non-ASCII character (·, ∂),
    on the user's terminal or in the notebook, although the drawing is right."""
    if "quiet" not in kwargs and len(args) <= position and _is_pure():
        return {**kwargs, "quiet": True}
    return kwargs


def show(trace: Trace, step: int = 1, theme: str = "light", engine: str = "auto") -> StepView:
    """The slide of step `step` (1-based) of `trace` as a Digraph; the last expression of a cell displays it.

    Examples:
        >>> import backprop_tutor as bt
        >>> view = show(bt.trace("(x+y)*z", {"x": -2, "y": 5, "z": -4}), 5)
        >>> view.source.startswith("digraph slide {"), "∂f/∂z" in view.source
        (True, True)
    """
    from ..errors import TutorError
    from .graphviz import to_dot

    count = len(trace.steps)
    if isinstance(step, bool) or not isinstance(step, int) or not 1 <= step <= count:
        raise TutorError(f"step {step!r} does not exist; this trace has steps 1 to {count}")
    lines = to_dot(trace, step - 1, theme).rstrip("\n").splitlines()
    assert lines[0] == "digraph slide {" and lines[-1] == "}", lines[0]
    view = StepView(name="slide", body=[line + "\n" for line in lines[1:-1]])
    view.trace, view.step, view.theme, view.program = trace, step, theme, engine
    use_graphviz_pure()
    return view


def _step(self: Trace, n: int, theme: str = "light") -> StepView:
    """Step n (1-based) as its slide, a `graphviz.Digraph` that Jupyter shows as SVG."""
    return show(self, n, theme)


def _digraph(self: Trace) -> StepView:
    """The last step's slide (every value and gradient) as a `graphviz.Digraph`."""
    return show(self, len(self.steps))


def _repr_svg_(self: Trace) -> str:
    """Jupyter shows a Trace as its last step: every value and gradient filled in."""
    return show(self, len(self.steps))._repr_svg_()


def trace_html(t: Trace, drawing: bool = True) -> str:
    """The Trace as HTML: its value, a table of every input's value and gradient, and its drawing."""
    out = t.output_name
    at = ", ".join(f"{x} = {shown(t, t.number(x))}" for x in t.inputs[:TABLE_ROWS])
    rows = "".join(f"<tr><td>{escape(x)}</td><td style='color:#1a7f37'>{escape(shown(t, t.number(x)))}</td>"
                   f"<td style='color:#c62828;font-style:italic'>{escape(shown(t, t.number(x, 'grad')))}</td></tr>"
                   for x in t.inputs[:TABLE_ROWS])
    more = (f"<p>… and {len(t.inputs) - TABLE_ROWS:,} more inputs (<code>t.gradient</code> has them all)</p>"
            if len(t.inputs) > TABLE_ROWS else "")
    picture = f"<div style='max-width:100%;overflow:auto'>{_repr_svg_(t)}</div>" if drawing else ""
    return (f"<div class='backprop-trace'><p><b>{escape(out)} = {escape(shown(t, t.number(t.output)))}</b> for "
            f"<code>{escape(t.expr if len(t.expr) <= 200 else t.expr[:200] + '…')}</code>"
            f"{' at ' + escape(at) if at else ''}</p>"
            f"<table><thead><tr><th>input</th><th>value</th><th>∂{escape(out)}/∂input</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>{more}{picture}</div>")


def _repr_html_(self: Trace) -> str:
    """Jupyter's view of a Trace: value, gradient table, drawing."""
    return trace_html(self)


def attach() -> None:
    """Give `Trace` its notebook views: `t.step(n)`, `t.digraph`, and the HTML/SVG Jupyter shows for `t`."""
    Trace.step = _step
    Trace.digraph = property(_digraph)
    Trace._repr_svg_ = _repr_svg_
    Trace._repr_html_ = _repr_html_


__all__ = ["StepView", "show", "trace_html", "attach", "use_graphviz_pure"]
