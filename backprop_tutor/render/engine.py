"""Find and run the layout program: the system `dot` (Graphviz) when on PATH, else `graphviz-pure`
(a port of `dot` installed by pip, same flags, no PDF).

A deck is rendered in few process calls: every slide's DOT file goes to one `-O` call per
format (a process start costs more than laying out a small slide), split over the CPU cores.
Slides that share one layout are laid out once (`layout`: dot's positions of one slide, read
from `-Tjson`) and every slide is then drawn at those positions (`pinned`: `-Kneato -n2`, which
only draws): dot's layout is most of an SVG's cost and was repeated per slide and per format.
A pinned deck's SVGs and PNGs come from one call (`_unscale`). PNGs are bounded (`size`, `dpi`),
so no picture takes minutes or gigabytes.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import TutorError

ENGINES = ("dot", "graphviz-pure")
PNG_DPI = 96
PNG_SIZE = "20,11.25"   # inches at PNG_DPI: at most 1920 x 1080 pixels, scaled down to fit
TIMEOUT = 120           # seconds for one batch
BATCH = 8               # slides per process call at least, before splitting over cores


PIN = ["-Kneato", "-n2"]  # draw at the given positions (points): node `pos`, edge `pos` splines; no layout


@dataclass(frozen=True)
class Pins:
    """One laid-out slide's positions, in points: node name -> "x,y", (tail, head) -> spline."""

    nodes: dict[str, str]
    edges: dict[tuple[str, str], str]


def find(engine: str = "auto") -> tuple[str, str]:
    """(name, path) of the layout program: `dot`, `graphviz-pure`, or the first found of the two."""
    if engine not in ("auto", *ENGINES):
        raise TutorError(f"unknown engine {engine!r}; choose auto, dot or graphviz-pure")
    for name in ENGINES if engine == "auto" else (engine,):
        path = shutil.which(name) or shutil.which(name, path=scripts())
        if path:
            return name, path
    if engine == "auto":
        raise TutorError("no Graphviz found: install it (apt install graphviz, brew install graphviz) "
                         "or `pip install graphviz-pure`")
    hint = "apt install graphviz" if engine == "dot" else "pip install graphviz-pure"
    raise TutorError(f"the {engine!r} engine is not installed ({hint}); or use --engine auto")


def scripts() -> str:
    """Where pip puts this Python's commands, as a search path: next to Python (a virtualenv), its
    scripts directory (Windows: Scripts\\, often not on PATH in a notebook's kernel), the user's
    (`pip install --user`: ~/.local/bin, %APPDATA%\\Python\\...\\Scripts)."""
    dirs = [str(Path(sys.executable).parent), sysconfig.get_path("scripts")]
    try:
        dirs.append(sysconfig.get_path("scripts", sysconfig.get_preferred_scheme("user")))
    except (KeyError, ValueError):  # a Python built without a user scheme
        pass
    return os.pathsep.join(dict.fromkeys(d for d in dirs if d))


def flags(fmt: str) -> list[str]:
    """Command-line flags for one output format (PNG: bounded bitmap)."""
    if fmt == "png":
        return ["-Tpng", f"-Gdpi={PNG_DPI}", f"-Gsize={PNG_SIZE}"]
    return [f"-T{fmt}"]


def _run(path: str, args: list[str]) -> None:
    try:
        done = subprocess.run([path, *args], capture_output=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise TutorError(f"{Path(path).name} took more than {TIMEOUT} s; the graph is too large to draw: "
                         f"choose fewer slides with --steps, or draw a smaller graph") from None
    if done.returncode < 0:  # killed by a signal: a segfault or the kernel's OOM killer, on a huge layout
        try:
            sig = signal.Signals(-done.returncode).name
        except ValueError:
            sig = f"signal {-done.returncode}"
        raise TutorError(f"{Path(path).name} crashed ({sig}) while laying out the slides, most likely because the "
                         f"graph is too large to draw: choose fewer slides with --steps, or draw a smaller graph")
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip().splitlines()
        raise TutorError(f"{Path(path).name} failed: {why[-1] if why else 'exit ' + str(done.returncode)}")


def layout(source: str, engine: str = "auto") -> Pins:
    """Where dot puts every node and edge of one DOT source (its -Tjson), to draw others there."""
    import json
    import tempfile

    _, path = find(engine)
    with tempfile.TemporaryDirectory(prefix="tutor-layout-") as tmp:
        gv_file = Path(tmp, "layout.gv")
        gv_file.write_text(source, encoding="utf-8")
        _run(path, ["-Tjson", "-o", f"{gv_file}.json", str(gv_file)])
        laid = json.loads(Path(f"{gv_file}.json").read_text(encoding="utf-8"))
    names = {o["_gvid"]: o["name"] for o in laid.get("objects", ())}
    return Pins({o["name"]: o["pos"] for o in laid.get("objects", ()) if "pos" in o},
                {(names[e["tail"]], names[e["head"]]): e["pos"] for e in laid.get("edges", ()) if "pos" in e})


def cores() -> int:
    """The cores this process may run on (a container's CPU set, not the machine's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def render(sources: Sequence[str], formats: Sequence[str], engine: str = "auto", jobs: int | None = None,
           done: Callable[[int], None] | None = None, pinned: bool = False) -> list[dict[str, bytes]]:
    """Lay out and draw every DOT source in each format: [{format: bytes}] in the order given.

    `pinned`: every node and edge has its `pos` already (see `layout`): draw, do not lay out; then
    SVG and PNG come from one call (see `_unscale`). `done(k)`: k more images are drawn."""
    name, path = find(engine)
    if "pdf" in formats and name == "graphviz-pure":  # our own bug: callers check first
        raise AssertionError("graphviz-pure cannot write PDF")
    jobs = jobs or min(cores(), max(1, len(sources) // BATCH))
    import tempfile
    from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

    with tempfile.TemporaryDirectory(prefix="tutor-slides-") as tmp:
        files = [Path(tmp, f"s{i:05d}.gv") for i in range(len(sources))]
        for f, src in zip(files, sources):
            f.write_text(src, encoding="utf-8")
        chunks = [files[k::jobs] for k in range(jobs) if files[k::jobs]]
        pin = PIN if pinned else []
        both = pinned and "svg" in formats and "png" in formats
        calls = [[*flags("svg"), *flags("png")]] if both else []
        calls += [flags(fmt) for fmt in formats if not (both and fmt in ("svg", "png"))]
        tasks = [[*pin, "-Tsvg", "-o", f"{files[0]}.plain", str(files[0])]] if both else []
        tasks += [[*pin, *call, "-O", *map(str, chunk)] for call in calls for chunk in chunks]
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(_run, path, args) for args in tasks]
            drawn, pending = 0, futures
            while pending:  # count the images as each one is written, for an accurate progress bar
                finished, pending = wait(pending, timeout=0.2, return_when=FIRST_EXCEPTION)
                if any(f.exception() for f in finished):
                    for f in pending:
                        f.cancel()
                    break
                now = sum(1 for e in os.scandir(tmp) if e.name.rpartition(".")[2] in formats)
                if done and now > drawn:
                    done(now - drawn)
                drawn = now
            for f in futures:
                if not f.cancelled():
                    f.result()  # the first failed call's error
        images = [{fmt: Path(f"{f}.{fmt}").read_bytes() for fmt in formats} for f in files]
        if both:
            redo = {files[i] for i in _unscale(images, Path(f"{files[0]}.plain").read_bytes())}
            for chunk in (c for c in chunks if redo.intersection(c)):  # not at the first slide's size: SVG
                _run(path, [*pin, *flags("svg"), "-O", *map(str, chunk)])  # alone, as in the same call as ever
                for f in chunk:                                          # (dot 2.43's ids count the graphs)
                    images[files.index(f)]["svg"] = Path(f"{f}.svg").read_bytes()
        return images


# What -Gdpi and -Gsize change in an SVG: the picture's size and viewBox, and the page's scale.
PAGE = re.compile(rb'(<svg width="[^"]*" height="[^"]*"\s+viewBox="[^"]*")(.*?)'
                  rb'(transform="scale\([^)]*\) rotate\([^)]*\) translate\([^)]*\)")', re.S)


def _unscale(images: list[dict[str, bytes]], plain: bytes) -> list[int]:
    """Make the SVGs drawn in one call with the PNGs (so at the PNG's dpi and size) what a call of
    their own draws; the indices of those it cannot, to draw again.

    SVG and PNG in one call save reading and sizing every slide twice (graphviz-pure: a seventh of
    the drawing's CPU), but the PNG's flags also scale the SVG: only its <svg> tag and the page's
    `transform` (every coordinate inside is in points either way). `plain` is the first slide drawn
    alone: every slide whose tag and transform are the first's (a deck drawn at one layout: the
    same bounding box) gets the plain ones."""
    first, alone = PAGE.search(images[0]["svg"]), PAGE.search(plain)
    redo = []
    for i, img in enumerate(images):
        page = PAGE.search(img["svg"])
        if first is None or alone is None or page is None or (page[1], page[3]) != (first[1], first[3]):
            redo.append(i)
        else:
            img["svg"] = img["svg"][:page.start(1)] + alone[1] + page[2] + alone[3] + img["svg"][page.end(3):]
    return redo


def render_one(source: str, fmt: str = "svg", engine: str = "auto") -> bytes:
    """One DOT source drawn in one format (notebooks, tests)."""
    return render([source], [fmt], engine)[0][fmt]
