"""`tutor grade`: a class with good, wrong, malformed and hostile submissions is graded, row by row;
the gradebook is written atomically and an earlier one is kept unless --force."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backprop_tutor.commands.cli import app
from backprop_tutor.homework.formula import Timeout, time_limit
from backprop_tutor.homework.gradebook import to_csv, write_atomic
from backprop_tutor.errors import TutorError

KEY = Path(__file__).resolve().parent.parent / "examples" / "homework" / "key.toml"   # 10 points
GOOD = '''student = "{sid}"
[answers]
f = -12
q = 3
"df/dq" = -4
"df/dx" = -4
"df/dy" = "z"
"df/dz" = 3
'''


def class_dir(tmp_path: Path) -> Path:
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "a_good.toml").write_text(GOOD.format(sid="good"))
    (subs / "b_wrong.toml").write_text(GOOD.format(sid="wrong").replace('"df/dx" = -4', '"df/dx" = 4')
                                       .replace('"df/dy" = "z"', '"df/dy" = 1'))
    (subs / "c_syntax.toml").write_text('student = "syntax"\n[answers\nf = ')
    (subs / "d_inject.toml").write_text('student = "inject"\n[answers]\n'
                                        f'"df/dx" = "__import__(\'os\').system(\'touch {tmp_path}/pwned\')"\n')
    with open(subs / "e_huge.toml", "wb") as fh:
        fh.write(b'student = "huge"\n# ')
        fh.truncate(50 * 1024 * 1024)                       # a 50 MB file
    (subs / "f_deep.toml").write_text('student = "deep"\n[answers]\nf = ' + "[" * 10_000 + "]" * 10_000 + "\n")
    (subs / "g_deepformula.toml").write_text('student = "deepf"\n[answers]\n"df/dx" = "'
                                             + "-(" * 300 + "x" + ")" * 300 + '"\n')
    (subs / "h_deepproblem.toml").write_text(GOOD.format(sid="deepp") + '[problem]\nexpression = "'
                                             + "(" * 10_000 + "x" + ")" * 10_000 + '"\nat = { x = 1 }\n')
    (subs / "i_bomb.toml").write_text('student = "bomb"\n[answers]\n"df/dx" = "9^9^9^9"\n'
                                      '"df/dz" = "(x + y + z)^100000"\nf = -12\n')
    (subs / "notes.txt").write_text("not a submission")
    return subs


def read_csv(path: Path) -> dict[str, dict[str, str]]:
    return {r["file"]: r for r in csv.DictReader(io.StringIO(path.read_text()))}


def test_a_hostile_class_is_graded_row_by_row(tmp_path: Path) -> None:
    out = tmp_path / "grades.csv"
    result = CliRunner().invoke(app, ["grade", str(class_dir(tmp_path)), "--key", str(KEY), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = read_csv(out)
    assert len(rows) == 9 and "notes.txt" not in rows
    assert rows["a_good.toml"]["score"] == "10" and rows["a_good.toml"]["error"] == ""
    wrong = rows["b_wrong.toml"]
    assert wrong["score"] == "6" and wrong["df/dx"] == "0" and wrong["df/dz"] == "2"
    assert "df/dx: sign-error" in wrong["diagnoses"]
    for name, reason in [("c_syntax.toml", "not valid TOML"), ("d_inject.toml", "not a formula"),
                         ("e_huge.toml", "52,428,800 bytes"), ("f_deep.toml", "nests too deep"),
                         ("g_deepformula.toml", "nests more than")]:
        assert rows[name]["score"] == "0" and reason in rows[name]["error"], rows[name]
    assert rows["h_deepproblem.toml"]["score"] == "10"      # graded against the key's problem
    assert "differs from the key" in rows["h_deepproblem.toml"]["note"]
    bomb = rows["i_bomb.toml"]
    assert bomb["f"] == "1" and bomb["df/dx"] == "0" and bomb["score"] == "1"
    assert not (tmp_path / "pwned").exists()
    assert "Class summary" in result.output and "sign-error" in result.output


def test_json_gradebook(tmp_path: Path) -> None:
    out = tmp_path / "grades.json"
    result = CliRunner().invoke(app, ["grade", str(class_dir(tmp_path)), "--key", str(KEY), "--out", str(out),
                                      "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["answers"] == ["f", "q", "df/dq", "df/dx", "df/dy", "df/dz"]
    good = next(r for r in data["submissions"] if r["student"] == "good")
    assert good["points"] == {"f": 1, "q": 1, "df/dq": 2, "df/dx": 2, "df/dy": 2, "df/dz": 2}
    assert data["summary"]["submissions"] == 9 and data["summary"]["failed"] == 5
    assert data["summary"]["mistakes"][0]["code"] == "sign-error"
    per = {a["name"]: (a["right"], a["graded"]) for a in data["summary"]["answers"]}
    assert per["f"] == (4, 4) and per["df/dx"] == (2, 4)     # good and deep-problem; wrong has +4


def test_an_existing_gradebook_is_kept_unless_force(tmp_path: Path) -> None:
    subs, out = class_dir(tmp_path), tmp_path / "grades.csv"
    out.write_text("earlier grades\n")
    runner = CliRunner()
    refused = runner.invoke(app, ["grade", str(subs), "--key", str(KEY), "--out", str(out)])
    assert refused.exit_code == 2 and "--force" in refused.output
    assert out.read_text() == "earlier grades\n"
    forced = runner.invoke(app, ["grade", str(subs), "--key", str(KEY), "--out", str(out), "--force"])
    assert forced.exit_code == 0 and out.read_text().startswith("student,file,score")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".gradebook-")] == []


def test_atomic_write_leaves_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    out = tmp_path / "grades.csv"
    out.write_text("earlier grades\n")
    with pytest.raises(TypeError):
        write_atomic(out, 123, force=True)  # type: ignore[arg-type] - fails mid-write
    assert out.read_text() == "earlier grades\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv"]
    with pytest.raises(TutorError, match="--force"):
        write_atomic(out, "new", force=False)


def test_a_stop_signal_noted_before_the_rename_keeps_the_old_gradebook(tmp_path: Path, monkeypatch) -> None:
    import signal

    from backprop_tutor import stop

    out = tmp_path / "grades.csv"
    out.write_text("earlier grades\n")
    monkeypatch.setattr(stop, "received", [signal.SIGINT])  # its KeyboardInterrupt was dropped in a finalizer
    with pytest.raises(KeyboardInterrupt):
        write_atomic(out, "new grades\n", force=True)
    assert out.read_text() == "earlier grades\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv"]


def test_a_ctrl_c_just_as_the_temporary_file_is_made_leaves_none(tmp_path: Path, monkeypatch) -> None:
    import signal
    import tempfile

    made = tempfile.mkstemp

    def mkstemp(**kwargs):  # SIGINT arrives once the file exists, before mkstemp has returned its name
        fd, name = made(**kwargs)
        signal.raise_signal(signal.SIGINT)
        return fd, name

    out = tmp_path / "grades.csv"
    out.write_text("earlier grades\n")
    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    before = signal.signal(signal.SIGINT, signal.default_int_handler)  # as run from a terminal
    try:
        with pytest.raises(KeyboardInterrupt):
            write_atomic(out, "new grades\n", force=True)
    finally:
        signal.signal(signal.SIGINT, before)
    assert out.read_text() == "earlier grades\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv"]


def test_csv_cells_cannot_be_spreadsheet_formulas() -> None:
    row = {"student": "=HYPERLINK(1)", "file": "@x.toml", "score": 0.0, "max_score": 1.0, "points": {},
           "diagnoses": {}, "error": "-bad", "note": ""}
    line = to_csv([row], []).splitlines()[1]
    assert line.startswith("'=HYPERLINK(1),'@x.toml,0,1,,'-bad")


def test_bad_key_and_directory_are_one_line_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    key = tmp_path / "key.toml"
    key.write_text('[problem]\nprogram = "q = x + y; f = q * z"\nat = { x = 1, y = 2, z = 3 }\n[points]\n"df/dw" = 1\n')
    out = runner.invoke(app, ["grade", str(tmp_path), "--key", str(key), "--out", str(tmp_path / "g.csv")])
    assert out.exit_code == 2 and "line 5" in out.output and "'df/dw'" in out.output
    missing = runner.invoke(app, ["grade", str(tmp_path / "nope"), "--key", str(KEY), "--out", str(tmp_path / "g.csv")])
    assert missing.exit_code == 2 and "not a directory" in missing.output
    nowhere = runner.invoke(app, ["grade", str(tmp_path), "--key", str(KEY), "--out", str(tmp_path / "no/g.csv")])
    assert nowhere.exit_code == 2 and "not a writable directory" in nowhere.output


def test_a_key_whose_program_cannot_be_computed_points_at_the_program(tmp_path: Path) -> None:
    # the line of `program =` (not of [problem]) and the sub-expression that fails, for grade and check alike
    key = tmp_path / "key.toml"
    key.write_text('# key\n[problem]\n\nprogram = "q = x - 1; f = log(q) * y"\nat = { x = 1, y = 2 }\n')
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "a.toml").write_text("[answers]\nf = 1\n")
    runs = [["grade", str(tmp_path / "subs"), "--key", str(key), "--out", str(tmp_path / "g.csv")],
            ["check", str(tmp_path / "subs" / "a.toml"), "--key", str(key)],
            ["check", str(key)]]  # a file with its own [problem]
    for args in runs:
        out = CliRunner().invoke(app, args)
        assert out.exit_code == 2 and out.output.count("\n") == 1, (args, out.output)
        assert out.output == (f"Error: {key}, line 4: log(0) cannot be evaluated: outside its domain, in log(q) "
                              f"(column 16); choose input values where it is defined\n"), args


def test_a_submission_that_hangs_gets_its_row_and_the_rest_are_graded(tmp_path: Path) -> None:
    import dataclasses
    import os

    from backprop_tutor.homework.grade import grade, job_from_key

    good = tmp_path / "good.toml"
    good.write_text(GOOD.format(sid="good"))
    fifo = tmp_path / "hang.toml"
    os.mkfifo(fifo)                     # opening it would block forever: it is refused unopened
    slow = tmp_path / "slow.toml"       # formulas SymPy must compare: far more than a millisecond
    slow.write_text(GOOD.format(sid="slow").replace('"df/dy" = "z"', '"df/dy" = "z*(x+y)/(x+y)"')
                    .replace('"df/dx" = -4', '"df/dx" = "z + 0*sin(x)^2"'))
    job = dataclasses.replace(job_from_key(KEY), timeout=1.0)
    rows = grade([str(fifo), str(good)], job, workers=2)
    assert "not a regular file (a pipe)" in rows[0]["error"] and rows[0]["score"] == 0
    assert rows[1]["score"] == 10
    rows = grade([str(slow), str(good)], dataclasses.replace(job, timeout=0.001), workers=1)
    assert "took longer than 0.001 s" in rows[0]["error"] and rows[0]["score"] == 0


def test_too_little_memory_costs_rows_not_the_batch(tmp_path: Path, capfd: pytest.CaptureFixture) -> None:
    import dataclasses

    from backprop_tutor.homework.grade import grade, job_from_key

    paths = []
    for i in range(3):
        paths.append(str(tmp_path / f"s{i}.toml"))
        Path(paths[-1]).write_text(GOOD.format(sid=f"s{i}"))
    job = dataclasses.replace(job_from_key(KEY), memory_mb=40)   # too little: a worker fails or dies
    rows = grade(paths, job, workers=2)
    assert [r["file"] for r in rows] == ["s0.toml", "s1.toml", "s2.toml"]
    for r in rows:
        assert r["score"] == 0 and ("needed more than 40 MB" in r["error"] or "died or hung" in r["error"]), r
    capfd.readouterr()   # a dying worker's traceback


def test_time_limit_stops_a_long_computation() -> None:
    with pytest.raises(Timeout):
        with time_limit(0.2):
            while True:
                pass


def test_an_out_that_is_no_regular_file_is_refused_even_with_force(tmp_path: Path) -> None:
    import os

    from backprop_tutor.homework.gradebook import refuse_overwrite

    subs, runner = class_dir(tmp_path), CliRunner()
    target = tmp_path / "real.csv"
    target.write_text("earlier grades\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    fifo = tmp_path / "fifo.csv"          # stands in for /dev/null: a special file replaced would break it
    os.mkfifo(fifo)
    for out, what in [(link, "is a symbolic link"), (fifo, "is not a regular file"), (subs, "is a directory")]:
        result = runner.invoke(app, ["grade", str(subs), "--key", str(KEY), "--out", str(out), "--force"])
        assert result.exit_code == 2 and result.output.startswith("Error: ") and what in result.output
        assert result.output.count("\n") == 1, result.output
    assert link.is_symlink() and target.read_text() == "earlier grades\n" and fifo.is_fifo() and subs.is_dir()
    with pytest.raises(TutorError, match="'/dev/null' is not a regular file"):
        refuse_overwrite("/dev/null", force=True)      # checked only: nothing is written to /dev/null


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_the_gradebook_gets_the_usual_permissions(tmp_path: Path, umask: int, mode: int) -> None:
    import os
    import stat

    old = os.umask(umask)
    try:
        write_atomic(tmp_path / "grades.csv", "student\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "grades.csv").stat().st_mode) == mode


@pytest.mark.parametrize("option, value", [("--timeout", "inf"), ("--timeout", "1e12"), ("--timeout", "nan"),
                                           ("--timeout", "0"), ("--timeout", "-1"), ("--timeout", "3601"),
                                           ("--memory", "99999999999999"), ("--memory", "100")])
def test_limits_out_of_range_are_one_line_errors(tmp_path: Path, option: str, value: str) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "a.toml").write_text(GOOD.format(sid="a"))
    out = tmp_path / "g.csv"
    result = CliRunner().invoke(app, ["grade", str(subs), "--key", str(KEY), "--out", str(out), option, value])
    assert result.exit_code == 2 and result.output.startswith(f"Error: {option} ") and result.output.count("\n") == 1
    assert not out.exists()


def test_every_toml_entry_gets_a_row_but_the_key_and_the_gradebook(tmp_path: Path) -> None:
    import os

    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "a_good.toml").write_text(GOOD.format(sid="good"))
    (subs / "dangling.toml").symlink_to(tmp_path / "nowhere")
    (subs / "zero.toml").symlink_to("/dev/zero")
    (subs / "dir.toml").mkdir()
    os.mkfifo(subs / "pipe.toml")
    (subs / "key.toml").write_text(KEY.read_text())
    out = subs / "grades.toml"               # an earlier gradebook, in the folder, with a .toml name
    out.write_text("student,file\n")
    args = ["grade", str(subs), "--key", str(subs / "key.toml"), "--out", str(out), "--force"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = read_csv(out)
    assert sorted(rows) == ["a_good.toml", "dangling.toml", "dir.toml", "pipe.toml", "zero.toml"]
    assert rows["a_good.toml"]["score"] == "10"
    for name, why in [("dangling.toml", "broken symbolic link"), ("zero.toml", "not a regular file (a device)"),
                      ("dir.toml", "not a regular file (a directory)"), ("pipe.toml", "(a pipe)")]:
        assert rows[name]["score"] == "0" and why in rows[name]["error"], rows[name]


def test_a_short_timeout_costs_time_not_a_broken_worker(tmp_path: Path) -> None:
    """A submission's time limit must never cut an import short (SymPy, half-imported, breaks every
    later file in its worker and warns "non-Expr arguments in Add" on stderr)."""
    import subprocess
    import sys

    subs = tmp_path / "subs"
    subs.mkdir()
    for i in range(12):
        (subs / f"s{i:02}.toml").write_text(GOOD.format(sid=f"s{i:02}"))
    out = tmp_path / "g.csv"
    run = subprocess.run([sys.executable, "-c", "from backprop_tutor.commands.cli import app; app()", "grade", str(subs),
                          "--key", str(KEY), "--out", str(out), "--timeout", "0.1", "--workers", "1"],
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0 and run.stderr.strip() == "", run.stderr   # the progress bar leaves a newline
    rows = read_csv(out)
    assert len(rows) == 12
    for r in rows.values():   # on a loaded machine a file may time out; none may fail otherwise
        assert r["score"] == "10" or "took longer than 0.1 s" in r["error"], r
    assert sum(r["score"] == "10" for r in rows.values()) >= 6


def test_a_hand_built_job_with_limits_out_of_range_is_refused_before_any_worker(tmp_path: Path) -> None:
    import dataclasses

    from backprop_tutor.homework.grade import grade, job_from_key

    path = tmp_path / "a.toml"
    path.write_text(GOOD.format(sid="a"))
    job = job_from_key(KEY)
    for bad in [dataclasses.replace(job, timeout=float("inf")), dataclasses.replace(job, memory_mb=2**60)]:
        with pytest.raises(TutorError, match="--timeout|--memory"):
            grade([str(path)], bad, workers=1)
    with pytest.raises(TutorError, match="--memory 99999999999999"):
        job_from_key(KEY, memory_mb=99999999999999)


def test_a_key_whose_default_answers_overflow_is_refused_up_front(tmp_path: Path) -> None:
    key = tmp_path / "key.toml"     # no [points]: f, df/dx, df/dy and new:x, new:y are asked for
    key.write_text('[problem]\nprogram = "f = x * y"\nat = { x = 2, y = 3 }\nlr = 1e308\n')
    result = CliRunner().invoke(app, ["grade", str(tmp_path), "--key", str(key), "--out", str(tmp_path / "g.csv")])
    assert result.exit_code == 2 and "line 4: answer 'new:x' (asked by default): the update" in result.output
    assert "overflows float64" in result.output and result.output.count("\n") == 1


def test_an_outer_time_limit_running_out_inside_sympy_is_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """sympy_zero gives up on its own 2 s limit ("cannot decide"), but a submission's limit that runs
    out inside it must stop the submission, not be taken for SymPy's."""
    import sympy

    from backprop_tutor.homework.formula import sympy_zero

    def forever(expr: object) -> None:
        while True:
            pass

    monkeypatch.setattr(sympy, "simplify", forever)
    x, y = sympy.symbols("x y")
    assert sympy_zero(x - y, seconds=0.05) is None          # its own limit: undecided
    returned = []
    with pytest.raises(Timeout):
        with time_limit(0.05):
            returned.append(sympy_zero(x - y, seconds=2.0))
    assert returned == []
    with pytest.raises(Timeout):
        with time_limit(0.05):
            try:
                while True:
                    pass
            except Exception:  # noqa: BLE001, S110 - a broad except on the way does not stop a Timeout
                pass


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_the_key_or_a_submission_as_out_is_refused_even_with_force(tmp_path: Path, force: list[str]) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "a.toml").write_text(GOOD.format(sid="a"))
    (subs / "b.toml").write_text(GOOD.format(sid="b"))
    key = tmp_path / "key.toml"
    key.write_text(KEY.read_text())
    hardlink = tmp_path / "same-as-a.csv"
    hardlink.hardlink_to(subs / "a.toml")
    for out, what in [(key, "is the answer key"), (subs / "a.toml", "is a submission (a.toml)"),
                      (hardlink, "is a submission (a.toml)"), (subs / "." / ".." / "subs" / "b.toml", "(b.toml)")]:
        result = CliRunner().invoke(app, ["grade", str(subs), "--key", str(key), "--out", str(out), *force])
        assert result.exit_code == 2 and what in result.output and result.output.count("\n") == 1, result.output
    assert key.read_text() == KEY.read_text()
    assert (subs / "a.toml").read_text() == GOOD.format(sid="a") == hardlink.read_text()
    assert (subs / "b.toml").read_text() == GOOD.format(sid="b")


def test_a_full_disk_names_the_gradebook_and_keeps_the_earlier_one(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import os

    out = tmp_path / "grades.csv"
    out.write_text("earlier grades\n")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(TutorError) as err:
        write_atomic(out, "student,file\n", force=True)
    assert str(err.value) == f"cannot write {str(out)!r}: No space left on device; the earlier gradebook is kept"
    assert out.read_text() == "earlier grades\n" and sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv"]


def test_the_summary_line_counts_rows_in_words(tmp_path: Path) -> None:
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "a.toml").write_text("[answers]\nf = -12\n")
    out = CliRunner().invoke(app, ["grade", str(tmp_path / "subs"), "--key", str(KEY), "--out", str(tmp_path / "g.csv")])
    assert out.exit_code == 0 and f"wrote 1 row to {tmp_path / 'g.csv'}" in out.output
