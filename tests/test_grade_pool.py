"""`tutor grade`'s worker processes: however the grading ends (done, an exception, SIGTERM, SIGHUP,
SIGINT to the main process alone, even one whose exception Python drops), no worker outlives it
and the earlier gradebook is intact; a file that hangs its worker costs only its own row, not its
batch's; the spawn start method (Windows, macOS) grades as the forkserver does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backprop_tutor.homework.grade import grade, job_from_key

KEY = Path(__file__).resolve().parent.parent / "examples" / "homework" / "key.toml"
GOOD = '[answers]\nf = -12\nq = 3\n"df/dq" = -4\n"df/dx" = -4\n"df/dy" = "z"\n"df/dz" = 3\n'


def alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def descendants(root: int) -> set[int]:
    """Every process below `root`, from /proc (workers fork from a forkserver: grandchildren)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rpartition(")")[2].split()[1])
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


def class_of(folder: Path, n: int) -> Path:
    folder.mkdir()
    for i in range(n):
        (folder / f"s{i:04}.toml").write_text(GOOD)
    return folder


def grader(*args: str, code: str = "from backprop_tutor.commands.cli import main; main()") -> subprocess.Popen:
    """`tutor grade ARGS` as started from a terminal: the stop signals at their defaults. A job that a
    script starts with `&` inherits SIGINT ignored, and keeps ignoring it, as the shell means (so
    would this test's grader, were pytest started so): a Ctrl-C is not for it."""

    def defaults() -> None:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)

    return subprocess.Popen([sys.executable, "-c", code, "grade", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True, preexec_fn=defaults)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_to_the_grader_ends_its_workers_and_keeps_the_old_gradebook(tmp_path: Path, sig: int) -> None:
    subs = class_of(tmp_path / "subs", 3000)
    out = tmp_path / "grades.csv"
    out.write_text("OLD\n")
    proc = grader(str(subs), "--key", str(KEY), "--out", str(out), "--force")
    seen: set[int] = set()
    deadline = time.monotonic() + 120
    while len(seen) < 3 and proc.poll() is None and time.monotonic() < deadline:  # resource tracker, forkserver,
        seen |= descendants(proc.pid)                                              # a worker at least
        time.sleep(0.02)
    assert proc.poll() is None and len(seen) >= 3, "the grading ended before its workers were seen"
    proc.send_signal(sig)
    code = proc.wait(timeout=60)
    assert code == 128 + sig, proc.stderr.read()
    deadline = time.monotonic() + 20
    while any(alive(pid) for pid in seen) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in seen if alive(pid)], "worker processes outlived the grader"
    assert out.read_text() == "OLD\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv", "subs"]   # no temporary file left
    assert "Traceback" not in proc.stderr.read().decode()


# The grader, with a stop signal landing inside a finalizer just as the grading ends, as it lands in
# multiprocessing's when the pool's semaphores are freed: Python prints "Exception ignored in:
# <Finalize object, dead> ... KeyboardInterrupt" and drops the exception. It had written the new
# gradebook and exited 0.
IN_A_FINALIZER = """
import signal, sys, weakref
from backprop_tutor.homework import grade as module

graded = module.grade

def grade(*args, **kwargs):
    rows = graded(*args, **kwargs)
    weakref.finalize(type("Freed", (), {})(), signal.raise_signal, SIG)  # freed at once: the finalizer runs
    return rows

module.grade = grade
from backprop_tutor.commands.cli import main
main()
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_whose_exception_python_drops_still_stops_the_grader(tmp_path: Path, sig: int) -> None:
    subs = class_of(tmp_path / "subs", 4)
    out = tmp_path / "grades.csv"
    out.write_text("OLD\n")
    proc = grader(str(subs), "--key", str(KEY), "--out", str(out), "--force",
                  code=IN_A_FINALIZER.replace("SIG)", f"{int(sig)})"))
    assert proc.wait(timeout=120) == 128 + sig, proc.stderr.read()
    assert out.read_text() == "OLD\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv", "subs"]
    assert proc.stderr.read().decode().strip() == ""   # not Python's report of the exception it dropped


class Stop(Exception):
    pass


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_an_exception_while_grading_ends_the_workers(tmp_path: Path) -> None:
    import multiprocessing

    paths = [str(p) for p in sorted(class_of(tmp_path / "subs", 20).iterdir())]
    workers: set[int] = set()

    def advance(n: int) -> None:
        workers.update(p.pid for p in multiprocessing.active_children())
        raise Stop

    with pytest.raises(Stop):
        grade(paths, job_from_key(KEY), workers=2, advance=advance)
    assert workers
    deadline = time.monotonic() + 20
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if alive(pid)]


# Grading where one file hangs its worker as C code would (SIGALRM blocked: its own time limit cannot
# stop it), in a batch with others. Workers fork from this script, patched; the tasks sent are listed.
HANG = """
import json, signal, sys, time
from backprop_tutor.homework import grade as module

checked = module.grade_file

def grade_file(path, job):
    if path.endswith("hang.toml"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(3600)
    return checked(path, job)

tasks = []

class Pool(module.ProcessPool):
    def schedule(self, function, args=(), **kwargs):
        tasks.append([p.rsplit("/", 1)[1] for p in args[0]])
        return super().schedule(function, args, **kwargs)

module.grade_file, module.ProcessPool = grade_file, Pool
module.GRACE, module.BATCH_SECONDS, module.BATCH = 0.5, 3600, 8   # batches of 8 after the first task
rows = module.grade(sys.argv[2:], module.job_from_key(sys.argv[1], timeout=0.5), workers=1, start_method="fork")
print(json.dumps({"tasks": tasks, "rows": rows}))
"""


def test_a_file_that_hangs_its_worker_costs_its_row_and_its_batch_is_graded(tmp_path: Path) -> None:
    import json

    subs = class_of(tmp_path / "subs", 30)
    (subs / "s0012.toml").rename(subs / "s0012-hang.toml")
    paths = [str(p) for p in sorted(subs.iterdir())]
    done = subprocess.run([sys.executable, "-c", HANG, str(KEY), *paths], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    with_hang = [t for t in found["tasks"] if "s0012-hang.toml" in t]
    assert len(with_hang[0]) > 1 and with_hang[1:] == [["s0012-hang.toml"]]   # in a batch, then alone
    rows = {r["file"]: r for r in found["rows"]}
    assert rows.pop("s0012-hang.toml")["error"] == "took longer than 0.5 s to check (its worker hung and was stopped)"
    assert len(rows) == 29 and all(r["score"] == 10 and not r["error"] for r in rows.values())


def test_grading_with_the_spawn_start_method(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "a.toml").write_text(GOOD)
    (subs / "b.toml").write_text(GOOD.replace('"df/dx" = -4', '"df/dx" = 4'))
    (subs / "c.toml").write_text("[answers\n")
    paths, job = [str(p) for p in sorted(subs.iterdir())], job_from_key(KEY)
    rows = grade(paths, job, workers=2, start_method="spawn")
    assert rows[0]["score"] == rows[0]["max_score"] > rows[1]["score"] > 0 == rows[2]["score"]
    assert rows[1]["points"]["df/dx"] == 0 and "not valid TOML" in rows[2]["error"]
    assert rows == grade(paths, job, workers=2)   # as the default start method grades them


def test_progress_is_reported_per_file_and_both_workers_take_part(tmp_path: Path) -> None:
    import multiprocessing

    paths = [str(p) for p in sorted(class_of(tmp_path / "subs", 40).iterdir())]
    steps: list[int] = []
    pids: set[int] = set()

    def advance(n: int) -> None:
        steps.append(n)
        pids.update(p.pid for p in multiprocessing.active_children() if p.is_alive())

    rows = grade(paths, job_from_key(KEY), workers=2, advance=advance)
    assert steps == [1] * 40 and all(r["score"] == 10 for r in rows)
    assert len(pids) >= 2
