"""`tutor`: a thin typer app. No maths here: each command parses its options, calls the
engine, and hands the Trace to a renderer. Heavy imports (SymPy, networkx) happen inside the
commands, so `tutor --help` starts fast.

Importing this module is light: the typer app is assembled on first use of `app` (typer and its
pydantic coercion cost more than a lesson's first screen), and `main` runs the common forms of
`tutor grad` and `tutor run` without it (`commands/_direct.py`); everything else goes to typer."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from .. import stop
from ..errors import TutorError

if TYPE_CHECKING:
    import typer

HELP = ("Step through backpropagation: computational graphs, chain-rule walkthroughs, slides and "
        "homework checks.")


def friendly(command: Callable[..., Any]) -> Callable[..., Any]:
    """Print a TutorError (or a file the user named that cannot be used) as one clear line on
    stderr and exit 2, with no traceback."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        import typer

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
        except BrokenPipeError:  # `tutor ... | head` closed stdout: stop quietly, as if killed by SIGPIPE
            _silence_stdout()
            raise typer.Exit(CLOSED_PIPE) from None

    return run


def _version(value: bool) -> None:
    """--version: the installed distribution's version, then exit."""
    if value:
        import typer
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("backprop-tutor")
        except PackageNotFoundError:  # run from a source tree that was never pip-installed
            number = "(not installed)"
        typer.echo(f"backprop-tutor {number}")
        raise typer.Exit()


def _build() -> "typer.Typer":
    """The typer app: the `tutor` callback (--version) and one sub-app or command per noun."""
    global typer  # the callback's annotations name typer: they are read from this module's globals
    import typer

    app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False,  # --install-completion /
                      help=HELP)                                               # --show-completion: typer's

    @app.callback()
    def tutor(
        version: Annotated[bool, typer.Option("--version", "-V", callback=_version, is_eager=True,
                                              help="Print the version and exit.")] = False,
    ) -> None:
        """Step through backpropagation: computational graphs, chain-rule walkthroughs, slides and
        homework checks. Start with `tutor run` (a lesson) or `tutor grad '(x+y)*z' --at x=-2,y=5,z=-4`."""

    _register(app)
    return app


def __getattr__(name: str) -> Any:
    """`app`, the typer app, built on first use (tests and `tutor --help` use it; `main` may not)."""
    if name == "app":
        globals()["app"] = built = _build()
        return built
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


CLOSED_PIPE = 141  # 128 + SIGPIPE: what a shell reports for `yes | head`; never 1 ("an answer is wrong")
EXPRESSION_COMMANDS = {"grad", "explain", "slides", "export"}


def _register(app: "typer.Typer") -> None:
    from . import export, grad, homework, lessons, slides

    for module in (grad, lessons, slides, export, homework):
        module.register(app, friendly)
    for info in app.registered_commands:  # `tutor grad '-x^2' --at x=3`: an expression may start with -
        if info.callback and info.callback.__name__ in EXPRESSION_COMMANDS:
            info.context_settings = {**(info.context_settings or {}), "ignore_unknown_options": True}


def _click_exceptions() -> tuple[type, type]:
    """ClickException and UsageError: vendored inside typer since 0.2x, plain click before."""
    try:
        from typer._click import exceptions
    except ImportError:  # pragma: no cover - older typer
        from click import exceptions
    return exceptions.ClickException, exceptions.UsageError


def _silence_stdout() -> None:
    """After a write to stdout failed, point it at /dev/null so exit's final flush stays quiet."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _stdout_gone() -> bool:
    """Whether Rich or click gave up on a closed stdout: click wraps it, Rich points it at /dev/null."""
    if type(sys.stdout).__name__ == "PacifyFlushWrapper":
        return True
    try:
        out, null = os.fstat(sys.stdout.fileno()), os.stat(os.devnull)
    except (OSError, ValueError, AttributeError):
        return False
    return (out.st_dev, out.st_ino) == (null.st_dev, null.st_ino)


def _usage_text(err: Exception) -> str:
    """click's message without pydantic's "Value error, ", and for a value not among an option's
    choices (--theme drak) the nearest one."""
    import difflib
    import re

    text = err.format_message().replace("Value error, ", "")  # type: ignore[attr-defined]
    bad = re.search(r"'([^']*)' is not one of ((?:'[^']*'(?:, )?)+)\.", text)
    if bad:
        close = difflib.get_close_matches(bad.group(1), re.findall(r"'([^']*)'", bad.group(2)), n=1)
        text += f" Did you mean {close[0]!r}?" if close else ""
    return text


class _Never(Exception):
    """Stands for typer's exception classes in `main` while typer is not imported: never raised."""


def main() -> None:
    """Entry point of the `tutor` console script: every error is one line on stderr."""
    from ._direct import dispatch
    from ._encoding import safe_streams

    safe_streams()
    stop.install()  # SIGTERM and SIGHUP unwind as Ctrl-C does (every `finally` runs), and none is lost
    click_error = usage_error = abort = _Never
    try:
        code = dispatch(sys.argv[1:])  # `tutor grad EXPR --at ...`, `tutor run LESSON`: no typer (None: other forms)
        if code is None:
            import typer

            click_error, usage_error = _click_exceptions()
            abort = typer.Abort
            code = (globals().get("app") or __getattr__("app"))(standalone_mode=False)
        sys.stdout.flush()
    except SystemExit as exiting:  # Rich's and click's own EPIPE handling exit 1, after pointing stdout at /dev/null
        if exiting.code != 1 or not _stdout_gone():
            raise
        code = CLOSED_PIPE
    except usage_error as err:  # bad options: one line, with where to look
        if not err.format_message():  # `tutor`, `tutor lesson`: no arguments, so the help was printed
            sys.exit(0)
        where = err.ctx.command_path if err.ctx else "tutor"
        typer.echo(f"Error: {_usage_text(err)} (see '{where} --help')", err=True)
        code = err.exit_code
    except click_error as err:
        typer.echo(f"Error: {err.format_message()}", err=True)
        code = err.exit_code
    except (abort, KeyboardInterrupt):
        code = 130
    except BrokenPipeError:  # `tutor ... | head` closes the pipe early: not an error
        _silence_stdout()
        code = CLOSED_PIPE
    except OSError as err:  # stdout itself failed: a full disk, a closed terminal
        import typer

        _silence_stdout()
        typer.echo(f"Error: cannot write the output: {err.strerror or err}", err=True)
        code = 2
    sys.exit(stop.status(code if isinstance(code, int) else 0))  # a stop signal whose exception was dropped
