"""`tutor grad`: the value and every gradient of an expression, numeric and symbolic."""

from __future__ import annotations

import json
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
    from rich.console import Console

    from ..render.report import gradient_json, gradient_table, verify_table
    from ..trace import trace

    t = trace(opt.program_text(expr, file), opt.values(at, at_file), expand=expand)
    if as_json:
        typer.echo(json.dumps(gradient_json(t)))
        return
    console = Console()
    console.print(gradient_table(t))
    if verify:
        from ..verify import verify as check

        rows = check(t)
        console.print(verify_table(rows, t.output_name))
        if not all(r.agrees for r in rows):
            raise typer.Exit(1)


def register(app: typer.Typer, friendly: Callable) -> None:
    """Add `grad` to the app."""
    app.command()(friendly(grad))
