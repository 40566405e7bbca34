"""Autograder outputs: Gradescope's and PrairieLearn's results.json, the CSV's feedback column,
`--out -`, and the documented Gradescope run_autograder run against a directory laid out as
Gradescope lays out /autograder."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from typer.testing import CliRunner

from backprop_tutor.commands.cli import app

ROOT = Path(__file__).resolve().parent.parent
KEY = ROOT / "examples" / "homework" / "key.toml"
HW = ROOT / "examples" / "homework" / "hw.toml"
POINTS = tomllib.loads(KEY.read_text())["points"]          # what the key says each answer is worth
SIGN_ERROR = HW.read_text().replace('"df/dx" = -4', '"df/dx" = 4')   # one answer wrong: a flipped sign


def check(*args: str) -> tuple[int, dict, str]:
    r = CliRunner().invoke(app, ["check", *args])
    return r.exit_code, json.loads(r.stdout), r.stderr


def test_gradescope_results_json_has_a_test_per_answer_with_feedback(tmp_path: Path) -> None:
    hw = tmp_path / "hw.toml"
    hw.write_text(SIGN_ERROR)
    code, res, _ = check(str(hw), "--key", str(KEY), "--format", "gradescope")
    assert code == 1                                          # an answer is wrong: as with the table
    tests = {t["name"]: t for t in res["tests"]}
    assert list(tests) == list(POINTS)                        # the key's answers, in the key's order
    assert {n: t["max_score"] for n, t in tests.items()} == POINTS
    assert res["score"] == sum(POINTS.values()) - POINTS["df/dx"] == sum(t["score"] for t in res["tests"])
    wrong = tests["df/dx"]
    assert wrong["score"] == 0 and wrong["status"] == "failed"
    assert "you gave 4" in wrong["output"] and "sign-error" in wrong["output"] and "∂f/∂x" in wrong["output"]
    assert all(t["status"] == "passed" and t["output"] == "right" for n, t in tests.items() if n != "df/dx")
    assert "5 of 6 answers right" in res["output"]


def test_prairielearn_results_json_scores_from_0_to_1(tmp_path: Path) -> None:
    hw = tmp_path / "hw.toml"
    hw.write_text(SIGN_ERROR)
    code, res, _ = check(str(hw), "--key", str(KEY), "--format", "prairielearn")
    assert code == 1 and res["gradable"] is True
    total = sum(POINTS.values())
    assert res["score"] == (total - POINTS["df/dx"]) / total
    tests = {t["name"]: t for t in res["tests"]}
    assert tests["df/dx"]["points"] == 0 and tests["df/dx"]["max_points"] == POINTS["df/dx"]
    assert "sign-error" in tests["df/dx"]["message"] and tests["f"]["points"] == POINTS["f"]
    code, res, _ = check(str(HW), "--key", str(KEY), "--format", "prairielearn")
    assert code == 0 and res["score"] == 1.0


def test_a_bad_submission_still_gets_a_results_json(tmp_path: Path) -> None:
    bad = tmp_path / "hw.toml"
    bad.write_text('student = "s1"\n[answers\nf = ')
    code, res, err = check(str(bad), "--key", str(KEY), "--format", "gradescope")
    assert code == 2 and "not valid TOML" in err and err.count("\n") == 1
    assert res["score"] == 0 and "not valid TOML" in res["output"]
    assert {t["name"]: t["max_score"] for t in res["tests"]} == POINTS          # the student sees what was asked
    assert all(t["score"] == 0 and t["status"] == "failed" for t in res["tests"])
    code, res, _ = check(str(tmp_path / "missing.toml"), "--key", str(KEY), "--format", "prairielearn")
    assert code == 2 and res["gradable"] is False and "missing.toml" in res["format_errors"][0]
    hostile = tmp_path / "h.toml"
    hostile.write_text('[answers]\n"df/dx" = "__import__(\'os\').system(\'echo x\')"\n')
    code, res, _ = check(str(hostile), "--key", str(KEY), "--format", "gradescope")
    assert code == 2 and "not a formula" in res["output"]


def test_a_bad_key_gets_no_results_json_and_formats_must_agree(tmp_path: Path) -> None:
    key = tmp_path / "key.toml"
    key.write_text('[problem]\nprogram = "f = x *"\nat = { x = 1 }\n')
    r = CliRunner().invoke(app, ["check", str(HW), "--key", str(key), "--format", "gradescope"])
    assert r.exit_code == 2 and r.stdout == "" and "key.toml" in r.stderr    # the teacher's error: fail loudly
    r = CliRunner().invoke(app, ["check", str(HW), "--json", "--format", "gradescope"])
    assert r.exit_code == 2 and "--json and --format gradescope disagree" in r.stderr
    r = CliRunner().invoke(app, ["check", str(HW), "--format", "moodle"])
    assert r.exit_code == 2 and "gradescope" in r.stderr                      # the choices are listed


def test_grade_writes_every_students_results_to_stdout_and_a_feedback_column(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "a.toml").write_text(HW.read_text())
    (subs / "b.toml").write_text(SIGN_ERROR.replace("s1234567", "s2"))
    (subs / "c.toml").write_text("[answers\n")
    r = CliRunner().invoke(app, ["grade", str(subs), "--key", str(KEY), "--out", "-", "--format", "gradescope"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)                                   # stdout is the JSON alone
    assert "Class summary" in r.stderr and "wrote 3 rows to stdout" in r.stderr
    res = {s["file"]: s["results"] for s in data["submissions"]}
    assert data["format"] == "gradescope" and list(res) == ["a.toml", "b.toml", "c.toml"]
    assert res["a.toml"]["score"] == sum(POINTS.values())
    b = {t["name"]: t for t in res["b.toml"]["tests"]}
    assert b["df/dx"]["status"] == "failed" and "sign-error" in b["df/dx"]["output"]
    assert res["c.toml"]["score"] == 0 and "not valid TOML" in res["c.toml"]["output"]
    out = tmp_path / "grades.csv"
    r = CliRunner().invoke(app, ["grade", str(subs), "--key", str(KEY), "--out", str(out)])
    assert r.exit_code == 0, r.output
    rows = {row["file"]: row for row in csv.DictReader(io.StringIO(out.read_text()))}
    assert rows["a.toml"]["feedback"] == ""                     # nothing to say when all is right
    assert rows["b.toml"]["feedback"].startswith("df/dx: wrong: you gave 4") and "sign-error" in rows["b.toml"]["feedback"]


def _script(name: str) -> str:
    return (ROOT / "examples" / "gradescope" / name).read_text()


def test_the_documented_run_autograder_grades_one_submission(tmp_path: Path) -> None:
    docs = (ROOT / "docs" / "homework.md").read_text()
    assert _script("run_autograder") in docs and _script("setup.sh") in docs     # the docs show what is tested
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    (root / "source" / "key.toml").write_text(KEY.read_text())
    (root / "submission" / "my homework.toml").write_text(SIGN_ERROR)   # whatever the student named it
    env = {**os.environ, "AUTOGRADER_ROOT": str(root),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    script = ROOT / "examples" / "gradescope" / "run_autograder"
    run = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    res = json.loads((root / "results" / "results.json").read_text())
    assert res["score"] == sum(POINTS.values()) - POINTS["df/dx"]
    assert next(t for t in res["tests"] if t["name"] == "df/dx")["status"] == "failed"
    (root / "submission" / "my homework.toml").unlink()               # nothing uploaded: still a results.json
    run = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    res = json.loads((root / "results" / "results.json").read_text())
    assert res["score"] == 0 and "homework.toml" in res["output"]
    assert subprocess.run(["bash", "-n", str(ROOT / "examples" / "gradescope" / "setup.sh")]).returncode == 0


def test_check_json_on_a_bad_file_is_still_json(tmp_path: Path) -> None:
    bad = tmp_path / "hw.toml"
    bad.write_text("[answers\n")
    r = CliRunner().invoke(app, ["check", str(bad), "--json"])
    assert r.exit_code == 2 and r.stderr.count("\n") == 1 and "not valid TOML" in r.stderr
    data = json.loads(r.stdout)
    assert data["file"] == str(bad) and data["correct"] is False and "not valid TOML" in data["error"]


def test_the_documented_setup_sh_installs_the_bundled_wheel(tmp_path: Path) -> None:
    """setup.sh installs backprop-tutor from the wheel in the zip (it is not on PyPI) into its own venv
    and links `tutor`; run_autograder then grades with that install. The wheel's dependencies are
    taken from this environment (PIP_NO_DEPS; on Gradescope pip fetches them from PyPI)."""
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "TUTOR_VENV": str(tmp_path / "venv"),
           "TUTOR_BIN": str(tmp_path / "bin"), "PIP_NO_DEPS": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    setup = ["bash", str(ROOT / "examples" / "gradescope" / "setup.sh")]
    missing = subprocess.run(setup, env=env, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1 and "no backprop_tutor-*.whl" in missing.stderr     # said, not a pip error
    built = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--wheel", "--outdir", str(root / "source"),
                            str(ROOT)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    run = subprocess.run(setup, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    tutor = tmp_path / "bin" / "tutor"
    assert tutor.resolve() == (tmp_path / "venv" / "bin" / "tutor").resolve()
    import site

    # the dependencies from this environment, after the venv's own site-packages (a .pth line is
    # appended to sys.path), so the venv's backprop_tutor wins over this environment's (installed or editable)
    (own,) = (tmp_path / "venv" / "lib").glob("python3*/site-packages")
    (own / "outer-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    installed = {**env, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    where = subprocess.run([str(tmp_path / "venv" / "bin" / "python"), "-c", "import backprop_tutor; print(backprop_tutor.__file__)"],
                           env=installed, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert where.stdout.startswith(str(tmp_path / "venv")), where.stdout + where.stderr
    (root / "source" / "key.toml").write_text(KEY.read_text())
    (root / "submission" / "hw.toml").write_text(SIGN_ERROR)
    graded = subprocess.run(["bash", str(ROOT / "examples" / "gradescope" / "run_autograder")], env=installed,
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert graded.returncode == 0, graded.stderr
    res = json.loads((root / "results" / "results.json").read_text())
    assert res["score"] == sum(POINTS.values()) - POINTS["df/dx"]
