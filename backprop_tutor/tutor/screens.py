"""A lesson -> the screens of its walkthrough, in order. The step-through loop reads these.

A `forward` step becomes one screen per gate, a `backward` step one per edge (after the seed
∂out/∂out = 1), so a screen is the lesson's unit of "next". Each screen says how much of its
trace is known (`known` steps revealed), so the drawing shows values and gradients as far as
the walkthrough has come. Graph and node names are checked here, against the traced graphs.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..fmt import fmt
from ..errors import LessonError, MissingValueError, TutorError, ValueInputError
from .lesson import GraphSpec, Lesson, StepSpec
from .quiz import Quiz, wrong_answer

if TYPE_CHECKING:
    from ..engine.learn import Curve, Run, Update
    from ..engine.trace import Step, Trace


MAX_STEP_SCREENS = 120   # screens per forward or backward step of a lesson; more are skipped in the middle
MAX_WALK_GATES = 20_000  # `tutor explain` walks graphs up to this many gates (`tutor grad` has no limit)


@dataclass
class Screen:
    """One screen of a walkthrough."""

    kind: str
    title: str
    text: str = ""
    trace: "Trace | None" = None
    known: int = 0                  # how many of trace.steps are revealed
    step: "Step | None" = None      # the trace step this screen explains
    quiz: Quiz | None = None
    update: Update | None = None
    runs: list[Run] = field(default_factory=list)
    curves: list[Curve] = field(default_factory=list)
    table: dict[str, Any] | None = None   # compare (graphs x rows) or matrices
    hint: str = ""
    hidden: frozenset[int] = frozenset()   # backward steps passed over (a `nodes` filter): not drawn
    gap: range = range(0)           # the steps of trace.steps this screen stands for (a long pass's middle)


def trace_graph(lesson: Lesson, spec: GraphSpec) -> "Trace":
    """Trace one of the lesson's graphs; engine errors point at the graph's program. The graph is
    the engine's plain one: its networkx view (`t.graph`) is made only if something asks for it."""
    from ..engine.graph import build
    from ..engine.trace import walk

    try:
        return walk(build(spec.program, expand=spec.expand), spec.at)
    except (MissingValueError, ValueInputError) as err:
        raise LessonError(f"{lesson.path}, line {spec.at_line or spec.line}: graph {spec.name!r} cannot be traced: "
                          f"{str(err).splitlines()[0].split('; pass --at')[0]}; expected a value for every input "
                          f"in at = {{ ... }}") from None
    except TutorError as err:
        raise LessonError(f"{lesson.path}, line {spec.line}: graph {spec.name!r} cannot be traced: "
                          f"{str(err).splitlines()[0]}") from None


def _node(lesson: Lesson, step: StepSpec, key: str, t: "Trace", name: str, kinds: tuple = ("input", "gate")) -> str:
    g = t.structure
    if name in g and g.nodes[name]["kind"] in kinds:
        return name
    known = [n for n in g.nodes if g.nodes[n]["kind"] in kinds]
    raise lesson.error(step, key, f"{key} names {name!r}, which is not a node of this graph",
                       "one of " + ", ".join(known))


def build(lesson: Lesson, formulas: bool = True, pending: list[Callable[[], None]] | None = None) -> list[Screen]:
    """Every screen of `lesson`, validated against its traced graphs.

    `formulas`: also check that each quiz's `answer` is the true formula (SymPy); a lesson's
    number of screens (`tutor lessons`) is known without it. `pending`: the quiz answers are
    checked later, by calling what is appended to it (it raises LessonError as build would), so
    the first screen needs neither networkx nor SymPy (`tutor run` of a shipped lesson).

    Examples:
        >>> screens = build(explain("q = x + y; f = q * z", {"x": -2, "y": 5, "z": -4}))
        >>> [s.kind for s in screens]
        ['narrative', 'forward', 'forward', 'backward', 'backward', 'backward', 'backward', 'backward', 'end']
        >>> screens[6].step.wrt, screens[6].step.value
        ('x', Fraction(-4, 1))
    """
    traces = {name: trace_graph(lesson, spec) for name, spec in lesson.graphs.items()}
    walked: dict[str, _Walked] = {}
    screens: list[Screen] = []
    last = backward = "main"
    for step in lesson.steps:
        gname = step.get("graph", last if last in traces else None)
        if step.get("graph") and gname not in traces:
            raise lesson.error(step, "graph", f"graph is {gname!r}, which is not defined here",
                               "one of " + (", ".join(traces) or "(none: add program = ... or [graphs.NAME])"))
        t = traces.get(gname) if gname else None
        needs_graph = step.kind in ("forward", "backward", "quiz", "update", "matrix")
        if t is None and needs_graph:
            raise lesson.error(step, "kind", f"this {step.kind} step has no graph to work on",
                               "program = ... at the top of the lesson, or graph = NAME")
        last = gname or last
        if step.kind == "backward":
            backward = last
        title, text = step.get("title", ""), step.get("text", "")
        maker = _MAKERS[step.kind]
        made = maker(lesson, step, t, traces)
        for k, screen in enumerate(made):
            screen.title = screen.title or title or _DEFAULT_TITLES[step.kind]
            screen.text = text if k == 0 else screen.text
            screen.hint = step.get("hint", "")
        if t is not None:
            _follow(lesson, step, t, made, walked.setdefault(gname, _Walked()))
        screens.extend(made)
        for quiz in (s.quiz for s in made if s.quiz is not None and s.quiz.formula):
            check = functools.partial(_check_answer, lesson, step, quiz, formulas)
            check() if pending is None else pending.append(check)
    # the end recaps the pass the lesson backpropagated through (the training pass, not the prediction
    # graph or the forward pass at the new weights that may come after it)
    if any(step.kind == "backward" for step in lesson.steps):
        last = backward
    end = traces.get(last) if last in traces else None
    screens.append(Screen("end", f"End of the lesson: {lesson.title}", trace=end,
                          known=len(end.steps) if end else 0))
    return screens


def _check_answer(lesson: Lesson, step: StepSpec, quiz: Quiz, symbolic: bool) -> None:
    """A lesson's own quiz `answer` must be right: its number here, and (`symbolic`) its formula."""
    problem = wrong_answer(quiz, quiz.asked, symbolic=symbolic)
    if problem:
        raise lesson.error(step, "answer", *problem)


@dataclass
class _Walked:
    """Which backward steps of one trace the walkthrough has shown, and which it passed over."""

    shown: set[int] = field(default_factory=set)
    skipped: set[int] = field(default_factory=set)
    everything: bool = False        # a narrative showed the whole pass (show = "all")
    upto: int = 0                   # steps before this one are already sorted into shown or skipped
    _hidden: tuple[int, int, frozenset[int]] = (-1, -1, frozenset())

    def hidden(self) -> frozenset[int]:
        """The steps skipped and not shown since: one set shared by the screens that see the same
        (shown and skipped only grow, so their sizes say whether they changed)."""
        if self._hidden[:2] != (len(self.shown), len(self.skipped)):
            self._hidden = (len(self.shown), len(self.skipped), frozenset(self.skipped - self.shown))
        return self._hidden[2]


def _follow(lesson: Lesson, step: StepSpec, t: "Trace", made: list[Screen], walked: _Walked) -> None:
    """Keep the drawing honest about the backward pass as the lesson walks it.

    A backward screen's equation starts from the upstream gradient ∂out/∂gate: a screen must
    have shown that gradient first (D4: the σ step of a network skipped, its output's gradient
    then used). Steps a `nodes` filter passes over are hidden from the drawings that follow, so
    no box shows a gradient no screen computed (D5) until the whole pass is shown."""
    done = {t.output} | {(s.wrt or s.node) for i, s in enumerate(t.steps) if i in walked.shown and s.phase == "backward"
            and (s.wrt is None or s.branch == s.branches)}
    for screen in made:
        if screen.kind == "narrative" and screen.trace is t and screen.known >= len(t.steps):
            walked.everything = True
        if screen.gap and screen.trace is t:  # "… steps skipped": their gradients count as shown
            for k in screen.gap:
                s = t.steps[k]
                if s.phase == "backward":
                    walked.shown.add(k)
                    if s.wrt is None or s.branch == s.branches:
                        done.add(s.wrt or s.node)
        if screen.kind == "backward" and screen.trace is t and screen.step is not None:
            s = screen.step
            if s.wrt is not None and s.node not in done and not walked.everything:
                through = _passed_unchanged(t, s.node, done)
                if through is not None:  # only add gates (local 1) skipped: the number is one shown
                    walked.shown |= set(through)
                    done.add(s.node)
            if s.wrt is not None and s.node not in done and not walked.everything:
                up = s.node if s.node != t.output else t.output_name
                raise lesson.error(step, "nodes" if "nodes" in step.fields else "kind",
                                   f"the screen for {s.wrt!r} starts from ∂{t.output_name}/∂{up}, which no screen "
                                   f"before it shows (the step through that gate is skipped)",
                                   f"{up!r} in nodes, before {s.wrt!r}")
            i = screen.known - 1
            # every backward step before this one not shown is skipped; those before `upto` were
            # looked at by an earlier screen (shown only grows): each step is looked at once
            first = max(_sent_to(t)[1], walked.upto)
            walked.skipped.update(k for k in range(first, i) if k not in walked.shown)
            walked.upto = max(walked.upto, i)
            walked.shown.add(i)
            if s.wrt is None or s.branch == s.branches:
                done.add(s.wrt or s.node)
        if screen.kind == "quiz" and screen.trace is t and screen.quiz is not None and screen.quiz.ask == "grad":
            walked.shown.add(screen.quiz.index)  # the answer is revealed with the quiz
        if screen.trace is t and not walked.everything:
            screen.hidden = walked.hidden()


def _passed_unchanged(t: "Trace", node: str, done: set[str]) -> list[int] | None:
    """The backward steps from a shown gradient down to `node` when each sends it on unchanged
    (one consumer, an add gate: local derivative 1 whatever the numbers), else None."""
    chain, n = [], node
    to = _sent_to(t)[0]
    for _ in range(len(t.steps)):
        if n in done:
            return chain
        sent = to.get(n, ())
        gate = t.structure.nodes[t.steps[sent[0]].node]["gate"] if len(sent) == 1 else None
        if gate not in ("add", "sub") or t.steps[sent[0]].local != 1:  # an add gate, not a product by 1
            return None
        chain.append(sent[0])
        n = t.steps[sent[0]].node
    return None


def _sent_to(t: "Trace") -> tuple[dict[str, list[int]], int]:
    """(node -> the backward steps that send it a gradient, the index of the first backward step),
    once per trace: screens look these up, never scan every step (a 145,000-term sum has 435,000)."""
    return t.derived(_index_sent)


def _index_sent(t: "Trace") -> tuple[dict[str, list[int]], int]:
    to: dict[str, list[int]] = {}
    first = len(t.steps)
    for i, s in enumerate(t.steps):
        if s.phase == "backward":
            first = min(first, i)
            if s.wrt is not None:
                to.setdefault(s.wrt, []).append(i)
    return to, first


_DEFAULT_TITLES = {"narrative": "", "forward": "Forward pass", "backward": "Backward pass", "quiz": "Your turn",
                   "update": "A gradient-descent step", "compare": "Side by side", "matrix": "In matrix form"}


def _narrative(lesson: Lesson, step: StepSpec, t: "Trace | None", traces: dict) -> list[Screen]:
    show = step.get("show", "graph" if t is not None else "none")
    if t is None or show == "none":
        return [Screen("narrative", "")]
    n_forward = sum(s.phase == "forward" for s in t.steps)
    known = {"graph": 0, "forward": n_forward, "all": len(t.steps)}[show]
    return [Screen("narrative", "", trace=t, known=known)]


def _filter(lesson: Lesson, step: StepSpec, t: "Trace") -> set[str] | None:
    nodes = step.get("nodes")
    return None if nodes is None else {_node(lesson, step, "nodes", t, n) for n in nodes}


def _bounded(screens: list[Screen], t: "Trace", phase: str) -> list[Screen]:
    """The first and last MAX_STEP_SCREENS/2 screens of a long pass, with one screen saying what
    was skipped: the walkthrough of a 10,000-gate graph stays a walkthrough, not a 30,000-page dump."""
    if len(screens) <= MAX_STEP_SCREENS:
        return screens
    half = MAX_STEP_SCREENS // 2
    head, tail = screens[:half], screens[-half:]
    skipped = len(screens) - 2 * half
    gap = Screen("narrative", f"… {skipped:,} {phase} steps skipped", trace=t, known=tail[0].known - 1,
                 gap=range(head[-1].known, tail[0].known - 1),
                 text=f"This pass has {len(screens):,} steps: the walkthrough shows the first {half} and the "
                      f"last {half}. The {skipped:,} in between follow the same rule. "
                      "`tutor grad` prints every value and gradient.")
    return [*head, gap, *tail]


def _forward(lesson: Lesson, step: StepSpec, t: "Trace", traces: dict) -> list[Screen]:
    only = _filter(lesson, step, t)
    return _bounded([Screen("forward", "", trace=t, known=i + 1, step=s) for i, s in enumerate(t.steps)
                     if s.phase == "forward" and (only is None or s.node in only)], t, "forward")


def _backward(lesson: Lesson, step: StepSpec, t: "Trace", traces: dict) -> list[Screen]:
    only = _filter(lesson, step, t)
    return _bounded([Screen("backward", "", trace=t, known=i + 1, step=s) for i, s in enumerate(t.steps)
                     if s.phase == "backward" and (only is None or (s.wrt or s.node) in only)], t, "backward")


def _quiz(lesson: Lesson, step: StepSpec, t: "Trace", traces: dict) -> list[Screen]:
    ask = step.get("ask")
    node = _node(lesson, step, "node", t, step.get("node"))
    out, arg = t.output_name, None
    if ask == "local":
        if "wrt" not in step.fields:
            raise lesson.error(step, "ask", "a local-derivative quiz needs wrt (which input of the gate)",
                               'wrt = "x"')
        ins = t.structure.nodes[node]["inputs"]
        wrt = step.get("wrt")
        if wrt not in ins:
            raise lesson.error(step, "wrt", f"wrt is {wrt!r}, not an input of {node!r}", "one of " + ", ".join(ins))
        arg = ins.index(wrt)
        idx = next(i for i, s in enumerate(t.steps) if s.phase == "backward" and s.node == node and s.arg == arg)
        expected = t.steps[idx].local
        prompt = f"What is the local derivative ∂{node}/∂{wrt} here?"
    elif ask == "value":
        if t.structure.nodes[node]["kind"] != "gate":
            raise lesson.error(step, "node", f"{node!r} is an input: its value is given", "a gate node")
        idx = next(i for i, s in enumerate(t.steps) if s.phase == "forward" and s.node == node)
        expected, prompt = t.number(node), f"What is the value of {node}?"
    else:
        idx = next(i for i, s in enumerate(t.steps) if s.phase == "backward" and (s.wrt or s.node) == node)
        expected, prompt = t.number(node, "grad"), f"What is ∂{out}/∂{node}?"
    answer_at = idx
    if ask == "grad":  # a fan-out's total is complete at its last branch: reveal up to there
        answer_at = max(i for i, s in enumerate(t.steps) if s.phase == "backward" and (s.wrt or s.node) == node)
    if "before" in step.fields:  # hide more: e.g. ∂h6/∂h4 asked before ∂h6/∂n5 (the same number) is shown
        idx = _before(lesson, step, t, ask, idx)
    quiz = Quiz(t, ask, node, step.get("prompt", prompt), expected, step.get("answer"),
                float(step.get("tolerance", 0.01)), step.get("hint", ""), arg,
                relative=bool(step.get("relative", False)), index=answer_at)
    if ask == "grad":  # a student computes from the numbers on screen: that answer must pass (D1)
        pencil = pencil_answer(t, node, idx)
        if pencil is not None and abs(pencil - float(expected)) > quiz.tolerance * quiz.scale():
            need = abs(pencil - float(expected)) / quiz.scale()
            raise lesson.error(step, "tolerance" if "tolerance" in step.fields else "kind",
                               f"a student who multiplies the numbers on screen (two digits) gets {pencil:.4g}, "
                               f"which this quiz rejects (the answer is {float(expected):.4g})",
                               f"tolerance = {math.ceil(need * 100 + 0.5) / 100:g} or more" +
                               ("" if quiz.relative else " (with relative = true for a small answer)"))
    if quiz.formula:  # build() checks it: the number here, and the formula
        quiz.asked = {"grad": f"∂{out}/∂{node}", "value": node, "local": f"∂{node}/∂{step.get('wrt')}"}[ask]
    return [Screen("quiz", "", trace=t, known=idx, quiz=quiz)]


def pencil_answer(t: "Trace", node: str, revealed: int) -> float | None:
    """∂out/∂node as a student computes it on the quiz's screen: each gradient shown there (two
    digits) times the local derivatives written as the screen rounds them, summed over paths."""
    from ..render.drawing import consumers, known

    _, grads = known(t, revealed)
    g, uses = t.structure, consumers(t)
    locals_ = {(s.node, s.wrt, s.arg): s.local for s in t.steps if s.phase == "backward" and s.wrt}

    def shown(x: "Any") -> float:
        return float(Fraction(fmt(x)))

    def grad(n: str, depth: int = 0) -> float | None:
        if n in grads:
            return shown(grads[n])
        if n == t.output:  # the seed: ∂out/∂out = 1 whether shown yet or not
            return 1.0
        if depth > 50:
            return None
        total = 0.0
        for c in set(uses.get(n, ())):
            up = grad(c, depth + 1)
            if up is None:
                return None
            for arg, i in enumerate(g.nodes[c]["inputs"]):
                if i == n:
                    total += up * shown(locals_[(c, n, arg)])
        return total

    try:
        return grad(node)
    except (KeyError, ValueError, ZeroDivisionError):
        return None


def _before(lesson: Lesson, step: StepSpec, t: "Trace", ask: str, idx: int) -> int:
    """The step at which the quiz's `before` node gets its value (ask = value) or gradient."""
    node = _node(lesson, step, "before", t, step.get("before"))
    phase = "forward" if ask == "value" else "backward"
    at = next((i for i, s in enumerate(t.steps)
               if s.phase == phase and (s.node if phase == "forward" else s.wrt or s.node) == node), None)
    if at is None or at > idx:
        what = "value" if ask == "value" else "gradient"
        raise lesson.error(step, "before", f"{node!r} gets its {what} after the asked number",
                           "a node whose number is computed before the asked one")
    return at


def _update(lesson: Lesson, step: StepSpec, t: "Trace", traces: dict) -> list[Screen]:
    from ..engine.learn import optimize, sgd_step

    params = [_node(lesson, step, "params", t, p, ("input",)) for p in step.get("params")]
    optimizers = step.get("optimizer", "gd")
    optimizers = optimizers if isinstance(optimizers, list) else [optimizers]
    iterations = step.get("iterations", 1)
    lr, batches = step.get("lr"), step.get("batches")
    if iterations == 1 and optimizers in (["sgd"], ["gd"]) and not isinstance(lr, list) and not batches:
        update = sgd_step(t, params, lr)
        if step.get("save_as"):
            traces[step.get("save_as")] = update.after
        # a lesson that walks the new forward pass (save_as) shows it there, not in a table first (D17)
        walked_later = bool(step.get("save_as"))
        return [Screen("update", "", trace=update.after, update=update, table={"again": not walked_later},
                       known=0 if walked_later else sum(s.phase == "forward" for s in update.after.steps))]
    # one run per optimizer, or (with batches) one run per list of batch graphs, all with the first optimizer
    feeds = [[_batch(lesson, step, t, traces, name, params) for name in run] for run in batches] if batches else None
    n = len(feeds) if feeds else len(optimizers)
    if feeds and len(optimizers) > 1:
        raise lesson.error(step, "optimizer", "a step with batches runs one optimizer", 'optimizer = "gd" (or another one)')
    lrs = lr if isinstance(lr, list) else [lr] * n
    rules = [optimizers[0]] * n if feeds else optimizers
    # full-batch steps are gradient descent, not SGD (no sampling here, D6); each column says its η
    names = [" + ".join(run) for run in batches] if feeds else ["gd" if o in ("gd", "sgd") else o for o in optimizers]
    labels = step.get("labels") or [n_ + (f" η={fmt(r)}" if len(set(lrs)) > 1 else "") for n_, r in zip(names, lrs)]
    if len(labels) != n:
        raise lesson.error(step, "labels", f"labels has {len(labels)} entries for {n} runs", "one per run")
    runs = [optimize(t, params, float(lrs[k]), "sgd" if rules[k] == "gd" else rules[k], iterations, step.get("every", 1),
                     gamma=step.get("momentum", 0.9), beta1=step.get("beta1", 0.9), beta2=step.get("beta2", 0.999),
                     rho=step.get("rho", 0.9), batches=feeds[k] if feeds else None, label=labels[k])
            for k in range(n)]
    return [Screen("update", "", runs=runs, table={"labels": labels})]


def _batch(lesson: Lesson, step: StepSpec, t: "Trace", traces: dict, name: str, params: list[str]) -> "Trace":
    """A graph of `batches`: the loss of a part of the data, over inputs of the step's graph, using every param."""
    if name not in traces:
        raise lesson.error(step, "batches", f"batches names {name!r}, which is not defined here",
                           "one of " + ", ".join(traces))
    b = traces[name]
    foreign = [x for x in b.inputs if x not in t.inputs]
    missing = [p for p in params if p not in b.inputs]
    if foreign or missing:
        what = f"uses {', '.join(foreign)}, not inputs of the step's graph" if foreign else \
            f"does not use {', '.join(missing)}"
        raise lesson.error(step, "batches", f"batch graph {name!r} {what}",
                           "a loss over the step's inputs that uses every parameter")
    return b


def _compare(lesson: Lesson, step: StepSpec, t: "Trace | None", traces: dict) -> list[Screen]:
    if step.get("functions"):
        from ..engine.learn import curves

        try:
            return [Screen("compare", "", curves=curves(step.get("functions"), step.get("points")))]
        except TutorError as err:
            raise lesson.error(step, "functions", f"a function cannot be used: {str(err).splitlines()[0]}",
                               "expressions in x, e.g. \"tanh(x)\"") from None
    names = step.get("graphs")
    for name in names:
        if name not in traces:
            raise lesson.error(step, "graphs", f"graphs names {name!r}, which is not defined here",
                               "one of " + ", ".join(traces))
    for name in names:
        for row in step.get("rows"):
            _node(lesson, step, "rows", traces[name], row)
    return [Screen("compare", "", table={"graphs": step.get("labels", names), "traces": [traces[n] for n in names],
                                         "rows": step.get("rows"), "show": step.get("show", "both")})]


def _matrix(lesson: Lesson, step: StepSpec, t: "Trace", traces: dict) -> list[Screen]:
    mats = []
    for m in step.get("matrices"):
        for row in m["cells"]:
            for cell in row:
                _node(lesson, step, "matrices", t, cell)
        mats.append((m.get("label", ""), m["cells"], m.get("show", "value")))
    return [Screen("matrix", "", trace=t, known=len(t.steps), table={"matrices": mats})]


_MAKERS = {"narrative": _narrative, "forward": _forward, "backward": _backward, "quiz": _quiz,
           "update": _update, "compare": _compare, "matrix": _matrix}


def walkable(t: "Trace") -> None:
    """Refuse, in one line, a graph too large to walk through (its steps alone would take longer to
    make than a student waits): what, and what to run instead."""
    gates = len(t.tape.ops)
    if gates > MAX_WALK_GATES:
        raise TutorError(f"the graph has {gates:,} gates: too many to walk through (`tutor explain` walks up to "
                         f"{MAX_WALK_GATES:,}); `tutor grad` prints its value and every gradient, or explain a "
                         f"smaller part of the program")


def heading(text: str) -> str:
    """What `tutor explain` heads each screen with: the program on one line, its first 200
    characters when longer (a 290,000-character sum would fill thousands of lines per screen)."""
    whole = "; ".join(text.strip().splitlines())
    return whole if len(whole) <= 200 else f"{whole[:200]}… ({len(whole):,} characters)"


def explain(text: str, at: dict[str, Any], expand: bool = False) -> Lesson:
    """A lesson made on the spot for `tutor explain`: the graph, its forward pass, its backward pass."""
    from ..engine.parse import parse

    parse(text)
    whole = " ; ".join(text.splitlines())
    shown = f"`{whole}`" if len(whole) <= 200 else f"`{whole[:200]}…` ({len(whole):,} characters)"  # 10,000 terms
    steps = (StepSpec("narrative", {"title": "The graph", "show": "graph",
                                    "text": f"We walk through {shown} "
                                            "gate by gate: first forward, then backward."}, 0),
             StepSpec("forward", {}, 1), StepSpec("backward", {}, 2))
    return Lesson("explain", text, "", "<explain>", {"main": GraphSpec("main", text, at, expand, 1)}, steps, "")
