"""A lesson exported for where students already are: one interactive HTML file (`html`) and a
Jupyter notebook on the Python API (`notebook`).

The screens are the walkthrough's (`screens.build`), the quizzes its own (`quiz.Quiz`): every
number the page shows or judges an answer by is computed here, in Python, from the Trace; the
page only compares numbers. Drawings are the slides' DOT (`render.graphviz.to_dot`), laid out in
one batch by the engine the slides use (system `dot` if present, else graphviz-pure).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..errors import LessonError, MissingValueError
from ..fmt import fmt
from ..render import engine as layout
from ..render.chain import program_line, shown
from ..render.graphviz import cut_note, focus, to_dot
from ..render.lesson_html import Page, Quiz as PageQuiz, Table, lesson_html
from .lesson import Lesson
from .screens import Screen, build

if TYPE_CHECKING:
    from ..engine.trace import Trace
    from .quiz import Quiz

END_ROWS = 40   # inputs in the end screen's table, as in the terminal


def asked(q: "Quiz") -> str:
    """What a quiz asks, in symbols: f, ∂f/∂q or ∂q/∂x."""
    if q.asked:
        return q.asked
    t = q.trace
    if q.ask == "value":
        return q.node
    if q.ask == "local":
        return f"∂{q.node}/∂{t.graph.nodes[q.node]['inputs'][q.arg or 0]}"
    return f"∂{t.output_name}/∂{q.node}"


def _drawing(t: "Trace", index: int, theme: str, **kw: Any) -> tuple[str, str]:
    """The DOT of a slide without its caption, and the caption's note on a cut-out neighbourhood ('' if none).

    The page writes the step's title, equation and legend as text beside the drawing (readable at
    any size, selectable, read out by screen readers): drawn in the picture as well, they would be
    said twice, and the picture would spend a third of its height on text."""
    keep = focus(t, index)
    return to_dot(t, index, theme, caption=False, **kw), "" if keep is None else cut_note(t, keep)


def _drawings(s: Screen, theme: str) -> tuple[tuple[str, str] | None, tuple[str, str] | None]:
    """The drawing (DOT, cut note) of a screen, and of its quiz once answered (None: no drawing);
    the highlight is the step's, or the quiz's node (`notes` only pick which node is highlighted)."""
    t = s.trace
    if t is None or s.kind in ("compare", "update", "matrix"):
        return None, None
    if s.kind == "end":
        return _drawing(t, len(t.steps) - 1, theme, final=True, notes=[]), None
    if s.quiz is not None:
        q = s.quiz
        after = _drawing(t, max(s.known, q.index), theme, notes=[], current=q.node)
        return _drawing(t, s.known - 1, theme, notes=[], current=q.node), after
    if s.step is not None and s.known >= 1:
        return _drawing(t, s.known - 1, theme), None
    return _drawing(t, s.known - 1, theme, notes=[]), None


def _quiz(q: "Quiz") -> PageQuiz:
    # the terminal tutor's likely mistakes, in its order and words: the page names the first one a
    # wrong answer is near (a number equal to an earlier one can never be the first: dropped)
    mistakes: dict[float, str] = {}
    for number, words in q.mistakes():
        mistakes.setdefault(number, words)
    return PageQuiz(prompt=q.prompt, asked=asked(q), expected=float(q.expected), shown=fmt(q.expected),
                    tolerance=q.tolerance * q.scale(), hints=q.hints(),
                    names={n: float(v) for n, v in q.names().items()}, formula=q.formula or "",
                    mistakes=[[n, words] for n, words in mistakes.items()], mistake_tolerance=q.mistake_tolerance())


def _notes(s: Screen) -> list[str]:
    """The step's equation and what its gate does, as the terminal tutor words them."""
    if s.step is None or s.trace is None:
        return []
    from ..render.terminal import equation

    return [line.strip() for line in equation(s.trace, s.step, s.trace.steps).plain.splitlines() if line.strip()]


def _tables(s: Screen) -> list[Table]:
    """The screen's tables (updates, runs, curves, side by side, matrices, the end's gradients)."""
    out = []
    if s.update is not None:
        u = s.update
        out.append(Table(f"θ ← θ - η · ∂{u.before.output_name}/∂θ   (η = {shown(u.before, u.lr)})",
                         ["parameter", "before", "gradient", "after"],
                         [[p, shown(u.before, old), shown(u.before, grad), shown(u.before, new)] for p, (old, grad, new) in u.rows.items()],
                         ["", "", "g", ""]))
        g = u.after.graph
        named = [n for n in u.after.tape.nodes if g.nodes[n]["kind"] == "gate" and g.nodes[n]["name"]]
        out.append(Table("A new forward pass at the new values", ["node", "before", "after"],
                         [[n, shown(u.before, u.before.number(n)), shown(u.after, u.after.number(n))] for n in named], ["", "", "v"]))
    if s.runs:
        out.append(Table("loss after each number of updates", ["update", *(r.optimizer for r in s.runs)],
                         [[str(it), *(f"{r.losses[k][1]:.3g}" for r in s.runs)]
                          for k, (it, _) in enumerate(s.runs[0].losses)]))
        out.append(Table("final parameters", ["optimizer", "parameters"],
                         [[r.optimizer, ", ".join(f"{p} = {v:.4f}" for p, v in r.final.items())] for r in s.runs]))
    for curve in s.curves:
        out.append(Table(curve.function, ["x", "value", "slope d/dx"],
                         [[fmt(x), "—" if v is None else fmt(v), "—" if d is None else fmt(d)]
                          for x, v, d in zip(curve.points, curve.values, curve.slopes)], ["", "v", "g"]))
    if s.table and "graphs" in s.table:
        tab, header, kinds = s.table, ["node"], [""]
        for gname, t in zip(tab["graphs"], tab["traces"]):
            if tab["show"] in ("value", "both"):
                header.append(f"{gname}: value")
                kinds.append("v")
            if tab["show"] in ("grad", "both"):
                header.append(f"{gname}: ∂{t.output_name}/∂node")
                kinds.append("g")
        rows = []
        for row in tab["rows"]:
            cells = [row]
            for t in tab["traces"]:
                cells += [shown(t, t.number(row))] if tab["show"] in ("value", "both") else []
                cells += [shown(t, t.number(row, "grad"))] if tab["show"] in ("grad", "both") else []
            rows.append(cells)
        out.append(Table("side by side", header, rows, kinds))
    if s.table and "matrices" in s.table and s.trace is not None:
        for label, cells, show in s.table["matrices"]:
            kind = "grad" if show == "grad" else "value"
            out.append(Table(label, [], [[shown(s.trace, s.trace.number(c, kind)) for c in row] for row in cells],
                             ["g" if kind == "grad" else "v"] * len(cells[0])))
    if s.kind == "end" and s.trace is not None:
        t = s.trace
        rows = [[x, shown(t, t.number(x)), shown(t, t.number(x, "grad"))] for x in t.inputs[:END_ROWS]]
        if len(t.inputs) > END_ROWS:
            rows.append([f"… and {len(t.inputs) - END_ROWS:,} more inputs (`tutor grad` lists them all)", "", ""])
        out.append(Table(f"{t.output_name} = {shown(t, t.number(t.output))}", ["input", "value", f"∂{t.output_name}/∂input"],
                         rows, ["", "v", "g"]))
    return out


def pages(screens: list[Screen], theme: str = "light", engine: str = "auto") -> list[Page]:
    """The screens as pages of the HTML lesson, every drawing laid out in one batch."""
    dots, cuts = [], []
    for s in screens:
        pair = _drawings(s, theme)
        dots.append(tuple(None if d is None else d[0] for d in pair))
        cuts.append(pair[0][1] if pair[0] else "")
    unique = list(dict.fromkeys(d for pair in dots for d in pair if d is not None))
    svgs = dict(zip(unique, (r["svg"] for r in layout.render(unique, ["svg"], engine)))) if unique else {}
    out = []
    for s, (before, after), cut in zip(screens, dots, cuts):
        out.append(Page(kind=s.kind, title=s.title, text=s.text, svg=svgs.get(before, b""), svg_after=svgs.get(after, b""),
                        notes=_notes(s) + ([cut] if cut else []), tables=_tables(s),
                        quiz=_quiz(s.quiz) if s.quiz is not None else None,
                        program=program_line(s.trace) if before is not None and s.trace is not None else ""))
    return out


def html(lesson: Lesson, theme: str = "light", engine: str = "auto") -> str:
    """The lesson as one self-contained interactive HTML page (see render/lesson_html.py).

    Examples:
        >>> from backprop_tutor.tutor.screens import explain
        >>> page = html(explain("(x+y)*z", {"x": -2, "y": 5, "z": -4}))
        >>> page.startswith("<!doctype html>"), page.count('<section class="screen'), "<script src" in page
        (True, 9, False)
    """
    if lesson.path == "<explain>":  # a walkthrough of an expression: its title is the program
        title, subtitle = "Backprop", "; ".join(line.strip() for line in lesson.title.strip().splitlines())
    else:
        title, subtitle = lesson.title, ""
    shown = pages(build(lesson), theme, engine)
    for page in shown:  # the header already writes the program
        page.program = "" if page.program == subtitle else page.program
    return lesson_html(shown, title, subtitle, theme)


def lesson_of(ref: str | None, at: dict[str, Any], expand: bool = False, text: str | None = None) -> Lesson:
    """A lesson (a built-in id or a .toml file), else the walkthrough of the expression `ref`/`text`."""
    from .lesson import builtin, find, lesson_id
    from .screens import explain

    if text is None and ref is not None and (ref.endswith(".toml") or ref in {lesson_id(p) for p in builtin()}):
        return find(ref)
    from ..engine.graph import build_graph
    from ..engine.trace import walk
    from ..render.slides import check_size

    program = text if text is not None else ref or ""
    graph = build_graph(program, expand=expand)
    check_size(graph.number_of_nodes())  # every screen is a drawing: as large as slides draw, no larger
    try:
        walk(graph, at)  # engine errors (a missing value, a typo) as the engine words them
    except MissingValueError:
        import difflib

        close = difflib.get_close_matches(program.strip(), [lesson_id(p) for p in builtin()], n=1)
        if close and not at:  # `chian-rule` is a typo, not the expression chian - rule
            raise LessonError(f"no lesson {program.strip()!r}; did you mean {close[0]!r}? "
                              "(see `tutor lessons`)") from None
        raise
    return explain(program, at, expand)


def _literal(at: dict[str, Any]) -> str:
    """The values as a Python literal for a notebook cell: integers as integers, the rest as given."""
    def one(v: Any) -> str:
        if isinstance(v, str) and re.fullmatch(r"[-+]?\d{1,15}", v.strip()):
            return str(int(v))
        return repr(v if not isinstance(v, str) else v.strip())
    return "{" + ", ".join(f"{k!r}: {one(v)}" for k, v in at.items()) + "}"


def notebook(ref: str, at: dict[str, Any] | None = None, expand: bool = False, theme: str = "light") -> Any:
    """The lesson `ref` (an id or a .toml path, else an expression at `at`) as a Jupyter notebook
    (nbformat v4) on the Python API: a cell per screen (`lesson.step(k)`), and after each quiz a
    cell to fill in with an answer-checking call (`lesson.check(k, answer)`); it runs top to
    bottom in a fresh kernel (an unanswered quiz says so, it does not fail).
    """
    import nbformat.v4 as nbf

    chosen = lesson_of(ref, dict(at or {}), expand)
    screens = build(chosen)
    args = [repr(ref)]
    if chosen.path == "<explain>":
        args.append(f"at={_literal(dict(at or {}))}")
    if expand:
        args.append("expand=True")
    if theme != "light":
        args.append(f"theme={theme!r}")
    explain_line = (f"the walkthrough of `{ref}`" if chosen.path == "<explain>" else f"**{chosen.title}**")
    cells = [nbf.new_markdown_cell(
        f"# {chosen.title if chosen.path != '<explain>' else 'Backprop: ' + ref}\n\n"
        + (f"{chosen.summary}\n\n" if chosen.summary else "")
        + f"This notebook steps through {explain_line} with `backprop_tutor`: each screen of the lesson is a "
          "cell. A quiz is a cell to fill in: replace `...` with your answer (a number, or a formula in the "
          "graph's names) and run it; a wrong answer gets a hint, the third shows the answer. "
          "Run the cells from the top."),
        nbf.new_code_cell(f"import backprop_tutor as bt\n\nlesson = bt.lesson({', '.join(args)})\nlesson")]
    for k, s in enumerate(screens, 1):
        cells.append(nbf.new_code_cell(f"lesson.step({k})  # {s.title or s.kind}"))
        if s.quiz is not None:
            names = ", ".join(list(s.quiz.names())[:6])
            cells.append(nbf.new_code_cell(
                f"# Quiz: {s.quiz.prompt}\n"
                f"answer = ...  # a number, or a formula{' in ' + names if names else ''}\n"
                f"lesson.check({k}, answer)"))
    cells.append(nbf.new_code_cell("lesson.score()"))
    nb = nbf.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


__all__ = ["html", "notebook", "pages", "lesson_of", "asked"]
