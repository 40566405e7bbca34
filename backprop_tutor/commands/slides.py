"""`tutor slides`: every chain-rule step of a lesson or an expression as slides."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from . import _input, _options as opt
from .lessons import lesson_ids


class Theme(str, Enum):
    """--theme: render.labels.THEMES's names (typer shows and checks them as choices)."""

    light = "light"
    dark = "dark"


class Engine(str, Enum):
    """--engine: auto, or one of render.engine.ENGINES."""

    auto = "auto"
    dot = "dot"
    graphviz_pure = "graphviz-pure"


def _trace(ref: str | None, file: str | None, at: dict[str, Any], expand: bool) -> tuple[Any, str]:
    """The Trace to draw and the deck's heading: a lesson's graph (`sigmoid-neuron`, a .toml file,
    `sigmoid-neuron:sigma` for a graph other than its main one), else the expression's."""
    found = _lesson(ref, at) if ref is not None and file is None else None
    if found is None:
        return _bounded(_input.program_text(ref, file), at, expand), "Backprop"
    lesson, graph = found  # --at overrides the lesson's values; --expand adds to its granularity
    spec = lesson.graphs[graph]
    return _bounded(spec.program, {**spec.at, **at}, expand or spec.expand), lesson.title


MAX_CHARS = 200_000  # a program longer than this cannot give a graph slides draw (MAX_NODES): refuse unparsed


def _bounded(text: Any, at: dict[str, Any], expand: bool) -> Any:
    """The Trace of `text`, refusing a graph too large for slides before tracing it (seconds, 100s of MB)."""
    from ..errors import TutorError
    from ..engine.graph import build_graph
    from ..render.slides import MAX_NODES, check_size
    from ..engine.trace import walk

    if isinstance(text, str) and len(text) > MAX_CHARS:
        raise TutorError(f"the program has {len(text):,} characters; slides draw graphs of at most "
                         f"{MAX_NODES:,} nodes (a lecture's is far smaller): draw a smaller graph")
    graph = build_graph(text, expand=expand)
    check_size(graph.number_of_nodes())
    return walk(graph, at)


def _lesson(ref: str, at: dict[str, Any]) -> tuple[Any, str] | None:
    """(lesson, graph name) when `ref` names a lesson (a built-in id or a .toml file), else None.

    A near miss of a lesson id (`chian-rule`: letters and hyphens) whose names have no --at values
    is a typo, not the expression chian - rule: LessonError with the id meant."""
    from ..tutor import lesson
    from ..errors import LessonError

    base, colon, graph = ref.rpartition(":") if ":" in ref else (ref, "", "")
    if not (base.endswith(".toml") or base in {lesson.lesson_id(p) for p in lesson.builtin()}):
        near = lesson.mistyped(base) if not set(base.split("-")) <= set(at) else None
        if near is not None:
            raise LessonError(f"no lesson {base!r}; did you mean {near!r}? (for the expression, write it with "
                              f"spaces, '{' - '.join(base.split('-'))}', and give --at values)")
        return None  # an expression (the parser says what is wrong with it, if anything)
    found = lesson.find(base)
    if not found.graphs:
        raise LessonError(f"lesson {found.id!r} has no program to draw; give an expression instead")
    graph = graph or ("main" if "main" in found.graphs else next(iter(found.graphs)))
    if graph not in found.graphs:
        raise LessonError(f"lesson {found.id!r} has no graph {graph!r}; its graphs: {', '.join(found.graphs)}")
    return found, graph


def slides(
    expr: Annotated[str | None, typer.Argument(metavar="LESSON|EXPR", help="A lesson (id such as "
                                                "sigmoid-neuron, a .toml file; LESSON:GRAPH for another of its "
                                                "graphs) or an expression.", autocompletion=lesson_ids)] = None,
    at: opt.At = None,
    at_file: opt.AtFile = None,
    file: opt.File = None,
    expand: opt.Expand = False,
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write the deck into.")] = Path("deck"),
    formats: Annotated[str, typer.Option("--format", "-F", help="Comma-separated, from: svg, png, pdf, "
                                                               "html, gif, tex, handout.")] = "svg,png",
    theme: Annotated[Theme, typer.Option("--theme", help="Colours: light or dark.")] = Theme.light,
    engine: Annotated[Engine, typer.Option("--engine", help="Graphviz layout: auto (dot if installed, else "
                                                            "graphviz-pure), dot or graphviz-pure.")] = Engine.auto,
    steps: Annotated[str | None, typer.Option("--steps", help="Only these steps, e.g. 1-8,21 "
                                                              "(default: every step).")] = None,
) -> None:
    """Draw every forward and backward step as slides (one image per step), in several formats.

    Example: tutor slides '1/(1+exp(-(w0*x0+w1*x1+w2)))' --at w0=2,x0=-1,w1=-3,x1=-2,w2=-3 --out deck
    --format svg,png,pdf,html
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..errors import TutorError
    from ..render import engine as gv
    from ..render.labels import THEMES
    from ..render.slides import build, parse_formats, parse_steps, stale

    kinds = parse_formats(formats)
    theme, engine = Theme(theme).value, Engine(engine).value  # plain strings for the renderers
    if theme not in THEMES:  # Theme lists the renderer's THEMES (tests/test_shell.py keeps them equal)
        raise TutorError(f"unknown theme {theme!r}; choose {' or '.join(THEMES)}")
    gv.find(engine)  # fail before any work when no engine is installed
    t, heading = _trace(expr, file, _input.values(at, at_file), expand)
    chosen = parse_steps(steps, len(t.steps))
    err = Console(stderr=True)
    with Progress(TextColumn("drawing slides"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("slides", total=None)
        earlier = stale(out)  # removed by build, once the new deck is drawn
        written = build(t, out, kinds, theme, engine, steps=chosen, heading=heading,
                        progress=lambda done, total: bar.update(task, completed=done, total=total))
    typer.echo(f"wrote {len(written)} files for {len(chosen)} of {len(t.steps)} steps into {out}/")
    for path in written:
        typer.echo(f"  {path}")
    gone = sorted(set(earlier) - set(written))
    if gone:
        typer.echo(f"removed {len(gone)} files of an earlier deck: {', '.join(p.name for p in gone[:4])}"
                   f"{', …' if len(gone) > 4 else ''}")


def register(app: typer.Typer, friendly: Callable) -> None:
    """Add `slides` to the app."""
    app.command()(friendly(slides))
