"""`tutor lessons`, `tutor run`, `tutor explain` and `tutor lesson check`: the terminal tutor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from . import _input, _options as opt

Step = Annotated[int, typer.Option("--step", "-s", min=1, help="Start at this step (1 is the first).")]
All = Annotated[bool, typer.Option("--all", help="Print every step in order and exit (the default when "
                                                 "output is not a terminal).")]


def lesson_ids(incomplete: str) -> list[str]:
    """Shell completion of a lesson argument: the built-in lesson ids that start with what is typed."""
    from ..tutor.lesson import builtin, lesson_id

    return [i for i in (lesson_id(p) for p in builtin()) if i.startswith(incomplete)]


def lessons() -> None:
    """List the lessons: id, title, what it teaches, number of steps."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from ..tutor.lesson import builtin, load
    from ..tutor.screens import build

    # title and summary share the widest column and wrap at spaces: at 80 columns every word is
    # shown whole (no "1/(1+exp(-(w·x+b…"); a word wider than a narrow terminal folds, never "…"
    table = Table(show_lines=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("id", no_wrap=True)
    table.add_column("lesson: what it teaches", overflow="fold")
    table.add_column("steps", justify="right", no_wrap=True)
    for k, path in enumerate(builtin(), 1):
        lesson = load(path)
        about = Text(lesson.title, style="bold")
        if lesson.summary:
            about.append("\n" + lesson.summary)
        table.add_row(str(k), lesson.id, about, str(len(build(lesson, formulas=False))))
    console = Console()
    console.print("Lessons (start one with: tutor run ID)", highlight=False)  # a line, not a padded table title
    console.print(table)


def run(
    lesson: Annotated[str | None, typer.Argument(help="A lesson id (see `tutor lessons`) or a path to a "
                                                      "lesson file (.toml). Default: the first lesson.",
                                                 autocompletion=lesson_ids)] = None,
    show_all: All = False,
    step: Step = 1,
) -> None:
    """Step through a lesson: Enter/n/→ next, b/← back, r restart, h hint, q quit.

    Example: tutor run chain-rule
    """
    from ._direct import run as walk_lesson  # the same function `tutor run` runs without typer

    walk_lesson(lesson, show_all, step)


def explain(
    expr: opt.Expr = None,
    at: opt.At = None,
    at_file: opt.AtFile = None,
    file: opt.File = None,
    expand: opt.Expand = False,
    show_all: All = False,
    step: Step = 1,
) -> None:
    """Walk through the forward and backward pass of any expression, gate by gate.

    Example: tutor explain '(x+y)*z' --at x=-2,y=5,z=-4
    """
    from ..engine.trace import trace
    from ..tutor.screens import build, explain as lesson_of, heading, walkable
    from ..tutor.session import walk

    text = _input.program_text(expr, file)
    values = _input.values(at, at_file)
    if expr is not None and not set(text.split("-")) <= set(values):  # `tutor explain chain-rule`: a lesson
        from ..errors import TutorError
        from ..tutor.lesson import builtin, lesson_id, mistyped

        meant = text if text in {lesson_id(p) for p in builtin()} else mistyped(text)
        if meant is not None:
            raise TutorError(f"{text!r} is read as an expression with no values; for the lesson, "
                             f"run `tutor run {meant}`")
    walkable(trace(text, values, expand=expand))  # engine errors (a missing value, a typo) as the engine words them
    walk(build(lesson_of(text, values, expand)), heading(text), step, show_all)


def check(file: Annotated[str, typer.Argument(help="The lesson file (.toml) to validate.")]) -> None:
    """Validate a lesson file: its keys, types, programs, and the nodes its steps name.

    Example: tutor lesson check lessons/01-chain-rule.toml
    """
    from ..tutor.lesson import load
    from ..tutor.screens import build

    lesson = load(file)
    screens = build(lesson)
    quizzes = sum(s.quiz is not None for s in screens)
    typer.echo(f"ok: {file}: lesson {lesson.id!r} ({lesson.title}), {len(lesson.steps)} steps in the file, "
               f"{len(screens)} screens, {quizzes} {'quiz' if quizzes == 1 else 'quizzes'}")


def register(app: typer.Typer, friendly: Callable) -> None:
    """Add `lessons`, `run`, `explain` and the `lesson` sub-app (`lesson check`)."""
    app.command()(friendly(lessons))
    app.command()(friendly(run))
    app.command()(friendly(explain))
    lesson_app = typer.Typer(no_args_is_help=True, help="Tools for lesson authors.")
    lesson_app.command()(friendly(check))
    app.add_typer(lesson_app, name="lesson")
