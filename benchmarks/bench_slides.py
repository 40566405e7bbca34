"""Slides benchmark: how fast a deck renders, batched vs. the naive one process per image.

    python benchmarks/bench_slides.py            # every installed engine
    python benchmarks/bench_slides.py --repeat 5

Measured side by side in one run (best of --repeat; wall and CPU seconds, CPU counting the
layout processes), per engine:
- the sigmoid-neuron deck (cs231n example, 21 steps), svg+png: naive (one `dot` process per
  image) vs. one process per format (`-O` with every slide) vs. that split over cores (every
  slide laid out by dot) vs. the default: laid out once, every slide drawn at those positions;
- the 10-layer nest's deck (87 slides, svg+png): every slide laid out by dot (split over cores)
  vs. laid out once and drawn by one call per format and core (before SVG and PNG shared a call)
  vs. the default: one call per core draws both (`engine._unscale`) vs. as `tutor slides` draws
  it (slides.build: the default, plus the DOT, the layout and writing the files);
- a 1,249-node graph (250 tanh neurons summed) drawn whole to SVG, and one neighbourhood slide of it;
- a 10,000-fold fan-out (x+x+...+x): the DOT of one slide, and the slide drawn (bounded neighbourhood).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from backprop_tutor.errors import TutorError
from backprop_tutor.engine.trace import trace
from backprop_tutor.render import engine as gv
from backprop_tutor.render.graphviz import to_dot
from backprop_tutor.render.slides import build

if TYPE_CHECKING:
    from backprop_tutor.engine.trace import Trace

NEURON = "1/(1+exp(-(w0*x0+w1*x1+w2)))"
AT = {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3}


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def cost(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(wall, CPU) seconds of the fastest of `repeat` runs (CPU: this process and its children)."""
    runs = []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), _cpu()
        fn()
        runs.append((time.perf_counter() - start, _cpu() - cpu))
    return min(runs)


def best(fn: Callable[[], object], repeat: int) -> float:
    """The fastest of `repeat` runs, in wall seconds."""
    return cost(fn, repeat)[0]


def nest() -> str:
    """The 10-layer nest of benchmarks/bench_limits.py: w*elu(w*softplus(...(w*x + b)...) + b) + b."""
    text = "x"
    for i in range(10):
        text = f"{('tanh', 'sigmoid', 'softplus', 'elu', 'leaky_relu')[i % 5]}(w*{text} + b)"
    return f"w*{text} + b"


def pinned(t: "Trace", formats: list[str], engine: str) -> None:
    """What slides.build does: lay out the last slide, draw every slide at its positions (DOT included)."""
    pins = gv.layout(to_dot(t, len(t.steps) - 1), engine)
    gv.render([to_dot(t, i, pins=pins) for i in range(len(t.steps))], formats, engine, pinned=True)


def naive(path: str, sources: list[str], formats: list[str]) -> None:
    """One process per image: what a loop over graphviz.Source(...).render() does."""
    with tempfile.TemporaryDirectory() as tmp:
        for i, src in enumerate(sources):
            gv_file = Path(tmp, f"{i}.gv")
            gv_file.write_text(src, encoding="utf-8")
            for fmt in formats:
                subprocess.run([path, *gv.flags(fmt), "-o", f"{gv_file}.{fmt}", str(gv_file)],
                               capture_output=True, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    t = trace(NEURON, AT, expand=True)
    sources = [to_dot(t, i) for i in range(len(t.steps))]
    n = 250
    big = trace("+".join(f"tanh(x{i}*w{i})" for i in range(n)),
                   {**{f"x{i}": 1 for i in range(n)}, **{f"w{i}": 0.5 for i in range(n)}})
    start = time.perf_counter()
    whole = to_dot(big, len(big.steps) - 1, whole=True)
    big_dot = time.perf_counter() - start
    near = to_dot(big, len(big.steps) // 2)
    nested = trace(nest(), {"x": 0.5, "w": 0.8, "b": 0.1})
    fan = trace("+".join(["x"] * 10_000), {"x": 1})
    to_dot(fan, 0)  # the first slide indexes the trace once; later slides read the index
    t_fan_dot = best(lambda: to_dot(fan, len(fan.steps) // 2), args.repeat)
    fan_dot = to_dot(fan, len(fan.steps) // 2)
    print(f"python {sys.version.split()[0]}; sigmoid-neuron deck: {len(sources)} slides; "
          f"big graph: {big.graph.number_of_nodes()} nodes (DOT source built in {big_dot:.2f} s); "
          f"10,000-fold fan-out: one slide's DOT in {t_fan_dot:.3f} s")
    for engine in gv.ENGINES:
        try:
            name, path = gv.find(engine)
        except TutorError:
            print(f"{engine}: not installed, skipped")
            continue
        fmts = ["svg", "png"]
        t_naive, c_naive = cost(lambda: naive(path, sources, fmts), args.repeat)
        t_one, c_one = cost(lambda: gv.render(sources, fmts, engine, jobs=1), args.repeat)
        t_par, c_par = cost(lambda: gv.render(sources, fmts, engine), args.repeat)
        t_pin, c_pin = cost(lambda: pinned(t, fmts, engine), args.repeat)
        t_svg, c_svg = cost(lambda: pinned(t, ["svg"], engine), args.repeat)
        t_nest0, c_nest0 = cost(lambda: gv.render([to_dot(nested, i) for i in range(len(nested.steps))], fmts,
                                                  engine), args.repeat)
        pins = gv.layout(to_dot(nested, len(nested.steps) - 1), engine)
        drawn = [to_dot(nested, i, pins=pins) for i in range(len(nested.steps))]
        t_apart, c_apart = cost(lambda: [gv.render(drawn, [f], engine, pinned=True) for f in fmts], args.repeat)
        t_both, c_both = cost(lambda: gv.render(drawn, fmts, engine, pinned=True), args.repeat)
        with tempfile.TemporaryDirectory() as tmp:
            t_nest, c_nest = cost(lambda: build(nested, Path(tmp), fmts, engine=engine), args.repeat)
            t_nsvg, c_nsvg = cost(lambda: build(nested, Path(tmp), ["svg"], engine=engine), args.repeat)
        t_whole = best(lambda: gv.render([whole], ["svg"], engine), max(1, args.repeat - 2))
        t_near = best(lambda: gv.render([near], ["svg", "png"], engine), args.repeat)
        t_fan = best(lambda: gv.render([fan_dot], ["svg", "png"], engine), args.repeat)
        print(f"\n{name} ({path})")
        print("  (wall s, CPU s)")
        print(f"  deck svg+png, naive (1 process per image): {t_naive:6.2f} {c_naive:6.2f}   1.00x")
        print(f"  deck svg+png, 1 process per format:        {t_one:6.2f} {c_one:6.2f}   {t_naive / t_one:.2f}x faster")
        print(f"  deck svg+png, split over cores:            {t_par:6.2f} {c_par:6.2f}   {t_naive / t_par:.2f}x faster")
        print(f"  deck svg+png, default (laid out once):     {t_pin:6.2f} {c_pin:6.2f}   {t_naive / t_pin:.2f}x faster")
        print(f"  deck svg only, default:                    {t_svg:6.2f} {c_svg:6.2f}")
        print(f"  10-layer nest, {len(nested.steps)} slides svg+png, every slide laid out: "
              f"{t_nest0:6.2f} {c_nest0:6.2f}")
        print(f"  10-layer nest, pinned, one call per format and core:    {t_apart:6.2f} {c_apart:6.2f}")
        print(f"  10-layer nest, pinned, svg+png in one call per core:    {t_both:6.2f} {c_both:6.2f}")
        print(f"  10-layer nest, {len(nested.steps)} slides svg+png (slides.build): {t_nest:6.2f} {c_nest:6.2f}")
        print(f"  10-layer nest, {len(nested.steps)} slides svg (slides.build):     {t_nsvg:6.2f} {c_nsvg:6.2f}")
        print(f"  {big.graph.number_of_nodes()}-node graph whole, svg:             {t_whole:6.2f} s")
        print(f"  {big.graph.number_of_nodes()}-node graph, one neighbourhood slide svg+png: {t_near:6.2f} s")
        print(f"  10,000-fold fan-out, one neighbourhood slide svg+png: {t_fan:6.2f} s")


if __name__ == "__main__":
    main()
