"""The autograder API from a plain Python script, run as its own process (as nbgrader/otter would)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = textwrap.dedent('''
    import json
    from backprop_tutor import check_answers, gradcheck

    problem = {"program": "q = x + y; f = q * z", "at": {"x": -2, "y": 5, "z": -4}}
    student = {"f": -12, "df/dx": 4, "df/dy": "z", "df/dz": 3}
    result = check_answers(problem, student)

    def f(x, y, z):
        return (x + y) * z

    def backward(x, y, z):          # the student's own backward pass, with a bug in dz
        return {"x": z, "y": z, "z": x - y}

    at = {"x": -2.0, "y": 5.0, "z": -4.0}
    report = gradcheck(f, at, backward(**at))
    print(json.dumps({"check": result, "gradcheck": report.to_dict()}))
''')


def test_api_from_a_plain_script(tmp_path: Path) -> None:
    script = tmp_path / "autograde.py"
    script.write_text(SCRIPT)
    # PYTHONPATH: the package as installed (an editable install's finder may not run __init__.py)
    env = os.environ | {"PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                         env=env)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    verdicts = {v["name"]: v for v in data["check"]["answers"]}
    assert data["check"]["score"] == 3 and data["check"]["max_score"] == 4
    assert verdicts["df/dx"]["correct"] is False and verdicts["df/dx"]["diagnoses"] == ["sign-error"]
    assert verdicts["df/dx"]["first_wrong_step"]["node"] == "x"
    assert verdicts["df/dy"]["correct"] is True and verdicts["df/dy"]["expected_formula"] == "z"
    grads = {c["name"]: c for c in data["gradcheck"]["inputs"]}
    assert grads["x"]["verdict"] == "right" and grads["z"]["verdict"] == "wrong"   # x - y = -7, not 3
    assert data["gradcheck"]["ok"] is False
