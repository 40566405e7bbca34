"""Lesson files (TOML) -> validated `Lesson` data, with precise errors for their authors.

A lesson names one or more graphs (a program and the values of its inputs) and a list of
steps. Loading checks the shape of the file (keys, kinds, types) and that every program
parses; `tutor.build` then traces the graphs and checks the nodes the steps name. Every
error says: file, line, what is wrong, what was expected. SymPy is never imported here.
"""

from __future__ import annotations

import math

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import LessonError, ParseError
from ..engine.parse import parse
from ..tomlpos import locate

MAX_STEPS = 200             # [[steps]] of one lesson: the longest built-in has 16; 5,000 took minutes to run
MAX_LR = 1000.0             # a learning rate past this overflows in a step or two: no lesson needs it

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_TEXT = "a string"
_NUM = "a number"
_NAMES = "a list of names, e.g. [\"x\", \"y\"]"
_TOP = {"id": _TEXT, "title": _TEXT, "summary": _TEXT, "program": _TEXT, "at": "a table of name = number",
        "granularity": '"gates" or "primitives"', "graphs": "tables [graphs.NAME]", "steps": "[[steps]] tables"}
_GRAPH = {"program": _TEXT, "at": "a table of name = number", "granularity": '"gates" or "primitives"'}
_COMMON = {"kind": _TEXT, "title": _TEXT, "text": _TEXT, "graph": "the name of a graph", "hint": _TEXT}
KINDS: dict[str, dict[str, str]] = {
    "narrative": {"show": '"none", "graph", "forward" or "all"'},
    "forward": {"nodes": _NAMES},
    "backward": {"nodes": _NAMES},
    "quiz": {"ask": '"value", "grad" or "local"', "node": _TEXT, "wrt": _TEXT, "prompt": _TEXT,
             "answer": "a formula string", "tolerance": "a number, 0 or more (a relative error, e.g. 0.01)",
             "before": "a node: show the graph only as known before this node's number",
             "relative": "true or false (true: the tolerance scales with the answer even below 1)"},
    "update": {"lr": f"a number from -{MAX_LR:g} to {MAX_LR:g}, or a list of numbers (one per run: per optimizer, or per list of batches)",
               "params": _NAMES,
               "optimizer": 'a list of "gd" (full batch; "sgd" is the same), "momentum", "rmsprop", "adam"',
               "iterations": "a whole number from 1 to 10000", "every": "a whole number from 1 to 10000", "momentum": _NUM,
               "beta1": _NUM, "beta2": _NUM, "rho": _NUM, "save_as": _TEXT,
               "batches": 'a list of runs, each a list of graph names, e.g. [["main"], ["p1", "p2"]]',
               "labels": "a list of column names, one per run"},
    "compare": {"graphs": _NAMES, "labels": "a list of column names, one per graph", "rows": _NAMES,
                "show": '"value", "grad" or "both"',
                "functions": "a list of expressions in x", "points": "a list of numbers"},
    "matrix": {"matrices": "[[steps.matrices]] tables with label, cells, show"},
}
REQUIRED = {"quiz": ("ask", "node"), "update": ("lr", "params"), "matrix": ("matrices",)}
CHOICES = {"show": {"none", "graph", "forward", "all", "value", "grad", "both"},
           "ask": {"value", "grad", "local"}, "granularity": {"gates", "primitives"}}
OPTIMIZERS = ("gd", "sgd", "momentum", "rmsprop", "adam")   # gd: full-batch steps, the engine's "sgd" on the whole loss
MAX_ITERATIONS = 10_000     # update steps run at load time: keep them bounded
MAX_BYTES = 1_000_000       # a lesson file is text; a larger one is refused


@dataclass(frozen=True)
class GraphSpec:
    """A program and the input values it runs at."""

    name: str
    program: str
    at: dict[str, Any]
    expand: bool
    line: int                       # line of `program` in the file (for parse errors)
    at_line: int = 0                # line of `at` (for missing or wrong values)


@dataclass(frozen=True)
class StepSpec:
    """One step as written: its kind, its fields, and where each field is."""

    kind: str
    fields: dict[str, Any]
    index: int                      # position in [[steps]], from 0
    lines: dict[str, int] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        """A field, or `default`."""
        return self.fields.get(key, default)


@dataclass(frozen=True)
class Lesson:
    """A validated lesson file."""

    id: str
    title: str
    summary: str
    path: str
    graphs: dict[str, GraphSpec]
    steps: tuple[StepSpec, ...]
    text: str = field(repr=False, default="")

    def error(self, step: StepSpec | None, key: str, what: str, expected: str = "") -> LessonError:
        """A LessonError pointing at `key` of `step` (or the top level)."""
        line = (step.lines.get(key) or step.lines.get("kind", 1)) if step else locate(self.text, (key,))
        return _error(self.path, line, what, expected)


def _error(path: str, line: int, what: str, expected: str = "") -> LessonError:
    return LessonError(f"{path}, line {line}: {what}" + (f"; expected {expected}" if expected else ""))


def _check_keys(table: dict, allowed: dict[str, str], where: tuple, path: str, text: str, what: str) -> None:
    for key in table:
        if key not in allowed:
            import difflib  # only for this error message

            close = difflib.get_close_matches(key, list(allowed), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise _error(path, locate(text, (*where, key)), f"unknown key {key!r} in {what}{hint}",
                         "one of " + ", ".join(allowed))


def _type_ok(key: str, value: Any) -> bool:
    """Does `value` have the type the schema asks for `key`?"""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if key == "tolerance":  # a negative one would reject every answer, the right one too
        return number and 0 <= value < float("inf")
    if key == "relative":
        return isinstance(value, bool)
    if key == "lr" and isinstance(value, list):  # one learning rate per run
        return bool(value) and all(_type_ok("lr", v) for v in value)
    if key == "lr":  # inf or 1e308 would overflow the update and blame an input, not this line
        return number and abs(value) <= MAX_LR
    if key in ("momentum", "beta1", "beta2", "rho"):
        return number and math.isfinite(value)
    if key == "batches":
        return isinstance(value, list) and bool(value) and all(_type_ok("nodes", run) for run in value)
    if key in ("iterations", "every"):
        return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ITERATIONS
    if key in ("nodes", "params", "graphs", "rows", "functions", "labels"):
        return isinstance(value, list) and all(isinstance(v, str) for v in value) and bool(value)
    if key == "points":
        return isinstance(value, list) and bool(value) and all(isinstance(v, int | float) and not isinstance(v, bool)
                                                                for v in value)
    if key == "optimizer":
        items = value if isinstance(value, list) else [value]
        return bool(items) and all(v in OPTIMIZERS for v in items)
    if key == "at":
        return isinstance(value, dict) and all(isinstance(v, int | float | str) and not isinstance(v, bool)
                                               for v in value.values())
    if key == "matrices":
        return isinstance(value, list) and bool(value) and all(isinstance(m, dict) for m in value)
    if key in CHOICES and isinstance(value, str):
        return value in CHOICES[key]
    return isinstance(value, str)


def _graph(name: str, table: dict, base: GraphSpec | None, where: tuple, path: str, text: str) -> GraphSpec:
    """A graph spec; [graphs.NAME] inherits the main program and values where it gives none."""
    for key, value in table.items():
        if not _type_ok(key, value):
            raise _error(path, locate(text, (*where, key)), f"{key} is {value!r}", _GRAPH[key])
    if "program" not in table and base is None:
        raise _error(path, locate(text, where), f"graph {name!r} has no program", "program = \"...\"")
    program = table.get("program", base.program if base else "")
    line = locate(text, (*where, "program")) if "program" in table else base.line  # type: ignore[union-attr]
    try:
        used = _inputs(parse(program))
    except ParseError as err:
        start = line + (1 if re.search(r'=\s*("""|\'\'\')\s*$', text.splitlines()[line - 1]) else 0)
        raise _error(path, start + err.line - 1, f"the program of graph {name!r} does not parse: {err.why} "
                     f"(column {err.col})", "an expression or assignments the engine accepts") from None
    at = {**{k: v for k, v in (base.at if base else {}).items() if k in used}, **table.get("at", {})}
    expand = table.get("granularity", "primitives" if base and base.expand and "program" not in table
                       else "gates") == "primitives"
    at_line = locate(text, (*where, "at")) if "at" in table else (base.at_line if base else line)
    return GraphSpec(name, program, at, expand, line, at_line or line)


def _inputs(program: Any) -> set[str]:
    """The names a parsed program uses without assigning them (its inputs, maybe pi or e)."""
    names, stack = set(), [s.expr for s in program.statements]
    while stack:
        e = stack.pop()
        names |= {e.value} if e.kind == "name" else set()
        stack.extend(e.args)
    return names - {s.name for s in program.statements}


def _step(i: int, table: Any, path: str, text: str) -> StepSpec:
    where = ("steps", i)
    if not isinstance(table, dict):
        raise _error(path, locate(text, where), f"step {i + 1} is not a table", "[[steps]] tables")
    kind = table.get("kind")
    if kind not in KINDS:
        import difflib

        close = difflib.get_close_matches(str(kind), list(KINDS), n=1)
        what = f"step {i + 1} has no kind" if kind is None else \
            f"step {i + 1} has kind {kind!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
        raise _error(path, locate(text, (*where, "kind")), what, "kind = one of " + ", ".join(KINDS))
    allowed = _COMMON | KINDS[kind]
    _check_keys(table, allowed, where, path, text, f"a {kind} step")
    for key in REQUIRED.get(kind, ()):
        if key not in table:
            raise _error(path, locate(text, (*where, "kind")), f"this {kind} step has no {key!r}",
                         f"{key} = {allowed[key]}")
    for key, value in table.items():
        if not _type_ok(key, value):
            raise _error(path, locate(text, (*where, key)), f"{key} is {value!r}", allowed[key])
    if kind == "compare" and not ({"graphs", "rows"} <= table.keys() or {"functions", "points"} <= table.keys()):
        raise _error(path, locate(text, (*where, "kind")), "this compare step names nothing to compare",
                     "graphs and rows, or functions and points")
    if isinstance(table.get("lr"), list):  # one lr per run: per optimizer, or per list of batches
        optimizers = table.get("optimizer", ["gd"])
        runs, what = (len(table["batches"]), "runs of batches") if isinstance(table.get("batches"), list) else \
            (len(optimizers) if isinstance(optimizers, list) else 1, "optimizers")
        if len(table["lr"]) != runs:
            raise _error(path, locate(text, (*where, "lr")), f"lr has {len(table['lr'])} numbers for {runs} {what}",
                         "one lr per run")
    if kind == "compare" and "labels" in table and len(table["labels"]) != len(table.get("graphs", [])):
        raise _error(path, locate(text, (*where, "labels")), f"labels has {len(table['labels'])} names for "
                     f"{len(table.get('graphs', []))} graphs", "one label per graph")
    lines = {key: locate(text, (*where, key)) for key in table}
    for j, m in enumerate(table.get("matrices", [])):
        mw = (*where, "matrices", j)
        _check_keys(m, {"label": _TEXT, "cells": "a list of rows of names", "show": '"value" or "grad"'},
                    mw, path, text, "a matrix")
        cells = m.get("cells")
        if not (isinstance(cells, list) and cells and all(isinstance(r, list) and r and all(isinstance(c, str) for c in r)
                                                        for r in cells)):
            raise _error(path, locate(text, (*mw, "cells")), f"cells is {cells!r}", 'rows of names, e.g. [["a", "b"]]')
        if m.get("show", "value") not in ("value", "grad"):
            raise _error(path, locate(text, (*mw, "show")), f"show is {m.get('show')!r}", '"value" or "grad"')
    return StepSpec(kind, table, i, lines)


def loads(text: str, path: str = "<lesson>") -> Lesson:
    """Validate the text of a lesson file.

    Examples:
        >>> lesson = loads('id = "a"\\ntitle = "A"\\nprogram = "f = x*y"\\nat = {x = 2, y = 3}\\n'
        ...                '[[steps]]\\nkind = "backward"')
        >>> [s.kind for s in lesson.steps], lesson.graphs["main"].at
        (['backward'], {'x': 2, 'y': 3})
        >>> loads('id = "a"\\ntitle = "A"\\n[[steps]]\\nkind = "fwd"', "a.toml")
        Traceback (most recent call last):
        backprop_tutor.errors.LessonError: a.toml, line 4: step 1 has kind 'fwd' (did you mean 'forward'?); expected kind = one of narrative, forward, backward, quiz, update, compare, matrix
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        m = re.search(r"line (\d+)", str(err))
        raise _error(path, int(m.group(1)) if m else 1, f"this is not valid TOML ({err})",
                     "key = value lines, [tables] and [[steps]]") from None
    except RecursionError:  # tomllib recurses on nested arrays and inline tables
        raise _error(path, 1, "the TOML nests too deep", "a lesson's flat tables and arrays") from None
    _check_keys(data, _TOP, (), path, text, "a lesson")
    for key in ("id", "title", "steps"):
        if key not in data:
            raise _error(path, 1, f"the lesson has no {key!r}", f"{key} = {_TOP[key]}")
    for key in ("id", "title", "summary", "program", "at", "granularity"):
        if key in data and not _type_ok(key, data[key]):
            raise _error(path, locate(text, (key,)), f"{key} is {data[key]!r}", _TOP[key])
    if not _ID.match(data["id"]):
        raise _error(path, locate(text, ("id",)), f"id is {data['id']!r}", "lower-case words joined by '-'")
    graphs: dict[str, GraphSpec] = {}
    if "program" in data:
        graphs["main"] = _graph("main", {k: data[k] for k in _GRAPH if k in data}, None, (), path, text)
    elif "at" in data:
        raise _error(path, locate(text, ("at",)), "at is given but there is no program", 'program = "..."')
    extra = data.get("graphs", {})
    if not isinstance(extra, dict):
        raise _error(path, locate(text, ("graphs",)), "graphs is not a table", "[graphs.NAME] tables")
    for name, table in extra.items():
        if not isinstance(table, dict):
            raise _error(path, locate(text, ("graphs", name)), f"graphs.{name} is not a table", "[graphs.NAME]")
        _check_keys(table, _GRAPH, ("graphs", name), path, text, f"graph {name!r}")
        graphs[name] = _graph(name, table, graphs.get("main"), ("graphs", name), path, text)
    steps = data["steps"]
    if not isinstance(steps, list) or not steps:
        raise _error(path, locate(text, ("steps",)), "steps is empty or not a list", "at least one [[steps]] table")
    if len(steps) > MAX_STEPS:
        raise _error(path, locate(text, ("steps", MAX_STEPS)), f"the lesson has {len(steps):,} steps",
                     f"at most {MAX_STEPS}: split it into several lessons")
    return Lesson(data["id"], data["title"], data.get("summary", ""), path, graphs,
                  tuple(_step(i, s, path, text) for i, s in enumerate(steps)), text)


def load(path: str | Path) -> Lesson:
    """Read and validate one lesson file."""
    from ..files import read_text

    return loads(read_text(path, MAX_BYTES, LessonError, "lesson file"), str(path))


def builtin_dir() -> Path:
    """The folder of the lessons shipped with the package."""
    try:  # a namespace package gives a MultiplexedPath: ask it for a file, not for its own str()
        shipped = [p for p in resources.files("backprop_tutor.lessons").iterdir() if p.name.endswith(".toml")]
        if shipped:
            return Path(str(shipped[0])).parent
    except (ImportError, TypeError, OSError, ValueError):  # editable installs can map it oddly
        pass
    return Path(__file__).parents[2] / "lessons"


CURRICULUM = "curriculum.txt"    # the order of the shipped lessons: one id a line, `#` comments


def curriculum(folder: Path) -> list[str]:
    """The lesson ids of `folder`'s curriculum.txt, in order (none if it has no such file)."""
    try:
        text = (folder / CURRICULUM).read_text(encoding="utf-8")
    except OSError:
        return []
    return [line.split("#")[0].strip() for line in text.splitlines() if line.split("#")[0].strip()]


def builtin() -> list[Path]:
    """The shipped lesson files, in curriculum order: the ids curriculum.txt lists, in its order,
    then any file it does not list, by file name (so a new lesson shows up before it is placed)."""
    folder = builtin_dir()
    rank = {name: k for k, name in enumerate(curriculum(folder))}
    return sorted(folder.glob("*.toml"), key=lambda p: (rank.get(lesson_id(p), len(rank)), p.name))


def lesson_id(path: Path) -> str:
    """The id a file name gives: 01-chain-rule.toml -> chain-rule."""
    return re.sub(r"^\d+[-_]", "", path.stem)


_WORDS = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")   # chain-rule, dropout: what a lesson id looks like


def mistyped(name: str) -> str | None:
    """The built-in lesson id that `name` (letters joined by hyphens, no spaces) is a near miss of.

    `tutor slides chian-rule` would otherwise be read as the expression chian - rule; callers ask
    this only when the expression reading would fail anyway (no values for its names)."""
    import difflib

    if not _WORDS.fullmatch(name):
        return None
    ids = [lesson_id(p) for p in builtin()]
    close = difflib.get_close_matches(name.lower(), ids, n=1, cutoff=0.75)
    return close[0] if close and name not in ids else None


def find(name: str) -> Lesson:
    """A lesson by id (built in) or by path to a .toml file."""
    if name.endswith(".toml") or "/" in name or Path(name).is_file():
        return load(name)
    for path in builtin():
        if lesson_id(path) == name:
            return load(path)
    import difflib

    ids = [lesson_id(p) for p in builtin()]
    close = difflib.get_close_matches(name, ids, n=1)
    raise LessonError(f"no lesson {name!r}" + (f"; did you mean {close[0]!r}?" if close else "") +
                      " (see `tutor lessons`, or give a path to a .toml file)")


__all__ = ["Lesson", "StepSpec", "GraphSpec", "load", "loads", "find", "mistyped", "builtin", "KINDS"]
