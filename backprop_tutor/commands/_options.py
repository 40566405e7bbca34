"""Options shared by the commands that take an expression: the program text and input values
(declared here for typer; `_input` reads them)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

Expr = Annotated[str | None, typer.Argument(help="Expression or program, e.g. '(x+y)*z' or "
                                                "'q = x + y; f = q * z'.")]
At = Annotated[list[str] | None, typer.Option("--at", "-a", help="Input values: x=-2,y=5,z=-4 (repeatable).")]
AtFile = Annotated[Path | None, typer.Option("--at-file", help="Input values from a TOML or JSON file.")]
File = Annotated[str | None, typer.Option("--file", "-f", help="Read the program from a file ('-' reads stdin).")]
Expand = Annotated[bool, typer.Option("--expand", help="Decompose composite gates (sigmoid, softplus) "
                                                        "into the primitive gates the slides draw.")]
