"""Benchmark: grade 10,000 small submissions (the lecture's sigmoid neuron, five gradients each).

Target (issue 5): under 10 seconds on 2 cores, end to end (`tutor grade`, files to gradebook).
Run:  python benchmarks/bench_grade.py [N] [--workers 2]
The submissions mix right answers, hand-rounded answers, the classic mistakes, a formula
answer and a few malformed files, like a real class.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KEY = Path(__file__).resolve().parent.parent / "examples" / "homework" / "sigmoid-key.toml"
RIGHT = {"df/dw0": "-0.20", "df/dx0": "0.39", "df/dw1": "-0.39", "df/dx1": "-0.59", "df/dw2": "0.20"}
MISTAKES = [  # worked by hand from the lecture's numbers (σ = 0.73, σ' = 0.20)
    {"df/dw0": "-0.73"},                    # σ' taken as σ: 0.73 · x0
    {"df/dx0": "-0.39"},                    # sign error
    {"df/dw2": "1"},                        # activation derivative left out
    {"df/dw1": "-2"},                       # upstream dropped: local x1 only
    {"df/dw2": '"(1 - f)*f"'},              # a formula (right): goes through SymPy
]


def make(folder: Path, n: int, seed: int = 5) -> None:
    """Write n submissions into folder."""
    rng = random.Random(seed)
    for i in range(n):
        answers = dict(RIGHT)
        if rng.random() < 0.4:
            answers.update(rng.choice(MISTAKES))
        body = "\n".join(f'"{k}" = {v}' for k, v in answers.items())
        text = f'student = "s{i:07d}"\n[answers]\n{body}\n'
        if i % 1000 == 999:
            text = "[answers\n"  # a malformed file now and then
        (folder / f"s{i:07d}.toml").write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "subs"
        folder.mkdir()
        make(folder, args.n)
        out = Path(tmp) / "grades.csv"
        start = time.perf_counter()
        subprocess.run(["tutor", "grade", str(folder), "--key", str(KEY), "--out", str(out),
                        "--workers", str(args.workers)], check=True, stdout=subprocess.DEVNULL,
                       env=os.environ | {"NO_COLOR": "1"})
        elapsed = time.perf_counter() - start
        rows = out.read_text().count("\n") - 1
        single = naive(folder)
    print(f"tutor grade: {rows:,} submissions in {elapsed:.2f} s with {args.workers} workers "
          f"({1e3 * elapsed / max(rows, 1):.3f} ms each; target: {args.n:,} in 10 s)")
    print(f"peer (a plain loop of load + check_answers in one process): {single:.2f} s "
          f"-> tutor grade is {single / elapsed:.2f}x its speed")
    sys.exit(0 if rows == args.n else 1)


def naive(folder: Path) -> float:
    """What an autograder script would do: one process, one submission after another."""
    from backprop_tutor.homework.check import check_answers
    from backprop_tutor.errors import HomeworkError
    from backprop_tutor.homework.problem import load

    key = load(KEY)
    start = time.perf_counter()
    for path in sorted(folder.iterdir()):
        try:
            check_answers(key.problem, load(path).answers, points=key.points, expected=list(key.points))
        except HomeworkError:
            pass
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
