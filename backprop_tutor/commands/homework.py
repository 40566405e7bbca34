"""`tutor check` (one student's answers, with where and why) and `tutor grade` (a whole class)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import HomeworkError, TutorError

Json = Annotated[bool, typer.Option("--json", help="Print the verdicts as JSON (a documented, stable contract).")]


class CheckFormat(str, Enum):
    text = "text"
    json = "json"
    gradescope = "gradescope"
    prairielearn = "prairielearn"


class GradeFormat(str, Enum):
    csv = "csv"
    json = "json"
    gradescope = "gradescope"
    prairielearn = "prairielearn"


def _pick(as_json: bool, given: Enum | None, default: str) -> str:
    """--format, with --json as its shorthand for json (both at once must agree)."""
    if as_json and given is not None and given.value != "json":
        raise TutorError(f"--json and --format {given.value} disagree; give one of them")
    return "json" if as_json else given.value if given is not None else default


def check(
    file: Annotated[Path, typer.Argument(help="The homework file (TOML): \\[problem] and \\[answers].")],
    key: Annotated[Path | None, typer.Option("--key", "-k", help="An answer key (TOML): its \\[problem], "
                                             "\\[points] and \\[tolerance] are used.")] = None,
    as_json: Json = False,
    format_: Annotated[CheckFormat | None, typer.Option(
        "--format", help="text (a table), json (as --json), or an autograder's results.json: gradescope or "
                         "prairielearn (a bad file still gets one, score 0).", show_default=False)] = None,
    timeout: Annotated[float, typer.Option(help="Seconds allowed for checking, with --format gradescope or "
                                                "prairielearn (at most 3600).")] = 10.0,
) -> None:
    """Check the answers in FILE: which are right, where a wrong one's chain went wrong, and why.

    Exit status: 0 all right, 1 an answer is wrong, 2 the file is bad.
    Example: tutor check examples/homework/hw.toml --key examples/homework/key.toml
    In an autograder: tutor check hw.toml --key key.toml --format gradescope > results.json
    """
    from rich.console import Console

    from ..homework.autograder import FORMATS, failed_row, results, row_from_check
    from ..homework.formula import Timeout, time_limit
    from ..homework.grade import job_from_key, limits

    fmt = _pick(as_json, format_, "text")
    limits(timeout, 256)
    job = job_from_key(key, timeout=timeout) if key is not None else None  # a bad key is the teacher's: no JSON
    notes: list[str] = []
    try:
        if fmt in FORMATS:  # an autograder's container: a hostile file must still get its results.json
            with time_limit(timeout):
                result, student = _check(file, job, notes)
        else:
            result, student = _check(file, job, notes)
    except (TutorError, Timeout, RecursionError) as err:
        why = str(err) if isinstance(err, TutorError) else f"{file}: " + (
            f"took longer than {timeout:g} s to check" if isinstance(err, Timeout) else "nests too deep to check")
        if fmt == "text":
            raise TutorError(why) from None
        if fmt == "json":  # a JSON reader gets JSON: what could not be checked, and why
            typer.echo(json.dumps({"file": str(file), "student": None, "notes": notes, "correct": False,
                                   "error": why}))
        else:
            most = {n: job.points.get(n, 1.0) for n in job.expected} if job else None
            typer.echo(json.dumps(results(failed_row(str(file), file.stem, why, most), fmt), indent=1))
        typer.echo(f"Error: {why}", err=True)
        raise typer.Exit(2) from None
    if fmt in FORMATS:
        typer.echo(json.dumps(results(row_from_check(result, str(file), student, notes), fmt), indent=1))
    elif fmt == "json":
        typer.echo(json.dumps({"file": str(file), "student": student, "notes": notes, **result}))
    else:
        from ..homework.tables import check_table

        console = Console()
        console.print(check_table(result))
        for note in notes:
            console.print(note, markup=False)
    if not result["correct"]:
        raise typer.Exit(1)


def _check(file: Path, job: Any, notes: list[str]) -> tuple[dict[str, Any], str]:
    """check_answers on FILE (against the key's Job, or the file's own [problem]); notes get appended to."""
    from ..homework.check import check_answers
    from ..homework.key import prepare
    from ..homework.problem import load

    hw = load(file)
    if job is not None:
        problem, points, tolerance, expected = job.problem, job.points, job.tolerance, list(job.expected)
        if hw.problem is not None and not hw.problem.same_as(problem):
            notes.append(f"note: {file}'s [problem] differs from the key's; checked against the key")
    elif hw.problem is None:
        raise HomeworkError(f"{file}: no [problem]; add one (program = \"...\", at = {{...}}) or pass --key")
    else:
        problem, points, tolerance, expected = hw.problem, {}, {}, None
        prepare(problem, where=hw.at_program())
        if not hw.answers:
            raise HomeworkError(f"{hw.at('answers')}: no answers to check; add [answers] with e.g. "
                                f"f = ... and \"df/dx\" = ...")
    result = check_answers(problem, hw.answers, points=points or None, tolerance=tolerance, expected=expected,
                           where=lambda n: hw.at("answers", n) + f": answer {n!r}")
    return result, hw.student or file.stem


def grade(
    submissions: Annotated[Path, typer.Argument(help="A directory of submissions (*.toml), one per student.")],
    key: Annotated[Path, typer.Option("--key", "-k", help="The answer key (TOML).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The gradebook to write ('-' writes it to stdout and "
                                                          "the summary to stderr).")],
    as_json: Annotated[bool, typer.Option("--json", help="Short for --format json.")] = False,
    format_: Annotated[GradeFormat | None, typer.Option(
        "--format", help="csv (default), json, or every student's results.json for gradescope or prairielearn.",
        show_default=False)] = None,
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

    from ..homework.autograder import FORMATS, to_results
    from ..homework.grade import grade as run, job_from_key, submissions as listing
    from ..homework.gradebook import refuse_inputs, refuse_overwrite, summary, to_csv, to_json, write_atomic
    from ..homework.tables import summary_view
    from ..stop import check

    fmt = _pick(as_json, format_, "csv")
    to_stdout = str(out) == "-"
    if not to_stdout:  # before the work, not after it; the key or a student's file never, even with --force
        refuse_inputs(out, key, listing(submissions, skip=[key]))
        refuse_overwrite(out, force)
    job = job_from_key(key, timeout=timeout, memory_mb=memory)
    paths = listing(submissions, skip=[key] if to_stdout else [key, out])  # an earlier gradebook is no submission
    progress = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=Console(stderr=True), transient=True)
    with progress:
        task = progress.add_task("grading", total=len(paths))
        rows: list[dict[str, Any]] = run(paths, job, workers, advance=lambda n: progress.advance(task, n))
    check()  # a Ctrl-C whose KeyboardInterrupt Python dropped (raised in a finalizer) still stops us here
    text = (to_json(rows, job.expected, str(key)) if fmt == "json" else
            to_results(rows, fmt, str(key)) if fmt in FORMATS else to_csv(rows, job.expected))
    if to_stdout:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_atomic(out, text, force)
    console = Console(stderr=to_stdout)
    console.print(summary_view(summary(rows)))
    console.print(f"wrote {len(rows):,} row{'' if len(rows) == 1 else 's'} to {'stdout' if to_stdout else out}",
                  markup=False, soft_wrap=True)  # a long path stays on one line: scripts read it


def register(app: typer.Typer, friendly: Callable) -> None:
    """Add `check` and `grade` to the app."""
    app.command()(friendly(check))
    app.command()(friendly(grade))
