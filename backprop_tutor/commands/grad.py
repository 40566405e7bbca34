"""`tutor grad`: the value and every gradient of an expression, numeric and symbolic."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from . import _options as opt


def grad(
    expr: opt.Expr = None,
    at: opt.At = None,
    at_file: opt.AtFile = None,
    file: opt.File = None,
    expand: opt.Expand = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (a stable contract).")] = False,
    verify: Annotated[bool, typer.Option("--verify", help="Check backprop against sympy.diff and "
                                                          "central finite differences.")] = False,
) -> None:
    """Print the value of EXPR and its gradient with respect to every input.

    Example: tutor grad '(x+y)*z' --at x=-2,y=5,z=-4
    """
    from ._direct import grad as report  # the same function `tutor grad` runs without typer

    code = report(expr, at, at_file, file, expand, as_json, verify)
    if code:
        raise typer.Exit(code)


def register(app: typer.Typer, friendly: Callable) -> None:
    """Add `grad` to the app."""
    app.command()(friendly(grad))
