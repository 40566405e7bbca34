"""SymPy forms as a lecture writes them: step functions in Iverson brackets, cases in words.

SymPy prints the derivative of a max or ReLU as `Heaviside(w - z, 0)` and a leaky ReLU's as
`Piecewise((1, x > 0), (a, True))`; a student reads `[w > z]` and `(1 if x > 0, else a)`.
Shared by the terminal equations and the slide captions (renderers do not import each other).
"""

from __future__ import annotations

from typing import Any

__all__ = ["latex", "plain"]


def _sides(printer: Any, arg: Any) -> tuple[str, str]:
    """`a - b` as ("a", "b"), so that Heaviside(a - b) reads [a > b]; else (arg, "0")."""
    import sympy as sp

    if isinstance(arg, sp.Add):
        pos = [a for a in arg.args if not a.could_extract_minus_sign()]
        neg = [-a for a in arg.args if a.could_extract_minus_sign()]
        if pos and neg:
            return printer._print(sp.Add(*pos)), printer._print(sp.Add(*neg))
    return printer._print(arg), "0"


def _step(printer: Any, expr: Any, gt: str, ge: str, wrap: tuple[str, str]) -> str:
    """Heaviside(a, 0) is [a > 0], Heaviside(a, 1) is [a ≥ 0]; another value at 0 stays a function."""
    import sympy as sp

    at_zero = expr.args[1] if len(expr.args) > 1 else None
    if at_zero not in (sp.S.Zero, sp.S.One):
        return None  # type: ignore[return-value]
    lhs, rhs = _sides(printer, expr.args[0])
    return f"{wrap[0]}{lhs} {gt if at_zero == 0 else ge} {rhs}{wrap[1]}"


def _printers() -> tuple[type, type]:
    from sympy import S
    from sympy.printing.latex import LatexPrinter
    from sympy.printing.str import StrPrinter

    class Plain(StrPrinter):
        def _print_Heaviside(self, expr: Any) -> str:
            return _step(self, expr, ">", "≥", ("[", "]")) or super()._print_Function(expr)

        def _print_Piecewise(self, expr: Any) -> str:
            cases = [self._print(v) if c is S.true else f"{self._print(v)} if {self._print(c)}"
                     for v, c in expr.args]
            return "(" + ", else ".join(cases) + ")"

    class Latex(LatexPrinter):
        def _print_Heaviside(self, expr: Any, exp: Any = None) -> str:
            return _step(self, expr, ">", r"\geq", (r"\left[", r"\right]")) or super()._print_Heaviside(expr, exp)

        def _print_Piecewise(self, expr: Any) -> str:
            cases = [self._print(v) if c is S.true else rf"{self._print(v)} \text{{ if }} {self._print(c)}"
                     for v, c in expr.args]
            return r"\left(" + r"\text{, else }".join(cases) + r"\right)"

    return Plain, Latex


def plain(expr: Any, times: str = "·") -> str:
    """One line of text: `2·[z ≥ w]`, `(1 if x > 0, else a)`, `x^2`."""
    text = _printers()[0]().doprint(expr)
    return text.replace("**", "^").replace("*", times)


def latex(expr: Any) -> str:
    """LaTeX with the same reading: `2 \\left[z \\geq w\\right]`."""
    return _printers()[1]().doprint(expr)
