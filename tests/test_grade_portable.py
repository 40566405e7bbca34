"""`tutor grade` where Python has no `resource` module (Windows): the grading runs, every worker
without the address-space limit (the time limits still hold). Simulated on POSIX by a `resource`
module that fails to import, put first on the path of the grader and of its workers."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY = ROOT / "examples" / "homework" / "key.toml"
HW = ROOT / "examples" / "homework" / "hw.toml"


def test_grading_works_without_the_resource_module(tmp_path: Path) -> None:
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "resource.py").write_text('raise ImportError("No module named \'resource\' (as on Windows)")\n')
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "a.toml").write_text(HW.read_text())
    (subs / "b.toml").write_text(HW.read_text().replace('"df/dx" = -4', '"df/dx" = 4'))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(shadow), os.environ.get("PYTHONPATH")]))}
    probe = subprocess.run([sys.executable, "-c", "import resource"], env=env, capture_output=True, text=True)
    assert probe.returncode == 1 and "as on Windows" in probe.stderr      # the shadow is what workers import too
    out = tmp_path / "grades.csv"
    done = subprocess.run([sys.executable, "-m", "backprop_tutor", "grade", str(subs), "--key", str(KEY),
                           "--out", str(out)], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    rows = {r["file"]: r for r in csv.DictReader(io.StringIO(out.read_text()))}
    assert rows["a.toml"]["score"] == rows["a.toml"]["max_score"] and rows["a.toml"]["error"] == ""
    assert "sign-error" in rows["b.toml"]["diagnoses"] and rows["b.toml"]["error"] == ""
