"""The gradebook: rows as CSV or JSON, the class summary, and an atomic write that keeps old grades.

CSV cells a student controls are neutralised against spreadsheet formula injection (a cell
starting with = + - @ is prefixed with '), since TAs open gradebooks in spreadsheets.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import statistics
import tempfile
from collections import Counter
from collections.abc import Sequence
from typing import Any

from ..errors import TutorError
from ..stop import check, held


def summary(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Mean, median, spread, a ten-bin distribution, how many got each answer, the most common mistakes."""
    scores = [r["score"] for r in rows]
    most = max((r["max_score"] for r in rows), default=0.0)
    bins = [0] * 10
    for s in scores:
        bins[min(9, int(10 * s / most)) if most else 0] += 1
    mistakes = Counter(code for r in rows for codes in r["diagnoses"].values() for code in codes)
    graded = [r for r in rows if not r["error"]]
    answers = list(dict.fromkeys(a for r in rows for a in r["points"]))
    right = {a: sum(1 for r in graded if r["points"].get(a)) for a in answers}
    return {
        "submissions": len(rows), "failed": sum(1 for r in rows if r["error"]), "max_score": most,
        "mean": statistics.fmean(scores) if scores else 0.0, "median": statistics.median(scores) if scores else 0.0,
        "min": min(scores, default=0.0), "max": max(scores, default=0.0),
        "distribution": [{"from": most * i / 10, "to": most * (i + 1) / 10, "count": n} for i, n in enumerate(bins)],
        "mistakes": [{"code": code, "count": n} for code, n in mistakes.most_common()],
        "answers": [{"name": a, "right": right[a], "graded": len(graded)} for a in answers],
    }


def to_csv(rows: Sequence[dict[str, Any]], answers: Sequence[str]) -> str:
    """One row per submission: student, file, score, max_score, points per answer, diagnoses, error, note,
    feedback (a line per answer not right: what was wrong, where the chain went wrong, the likely mistake)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", "file", "score", "max_score", *answers, "diagnoses", "error", "note", "feedback"])
    for r in rows:
        diagnoses = "; ".join(f"{name}: {' '.join(codes)}" for name, codes in r["diagnoses"].items())
        feedback = "\n".join(f"{name}: {text}" for name, text in r.get("feedback", {}).items() if text != "right")
        writer.writerow([_cell(r["student"]), _cell(r["file"]), _num(r["score"]), _num(r["max_score"]),
                         *(_num(r["points"].get(a, 0.0)) for a in answers), _cell(diagnoses),
                         _cell(r["error"]), _cell(r["note"]), _cell(feedback)])
    return out.getvalue()


def to_json(rows: Sequence[dict[str, Any]], answers: Sequence[str], key: str) -> str:
    """The gradebook as one JSON object: key, answers, submissions (the rows), summary."""
    return json.dumps({"key": key, "answers": list(answers), "submissions": list(rows),
                       "summary": summary(rows)}, indent=1) + "\n"


def _cell(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def refuse_overwrite(path: str | os.PathLike, force: bool) -> None:
    """TutorError when `path` exists and --force was not given (an earlier gradebook is kept), or when
    it is not a regular file at all (a device, a symlink, a directory: replacing it would break it)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as err:
        raise TutorError(f"cannot write {os.fspath(path)!r}: {err.strerror}") from None
    if mode is not None and not stat.S_ISREG(mode):
        what = ("a symbolic link" if stat.S_ISLNK(mode) else "a directory" if stat.S_ISDIR(mode)
                else "not a regular file")
        raise TutorError(f"{os.fspath(path)!r} is {what}; choose another --out (only a file is replaced)")
    if mode is not None and not force:
        raise TutorError(f"{os.fspath(path)!r} exists; pass --force to replace it (or choose another --out)")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        raise TutorError(f"cannot write {os.fspath(path)!r}: {folder!r} is not a writable directory")


GRADEBOOK_STARTS = (b"student,file", b'{\n "key": ', b'{\n "format": ')  # CSV, JSON, results


def refuse_inputs(out: str | os.PathLike, key: str | os.PathLike, submissions: Sequence[str | os.PathLike]) -> None:
    """TutorError when --out is a file the run reads: the key, or a submission (--force or not).

    A file in the submissions folder that is an earlier gradebook (it starts as one does, which no
    valid TOML does) is no submission: replacing it with --force is what the user asked for."""
    def same(a: str | os.PathLike, b: str | os.PathLike) -> bool:
        try:
            return os.path.samefile(a, b)
        except OSError:
            return os.path.realpath(a) == os.path.realpath(b)

    if same(out, key):
        raise TutorError(f"--out {os.fspath(out)!r} is the answer key; choose another file for the gradebook")
    for path in submissions:
        if same(out, path) and not _is_gradebook(path):
            raise TutorError(f"--out {os.fspath(out)!r} is a submission ({os.path.basename(path)}); write the "
                             f"gradebook outside the submissions folder")


def _is_gradebook(path: str | os.PathLike) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(32).startswith(GRADEBOOK_STARTS)
    except OSError:
        return False


def write_atomic(path: str | os.PathLike, text: str, force: bool = False) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over: never a half-written file.

    A stop signal (Ctrl-C) before the rename keeps the earlier file, even one whose exception
    Python dropped (see stop.py); the temporary file goes either way.
    """
    refuse_overwrite(path, force)
    folder = os.path.dirname(os.path.abspath(path))
    tmp = ""
    try:
        with held():  # a Ctrl-C just as mkstemp made the file is raised here, once `tmp` names it
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".gradebook-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            os.fchmod(fh.fileno(), 0o666 & ~_umask())  # mkstemp makes it 0600; a gradebook is an ordinary file
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        check()
        os.replace(tmp, path)
    except BaseException as err:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(err, OSError):  # a full disk: say which file, and that the earlier one is intact
            raise TutorError(f"cannot write {os.fspath(path)!r}: {err.strerror or err}; "
                             f"{'the earlier gradebook is kept' if os.path.exists(path) else 'nothing was written'}") \
                from None
        raise


def _umask() -> int:
    """The process's umask (reading it means setting it: set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
