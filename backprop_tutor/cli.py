"""`tutor`: a thin typer app. No maths here: each command parses its options, calls the
engine, and hands the Trace to a renderer. Heavy imports (SymPy, networkx) happen inside the
commands, so `tutor --help` starts fast."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import typer

from .errors import TutorError

app = typer.Typer(
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="Step through backpropagation: computational graphs, chain-rule walkthroughs, slides and "
         "homework checks.",
)


def friendly(command: Callable[..., Any]) -> Callable[..., Any]:
    """Print a TutorError (or a file the user named that cannot be used) as one clear line on
    stderr and exit 2, with no traceback."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except TutorError as err:
            typer.echo(f"Error: {err}", err=True)
            raise typer.Exit(2) from None
        except OSError as err:  # a file or folder the user named cannot be read or written
            if err.filename is None:
                raise
            typer.echo(f"Error: {err.filename}: {err.strerror or err}; check the path and its permissions", err=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            raise typer.Exit(130) from None

    return run


@app.callback()
def tutor() -> None:
    """Step through backpropagation: computational graphs, chain-rule walkthroughs, slides and
    homework checks. Start with `tutor run` (a lesson) or `tutor grad '(x+y)*z' --at x=-2,y=5,z=-4`."""


def _register() -> None:
    from .commands import grad, homework, lessons, slides

    for module in (grad, lessons, slides, homework):
        module.register(app, friendly)


_register()


def main() -> None:
    """Entry point of the `tutor` console script."""
    try:
        app()
    except BrokenPipeError:  # `tutor ... | head` closes the pipe early: not an error
        sys.stderr.close()
        sys.exit(0)
