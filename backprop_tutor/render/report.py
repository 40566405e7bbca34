"""The gradient report of `tutor grad`: a Rich table, and the JSON object scripts rely on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .chain import shown

if TYPE_CHECKING:
    from rich.console import Group
    from rich.table import Table

    from ..engine.trace import Trace
    from ..engine.verify import Agreement


def gradient_json(trace: "Trace") -> dict[str, Any]:
    """The stable contract of `tutor grad --json`.

    `symbolic` strings use SymPy's own names only, so `sympy.sympify` reads them back; a
    gradient too large to expand (see Symbolic.why_not) is null, and `symbolic_note` says why.
    """
    sym = trace.symbolic
    out = {
        "expression": trace.expr,
        "value": trace.value,
        "gradient": dict(trace.gradient),
        "symbolic": {x: None if sym.grad(x) is None else str(sym.grad(x)) for x in trace.inputs},
    }
    if sym.why_not:
        out["symbolic_note"] = sym.why_not
    return out


def gradient_table(trace: "Trace", symbolic: bool = True) -> Group:
    """The output's value, then each input's value and gradient, numeric and symbolic (expanded)."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    out = trace.output_name
    table = Table()
    table.add_column("input")
    table.add_column("value", justify="right")
    table.add_column(f"∂{out}/∂input", justify="right", style="red")
    if symbolic:
        table.add_column("symbolic")
    for x in trace.inputs:
        row = [x, shown(trace, trace.number(x)), shown(trace, trace.number(x, "grad"))]
        if symbolic:
            expr = trace.symbolic.grad(x)
            row.append(str(expr) if expr is not None else "(too large to expand)")
        table.add_row(*row)
    if symbolic and trace.symbolic.why_not:
        table.caption = trace.symbolic.why_not
    # the title as its own line: a Table title is padded to the table's width (trailing spaces)
    return Group(Text(f"{out} = {shown(trace, trace.number(trace.output))}", style="bold"), table)


def verify_table(rows: list["Agreement"], out: str) -> Table:
    """Backprop against SymPy's derivative and central finite differences, per input."""
    from rich.table import Table

    table = Table(title=f"∂{out}/∂input by three methods", title_justify="left")
    for name in ("input", "backprop", "sympy.diff", "finite diff", "agree"):
        table.add_column(name, justify="right" if name not in ("input", "agree") else "left")

    def show(x: float | None) -> str:
        return "—" if x is None else f"{x:.10g}"

    for r in rows:
        verdict = "✓" if r.agrees else "✗ differs"
        if r.near_kink and r.agrees:
            verdict += " (at a kink: a convention, not compared)"
        table.add_row(r.input, show(r.backprop), show(r.sympy), show(r.numeric), verdict)
    return table
