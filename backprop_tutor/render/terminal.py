"""Trace -> Rich renderables for the terminal tutor: the chain-rule equation of a step, and the
screen that puts the drawing (render/drawing.py), the equation, the lesson's narrative, its
tables and its quiz together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from ..fmt import fmt
from ..engine.gates import GATES
from .chain import shown
from .drawing import GRAD, VALUE, GraphDrawing, index, known, name
from .formula_text import plain

if TYPE_CHECKING:
    from ..engine.trace import Step, Trace

__all__ = ["GraphDrawing", "ScreenView", "equation", "hint", "known", "name", "score_line"]
SUM_TERMS = 8   # a fan-out's running sum shows at most this many terms
END_ROWS = 40   # inputs in the end screen's table


def _apply(gate: str, args: list[str], negs: list[bool]) -> str:
    """A gate written out: x + y, -a, σ(a), max(a, b)."""
    row = GATES[gate]
    if gate == "neg":  # -(1) = -1, not -1 = -1: the negation of a number is written out
        return f"-({args[0]})" if negs[0] else f"-{args[0]}"
    if row.infix:
        a, b = (f"({s})" if neg and (k or gate in ("pow",)) else s for k, (s, neg) in enumerate(zip(args, negs)))
        op = "·" if gate == "mul" else row.infix
        return f"{a} {op} {b}"
    return f"{row.symbol if gate == 'sigmoid' else gate}({', '.join(args)})"


# What each gate does to the gradient, in the lecture's words (shown under a backward step).
PATTERNS = {
    "add": "an add gate distributes: every input gets the upstream gradient unchanged",
    "sub": "a subtract gate passes the upstream gradient to its first input and minus it to its second",
    "mul": "a multiply gate swaps: each input gets the upstream gradient times the other input",
    "div": "a/b: ∂/∂a = 1/b and ∂/∂b = -a/b²",
    "pow": "a^b: ∂/∂a = b·a^(b-1)",
    "neg": "negation flips the sign of the gradient",
    "exp": "exp is its own derivative: the local gradient is the gate's output e^x",
    "log": "log: the local gradient is 1/x",
    "sqrt": "√x: the local gradient is 1/(2√x)",
    "sin": "sin: the local gradient is cos x",
    "cos": "cos: the local gradient is -sin x",
    "tanh": "tanh: the local gradient 1 - tanh² comes from the gate's own output",
    "sigmoid": "σ: the local gradient (1 - σ)σ comes from the gate's own output, and is at most 1/4",
    "relu": "ReLU passes the gradient where its input is positive and blocks it elsewhere",
    "step": "a step (threshold) gate is flat on both sides of its jump: its local gradient is 0, nothing passes",
    "leaky_relu": "leaky ReLU: slope 1 for a positive input, the small slope a otherwise (and x flows into a)",
    "elu": "ELU: slope 1 for a positive input, a·e^x otherwise",
    "softplus": "softplus: the local gradient is σ(x)",
    "abs": "|x|: the local gradient is the sign of x",
    "max": "a max gate routes: the whole gradient goes to the larger input, the other gets 0",
    "min": "a min gate routes: the whole gradient goes to the smaller input, the other gets 0",
}


def _plain(expr: Any) -> str:
    return plain(expr) if hasattr(expr, "free_symbols") else str(expr)


def equation(t: "Trace", step: "Step", steps: tuple["Step", ...] = ()) -> Text:
    """The step as an equation, in symbols and then numbers: ∂f/∂x = ∂f/∂q · ∂q/∂x = z · 1 = -4."""
    from .chain import checkable, renamed, shows_fractions

    out, eq = t.output_name, Text()
    if step.phase == "forward":
        attrs = t.structure.nodes[step.node]
        ins = list(attrs["inputs"])
        symbols = _apply(attrs["gate"], [name(t, i) for i in ins], [False] * len(ins))
        texts, rel, result = checkable(GATES[attrs["gate"]].forward, step.inputs, step.value, shows_fractions(t))
        numbers = _apply(attrs["gate"], texts, [float(v) < 0 or attrs["gate"] == "neg" for v in step.inputs])
        eq.append(f"{name(t, step.node)} = {symbols} = {numbers} {rel} ")
        eq.append(result, VALUE + " bold")
        return eq
    if step.wrt is None:
        eq.append(f"∂{out}/∂{out} = ")
        eq.append("1", GRAD + " bold")
        eq.append("   (the output's gradient with respect to itself: where backprop starts)", "dim")
        return eq
    node, wrt, sym = name(t, step.node), name(t, step.wrt), t.symbolic
    import sympy as sp

    def factor(e: Any) -> str:  # a sum or a negative inside a product needs brackets: (z1 + z2) · z2, 1 · (-1)
        text = _plain(renamed(t, e))
        return f"({text})" if isinstance(e, sp.Add) or text.startswith("-") else text

    local = factor(sym.local(step.node, step.arg))
    up_expr = sym.grad(step.node) if step.node != t.output else 1
    short = up_expr is not None and sp.count_ops(up_expr) <= 3 and _near(t, up_expr)
    up = factor(up_expr) if short else f"∂{out}/∂{node}"
    neg = [float(step.upstream) < 0, float(step.local) < 0]
    lhs = f"∂{out}/∂{wrt}" + (f" (branch {step.branch})" if step.branches and step.branches > 1 else "")
    texts, rel, result = checkable(lambda a, b: a * b, [step.upstream, step.local], step.value, shows_fractions(t))
    symbols, numbers = f"{up} · {local}", _apply("mul", texts, neg)
    # at the output gate ∂f/∂f · ∂f/∂q would read as circular: name the second factor the local derivative
    chain = f"∂{out}/∂{node} · " + (f"(local ∂{node}/∂{wrt})" if step.node == t.output else f"∂{node}/∂{wrt}")
    eq.append(f"{lhs} = {chain} = {symbols} " + (f"= {numbers} {rel} " if numbers != symbols else f"{rel} "))
    eq.append(result, GRAD + " bold")
    pattern = _const_pattern(t, step.node) or PATTERNS.get(t.structure.nodes[step.node]["gate"])
    if pattern:
        eq.append(f"\n({pattern})", "dim")
    if "[" in local:  # Iverson brackets, from a step function (max, ReLU)
        eq.append("\n([condition] is 1 when the condition holds, else 0)", "dim")
    if step.branches and step.branches > 1:
        parts = index(t).branches(t, step.wrt, step.branch)
        eq.append(f"\n{wrt} is used {step.branches} times (a fan-out): this is branch {step.branch} of "
                  f"{step.branches}. The branches add up: ∂{out}/∂{wrt} = ")
        terms, rel, total = _terms(t, parts, step.total)
        eq.append(terms + (" + …" if step.branch < step.branches else ""))
        eq.append(f" {rel} ")
        eq.append(total + ("" if step.branch == step.branches else " so far"), GRAD + " bold")
    return eq


def _near(t: "Trace", expr: Any) -> bool:
    """Can a formula be written with the names of `expr`: when the whole graph is drawn (a bigger
    one shows a neighbourhood, where a name far away would have no box)."""
    from .drawing import MAX_NODES

    return index(t).drawn <= MAX_NODES or not getattr(expr, "free_symbols", None)


def _const_pattern(t: "Trace", node: str) -> str | None:
    """The pattern of a gate with a constant operand (*2, +1): it is not a two-input gate."""
    g = t.structure
    attrs = g.nodes[node]
    consts = [i for i in attrs["inputs"] if g.nodes[i]["kind"] == "const" and g.nodes[i].get("folded")]
    # 3 - x negates the gradient: only x - 3 passes it unchanged like an add
    if not consts or attrs["gate"] not in ("mul", "add", "sub") or (attrs["gate"] == "sub" and consts[0] != attrs["inputs"][1]):
        return None
    if attrs["gate"] == "mul":
        return f"a scale gate multiplies the gradient by its constant, {shown(t, g.nodes[consts[0]]['value'])}"
    return "an add-constant gate passes the gradient unchanged"


def _terms(t: "Trace", parts: list, total: Any) -> tuple[str, str, str]:
    """A sum written out, 1 + 2 - 3, with "=" or "≈" before its total (digits enough to add up by
    hand); a long one as its first and last terms around "…" (a line, not a page)."""
    from .chain import checkable_sum, shows_fractions

    if len(parts) <= SUM_TERMS:
        texts, rel, shown_total = checkable_sum(parts, total, shows_fractions(t))
    else:
        # only the terms written out are formatted: a hub's 100,000 branches are not, on every screen
        last = len(parts) - 2
        texts, rel, shown_total = [shown(t, p) if k < SUM_TERMS - 2 or k >= last else "" for k, p in enumerate(parts)], \
            "=", shown(t, total)
    written = texts if len(texts) <= SUM_TERMS else [*texts[:SUM_TERMS - 2], None, *texts[-2:]]
    out = ""
    for k, p in enumerate(written):
        if p is None:
            out += f" + … ({len(parts) - SUM_TERMS} terms not shown)"
        else:
            out += (p if k == 0 else f" - {p[1:]}" if p.startswith("-") else f" + {p}")
    return out, rel, shown_total


KEYS = "[Enter/n/→] next   [b/←] back   [r] restart   [h] hint   [q] quit"


@dataclass
class ScreenView:
    """One whole screen: title and progress, graph, equation, narrative, tables, quiz."""

    screen: Any                     # tutor.Screen
    index: int                      # from 1
    total: int
    lesson: str = ""
    reveal: bool = False            # piped / --all: a quiz prints its answer
    show_hint: bool = False
    keys: bool = False
    score: tuple[int, int, int] | None = None   # (right, answered, quizzes): see score_line

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.rule import Rule

        from .prose import prose

        s = self.screen
        # progress first; a title too long for the rule wraps between words on its own line (never cut)
        head = Text.assemble(f"step {self.index} of {self.total} · ", (self.lesson, "bold"))
        if head.cell_len + 6 <= options.max_width:
            yield Rule(head, align="left")
        else:
            yield head
            yield Rule()
        yield Text(s.title, style="bold underline") if s.title else Text()
        quiz = s.quiz
        revealed = s.known
        if quiz is not None and (self.reveal or quiz.solved is not None):
            revealed = max(s.known, quiz.index) + 1  # up to the step that computes the answer
        if s.trace is not None and s.kind not in ("compare", "update", "matrix"):
            current = None if s.step is None else (s.step.node if s.step.phase == "forward" else s.step.wrt or s.step.node)
            if quiz is not None:
                current = quiz.node
            drawing = GraphDrawing(s.trace, revealed, current, s.step, getattr(s, "hidden", frozenset()))
            yield drawing
            if s.step is None and quiz is None and getattr(drawing, "partial", False):
                yield overview(s.trace)  # an intro screen narrower than the graph: the whole of it in words
        if s.step is not None:
            yield Text()
            yield equation(s.trace, s.step, s.trace.steps)
        if s.text:
            yield Text()
            yield prose(subscripts(s.text.strip()))  # rich.markdown's drawing, without markdown-it and Pygments
        yield from _tables(s)
        if s.kind == "end":
            yield from _end(s, self.score)
        if quiz is not None:
            yield Text()
            yield Text("Quiz: " + quiz.prompt, style="bold magenta")
            for said in quiz.said:
                yield Text("  " + said, style="green" if said.startswith("Correct") else "yellow")
            if self.reveal and quiz.solved is None:
                yield Text(f"  Answer: {fmt(quiz.expected) if s.trace is None else shown(s.trace, quiz.expected)}" + (f" (= {quiz.formula})" if quiz.formula else ""),
                           style="green")
        if self.show_hint:
            yield Text()
            yield Text("Hint: " + hint(s), style="cyan")
        if self.keys:
            yield Text()
            yield Text(KEYS, style="dim")


MAX_OVERVIEW = 40   # gates listed in an overview; a bigger graph is summarised by its size


def overview(t: "Trace") -> Any:
    """The whole graph, a gate per cell in evaluation order, with the names the boxes and
    equations use: `n1 = w0 · x0   n2 = w1 · x1   …   f = 1 / n7` (D14f: an intro screen narrower
    than the graph still shows all of it)."""
    from rich.columns import Columns
    from rich.console import Group

    g = t.structure
    gates = [n for n in g.nodes if g.nodes[n]["kind"] == "gate"]
    listed = gates if len(gates) <= MAX_OVERVIEW else [*gates[:MAX_OVERVIEW - 2], None, gates[-1]]
    cells = []
    for n in listed:
        if n is None:
            cells.append(Text(f"… {len(gates) - MAX_OVERVIEW + 1} more gates", "dim"))
            continue
        ins = list(g.nodes[n]["inputs"])
        negs = [g.nodes[i]["kind"] == "const" and name(t, i).startswith("-") for i in ins]  # w · (-2)
        cells.append(Text(f"{name(t, n)} = {_apply(g.nodes[n]['gate'], [name(t, i) for i in ins], negs)}"))
    return Group(Text("The whole graph, gate by gate:", style="bold"), Columns(cells, padding=(0, 3)))


def subscripts(text: str) -> str:
    """Markdown with every _ kept as written (outside `code`): lessons write subscripts, x_(i+p)
    and w_ij, never _emphasis_, and Markdown would eat the pair as italics (D14b)."""
    parts = text.split("`")
    return "`".join(p if k % 2 else p.replace("\\_", "_").replace("_", "\\_") for k, p in enumerate(parts))


def hint(s: Any) -> str:
    """The hint of a screen: the lesson's own, else one drawn from the step."""
    if s.quiz is not None:
        return " · ".join(s.quiz.hints()[:1])
    if s.hint:
        return s.hint
    step = s.step
    if step is None:
        return "press Enter for the next step"
    if step.phase == "forward":
        return "a forward step applies the gate to the values of its inputs, left to right"
    if step.wrt is None:
        return "backprop starts at the output: its gradient with respect to itself is 1"
    return ("a backward step multiplies the upstream gradient (arriving at the gate from the output) by the "
            "gate's local derivative with respect to this input")


def _tables(s: Any) -> RenderResult:
    if s.update is not None or s.runs or s.curves or s.table:
        from rich.table import Table

    if s.update is not None:
        u = s.update
        yield _caption(f"θ ← θ - η · ∂{u.before.output_name}/∂θ   (η = {shown(u.before, u.lr)})")
        table = Table()
        for col in ("parameter", "before", "gradient", "after"):
            table.add_column(col, justify="left" if col == "parameter" else "right")
        for p, (old, grad, new) in u.rows.items():
            table.add_row(p, shown(u.before, old), Text(shown(u.before, grad), GRAD), Text(shown(u.before, new), "bold"))
        yield table
        if (s.table or {}).get("again", True):  # else the lesson walks the new forward pass itself
            named = [n for n in u.after.tape.nodes if u.after.structure.nodes[n]["kind"] == "gate" and u.after.structure.nodes[n]["name"]]
            yield _caption("A new forward pass at the new values")
            again = Table()
            for col in ("node", "before", "after"):
                again.add_column(col, justify="left" if col == "node" else "right")
            for n in named:
                again.add_row(n, shown(u.before, u.before.number(n)), Text(shown(u.after, u.after.number(n)), VALUE))
            yield again
    if s.runs:
        yield _caption("loss after each number of updates")
        table = Table()
        table.add_column("update", justify="right")
        labels = (s.table or {}).get("labels") or [run.name for run in s.runs]
        for label in labels:
            table.add_column(label, justify="right")
        for k, (it, _) in enumerate(s.runs[0].losses):
            table.add_row(str(it), *(f"{run.losses[k][1]:.3g}" for run in s.runs))
        yield table
        yield Text("final parameters: " + "; ".join(
            f"{label}: " + ", ".join(f"{p} = {v:.4f}" for p, v in run.final.items()) for label, run in zip(labels, s.runs)))
    for curve in s.curves:
        yield _caption(Text(curve.function))
        table = Table()  # lesson text: never markup
        table.add_column("x", justify="right")
        table.add_column("value", justify="right", style=VALUE)
        table.add_column("slope d/dx", justify="right", style=GRAD)
        for x, v, d in zip(curve.points, curve.values, curve.slopes):
            table.add_row(fmt(x), "—" if v is None else fmt(v), "—" if d is None else fmt(d))
        yield table
    if s.table and "graphs" in s.table:
        yield _caption("side by side")
        yield SideBySide(s.table)
    if s.table and "matrices" in s.table:
        for label, cells, show in s.table["matrices"]:
            yield Text(label, style="bold")
            table = Table(show_header=False)
            for _ in cells[0]:
                table.add_column(justify="right", style=VALUE if show == "value" else GRAD)
            for row in cells:
                table.add_row(*(shown(s.trace, s.trace.number(c, "grad" if show == "grad" else "value")) for c in row))
            yield table


@dataclass
class SideBySide:
    """The same nodes in several graphs: a column per graph's value or gradient, a row per node;
    turned the other way round (a row per graph) when those columns cannot fit their headings
    (`∂L31/∂node`) on the screen, so that nothing is cut to "∂L/∂no…"."""

    table: dict

    def columns(self) -> list[tuple[str, list[str], str]]:
        """(heading, a cell per node, style) of each graph's values and gradients."""
        tab, out = self.table, []
        for gname, t in zip(tab["graphs"], tab["traces"]):
            if tab["show"] in ("value", "both"):
                out.append((f"{gname}: value", [shown(t, t.number(r)) for r in tab["rows"]], VALUE))
            if tab["show"] in ("grad", "both"):
                out.append((f"{gname}: ∂{t.output_name}/∂node", [shown(t, t.number(r, "grad")) for r in tab["rows"]], GRAD))
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.measure import Measurement
        from rich.table import Table

        cols = self.columns()
        wide = Table()  # lesson text: never markup
        wide.add_column("node")
        for head, _, style in cols:
            wide.add_column(Text(head), justify="right", style=style)
        for k, row in enumerate(self.table["rows"]):
            wide.add_row(row, *(cells[k] for _, cells, _ in cols))
        # the narrowest the table gets without cutting a word: each column its longest word (heading
        # or cell), padding 2 and a rule 1 (Rich's own measure of a table stops at the screen's width)
        words = [["node", *self.table["rows"]], *([head, *cells] for head, cells, _ in cols)]
        if 1 + sum(3 + max(Measurement.get(console, options, Text(w)).minimum for w in col) for col in words) \
                <= options.max_width:
            yield wide
            return
        tall = Table()
        tall.add_column("")
        for row in self.table["rows"]:
            tall.add_column(Text(row), justify="right")
        for head, cells, style in cols:
            tall.add_row(Text(head), *(Text(c, style) for c in cells))
        yield tall


def _caption(title: Any) -> Text:
    """A table's title as a line of its own: it wraps at the screen's width between words, not
    at the (narrower) table's width in the middle of a phrase (D14e)."""
    return title if isinstance(title, Text) else Text(title, style="italic")


def _formula(expr: Any) -> str:
    """A gradient's formula pretty-printed, when it reads well: short, and no step functions."""
    import sympy as sp

    if expr is None or sp.count_ops(expr) > 12 or expr.has(sp.Heaviside, sp.Piecewise, sp.Max, sp.Min):
        return "—"
    pretty = sp.pretty(expr, use_unicode=True)
    return pretty if max(map(len, pretty.splitlines())) <= 40 else "—"


def score_line(right: int, answered: int, total: int) -> str:
    """The score, counting only the quizzes answered: quitting early is not failing the rest."""
    if answered == total:
        return f"Score: {right} of {total} quiz questions right."
    if not answered:
        return f"No quiz answered yet ({total} in this lesson)."
    return f"Score: {right} of {answered} answered so far ({total} quizzes in this lesson)."


def _end(s: Any, score: tuple[int, int, int] | None) -> RenderResult:
    from rich.table import Table

    if score is not None and score[2]:
        yield Text(score_line(*score), style="bold")
    t = s.trace
    if t is None:
        return
    rows = t.inputs[:END_ROWS]  # a graph of 10,000 inputs ends with a table, not a book
    formulas = [_formula(t.symbolic.grad(x)) for x in rows]
    yield _caption(f"{t.output_name} = {shown(t, t.number(t.output))}")
    table = Table()
    table.add_column("input")
    table.add_column("value", justify="right", style=VALUE)
    table.add_column(f"∂{t.output_name}/∂input", justify="right", style=GRAD)
    if any(f != "—" for f in formulas):
        table.add_column("formula")
    for x, formula in zip(rows, formulas):
        cells = [x, shown(t, t.number(x)), shown(t, t.number(x, "grad"))]
        table.add_row(*cells, *([formula] if len(table.columns) == 4 else []))
    yield table
    if len(t.inputs) > len(rows):
        yield Text(f"… and {len(t.inputs) - len(rows):,} more inputs (`tutor grad` lists them all)", style="dim")
