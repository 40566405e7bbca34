"""Issue #9's bounds at the parser's limit: `tutor grad`, `check`, `explain` and `slides`, each in
a fresh process, CPU time (the process and its children: dot counts) and peak memory.

    python benchmarks/bench_limits.py            # with the system dot, then with it hidden
    python benchmarks/bench_limits.py --quick    # only the runs with the system dot (not with it hidden)

Inputs (written to a temporary folder): QA F3's 290,000-character sum (145,000 terms) and
299,990 unary minuses, each also as a homework with one wrong answer; the 10-layer nest
w*elu(w*softplus(...(w*x + b)...) + b) + b at x=0.5, w=0.8, b=0.1; and the largest graph
`explain` walks through (20,000 gates: a 10,000-product sum). "Without dot" puts a PATH
on which `dot` is not found: the layout then comes from graphviz-pure (next to Python in the
virtualenv), or from the plain layered layout when that is missing too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TIMEOUT = 120


def inputs(d: Path) -> dict[str, str]:
    """The reproducers, written into `d`; name -> path."""
    total = "+".join(["x"] * 145_000)
    nest = "x"
    for i in range(10):
        nest = f"{('tanh', 'sigmoid', 'softplus', 'elu', 'leaky_relu')[i % 5]}(w*{nest} + b)"
    files = {
        "sum.txt": total,
        "neg.txt": "-" * 299_990 + "x",
        "sum.toml": f'[problem]\nprogram = "f = {total}"\nat = {{ x = 1 }}\n[answers]\nf = 1\n"df/dx" = 3\n',
        "neg.toml": '[problem]\nexpression = "' + "-" * 299_990 + 'x"\nat = { x = 1 }\n[answers]\nf = 1\n'
                    '"df/dx" = -1\n',
        "nest.txt": f"w*{nest} + b",
        "products.txt": "+".join(["x*y"] * 10_000),
    }
    for name, text in files.items():
        (d / name).write_text(text, encoding="utf-8")
    return {name: str(d / name) for name in files}


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, float, int, int]:
    """(CPU seconds of the process and its children, wall seconds, peak RSS in MB, exit status)."""
    import time

    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    except KeyboardInterrupt:
        proc.kill()
        raise
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime, time.perf_counter() - start, usage.ru_maxrss // 1024, proc.returncode


def main() -> None:
    quick = "--quick" in sys.argv
    tutor = [sys.executable, "-m", "backprop_tutor"]
    with tempfile.TemporaryDirectory(prefix="bench-limits-") as tmp:
        f = inputs(Path(tmp))
        nest = Path(f["nest.txt"]).read_text()
        at = "x=0.5,w=0.8,b=0.1"
        runs = [
            ("grad, 145,000-term sum, --json", ["grad", "--file", f["sum.txt"], "--at", "x=1", "--json"]),
            ("grad, 299,990 unary minuses, --json", ["grad", "--file", f["neg.txt"], "--at", "x=1", "--json"]),
            ("grad, 145,000-term sum, table", ["grad", "--file", f["sum.txt"], "--at", "x=1"]),
            ("grad, 299,990 unary minuses, table", ["grad", "--file", f["neg.txt"], "--at", "x=1"]),
            ("grad, 10-layer nest, --json", ["grad", nest, "--at", at, "--json"]),
            ("check, 145,000-term sum (2 wrong)", ["check", f["sum.toml"]]),
            ("check, 145,000-term sum, --json", ["check", f["sum.toml"], "--json"]),
            ("check, 299,990 unary minuses (1 wrong)", ["check", f["neg.toml"]]),
            ("explain --all, 145,000-term sum (refused)", ["explain", "--file", f["sum.txt"], "--at", "x=1", "--all"]),
            ("explain --all, 299,990 unary minuses (refused)", ["explain", "--file", f["neg.txt"], "--at", "x=1",
                                                                 "--all"]),
            ("explain --all, 10,000-product sum (244 screens)", ["explain", "--file", f["products.txt"], "--at",
                                                                  "x=1,y=2", "--all"]),
            ("explain --all, 10-layer nest (89 screens)", ["explain", nest, "--at", at, "--all"]),
            ("slides svg, 10-layer nest (87 slides)", ["slides", nest, "--at", at, "--out", f"{tmp}/d1", "-F", "svg"]),
            ("slides svg,png, 10-layer nest", ["slides", nest, "--at", at, "--out", f"{tmp}/d2"]),
        ]
        hidden = Path(tmp, "bin")
        hidden.mkdir()
        for tool in ("python3", "sh", "env"):  # a PATH with the basics but no dot
            if shutil.which(tool):
                os.symlink(shutil.which(tool), hidden / tool)
        print(f"python {sys.version.split()[0]}; {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}\n")
        print("| command | dot | CPU (s) | wall (s) | peak (MB) | exit |\n|---|---|---:|---:|---:|---:|")
        for label, argv in runs:
            for with_dot in (True,) if quick else (True, False):
                env = dict(os.environ, COLUMNS="100")
                if not with_dot:
                    env["PATH"] = str(hidden)
                # killed past TIMEOUT (exit 124): nothing should come near it
                cmd = [shutil.which("timeout") or "timeout", str(TIMEOUT), *tutor, *argv]
                shutil.rmtree(f"{tmp}/d1", ignore_errors=True)
                shutil.rmtree(f"{tmp}/d2", ignore_errors=True)
                cpu, wall, mb, rc = measure(cmd, env)
                print(f"| {label} | {'yes' if with_dot else 'no'} | {cpu:.2f} | {wall:.2f} | {mb} | {rc} |", flush=True)


if __name__ == "__main__":
    main()
