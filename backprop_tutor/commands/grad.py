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
    from ..engine.trace import trace

    t = trace(opt.program_text(expr, file), opt.values(at, at_file), expand=expand)
    rows = None
    if verify:
        from ..engine.verify import verify as check

        rows = check(t)
    if as_json:  # the JSON object stays exactly the contract; a failed --verify still exits 1
        typer.echo(json.dumps(gradient_json(t)))
    else:
        console = Console()
        console.print(gradient_table(t))
        if rows is not None:
            console.print(verify_table(rows, t.output_name))
    if rows is not None and not all(r.agrees for r in rows):
        typer.echo("Error: backprop disagrees with an oracle (see --verify's table)", err=True)
        raise typer.Exit(1)


def register(app: typer.Typer, friendly: Callable) -> None:
    """Add `grad` to the app."""
    app.command()(friendly(grad))
