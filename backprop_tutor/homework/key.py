"""A problem traced once: what each answer name asks for, its number and formula, the mistakes'
recomputed gradients, and where along the passes a student's own numbers first go wrong.

`prepare` caches a Key per problem, so grading a class traces the key's problem once.
"""

from __future__ import annotations

import difflib
import functools
import itertools
import math
import random
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .diagnose import WORDS, Mistakes
from ..errors import HomeworkError, MissingValueError, ParseError, TutorError
from ..fmt import fmt, name_list, typed_fractions
from .formula import evaluate, sympy_zero, tame
from .problem import Problem, problem_from
from ..engine.parse import names_in
from ..engine.trace import Number, Step, trace, walk

_GRAD = re.compile(r"[d∂]\s*(\w+)\s*/\s*[d∂]\s*(\w+)")
EXACT_OPS = 20_000  # gates at most for exact numbers (Fractions: ~0.1 s); past it, the float64 ones
RANDOM_POINTS = 5   # a formula right at these many random points (and at the problem's) is taken as right


@dataclass(frozen=True)
class Target:
    """What an answer name asks for: a node's value, ∂out/∂node, or a parameter after the update step."""

    name: str
    kind: str          # "value" | "grad" | "update"
    node: str
    expected: Number


def prepare(problem: Problem | Mapping[str, Any], where: str = "[problem]") -> "Key":
    """The Key of a problem (a Problem, or a dict shaped like the [problem] table), cached."""
    if not isinstance(problem, Problem):
        if not isinstance(problem, Mapping):
            raise HomeworkError(f"{where}: a problem is a dict like {{'program': ..., 'at': {{...}}}}")
        problem = problem_from(dict(problem), lambda key, what: HomeworkError(f"{where}: {what}"))
    try:
        return _prepare(problem)
    except ParseError as err:
        raise HomeworkError(f"{where}: the program does not parse: {err.why} (line {err.line}, column {err.col})") \
            from None
    except TutorError as err:
        raise HomeworkError(f"{where}: {err}") from None


@functools.lru_cache(maxsize=32)
def _prepare(problem: Problem) -> "Key":
    return Key(problem)


class Key:
    """A traced problem and everything the checker asks of it."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        at = dict(problem.at)  # once: rebuilt per input, 20,000 inputs took a minute (F2)
        try:  # the engine's one entry point: its fast path reads plain text straight into the tape
            self.trace = t = trace(problem.text, at)
        except MissingValueError:  # the engine says --at; a homework file says [problem] at
            from ..engine.graph import build

            missing = [x for x in build(problem.text).graph["inputs"] if x not in at]
            raise TutorError(f"no value for {name_list(missing)}; add "
                             f"{name_list([f'{x} = …' for x in missing], quote=False)} to [problem] at") from None
        self.out = t.output_name
        self.names = [n for n, kind in zip(t.tape.nodes, t.tape.kinds) if kind != "const"]
        # a bare expression's output is a node n5 that answers and formulas call f
        self.alias = {self.out: t.output} if self.out not in self.names else {}
        self.names += list(self.alias)
        self.known = set(self.names)
        # exact numbers (Fractions) only for a graph small enough that the exact pass is cheap; past
        # EXACT_OPS the float64 numbers stand (a 145,000-term sum: a second of Fractions for nothing)
        self.exact = len(t.tape.ops) <= EXACT_OPS
        self.exact_values = _Values(self)   # a formula's names, looked up as it is evaluated
        # a number is written as the tutor writes it: 1/3 only where the key's author typed a fraction
        self.fractions = self.exact and typed_fractions(t.number(x) for x in t.inputs)
        self.params = problem.params if problem.params is not None else t.inputs
        inputs = set(t.inputs)  # a set: the tuple searched per param was quadratic too
        if bad := [p for p in self.params if p not in inputs]:
            raise TutorError(f"params: {', '.join(map(repr, bad))} not an input (inputs: {', '.join(t.inputs)})")
        self.lr = problem.lr
        self._formulas: dict[str, str | None] = {}
        self._same: dict[tuple[str, str], tuple[bool, str, str]] = {}
        self._sends: dict[str, list[tuple[int, int, int]]] = {}
        self.mistakes = Mistakes.of(t, float(self.lr) if self.lr is not None else None, tuple(self.params))

    # Where a node's steps are in the walkthrough, read off the tape on demand (only a wrong answer
    # asks where it went wrong; Trace.steps, every step of a 145,000-term sum, is never made).

    @property
    def seed_at(self) -> int:
        """The index of the seed step (∂out/∂out = 1): right after the forward steps, one per gate."""
        return len(self.trace.tape.ops)

    @functools.cached_property
    def forward_at(self) -> dict[str, int]:
        """node -> the index of its forward step."""
        nodes = self.trace.tape.nodes
        return {nodes[op[2]]: k for k, op in enumerate(self.trace.tape.ops)}

    @functools.cached_property
    def _sent_after(self) -> list[int]:
        """For op k, how many backward steps the ops after it send (the backward pass runs from the last op)."""
        tape, const = self.trace.tape, [kind == "const" for kind in self.trace.tape.kinds]
        counts = [(not const[a]) + (b >= 0 and not const[b]) for _, _, _, a, b in tape.ops]
        after = list(itertools.accumulate(reversed(counts), initial=0))[:-1]
        return after[::-1]

    def sends_to(self, node: str) -> list[tuple[int, int, int]]:
        """(step index, op, argument) of every backward step sending to `node`, in the walkthrough's order."""
        if node not in self._sends:
            tape = self.trace.tape
            i, after, seed = tape.slot[node], self._sent_after, self.seed_at
            found: list[tuple[int, int, int]] = []
            for k in range(len(tape.ops) - 1, -1, -1) if tape.kinds[i] != "const" else ():  # a constant gets none
                _, _, _, a, b = tape.ops[k]
                if a == i or b == i:
                    first = seed + 1 + after[k]
                    if a == i:
                        found.append((first, k, 0))
                    if b == i:
                        found.append((first + (tape.kinds[a] != "const"), k, 1))
            self._sends[node] = found
        return self._sends[node]

    def text(self, x: Number) -> str:
        """A number of this key as the tutor prints it for its trace (fmt.py's one rule)."""
        return fmt(x, fractions=self.fractions)

    def number(self, node: str, kind: str = "value") -> Number:
        """A node's value or ∂out/∂node: exact where the trace has it and the graph is small, else float."""
        if self.exact:
            return self.trace.number(node, kind)  # type: ignore[arg-type]
        return (self.trace.values if kind == "value" else self.trace.grads)[node]

    def step(self, i: int, k: int, pos: int) -> Step:
        """Step i of the walkthrough, op k sending to its argument `pos`: the trace's own step (exact
        numbers) on a small graph; on a big one made from the tape's floats."""
        t = self.trace
        if self.exact:
            return t.steps[i]
        _, _, o, a, b = t.tape.ops[k]
        nodes, ins = t.tape.nodes, ((a,) if b < 0 else (a, b))
        v = {j: t.values[nodes[j]] for j in (o, *ins)}  # the op's own slots: locals() reads only these
        up, local = t.grads[nodes[o]], float(t.tape.locals(k, v)[pos])
        return Step("backward", nodes[o], up * local, wrt=nodes[ins[pos]], arg=pos, upstream=up, local=local)

    def defaults(self) -> list[str]:
        """The answers a key asks for when it lists none: the output, ∂out/∂input, each update."""
        updates = [f"new:{p}" for p in self.params] if self.lr is not None else []
        return [self.out, *(f"d{self.out}/d{x}" for x in self.trace.inputs), *updates]

    def target(self, name: str) -> Target:
        """What `name` asks for; TutorError saying how to name it when it is no answer here."""
        if not isinstance(name, str):
            raise TutorError(f"an answer's name is text such as 'df/dx', not {name!r}")
        if name in self.known:
            node = self.alias.get(name, name)
            return Target(name, "value", node, self.number(node))
        if name.startswith("new:"):
            p = name[4:].strip()
            if self.lr is None:
                raise TutorError("an update answer needs the learning rate: lr = 0.1 in [problem]")
            if p not in self.params:
                raise TutorError(f"{p!r} is not updated here; update answers: "
                                 f"{', '.join('new:' + q for q in self.params)}")
            w, g = self.number(p), self.number(p, "grad")
            new = _exact(w, self.lr, g)
            if not _fits(new):
                raise TutorError(f"the update {p} - lr·∂{self.out}/∂{p} overflows float64; use a smaller lr")
            return Target(name, "update", p, new)
        if m := _GRAD.fullmatch(name.strip()):
            top, node = m.groups()
            if top != self.out:
                raise TutorError(f"the output here is called {self.out!r}; write 'd{self.out}/d{node}'")
            if node in self.known:
                node = self.alias.get(node, node)
                return Target(name, "grad", node, self.number(node, "grad"))
            raise TutorError(f"there is no node {node!r}{_hint(node, self.names)}")
        raise TutorError(f"is not an answer here{_hint(name, self.names)}; answers are the output "
                         f"{self.out!r}, a node's value (q), a gradient 'd{self.out}/dx' or an update 'new:w'")

    def formula_of(self, target: Target) -> str | None:
        """The expected answer as a formula in the inputs (None past the symbolic depth bound)."""
        if target.name not in self._formulas:  # printing SymPy costs ~2 ms; a class asks the same ones
            e = self._expected_sym(target)
            self._formulas[target.name] = None if e is None else str(e)
        return self._formulas[target.name]

    def _expected_sym(self, target: Target) -> Any:
        if not self.exact:  # past 20,000 gates: no expanded form (SymPy stops at 3,000 nodes); the
            return None     # Symbolic object alone would make every node's attributes
        sym = self.trace.symbolic
        if sym.why_not:
            return None
        if target.kind == "value":
            return sym.value(target.node)
        if target.kind == "grad":
            return sym.grad(target.node)
        import sympy as sp

        return sym.symbols[target.node] - sp.Rational(self.lr.numerator, self.lr.denominator) * sym.grad(target.node)

    def equivalent(self, target: Target, expr: Any, text: str = "") -> tuple[bool, str, str]:
        """(same formula?, "sympy" | "numeric", in words) for a formula already right at the point."""
        if text and (target.name, text) in self._same:  # a class writes the same formulas
            return self._same[(target.name, text)]
        verdict = self._equivalent(target, expr)
        if text and len(self._same) < 10_000:
            self._same[(target.name, text)] = verdict
        return verdict

    def _equivalent(self, target: Target, expr: Any) -> tuple[bool, str, str]:
        from ..engine.symbolic import to_sympy

        expected = self._expected_sym(target)
        if expected is not None and tame(expr):  # SymPy would expand (x + y)^100000: numbers decide instead
            sym, proven = self.trace.symbolic, None
            used = [self.alias.get(n, n) for n in names_in(expr) if n in self.known]
            symbols = sym.symbols | {a: sym.symbols[n] for a, n in self.alias.items()}
            try:
                given = to_sympy(expr, symbols).xreplace({sym.symbols[n]: sym.value(n) for n in used})
                proven = sympy_zero(given - expected)
            except Exception:  # noqa: BLE001 - SymPy cannot build it: the numbers decide
                proven = None
            if proven is not None:
                return (True, "sympy", "the same formula (SymPy)") if proven else \
                    (False, "sympy", "right at this point, but not the same formula (they differ by a constant)")
        numeric = self._numeric(target, expr)
        if numeric is False:
            return False, "numeric", "right at this point, but not the same formula (it differs at other points)"
        if numeric is True:
            return True, "numeric", f"equal at the point and at {RANDOM_POINTS} random points near it"
        return True, "point", "checked at the problem's point only (no other point was defined)"

    def _numeric(self, target: Target, expr: Any) -> bool | None:
        """Compare at random points near the problem's (None when too few points are defined)."""
        rng, agreed = random.Random(1234), 0
        for _ in range(4 * RANDOM_POINTS):
            at = {x: float(v) * (1 + 0.2 * (rng.random() - 0.5)) + 0.02 * (rng.random() - 0.5)
                  for x, v in self.trace.at.items()}
            try:
                t2 = walk(self.trace.structure, at)
            except TutorError:
                continue
            given = evaluate(expr, t2.values | {a: t2.values[n] for a, n in self.alias.items()})
            want = {"value": t2.values, "grad": t2.grads}.get(target.kind, {}).get(target.node)
            if target.kind == "update":
                want = at[target.node] - float(self.lr) * t2.grads[target.node]
            if given is None or want is None or not math.isfinite(want):
                continue
            if not math.isclose(float(given), want, rel_tol=1e-6, abs_tol=1e-9):
                return False
            agreed += 1
            if agreed == RANDOM_POINTS:
                return True
        return None

    def diagnose(self, target: Target, given: float, close: Callable[[float, float], bool]) -> list[tuple[str, str]]:
        """(code, where) of every mistake whose recomputed number matches `given`."""
        if target.kind == "grad":
            return self.mistakes.grad(target.node, given, close)
        if target.kind == "update":
            return self.mistakes.update(target.node, given, close)
        return []

    @staticmethod
    def words(code: str) -> str:
        """The mistake in plain words."""
        return WORDS[code]



class _Values(Mapping):
    """The value of each name a formula may use, exact where the Key keeps exact numbers; looked up
    one by one (a formula names a few nodes: making all 145,000 cost a second)."""

    def __init__(self, key: Key) -> None:
        self.key, self.known = key, key.known

    def __getitem__(self, name: str) -> Number:
        if name not in self.known:
            raise KeyError(name)
        return self.key.number(self.key.alias.get(name, name))

    def __contains__(self, name: object) -> bool:
        return name in self.known

    def __iter__(self) -> Iterator[str]:
        return iter(self.key.names)

    def __len__(self) -> int:
        return len(self.key.names)


def _exact(w: Number, lr: Fraction, g: Number) -> Number:
    """w - lr·g, exact when all three are."""
    if isinstance(w, Fraction) and isinstance(g, Fraction):
        return w - lr * g
    return float(w) - float(lr) * float(g)


def _fits(x: Number) -> bool:
    """True when `x` is a finite float64."""
    try:
        return math.isfinite(float(x))
    except OverflowError:
        return False


def _hint(name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=1)
    return f"; did you mean {close[0]!r}?" if close else f" (nodes: {name_list(names, 12, quote=False)})"
