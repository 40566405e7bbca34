"""`tutor grad` and `tutor run` in their common forms, without typer: what `cli.main` runs first.

Assembling the typer app and its pydantic coercion costs more CPU than a lesson's first screen
(`tutor run`'s promise: the lesson shows before `import sympy` could finish), so `main` reads
these argument lists itself:

    tutor grad [EXPR] [--at V]... [--at-file PATH] [--file PATH] [--expand] [--json] [--verify]
    tutor run [LESSON] [--all] [--step N]

(`--opt=V` and the short `-a`, `-f`, `-s` too). Anything else (--help, a misspelt or unknown
option, an option without its value, a value that starts with -, `--`, shell completion) goes to
the typer app, which words the error or the help as always. The commands behave the same either
way: `grad` is one function for both, and tests/test_startup.py runs both ways side by side.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import TutorError

_STEP = re.compile(r"[1-9][0-9]{0,8}")   # --step N as typer reads it without a doubt (min 1)

# option -> (parameter, takes a value, repeatable); flags take no value
_GRAD = {"--at": ("at", True, True), "-a": ("at", True, True), "--at-file": ("at_file", True, False),
         "--file": ("file", True, False), "-f": ("file", True, False), "--expand": ("expand", False, False),
         "--json": ("as_json", False, False), "--verify": ("verify", False, False)}
_RUN = {"--all": ("show_all", False, False), "--step": ("step", True, False), "-s": ("step", True, False)}


def parse(argv: list[str]) -> tuple[str, dict[str, Any]] | None:
    """(command, keyword arguments) for the forms read here, else None (typer reads them)."""
    if not argv or argv[0] not in ("grad", "run") or sys.stdout is None or sys.stderr is None or \
            any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):  # typer's completion
        return None
    command, options = argv[0], _GRAD if argv[0] == "grad" else _RUN
    positional = "expr" if command == "grad" else "lesson"
    kwargs: dict[str, Any] = {}
    rest = argv[1:]
    while rest:
        token = rest.pop(0)
        if token.startswith("-") and token != "-":
            name, eq, value = token.partition("=")
            if name not in options or (eq and not options[name][1]):
                return None   # an unknown option, --help, `--`, `-x^2`, a flag given a value
            param, takes, repeat = options[name]
            if not takes:
                kwargs[param] = True
                continue
            if not eq:
                if not rest:
                    return None
                value = rest.pop(0)
            if value.startswith("-") or (param in kwargs and not repeat):
                return None   # click may read these otherwise (or say "given twice" its way)
            if repeat:
                kwargs.setdefault(param, []).append(value)
            else:
                kwargs[param] = value
        elif positional in kwargs or token == "-":
            return None       # "got unexpected extra argument", or stdin spelled as an argument
        else:
            kwargs[positional] = token
    if "step" in kwargs:
        if not _STEP.fullmatch(kwargs["step"]):
            return None
        kwargs["step"] = int(kwargs["step"])
    if kwargs.get("at_file") is not None:
        if not kwargs["at_file"]:
            return None
        kwargs["at_file"] = Path(kwargs["at_file"])
    return command, kwargs


def dispatch(argv: list[str]) -> int | None:
    """Run `tutor grad` or `tutor run` when `argv` is a form read here: the exit code, else None.

    Errors are handled as `cli.friendly` handles them under typer: a TutorError or a file the user
    named is one line on stderr and exit 2; Ctrl-C exits 130."""
    parsed = parse(argv)
    if parsed is None:
        return None
    command, kwargs = parsed
    try:
        return (grad if command == "grad" else run)(**kwargs)
    except TutorError as err:
        _echo_error(f"Error: {err}")
        return 2
    except OSError as err:  # a file or folder the user named cannot be read or written
        if err.filename is None:
            raise
        _echo_error(f"Error: {err.filename}: {err.strerror or err}; check the path and its permissions")
        return 2
    except KeyboardInterrupt:
        return 130
    except EOFError:  # as click reports it: a new line on stderr, then "aborted" (130)
        print(file=sys.stderr)
        return 130


def _echo_error(text: str) -> None:
    """A line on stderr, written as typer writes it (rare: typer is worth importing here)."""
    import typer

    typer.echo(text, err=True)


def grad(expr: str | None = None, at: list[str] | None = None, at_file: Path | None = None, file: str | None = None,
         expand: bool = False, as_json: bool = False, verify: bool = False) -> int:
    """`tutor grad`: print the value and every gradient (a table, or the JSON contract); the exit code."""
    from . import _input as opt
    from ..engine.trace import trace

    t = trace(opt.program_text(expr, file), opt.values(at, at_file), expand=expand)
    rows = None
    if verify:
        from ..engine.verify import verify as check

        rows = check(t)
    if as_json:  # the JSON object stays exactly the contract; a failed --verify still exits 1
        import json

        from ..render.report import gradient_json

        if sys.stdout is not None:  # as typer.echo writes it (ASCII, no styles; nothing to a closed stdout)
            sys.stdout.write(json.dumps(gradient_json(t)) + "\n")
            sys.stdout.flush()
    else:
        from rich.console import Console

        from ..render.report import gradient_table, verify_table

        console = Console()
        console.print(gradient_table(t))
        if rows is not None:
            console.print(verify_table(rows, t.output_name))
    if rows is not None and not all(r.agrees for r in rows):
        _echo_error("Error: backprop disagrees with an oracle (see --verify's table)")
        return 1
    return 0


def run(lesson: str | None = None, show_all: bool = False, step: int = 1) -> int:
    """`tutor run`: step through a lesson (as commands/lessons.py's `run`), its first screen first.

    A shipped lesson's quiz formulas (checked by the test suite and `tutor lesson check`) are
    checked again only after the first screen is shown: that check needs networkx and SymPy,
    which would cost the student the wait. A lesson file of one's own is checked before."""
    from ..tutor.lesson import builtin, builtin_dir, find, load
    from ..tutor.screens import build
    from ..tutor.session import walk

    chosen = find(lesson) if lesson else load(builtin()[0])
    shipped = Path(chosen.path).resolve().parent == builtin_dir().resolve()
    pending: list[Callable[[], None]] = []
    screens = build(chosen, pending=pending if shipped else None)

    def check_answers() -> None:
        for check in pending:
            check()

    walk(screens, chosen.title, step, show_all, after_first=check_answers)
    return 0
