"""`tutor check` (one student's answers, with where and why) and `tutor grade` (a whole class)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

Json = Annotated[bool, typer.Option("--json", help="Print the verdicts as JSON (a documented, stable contract).")]


def check(
    file: Annotated[Path, typer.Argument(help="The homework file (TOML): \\[problem] and \\[answers].")],
    key: Annotated[Path | None, typer.Option("--key", "-k", help="An answer key (TOML): its \\[problem], "
                                             "\\[points] and \\[tolerance] are used.")] = None,
    as_json: Json = False,
) -> None:
    """Check the answers in FILE: which are right, where a wrong one's chain went wrong, and why.

    Exit status: 0 all right, 1 an answer is wrong, 2 the file is bad.
    Example: tutor check examples/homework/hw.toml --key examples/homework/key.toml
    """
    from rich.console import Console

    from ..homework.check import check_answers
    from ..errors import HomeworkError
    from ..homework.grade import job_from_key
    from ..homework.problem import load
    from ..homework.key import prepare
    from ..homework.tables import check_table

    hw = load(file)
    notes: list[str] = []
    if key is not None:
        job = job_from_key(key)
        problem, points, tolerance, expected = job.problem, job.points, job.tolerance, list(job.expected)
        if hw.problem is not None and not hw.problem.same_as(problem):
            notes.append(f"note: {file}'s [problem] differs from the key's; checked against the key")
    elif hw.problem is None:
        raise HomeworkError(f"{file}: no [problem]; add one (program = \"...\", at = {{...}}) or pass --key")
    else:
        problem, points, tolerance, expected = hw.problem, {}, {}, None
        prepare(problem, where=hw.at("problem", "program" if ("problem", "program") in hw.lines else "expression"))
        if not hw.answers:
            raise HomeworkError(f"{hw.at('answers')}: no answers to check; add [answers] with e.g. "
                                f"f = ... and \"df/dx\" = ...")
    result = check_answers(problem, hw.answers, points=points or None, tolerance=tolerance, expected=expected,
                           where=lambda n: hw.at("answers", n) + f": answer {n!r}")
    if as_json:
        typer.echo(json.dumps({"file": str(file), "student": hw.student, "notes": notes, **result}))
    else:
        console = Console()
        console.print(check_table(result))
        for note in notes:
            console.print(note, markup=False)
    if not result["correct"]:
        raise typer.Exit(1)


def grade(
    submissions: Annotated[Path, typer.Argument(help="A directory of submissions (*.toml), one per student.")],
    key: Annotated[Path, typer.Option("--key", "-k", help="The answer key (TOML).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The gradebook to write (CSV, or JSON with --json).")],
    as_json: Annotated[bool, typer.Option("--json", help="Write the gradebook as JSON instead of CSV.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing gradebook.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds allowed per submission (at most 3600).")] = 10.0,
    memory: Annotated[int, typer.Option(help="Megabytes of address space per worker (at least 256).")] = 1024,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1)] = 2,
) -> None:
    """Grade every submission in SUBMISSIONS against the key; write a gradebook and print a summary.

    A malformed or hostile submission gets its own row (score 0, the reason); the rest are graded.
    Example: tutor grade submissions/ --key key.toml --out grades.csv
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from ..homework.grade import grade as run, job_from_key, submissions as listing
    from ..homework.gradebook import refuse_overwrite, summary, to_csv, to_json, write_atomic
    from ..homework.tables import summary_view

    refuse_overwrite(out, force)  # before the work, not after it
    job = job_from_key(key, timeout=timeout, memory_mb=memory)
    paths = listing(submissions, skip=[key, out])  # an earlier gradebook in the folder is no submission
    progress = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=Console(stderr=True), transient=True)
    with progress:
        task = progress.add_task("grading", total=len(paths))
        rows: list[dict[str, Any]] = run(paths, job, workers, advance=lambda n: progress.advance(task, n))
    text = to_json(rows, job.expected, str(key)) if as_json else to_csv(rows, job.expected)
    write_atomic(out, text, force)
    console = Console()
    console.print(summary_view(summary(rows)))
    console.print(f"wrote {len(rows)} rows to {out}", markup=False)


def register(app: typer.Typer, friendly: Callable) -> None:
    """Add `check` and `grade` to the app."""
    app.command()(friendly(check))
    app.command()(friendly(grade))
