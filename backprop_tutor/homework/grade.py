"""Grade a directory of submissions against a key: every file gets a row, whatever it holds.

Submissions are checked in worker processes (both cores) with an address-space limit; each one
runs under a time limit, so a hostile file costs its own row (score 0, the reason) and the batch
goes on. A worker that dies or hangs anyway (killed, stuck in C code) loses only its chunk, which
is re-run in halves down to the one culprit file. The key's problem is traced once per worker.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import resource
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import HomeworkError, TutorError
from .problem import Problem, load

CHUNK = 100               # submissions per task: few round trips, little lost if a worker dies
MAX_TIMEOUT = 3600.0      # seconds per submission: an hour is already no limit for a homework
MIN_MEMORY_MB = 256       # below this a worker cannot even import SymPy
MAX_MEMORY_MB = (2**63 - 1) >> 20   # setrlimit takes the bytes as a signed 64-bit number


@dataclass(frozen=True)
class Job:
    """What a worker needs to grade: the key, as plain picklable data."""

    problem: Problem
    expected: tuple[str, ...]
    points: dict[str, float]
    tolerance: dict[str, dict[str, float]]
    timeout: float = 10.0
    memory_mb: int = 1024


def job_from_key(path: str | os.PathLike, timeout: float = 10.0, memory_mb: int = 1024) -> Job:
    """Load and check a key file: its problem traces and every [points]/[tolerance] name is an answer."""
    from .key import prepare

    limits(timeout, memory_mb)
    key = load(path)
    if key.problem is None:
        raise HomeworkError(f"{os.fspath(path)}: the key has no [problem]")
    traced = prepare(key.problem, where=key.at("problem"))
    for table, names in (("points", key.points), ("tolerance", key.tolerance)):
        for name in names:
            if not (table == "tolerance" and name == "default"):
                try:
                    traced.target(name)
                except TutorError as err:
                    raise HomeworkError(f"{key.at(table, name)}: [{table}] {name!r} {err}") from None
    expected = tuple(key.points) or tuple(traced.defaults())
    for name in expected if not key.points else ():  # the answers asked for by default must exist too
        try:
            traced.target(name)
        except TutorError as err:
            raise HomeworkError(f"{key.at('problem', 'lr')}: answer {name!r} (asked by default): {err}") from None
    return Job(key.problem, expected, dict(key.points), dict(key.tolerance), timeout, memory_mb)


def limits(timeout: float, memory_mb: int, least_mb: int = MIN_MEMORY_MB) -> None:
    """TutorError unless 0 < timeout <= MAX_TIMEOUT and least_mb <= memory_mb <= MAX_MEMORY_MB."""
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise TutorError(f"--timeout {timeout!r}: give seconds per submission, a number")
    if not 0 < timeout <= MAX_TIMEOUT:
        raise TutorError(f"--timeout {timeout:g}: give seconds per submission, more than 0 and at most "
                         f"{MAX_TIMEOUT:g}")  # also refuses nan; inf would overflow the timer
    if isinstance(memory_mb, bool) or not isinstance(memory_mb, int) or not least_mb <= memory_mb <= MAX_MEMORY_MB:
        raise TutorError(f"--memory {memory_mb}: give megabytes per worker, from {least_mb} to "
                         f"{MAX_MEMORY_MB:,} (what setrlimit accepts)")


def grade_file(path: str, job: Job) -> dict[str, Any]:
    """One submission's row; every failure becomes the row's reason, with score 0."""
    from .autograder import feedback
    from .check import check_answers
    from .formula import Timeout, time_limit

    row = _failed(path, job, "")
    try:
        with time_limit(job.timeout):
            hw = load(path)
            row["student"] = hw.student or row["student"]
            if hw.problem is not None and not hw.problem.same_as(job.problem):
                row["note"] = "the file's [problem] differs from the key's; graded against the key"
            result = check_answers(job.problem, hw.answers, points=job.points or None, tolerance=job.tolerance,
                                   expected=job.expected, formulas=False,
                                   where=lambda n: hw.at("answers", n) + f": answer {n!r}")
    except HomeworkError as err:
        row["error"] = str(err).replace(os.path.dirname(path) + os.sep, "")
        return row
    except Timeout:
        row["error"] = f"took longer than {job.timeout:g} s to check"
        return row
    except MemoryError:
        row["error"] = f"needed more than {job.memory_mb} MB to check"
        return row
    except RecursionError:
        row["error"] = "nests too deep to check"
        return row
    for a in result["answers"]:
        if a["max_points"]:
            row["points"][a["name"]] = a["points"]
            row["feedback"][a["name"]] = feedback(a, result["output"])
        if a["diagnoses"]:
            row["diagnoses"][a["name"]] = a["diagnoses"]
    row["score"] = result["score"]
    return row


def _init(job: Job) -> None:
    """Worker start: cap the address space, trace the key's problem and import what checking needs, once.

    Nothing may be imported for the first time under a submission's time limit: an import that the
    timer cuts short leaves SymPy half-initialised in sys.modules (a second Expr class: "non-Expr
    arguments in Add" warnings, then TypeErrors), and every later file in the worker fails with it.
    """
    limit = job.memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    import sympy as sp

    from ..engine import symbolic  # noqa: F401
    from . import autograder, tables, wrong_step  # noqa: F401 - feedback() reads tables.where_text
    from .key import prepare

    x = sp.Symbol("x")
    sp.simplify(sp.exp(x) - x + sp.log(x))  # simplify imports some 35 more modules on first use

    key = prepare(job.problem)
    for name in job.expected:  # the key's own formulas, once, not on a student's clock
        try:
            key.formula_of(key.target(name))
        except TutorError:  # a hand-built Job: the rows will say what is wrong with it
            pass


def _chunk(paths: Sequence[str], job: Job) -> list[dict[str, Any]]:
    rows = []
    for p in paths:
        try:
            rows.append(grade_file(p, job))
        except Exception as err:  # noqa: BLE001 - our bug must not sink the batch: the row says so
            rows.append(_failed(p, job, f"the grader failed on this file ({type(err).__name__}: {err})"))
    return rows


def _failed(path: str, job: Job, why: str) -> dict[str, Any]:
    """A row with no points (yet), and why."""
    return {"file": os.path.basename(path), "student": Path(path).stem, "score": 0.0,
            "max_score": sum(job.points.get(n, 1.0) for n in job.expected),
            "points": {n: 0.0 for n in job.expected}, "max_points": {n: job.points.get(n, 1.0) for n in job.expected},
            "diagnoses": {}, "feedback": {}, "error": why, "note": ""}


def submissions(directory: str | os.PathLike, skip: Sequence[str | os.PathLike] = ()) -> list[str]:
    """Every *.toml entry directly in `directory`, sorted, but the paths in `skip` (the key, the gradebook).

    An entry that is no regular file (a directory, a device, a broken link) is listed too: it gets a
    row saying so, rather than a student silently missing from the gradebook.
    """
    root = Path(directory)
    if not root.is_dir():
        raise TutorError(f"{os.fspath(directory)!r} is not a directory of submissions")
    skipped = {f(s) for s in skip for f in (os.path.abspath, os.path.realpath)}
    return sorted(str(p) for p in root.iterdir() if p.suffix == ".toml"
                  and os.path.abspath(p) not in skipped and os.path.realpath(p) not in skipped)


def grade(paths: Sequence[str], job: Job, workers: int = 2,
          advance: Callable[[int], None] = lambda n: None) -> list[dict[str, Any]]:
    """A row per path, in order, graded by `workers` processes."""
    limits(job.timeout, job.memory_mb, least_mb=1)  # a Job built by hand: a worker would fail on each
    rows: dict[str, dict] = {}
    todo = [list(paths[i:i + CHUNK]) for i in range(0, len(paths), CHUNK)]
    while todo:  # a chunk whose worker died or hung is split in two and re-run, down to the culprit
        failed, todo = _run(todo, job, workers, rows, advance), []
        for chunk in failed:
            if len(chunk) > 1:
                todo += [chunk[:len(chunk) // 2], chunk[len(chunk) // 2:]]
            elif _run([chunk], job, 1, rows, advance):  # alone, so no neighbour's crash counts against it
                rows[chunk[0]] = _failed(chunk[0], job, f"the worker checking it died or hung (over "
                                                        f"{job.timeout:g} s or {job.memory_mb} MB)")
                advance(1)
    dup: dict[str, str] = {}
    for p in paths:
        r = rows[p]
        if r["student"] in dup:
            r["note"] = (r["note"] + "; " if r["note"] else "") + f"same student id as {dup[r['student']]}"
        dup.setdefault(r["student"], r["file"])
    return [rows[p] for p in paths]


def _run(chunks: list[list[str]], job: Job, workers: int, rows: dict,
         advance: Callable[[int], None]) -> list[list[str]]:
    """Grade chunks in a fresh pool; the chunks whose worker died or hung are returned."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["backprop_tutor.homework.check", "lark", "networkx"])  # workers fork with them loaded
    pool = cf.ProcessPoolExecutor(max(1, min(workers, len(chunks))), mp_context=ctx, initializer=_init,
                                  initargs=(job,))
    failed: list[list[str]] = []
    try:
        pending = {pool.submit(_chunk, c, job): c for c in chunks}
        while pending:
            budget = 30 + max(len(c) for c in pending.values()) * job.timeout
            done, _ = cf.wait(pending, timeout=budget, return_when=cf.FIRST_COMPLETED)
            if not done:  # hung past every bound: stop the workers, retry what is left
                _kill(pool)
                failed += list(pending.values())
                break
            for fut in done:
                chunk = pending.pop(fut)
                try:
                    for row, path in zip(fut.result(), chunk):
                        rows[path] = row
                    advance(len(chunk))
                except cf.process.BrokenProcessPool:
                    failed.append(chunk)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return failed


def _kill(pool: cf.ProcessPoolExecutor) -> None:
    """Stop a pool's workers (ProcessPoolExecutor has no public way to kill a hung worker)."""
    for proc in list(getattr(pool, "_processes", {}).values()):
        proc.kill()
