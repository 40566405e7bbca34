"""What autograders read: a feedback line per answer, Gradescope's and PrairieLearn's results.json.

Both LMS graders run one submission per container: `tutor check FILE --key KEY --format gradescope`
prints that submission's results.json; `tutor grade --format gradescope` writes one per student.
A gradebook row (grade.grade_file's, or `row_from_check` of a `check_answers` result) is the input:
everything here reads verdicts, nothing checks an answer again.

Gradescope (gradescope-autograders.readthedocs.io, "Autograder Specifications"): `score`, `output`,
`tests` [{name, number, score, max_score, status, output}]. PrairieLearn ("External Grading",
"Grading results"): `gradable`, `score` in [0, 1], `message`, `tests` [{name, points, max_points,
message}], and for a file that cannot be graded `gradable: false` with `format_errors`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

FORMATS = ("gradescope", "prairielearn")


def feedback(answer: Mapping[str, Any], output: str) -> str:
    """One answer's verdict in words: right, missing, or wrong with where the chain went wrong and why."""
    from .tables import where_text

    if answer["correct"]:
        return "right"
    if answer["missing"]:
        return f"missing: add {answer['name']!r} to [answers]"
    parts = [f"wrong: you gave {answer['given']}"]
    if answer["message"]:
        parts.append(answer["message"])
    where = where_text(answer["first_wrong_step"], output, answer["node"], answer["kind"])
    if where:
        parts.append(where)
    parts += [f"likely mistake [{code}]: {words}" for code, words in zip(answer["diagnoses"], answer["explanations"])]
    return "; ".join(parts)


def row_from_check(result: Mapping[str, Any], file: str, student: str, notes: Sequence[str] = ()) -> dict[str, Any]:
    """A gradebook row (as `tutor grade` writes) from one `check_answers` result."""
    asked = [a for a in result["answers"] if a["max_points"]]
    return {"file": file, "student": student, "score": result["score"], "max_score": result["max_score"],
            "points": {a["name"]: a["points"] for a in asked},
            "max_points": {a["name"]: a["max_points"] for a in asked},
            "diagnoses": {a["name"]: a["diagnoses"] for a in result["answers"] if a["diagnoses"]},
            "feedback": {a["name"]: feedback(a, result["output"]) for a in result["answers"]},
            "error": "", "note": "; ".join(notes)}


def failed_row(file: str, student: str, why: str, max_points: Mapping[str, float] | None = None) -> dict[str, Any]:
    """The row of a submission that could not be graded: score 0 of the key's points (if there is a key)."""
    most = dict(max_points or {})
    return {"file": file, "student": student, "score": 0.0, "max_score": float(sum(most.values())),
            "points": {n: 0.0 for n in most}, "max_points": most, "diagnoses": {}, "feedback": {}, "error": why,
            "note": ""}


def _summary(row: Mapping[str, Any]) -> str:
    if row["error"]:
        return f"Could not grade {row['file']}: {row['error']}"
    right = sum(1 for n, text in row.get("feedback", {}).items() if text == "right" and n in row["points"])
    lines = [f"{_num(row['score'])}/{_num(row['max_score'])} points: {right} of {len(row['points'])} answers right"]
    return "\n".join([*lines, *filter(None, [row["note"]])])


def gradescope(row: Mapping[str, Any]) -> dict[str, Any]:
    """Gradescope's results.json for one row: the score, and a test per answer with its feedback."""
    not_graded = f"not graded: {row['error']}" if row["error"] else ""
    tests = []
    for i, (name, most) in enumerate(row.get("max_points", {}).items(), 1):
        got = row["points"].get(name, 0.0)
        tests.append({"name": name, "number": str(i), "score": got, "max_score": most,
                      "status": "passed" if got >= most and not row["error"] else "failed",
                      "output": not_graded or row.get("feedback", {}).get(name, "")})
    return {"score": row["score"], "output": _summary(row), "tests": tests}


def prairielearn(row: Mapping[str, Any]) -> dict[str, Any]:
    """PrairieLearn's external-grader results.json for one row: score as a fraction, a test per answer.

    A file that could not be graded is `gradable: false` (no points lost, no attempt used), with why."""
    if row["error"]:
        return {"gradable": False, "format_errors": [row["error"]], "message": _summary(row)}
    tests = [{"name": name, "points": row["points"].get(name, 0.0), "max_points": most,
              "message": row.get("feedback", {}).get(name, "")} for name, most in row.get("max_points", {}).items()]
    most = row["max_score"]
    score = row["score"] / most if most else float(all(t == "right" for t in row.get("feedback", {}).values()))
    return {"gradable": True, "score": score, "message": _summary(row),
            "tests": tests}


def results(row: Mapping[str, Any], fmt: str) -> dict[str, Any]:
    """One submission's results.json in `fmt` (gradescope or prairielearn)."""
    return {"gradescope": gradescope, "prairielearn": prairielearn}[fmt](row)


def to_results(rows: Sequence[Mapping[str, Any]], fmt: str, key: str) -> str:
    """A class's results as one JSON object: each submission's results.json under `results`."""
    return json.dumps({"format": fmt, "key": key, "submissions": [
        {"student": r["student"], "file": r["file"], "results": results(r, fmt)} for r in rows]}, indent=1) + "\n"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
