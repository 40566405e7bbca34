"""The PrairieLearn example (examples/prairielearn/): its grader script run on a directory laid out
as PrairieLearn lays out /grade, and its results.json checked against PrairieLearn's "Grading
results" (docs/externalGrading.md): `score` a number in [0, 1]; `gradable: false` with
`format_errors` (a string or a list of strings) for a file that cannot be graded; `tests`, each with
`name`, `points`, `max_points` and `message`; at most 1 MB."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PL = ROOT / "examples" / "prairielearn"
QUESTION = PL / "questions" / "backprop-chain-rule"
RUN = PL / "serverFilesCourse" / "backprop_tutor" / "run.sh"
HW = ROOT / "examples" / "homework" / "hw.toml"
KEY = QUESTION / "tests" / "key.toml"
POINTS = tomllib.loads(KEY.read_text())["points"]
NUMBER = (int, float)


def grade(tmp_path: Path, upload: dict[str, str]) -> dict:
    """Lay out /grade (the question's tests/, the student's files), run the entrypoint, read results.json."""
    root = tmp_path / "grade"
    (root / "tests").mkdir(parents=True)
    (root / "student").mkdir()
    (root / "tests" / "key.toml").write_text(KEY.read_text())
    for name, text in upload.items():
        (root / "student" / name).write_text(text)
    env = {**os.environ, "PL_GRADE_ROOT": str(root),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    run = subprocess.run(["bash", str(RUN)], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    out = root / "results" / "results.json"
    assert out.stat().st_size < 1_000_000
    return json.loads(out.read_text())


def valid(res: dict) -> None:
    """The shape PrairieLearn reads (and <pl-external-grader-results> renders)."""
    if res.get("gradable", True) is False:
        errors = res["format_errors"]
        assert isinstance(errors, str) or (isinstance(errors, list) and all(isinstance(e, str) for e in errors))
        assert errors and isinstance(res.get("message", ""), str)
        return
    assert isinstance(res["score"], NUMBER) and not isinstance(res["score"], bool) and 0 <= res["score"] <= 1
    assert isinstance(res.get("message", ""), str)
    for test in res["tests"]:
        assert isinstance(test["name"], str) and isinstance(test["message"], str)
        assert isinstance(test["points"], NUMBER) and isinstance(test["max_points"], NUMBER)
        assert 0 <= test["points"] <= test["max_points"]


def test_a_wrong_answer_scores_a_fraction_with_a_test_per_answer(tmp_path: Path) -> None:
    res = grade(tmp_path, {"hw.toml": HW.read_text().replace('"df/dx" = -4', '"df/dx" = 4')})
    valid(res)
    total = sum(POINTS.values())
    assert res["gradable"] is True and res["score"] == (total - POINTS["df/dx"]) / total
    tests = {t["name"]: t for t in res["tests"]}
    assert list(tests) == list(POINTS) and all(tests[n]["max_points"] == POINTS[n] for n in POINTS)
    assert tests["df/dx"]["points"] == 0 and "sign-error" in tests["df/dx"]["message"]
    assert tests["f"]["points"] == 1 and tests["f"]["message"] == "right"


def test_all_right_scores_1(tmp_path: Path) -> None:
    res = grade(tmp_path, {"my upload.toml": HW.read_text()})   # whatever the student named it
    valid(res)
    assert res["score"] == 1 and all(t["points"] == t["max_points"] for t in res["tests"])


def test_what_cannot_be_graded_is_not_gradable_and_costs_no_attempt(tmp_path: Path) -> None:
    for upload in ({"hw.toml": "[answers\n"}, {}):                # not TOML; nothing uploaded
        res = grade(tmp_path / str(len(upload)), upload)
        valid(res)
        assert res["gradable"] is False and "score" not in res


def test_the_question_runs_the_script_that_is_tested() -> None:
    info = json.loads((QUESTION / "info.json").read_text())
    ext = info["externalGradingOptions"]
    assert info["gradingMethod"] == "External" and ext["enabled"] is True and 0 < ext["timeout"] <= 600
    shared = [PL / "serverFilesCourse" / d for d in ext["serverFilesCourse"]]
    assert all(d.is_dir() for d in shared)                        # copied to /grade/serverFilesCourse/
    assert ext["entrypoint"] == "/grade/serverFilesCourse/" + RUN.relative_to(PL / "serverFilesCourse").as_posix()
    assert os.access(RUN, os.X_OK)
    page = (QUESTION / "question.html").read_text()
    assert re.search(r'<pl-file-upload file-names="[^"]+\.toml"', page) and "<pl-external-grader-results>" in page
    assert KEY.read_text() == (ROOT / "examples" / "homework" / "key.toml").read_text()   # the key hw.toml answers
    docker = (PL / "Dockerfile").read_text()
    version = re.search(r"^FROM python:(\d+)\.(\d+)", docker, re.M)
    assert version and (int(version[1]), int(version[2])) >= (3, 11)    # requires-python
    assert "pip install" in docker and "backprop_tutor-*.whl" in docker  # the bundled wheel: not on PyPI
    docs = (ROOT / "docs" / "homework.md").read_text()
    assert RUN.read_text() in docs and (QUESTION / "info.json").read_text() in docs   # the docs show what is tested
