"""Engine benchmark: text to gradients and the trace alone vs micrograd, symbolic gradients vs
sympy.diff, start-up of three commands vs `import sympy`.

Run from the repository root:  python benchmarks/bench_engine.py [numeric] [symbolic] [startup]
(needs `pip install micrograd`; with no argument, all three tables)
Prints Markdown tables; benchmarks/README.md holds the last run. Times are the best of several
runs, measured side by side in one process so the ratios compare like with like.
"""

from __future__ import annotations

import math
import random
import subprocess
import sys
import time
from collections.abc import Callable

import sympy as sp
from micrograd.engine import Value

import backprop_tutor as bt
from backprop_tutor.engine.graph import build
from backprop_tutor.engine.parse import parse
from backprop_tutor.engine.symbolic import to_sympy
from backprop_tutor.engine.trace import walk

# micrograd 0.1.0 has +, *, **, relu only: give it exp and tanh as in the lecture's version.


def _exp(self: Value) -> Value:
    out = Value(math.exp(self.data), (self,), "exp")

    def _backward() -> None:
        self.grad += out.data * out.grad
    out._backward = _backward
    return out


def _tanh(self: Value) -> Value:
    t = math.tanh(self.data)
    out = Value(t, (self,), "tanh")

    def _backward() -> None:
        self.grad += (1 - t * t) * out.grad
    out._backward = _backward
    return out


Value.exp, Value.tanh = _exp, _tanh
sys.setrecursionlimit(1_000_000)  # micrograd's build_topo recurses: depth 200+ fails at the default limit

MICRO = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b, "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** (b.data if isinstance(b, Value) else b), "neg": lambda a: -a,
    "exp": lambda a: a.exp(), "tanh": lambda a: a.tanh(), "relu": lambda a: a.relu(),
}


def sigmoid_text(x: str) -> str:
    return f"1/(1+exp(-({x})))"


def workloads() -> dict[str, tuple[str, dict[str, float]]]:
    rng = random.Random(0)
    out = {}
    out["sigmoid neuron"] = (sigmoid_text("w0*x0 + w1*x1 + w2"), dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3))
    text = "x"
    for _ in range(1000):
        text = sigmoid_text(text)
    out["sigmoid chain, depth 1,000"] = (text, {"x": 0.5})
    n = 10_000
    out["sum of 10,000 products"] = (" + ".join(f"w{i}*x{i}" for i in range(n)),
                                     {**{f"w{i}": rng.uniform(-1, 1) for i in range(n)},
                                      **{f"x{i}": rng.uniform(-1, 1) for i in range(n)}})
    out["XOR 2-4-1, 4 points"] = mlp([2, 4, 1], [(0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 0)], "tanh", rng)
    points = [tuple(rng.uniform(-1, 1) for _ in range(8)) + (rng.uniform(-1, 1),) for _ in range(32)]
    out["MLP 8-16-16-1, 32 points"] = mlp([8, 16, 16, 1], points, "relu", rng)
    out["convolution 12×12 ⊛ 3×3, squared loss"] = conv(12, 3, rng)
    return out


def conv(n: int, k: int, rng: random.Random) -> tuple[str, dict[str, float]]:
    """A valid 2-D convolution of an n×n image with a k×k kernel, as a program, then Σ out²."""
    at = {f"x{i}_{j}": rng.uniform(-1, 1) for i in range(n) for j in range(n)}
    at |= {f"k{a}_{b}": rng.uniform(-1, 1) for a in range(k) for b in range(k)}
    lines = [f"o{i}_{j} = " + " + ".join(f"k{a}_{b}*x{i + a}_{j + b}" for a in range(k) for b in range(k))
             for i in range(n - k + 1) for j in range(n - k + 1)]
    lines.append("L = " + " + ".join(f"o{i}_{j}^2" for i in range(n - k + 1) for j in range(n - k + 1)))
    return "\n".join(lines), at


def mlp(sizes: list[int], data: list[tuple], act: str, rng: random.Random) -> tuple[str, dict[str, float]]:
    """An unrolled multilayer perceptron with squared loss, written as a program."""
    at: dict[str, float] = {}
    lines = []
    for layer, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        for j in range(fan_out):
            at[f"b{layer}_{j}"] = 0.0
            for i in range(fan_in):
                at[f"w{layer}_{i}_{j}"] = rng.uniform(-1, 1) / math.sqrt(fan_in)
    for p, row in enumerate(data):
        prev = []
        for i, x in enumerate(row[:-1]):
            at[f"x{p}_{i}"] = x
            prev.append(f"x{p}_{i}")
        for layer, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
            last = layer == len(sizes) - 2
            cur = []
            for j in range(fan_out):
                s = " + ".join(f"w{layer}_{i}_{j}*{prev[i]}" for i in range(fan_in)) + f" + b{layer}_{j}"
                name = f"h{p}_{layer}_{j}"
                lines.append(f"{name} = {s}" if last else f"{name} = {act}({s})")
                cur.append(name)
            prev = cur
        at[f"y{p}"] = row[-1]
        lines.append(f"e{p} = ({prev[0]} - y{p})^2")
    lines.append("L = " + " + ".join(f"e{p}" for p in range(len(data))))
    return "\n".join(lines), at


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3g} ms"


def best(f: Callable[[], object], repeat: int = 5, clock: Callable[[], float] = time.process_time) -> float:
    """The best of `repeat` runs, in this process's CPU time by default: on a shared machine the
    wall clock also counts the other processes (start-up, a subprocess, is timed by the wall)."""
    times = []
    for _ in range(repeat):
        t0 = clock()
        f()
        times.append(clock() - t0)
    return min(times)


def micrograd_run(graph, at: dict[str, float]) -> float:
    """Build the same expression in micrograd (its forward pass) and back-propagate."""
    vals: dict[str, object] = {}
    for n, attrs in graph.nodes(data=True):
        if attrs["kind"] == "input":
            vals[n] = Value(at[n])
        elif attrs["kind"] == "const":
            vals[n] = float(attrs["value"])
        else:
            args = [vals[i] for i in attrs["inputs"]]
            if not any(isinstance(a, Value) for a in args):
                vals[n] = Value(args[0]) if len(args) == 1 else Value(args[0])
                args = [vals[n]] + args[1:]
            if not isinstance(args[0], Value):  # c + x, c / x: micrograd needs a Value on the left
                args[0] = Value(args[0])
            vals[n] = MICRO[attrs["gate"]](*args)
    out = vals[graph.graph["output"]]
    out.backward()
    return out.data


def numeric_table() -> list[str]:
    rows = ["| workload | operations | end to end: `bt.trace(text, point)` | trace alone: forward + backward "
            "| micrograd: build + backward | micrograd / end to end | micrograd / trace alone |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for name, (text, at) in workloads().items():
        bt.trace(text, at)  # warm: the first call of a process also imports and compiles
        graph = build(parse(text))
        nx_graph = graph.networkx()
        ops = len(graph.graph["tape"].ops) if "tape" in graph.graph else \
            sum(1 for a in graph.nodes.values() if a["kind"] == "gate")
        repeat = 11 if ops < 20_000 else 7  # best of many: the machine is shared, a run can lose its core
        end_to_end = best(lambda: bt.trace(text, at), repeat)
        ours = best(lambda: walk(graph, at), repeat)
        theirs = best(lambda: micrograd_run(nx_graph, at), repeat)
        assert math.isclose(bt.trace(text, at).value, micrograd_run(nx_graph, at), rel_tol=1e-9), name
        rows.append(f"| {name} | {ops:,} | {ms(end_to_end)} | {ms(ours)} | {ms(theirs)} | "
                    f"{theirs / end_to_end:.2f}x | {theirs / ours:.1f}x |")
    return rows


def symbolic_table() -> list[str]:
    rows = ["| workload | backprop_tutor: time (s) | size (count_ops, CSE) | sympy.diff of the whole: time (s) | size (count_ops) |",
            "|---|---:|---:|---:|---:|"]
    cases = [("sigmoid neuron", sigmoid_text("w0*x0 + w1*x1 + w2"), dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3))]
    for depth in (5, 10, 20):  # deeper, the expanded form passes symbolic.MAX_TREE and is not built
        text = "x"
        for _ in range(depth):
            text = f"sigmoid({text})"
        cases.append((f"sigmoid chain, depth {depth}", text, {"x": 0.5}))
    for name, text, at in cases:
        def ours() -> int:
            t = walk(build(text), at)
            return t.symbolic.size()
        t0 = time.process_time()
        size = ours()
        mine = time.process_time() - t0
        program = parse(text)
        syms = {v: sp.Symbol(v, real=True) for v in at}
        t0 = time.process_time()
        whole = to_sympy(program.statements[-1].expr, syms)
        diffs = [sp.diff(whole, s) for s in syms.values()]
        theirs = time.process_time() - t0
        their_size = sum(sp.count_ops(d) for d in diffs)
        rows.append(f"| {name} | {mine:.3f} | {size:,} | {theirs:.3f} | {their_size:,} |")
    return rows


def _children_cpu() -> float:
    """CPU time (user + system) of the finished child processes so far."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def startup_table() -> list[str]:
    """Start-up in the children's CPU time (on a shared machine the wall clock also counts others).
    A lesson's first screen is timed piped (until its first line: screens are written whole) and on
    a terminal (until the keys line ends it)."""
    def run(cmd: list[str]) -> float:
        return best(lambda: subprocess.run(cmd, capture_output=True, check=True), 5, _children_cpu)

    def first_line(cmd: list[str]) -> float:
        """Until the first line of output: the first screen a student sees."""
        def go() -> None:
            with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as p:
                p.stdout.readline()
                p.kill()
        return best(go, 5, _children_cpu)

    def on_terminal(cmd: list[str]) -> float:
        """Until the first screen is shown on a terminal (its keys line): the interactive walkthrough."""
        import os
        import pty

        def go() -> None:
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(cmd[0], cmd)
            seen = b""
            try:
                while b"[q] quit" not in seen:
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        break
                    seen += chunk
            except OSError:
                pass
            finally:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                os.close(fd)
        return best(go, 5, _children_cpu)

    tutor = [sys.executable, "-m", "backprop_tutor"]
    sympy_import = run([sys.executable, "-c", "import sympy"])
    rows = ["| command | CPU time (s) | / `import sympy` |", "|---|---:|---:|"]
    for label, seconds in [
        ("`tutor --help`", run([*tutor, "--help"])),
        ("`tutor run chain-rule` (first screen)", first_line([*tutor, "run", "chain-rule"])),
        ("`tutor run chain-rule` on a terminal (first screen)", on_terminal([*tutor, "run", "chain-rule"])),
        ("`tutor grad '(x+y)z' --at x=-2,y=5,z=-4 --json`", run([*tutor, "grad", "(x+y)z", "--at", "x=-2,y=5,z=-4",
                                                                   "--json"])),
        ("`python -c \"import sympy\"`", sympy_import),
    ]:
        rows.append(f"| {label} | {seconds:.3f} | {seconds / sympy_import:.2f} |")
    return rows


TABLES = {"numeric": ("Text to gradients vs micrograd", numeric_table),
          "symbolic": ("Symbolic gradients vs sympy.diff", symbolic_table),
          "startup": ("Start-up", startup_table)}

if __name__ == "__main__":
    # python benchmarks/bench_engine.py [numeric] [symbolic] [startup]: the tables named, else all three
    chosen = sys.argv[1:] or list(TABLES)
    if unknown := [c for c in chosen if c not in TABLES]:
        sys.exit(f"unknown table {unknown[0]!r}; choose from {', '.join(TABLES)}")
    for title, table in (TABLES[c] for c in chosen):
        print(f"\n### {title}\n")
        print("\n".join(table()), flush=True)
