"""Grade a directory of submissions against a key: every file gets a row, whatever it holds.

Submissions are checked in a pool of worker processes (pebble's ProcessPool: both cores, whatever
the class size), in small batches sized by how long files take, with an address-space limit; each
one runs under a time limit, so a hostile file costs its own row (score 0, the reason) and the batch
goes on. A worker that hangs anyway (stuck in C code) is killed by the pool past the limit, and one
that dies costs only the file it was checking (its batch is checked again, a file a task). The key's
problem is traced once per worker. However the grading ends (done, an exception, Ctrl-C, SIGTERM
turned into SystemExit by the CLI), the pool's workers are stopped. Workers start from a forkserver
where there is one, else by spawning (Windows, and macOS's default).
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import multiprocessing
import os
import queue
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pebble import ProcessExpired, ProcessPool

from ..errors import HomeworkError, TutorError
from ..stop import held
from .problem import Problem, load

try:  # POSIX only: tests/test_grade_portable.py grades with it hidden, as on Windows
    import resource
except ImportError:  # Windows: no address-space limit (docs/homework.md says so), the time limits still hold
    resource = None  # type: ignore[assignment]

GRACE = 5.0               # seconds past a submission's own time limit before the pool kills its worker
BATCH_SECONDS = 0.05      # a task is sized to about this much checking: fewer round trips, progress still smooth
BATCH = 256               # files per task at most
STALL = 120.0             # seconds with no row at all (no worker can start): the rest get a row saying so
START_WAIT = 30.0         # seconds signals wait for the workers to start (a second or two, on a busy machine more)
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
    traced = prepare(key.problem, where=key.at_program())
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


_JOB: Job | None = None  # a worker's key, set once by _init
_BROKEN = ""             # why this worker cannot check anything, if it cannot


def _init(job: Job, started: Any = None) -> None:
    """Worker start: trace the key's problem and import what checking needs, once; then cap the address space.

    Nothing may be imported for the first time under a submission's time limit: an import that the
    timer cuts short leaves SymPy half-initialised in sys.modules (a second Expr class: "non-Expr
    arguments in Add" warnings, then TypeErrors), and every later file in the worker fails with it.
    A failure here (too little memory) is kept and becomes each row's reason: a worker whose
    initializer raised would be restarted by the pool forever.
    """
    global _JOB, _BROKEN
    _JOB, _BROKEN = job, ""
    if started is not None:
        started.release()
    try:
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
        if resource is not None:  # last: the trusted set-up above is not the submissions' to pay for
            limit = job.memory_mb * 1024 * 1024
            _, hard = resource.getrlimit(resource.RLIMIT_AS)
            resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    except Exception as err:  # noqa: BLE001 - our bug or the machine's: each row says so
        cause: BaseException | None = err
        while cause is not None and not isinstance(cause, MemoryError):  # an import turns it into ImportError
            cause = cause.__cause__ or cause.__context__
        _BROKEN = (f"needed more than {job.memory_mb} MB to check" if cause is not None
                   else f"the grader could not start ({type(err).__name__}: {err})")


def _one(path: str) -> dict[str, Any]:
    """A worker's task: one submission's row (a bug of ours on a file costs that row, not the batch)."""
    assert _JOB is not None
    if _BROKEN:
        return _failed(path, _JOB, _BROKEN)
    try:
        return grade_file(path, _JOB)
    except Exception as err:  # noqa: BLE001
        return _failed(path, _JOB, f"the grader failed on this file ({type(err).__name__}: {err})")


def _batch(paths: list[str]) -> tuple[list[dict[str, Any]], float]:
    """A worker's task: a row per file, in order, and the seconds they took (the next task's size)."""
    start = time.perf_counter()
    return [_one(path) for path in paths], time.perf_counter() - start


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


def context(start_method: str | None = None) -> Any:
    """The multiprocessing context of the workers: a forkserver with checking preloaded where the
    platform has one (fast starts, no fork of a threaded parent), else spawn."""
    method = start_method or ("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["backprop_tutor.homework.check", "lark", "networkx"])
    return ctx


def grade(paths: Sequence[str], job: Job, workers: int = 2, advance: Callable[[int], None] = lambda n: None,
          start_method: str | None = None) -> list[dict[str, Any]]:
    """A row per path, in order, graded by `workers` processes; `advance(1)` after each file.

    Files go to the workers in batches sized to about BATCH_SECONDS of checking (one file at first,
    and while files are slow). A batch that gives no rows (its worker hung past the limit, or died)
    is sent again one file per task, so only the culprit's row says so.
    """
    limits(job.timeout, job.memory_mb, least_mb=1)  # a Job built by hand: a worker would fail on each
    rows: dict[str, dict] = {}
    if paths:
        finished: queue.SimpleQueue = queue.SimpleQueue()
        ctx, n = context(start_method), max(1, min(workers, len(paths)))
        started = ctx.Semaphore(0)
        pool = ProcessPool(max_workers=n, initializer=_init, initargs=(job, started), context=ctx)
        todo, alone = collections.deque(paths), collections.deque()  # alone: files of a batch that gave no rows
        running: dict[cf.Future, list[str]] = {}

        def send(size: int) -> None:
            while (todo or alone) and len(running) < 2 * n:  # two tasks a worker: the next is there when it is done
                files = [alone.popleft()] if alone else [todo.popleft() for _ in range(min(size, len(todo)))]
                future = pool.schedule(_batch, (files,), timeout=job.timeout + GRACE)
                running[future] = files
                future.add_done_callback(finished.put)

        try:
            # The first schedule starts the workers, and they are waited for with the stop signals held:
            # unwound before a worker has read what it runs, we would orphan it, or wait for it forever
            # while exiting, and it would print a traceback once the pool's pipes are gone.
            with held():
                send(1)
                deadline = time.monotonic() + START_WAIT
                for _ in range(n):
                    if not started.acquire(timeout=max(0.0, deadline - time.monotonic())):
                        break  # a worker that cannot start: its files' rows say so below
            while running:
                try:
                    future = finished.get(timeout=STALL + job.timeout)
                except queue.Empty:  # no row for minutes: no worker can start, or every one is stuck
                    break
                files, size = running.pop(future), 1
                try:
                    batch, seconds = future.result()
                    size = max(1, min(BATCH, int(BATCH_SECONDS * len(files) / max(seconds, 1e-6))))
                except Exception as err:  # noqa: BLE001 - a hung or dead worker, a row that cannot be sent back
                    if len(files) > 1:  # each file again, alone: only the culprit's row will say so
                        alone.extend(files)
                    batch = [] if len(files) > 1 else [_trouble(err, files[0], job)]
                for path, row in zip(files, batch):
                    rows[path] = row
                    advance(1)
                send(size)
        finally:  # however we leave (an exception, SIGTERM as SystemExit, Ctrl-C): no worker outlives us
            with held():  # a second Ctrl-C must not cut the clean-up short
                pool.stop()
                pool.join()
    dup: dict[str, str] = {}
    for p in paths:
        r = rows.setdefault(p, _failed(p, job, "no worker could check it (the grader stalled); grade it again"))
        if r["student"] in dup:
            r["note"] = (r["note"] + "; " if r["note"] else "") + f"same student id as {dup[r['student']]}"
        dup.setdefault(r["student"], r["file"])
    return [rows[p] for p in paths]


def _trouble(err: Exception, path: str, job: Job) -> dict[str, Any]:
    """The row of a file whose task gave none: why (its worker hung or died; a row that cannot be sent back)."""
    if isinstance(err, cf.TimeoutError):
        return _failed(path, job, f"took longer than {job.timeout:g} s to check (its worker hung and was stopped)")
    if isinstance(err, ProcessExpired):
        return _failed(path, job, f"the worker checking it died or hung (exit {err.exitcode}; over "
                                  f"{job.timeout:g} s or {job.memory_mb} MB?)")
    return _failed(path, job, f"the grader failed on this file ({type(err).__name__}: {err})")
