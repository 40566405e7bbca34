"""backprop_tutor: a computational-graph visualizer and step-through backprop tutor.

    >>> import backprop_tutor as bt
    >>> t = bt.trace("(x+y)*z", {"x": -2, "y": 5, "z": -4})
    >>> t.value, t.gradient["x"]
    (-12.0, -4.0)

The pipeline is parse -> graph -> trace -> renderers and checker; `Trace` is the one
structure every renderer and the checker read. Submodules load on first use.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["trace", "Trace", "Step", "parse", "build_graph", "GATES", "TutorError",
           "check_answers", "gradcheck", "lesson"]

# Eager: the name `trace` must be the function, not the submodule of the same name (light:
# the engine imports lark, networkx and SymPy only when it needs them).
from .engine.trace import Step, Trace, trace  # noqa: E402


def _attach() -> None:
    """Give `Trace` its notebook views (`t.step(n)`, `t.digraph`, Jupyter's HTML and SVG): the
    renderer is handed to the engine's Trace, not imported by it. Each view imports render.notebook
    (and with it the graphviz package) on first use: `import backprop_tutor` and the CLI stay light."""

    def step(self: Trace, n: int, theme: str = "light") -> Any:
        """Step n (1-based) as its slide, a `graphviz.Digraph` that Jupyter shows as SVG."""
        from .render import notebook

        return notebook._step(self, n, theme)

    def digraph(self: Trace) -> Any:
        """The last step's slide (every value and gradient) as a `graphviz.Digraph`."""
        from .render import notebook

        return notebook._digraph(self)

    def _repr_svg_(self: Trace) -> str:
        from .render import notebook

        return notebook._repr_svg_(self)

    def _repr_html_(self: Trace) -> str:
        from .render import notebook

        return notebook._repr_html_(self)

    Trace.step, Trace.digraph = step, property(digraph)  # type: ignore[attr-defined]
    Trace._repr_svg_, Trace._repr_html_ = _repr_svg_, _repr_html_  # type: ignore[attr-defined]


_attach()

_HOME = {
    "parse": "engine.parse", "build_graph": "engine.graph", "GATES": "engine.gates",
    "TutorError": "errors", "check_answers": "homework.check", "gradcheck": "homework.check",
    "lesson": "tutor.notebook",
}


def __getattr__(name: str) -> Any:
    """Import the public names lazily (keeps `import backprop_tutor` and `tutor --help` fast)."""
    if name not in _HOME:
        raise AttributeError(f"module 'backprop_tutor' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)


def __dir__() -> list[str]:
    """The module's names, the lazily imported ones included (tab completion, `dir(bt)`)."""
    return sorted(set(globals()) | set(_HOME))
