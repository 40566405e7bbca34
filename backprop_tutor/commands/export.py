"""`tutor export`: a lesson (or an expression's walkthrough) as one interactive HTML file or a notebook."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from . import _input, _options as opt

FORMATS = {".html": "html", ".htm": "html", ".ipynb": "ipynb"}


def export(
    lesson: Annotated[str | None, typer.Argument(metavar="LESSON|EXPR", help="A lesson (id such as chain-rule, "
                                                  "or a .toml file) or an expression with --at.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="The file to write: lesson.html (one self-contained "
                                                         "interactive page) or lesson.ipynb (a Jupyter notebook).")] = Path("lesson.html"),
    at: opt.At = None,
    at_file: opt.AtFile = None,
    file: opt.File = None,
    expand: opt.Expand = False,
    theme: Annotated[str, typer.Option("--theme", help="light or dark (HTML).")] = "light",
    engine: Annotated[str, typer.Option("--engine", help="auto (dot if installed, else graphviz-pure), "
                                                         "dot or graphviz-pure.")] = "auto",
) -> None:
    """Export a lesson as one interactive web page (.html) or a Jupyter notebook (.ipynb).

    The page steps by buttons, ←/→ or swipe, and its quizzes are answered in it.
    It needs no network or server: upload it to an LMS or send it by e-mail.
    The notebook has a cell per screen and a cell to fill in per quiz.

    Example: tutor export chain-rule --out chain-rule.html
    """
    from ..errors import TutorError
    from ..render import engine as gv
    from ..render.labels import THEMES
    from ..tutor.export import html, lesson_of, notebook

    kind = FORMATS.get(out.suffix.lower())
    if kind is None:
        raise TutorError(f"cannot tell the format of {str(out)!r} from its name; use --out lesson.html or "
                         "--out lesson.ipynb")
    if theme not in THEMES:
        raise TutorError(f"unknown theme {theme!r}; choose light or dark")
    if lesson is None and file is None:
        raise TutorError("name a lesson (see `tutor lessons`) or give an expression; e.g. tutor export chain-rule "
                         "--out chain-rule.html")
    values = _input.values(at, at_file)
    if kind == "ipynb":
        if file is not None:
            raise TutorError("a notebook names its lesson or expression in a cell: give it as LESSON|EXPR, not --file")
        import nbformat

        nb = notebook(lesson, values, expand, theme)
        nbformat.write(nb, str(out))
        typer.echo(f"wrote {out} ({len(nb.cells)} cells): open it in Jupyter and run the cells from the top")
        return
    gv.find(engine)  # fail before any work when no engine is installed
    text = _input.program_text(None, file) if file is not None else None
    chosen = lesson_of(lesson, values, expand, text)
    page = html(chosen, theme, engine)
    out.write_text(page, encoding="utf-8")
    typer.echo(f"wrote {out} ({len(page.encode()) // 1024:,} kB): open it in a browser")


def register(app: typer.Typer, friendly: Callable) -> None:
    """Add `export` to the app."""
    app.command()(friendly(export))
