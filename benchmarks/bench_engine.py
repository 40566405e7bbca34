"""Engine benchmark: numeric trace vs micrograd, symbolic gradients vs sympy.diff, start-up.

Run from the repository root:  python benchmarks/bench_engine.py   (needs `pip install micrograd`)
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

from backprop_tutor.engine.graph import build_graph
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
    return out


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


def best(f: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
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
    rows = ["| workload | operations | parse + graph (once) | trace: forward + backward | micrograd: build + backward | micrograd / trace |",
            "|---|---:|---:|---:|---:|---:|"]
    for name, (text, at) in workloads().items():
        t0 = time.perf_counter()
        graph = build_graph(parse(text))
        build = time.perf_counter() - t0
        ops = sum(1 for _, k in graph.nodes(data="kind") if k == "gate")
        repeat = 5 if ops < 20_000 else 3
        ours = best(lambda: walk(graph, at), repeat)
        theirs = best(lambda: micrograd_run(graph, at), repeat)
        t = walk(graph, at)
        assert math.isclose(t.value, micrograd_run(graph, at), rel_tol=1e-9), name
        rows.append(f"| {name} | {ops:,} | {ms(build)} | {ms(ours)} | {ms(theirs)} | {theirs / ours:.1f}x |")
    return rows


def symbolic_table() -> list[str]:
    rows = ["| workload | backprop_tutor: time (s) | size (count_ops, CSE) | sympy.diff of the whole: time (s) | size (count_ops) |",
            "|---|---:|---:|---:|---:|"]
    cases = [("sigmoid neuron", sigmoid_text("w0*x0 + w1*x1 + w2"), dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3))]
    for depth in (10, 25, 50):
        text = "x"
        for _ in range(depth):
            text = f"sigmoid({text})"
        cases.append((f"sigmoid chain, depth {depth}", text, {"x": 0.5}))
    for name, text, at in cases:
        def ours() -> int:
            t = walk(build_graph(text), at)
            return t.symbolic.size()
        t0 = time.perf_counter()
        size = ours()
        mine = time.perf_counter() - t0
        program = parse(text)
        syms = {v: sp.Symbol(v, real=True) for v in at}
        t0 = time.perf_counter()
        whole = to_sympy(program.statements[-1].expr, syms)
        diffs = [sp.diff(whole, s) for s in syms.values()]
        theirs = time.perf_counter() - t0
        their_size = sum(sp.count_ops(d) for d in diffs)
        rows.append(f"| {name} | {mine:.3f} | {size:,} | {theirs:.3f} | {their_size:,} |")
    return rows


def startup_table() -> list[str]:
    def run(cmd: list[str]) -> float:
        return best(lambda: subprocess.run(cmd, capture_output=True, check=True), 5)

    ours = run([sys.executable, "-m", "backprop_tutor", "--help"])
    sympy_import = run([sys.executable, "-c", "import sympy"])
    return ["| command | wall time (s) | ratio |", "|---|---:|---:|",
            f"| `python -m backprop_tutor --help` | {ours:.3f} | {ours / sympy_import:.2f} |",
            f"| `python -c \"import sympy\"` | {sympy_import:.3f} | 1.00 |"]


if __name__ == "__main__":
    for title, table in (("Numeric trace vs micrograd", numeric_table), ("Symbolic gradients vs sympy.diff", symbolic_table),
                         ("Start-up", startup_table)):
        print(f"\n### {title}\n")
        print("\n".join(table()), flush=True)
