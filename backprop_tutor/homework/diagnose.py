"""The common backprop mistakes, each found by making it: a mutated backward pass per mistake.

Every row of MISTAKES names a stable code, says the mistake in plain words, lists the places
(`where`) it can be made in a graph (edges of the tape: (op, argument position)) and what the
mistaken step sends along those edges instead of upstream × local. `Mistakes.of(trace)` runs
one backward pass per place and keeps every gradient that differs from the right one; a wrong
answer is diagnosed with each code whose recomputed number it matches. Codes are a contract
(docs/homework.md); add a mistake by adding a row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from ..engine.gates import GATES

if TYPE_CHECKING:
    from ..engine.trace import Trace


class Edge(NamedTuple):
    """One backward edge as the pass reaches it: op k sends to its argument `pos`."""

    k: int
    pos: int
    up: float            # ∂out/∂(the gate's output)
    local: float         # the right local derivative
    out: float           # the gate's forward value
    ins: tuple           # the gate's input values


class Site(NamedTuple):
    """A place the mistake is made: the edges it changes, data for `sent`, and where in words."""

    edges: frozenset
    data: Any
    label: str


@dataclass
class Context:
    """What the rows' `where` functions read: the tape, its values, and the update step."""

    trace: "Trace"
    lr: float | None = None
    params: tuple[str, ...] = ()
    tape: Any = field(init=False)
    v: list = field(init=False)

    def __post_init__(self) -> None:
        self.tape = self.trace.tape
        self.v = [self.trace.values[n] for n in self.tape.nodes]

    def edges(self, k: int) -> Iterator[tuple[int, int]]:
        """(k, pos) for each argument of op k that is not a constant."""
        _, _, _, a, b = self.tape.ops[k]
        for pos, i in enumerate((a,) if b < 0 else (a, b)):
            if self.tape.kinds[i] != "const":  # (the tape's kinds: the networkx view is not needed)
                yield k, pos

    def name(self, slot: int) -> str:
        """A node as the student knows it: the output by its name (f), others by id."""
        node = self.tape.nodes[slot]
        return self.trace.output_name if node == self.trace.output else node

    def label(self, k: int, pos: int) -> str:
        """'on the edge f → q': the gate sending and the node receiving."""
        _, _, o, a, b = self.tape.ops[k]
        return f"on the edge {self.name(o)} → {self.name((a, b)[pos])}"


def _every_edge(skip: dict[str, int] | None = None, data: tuple = (None,),
                unless: dict[Any, set[str]] | None = None) -> Callable[[Context], Iterator[Site]]:
    """Each edge on its own (but the edges `skip` names: gate -> argument), with each datum (but
    on the gates `unless[datum]` names, where that datum is a more specific mistake of its own)."""
    def where(c: Context) -> Iterator[Site]:
        for k, gate in enumerate(c.tape.gates):
            for e in c.edges(k):
                if (skip or {}).get(gate) != e[1]:
                    yield from (Site(frozenset([e]), d, c.label(*e)) for d in data
                                if gate not in (unless or {}).get(d, ()))
    return where


def _gates(names: set[str], arg: dict[str, int] | None = None,
           when: Callable[[Context, int], bool] = lambda c, k: True) -> Callable[[Context], Iterator[Site]]:
    """The edges of each gate named in `names` (only argument `arg[gate]` when given), gate by gate."""
    def where(c: Context) -> Iterator[Site]:
        for k, gate in enumerate(c.tape.gates):
            if gate in names and when(c, k):
                edges = [e for e in c.edges(k) if arg is None or e[1] == arg[gate]]
                if edges:
                    yield Site(frozenset(edges), None, f"at the {gate} gate {c.name(c.tape.ops[k][2])}")
    return where


def _sign(c: Context) -> Iterator[Site]:
    """The whole gradient negated (the seed's sign), or one edge's sign."""
    out = c.tape.slot[c.trace.output]
    yield Site(frozenset(e for k, op in enumerate(c.tape.ops) if op[2] == out for e in c.edges(k)), None, "overall")
    yield from _every_edge(skip={"sub": 1, "neg": 0})(c)


def _fanout(c: Context) -> Iterator[Site]:
    """At a node feeding several gates, every edge but one dropped (one site per kept branch)."""
    leaving: dict[int, list[tuple[int, int]]] = {}
    for k, op in enumerate(c.tape.ops):
        for e in c.edges(k):
            leaving.setdefault((op[3], op[4])[e[1]], []).append(e)
    for i, edges in leaving.items():
        for kept in edges if len(edges) > 1 else ():
            yield Site(frozenset(edges) - {kept}, None, f"{c.name(i)} kept only the branch {c.label(*kept)[12:]}")


def _negative_relu(c: Context, k: int) -> bool:
    return c.v[c.tape.ops[k][3]] <= 0


def _updated(c: Context) -> Iterator[Site]:
    """Local derivatives taken at updated weights: all of them at once, then each alone."""
    if c.lr is None or not c.params:
        return
    everything = frozenset(e for k in range(len(c.tape.ops)) for e in c.edges(k))
    groups = [c.params] + ([(p,) for p in c.params] if len(c.params) > 1 else [])
    for group in groups:
        v2 = list(c.v)
        for p in group:
            v2[c.tape.slot[p]] -= c.lr * c.trace.grads[p]
        yield Site(everything, (c.tape, v2), f"with updated {', '.join(group)}")


MAX_OPS = 200   # graphs with more gates get no diagnoses (the checks themselves still run)
ACTIVATIONS = {"sigmoid", "tanh", "elu", "softplus"}   # relu's own row is relu-negative-passed


@dataclass(frozen=True)
class Mistake:
    """One common mistake: its code, its words, where it can be made, and what it sends there."""

    code: str
    words: str
    where: Callable[[Context], Iterator[Site]] | None
    sent: Callable[[Edge, Any], float] | None = None
    update: Callable[[float, float, float], float] | None = None   # (w, lr, grad) -> w_new, for update rows


MISTAKES: tuple[Mistake, ...] = (  # the most specific first: a diagnosis lists codes in this order
    Mistake("fanout-missing-branch", "a node that feeds several gates gets the SUM of their gradients; "
            "only one branch was kept", _fanout, lambda e, _: 0.0),
    Mistake("sigmoid-derivative", "sigmoid's local derivative is σ(1 - σ), not σ", _gates({"sigmoid"}),
            lambda e, _: e.up * e.out),
    Mistake("exp-from-input", "exp's local derivative is its output e^a, not its input a", _gates({"exp"}),
            lambda e, _: e.up * e.ins[0]),
    Mistake("subtraction-sign", "the subtracted term's local derivative is -1; the minus sign was lost",
            _gates({"sub", "neg"}, arg={"sub": 1, "neg": 0}), lambda e, _: e.up * -e.local),
    Mistake("missing-activation-derivative", "the activation's derivative was left out (the gradient passed "
            "through it unchanged)", _gates(ACTIVATIONS, arg={g: 0 for g in ACTIVATIONS}), lambda e, _: e.up),
    Mistake("relu-negative-passed", "ReLU passes no gradient where its input is negative (or 0)",
            _gates({"relu", "leaky_relu"}, arg={"relu": 0, "leaky_relu": 0}, when=_negative_relu),
            lambda e, _: e.up),
    Mistake("updated-weights-used", "the gradient was back-propagated through weights that were already "
            "updated; use the old weights for the whole backward pass", _updated,
            lambda e, data: e.up * data[0].locals(e.k, data[1])[e.pos]),
    Mistake("update-sign", "the update step is w - lr·∂L/∂w (downhill); it was taken with +", None,
            update=lambda w, lr, g: w + lr * g),
    Mistake("dropped-upstream", "the local derivative must be multiplied by the upstream gradient; only the "
            "local derivative was used", _gates(set(GATES)), lambda e, _: e.local),
    Mistake("forward-value-as-local", "the upstream gradient was multiplied by a forward value instead of "
            "the local derivative", _every_edge(data=("out", "own"), unless={"out": {"sigmoid"}, "own": {"exp"}}),
            lambda e, which: e.up * (e.out if which == "out" else e.ins[e.pos])),
    Mistake("sign-error", "the sign is flipped", _sign, lambda e, _: -e.up * e.local),
)
WORDS: dict[str, str] = {m.code: m.words for m in MISTAKES}


def mistaken(c: Context, m: Mistake, site: Site) -> list[float] | None:
    """Every node's gradient by a backward pass with mistake `m` made at `site` (None: not computable)."""
    tape, v = c.tape, c.v
    g = [0.0] * len(v)
    g[tape.slot[c.trace.output]] = 1.0
    try:
        for k in range(len(tape.ops) - 1, -1, -1):
            _, _, o, a, b = tape.ops[k]
            ins = (a,) if b < 0 else (a, b)
            locs = tape.locals(k, v)
            for pos, i in enumerate(ins):
                if (k, pos) in site.edges:
                    g[i] += m.sent(Edge(k, pos, g[o], locs[pos], v[o], tuple(v[j] for j in ins)), site.data)
                else:
                    g[i] += g[o] * locs[pos]
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return None
    return g


@dataclass
class Mistakes:
    """The recomputed gradients of one trace, per code: what each mistake makes of every answer."""

    context: Context
    grads: dict[str, list[tuple[list[float], str]]]   # code -> [(gradient per slot, where)]

    @classmethod
    def of(cls, trace: "Trace", lr: float | None = None, params: tuple[str, ...] = ()) -> "Mistakes":
        """Make every mistake at every place it can be made (once per problem; cheap on small graphs)."""
        c = Context(trace, lr, params)
        if len(c.tape.ops) > MAX_OPS:  # a pass per place per mistake is quadratic: homework graphs are small
            return cls(c, {})
        graded = [i for i, n in enumerate(c.tape.nodes) if n in trace.grads]   # not the constants
        grads: dict[str, list] = {}
        for m in MISTAKES:
            for site in m.where(c) if m.where else ():
                g = mistaken(c, m, site)
                if g is not None and any(_differs(g[i], trace.grads[c.tape.nodes[i]]) for i in graded):
                    grads.setdefault(m.code, []).append((g, site.label))
        return cls(c, grads)

    def grad(self, node: str, given: float, close: Callable[[float, float], bool]) -> list[tuple[str, str]]:
        """(code, where) of each mistake whose ∂out/∂node matches `given`, first match per code."""
        i = self.context.tape.slot[node]
        return [(code, next(w for g, w in rows if close(given, g[i])))
                for code, rows in self.grads.items() if any(close(given, g[i]) for g, _ in rows)]

    def update(self, param: str, given: float, close: Callable[[float, float], bool]) -> list[tuple[str, str]]:
        """(code, where) of each mistake whose updated `param` matches `given`."""
        c, i = self.context, self.context.tape.slot[param]
        w, lr, right = c.v[i], c.lr, c.trace.grads[param]
        found = []
        for m in MISTAKES:  # in the table's order, most specific first
            if m.update and close(given, m.update(w, lr, right)):
                found.append((m.code, "in the update"))
            elif where := next((w_ for g, w_ in self.grads.get(m.code, ()) if close(given, w - lr * g[i])), None):
                found.append((m.code, where))
        return found


def _differs(x: float, y: float) -> bool:
    return abs(x - y) > 1e-12 * max(1.0, abs(y)) and not (x != x and y != y)
