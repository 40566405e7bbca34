"""Where a student's chain went wrong: the first step along the pass whose given number disagrees.

A wrong ∂f/∂x may come from an earlier wrong ∂f/∂q the student also gave: the backward pass
reaches q before x, so q's step is reported (fix that one first), with its correct upstream
gradient and local derivative, one term per branch at a fan-out. A wrong value points at the
first wrong forward step feeding it; a wrong update at the update (or at its wrong gradient).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..engine.gates import GATES

MAX_TERMS = 8   # branches listed at a fan-out: the first six and the last two (a sum's 145,000 are not)

if TYPE_CHECKING:
    from .key import Key, Target


def first_wrong(key: "Key", target: "Target", wrong: Mapping[tuple[str, str], dict], formulas: bool) -> dict | None:
    """The first wrong step for `target`, given every wrong answer {(kind, node): verdict}."""
    if target.kind == "update":
        if ("grad", target.node) in wrong:
            return first_wrong(key, type(target)("", "grad", target.node, 0), wrong, formulas)
        t, p = key.trace, target.node
        return {"phase": "update", "node": p, "given": wrong.get(("update", p), {}).get("given_value"),
                "expected": float(target.expected), "expected_text": key.text(target.expected),
                "value": float(t.values[p]), "value_text": key.text(key.number(p)), "lr": float(key.lr),
                "lr_text": key.text(key.lr), "grad": float(t.grads[p]), "grad_text": key.text(key.number(p, "grad"))}
    if target.kind == "grad":  # nodes between the answer's and the output: their gradients feed it
        nodes = [n for kind, n in wrong if kind == "grad" and n in _after(key, target.node)]
        node = min(nodes, key=lambda n: key.sends_to(n)[-1][0] if key.sends_to(n) else key.seed_at, default=None)
        return None if node is None else _backward(key, node, wrong[("grad", node)]["given_value"], formulas)
    nodes = [n for kind, n in wrong if kind == "value" and n in _before(key, target.node)]
    node = min(nodes, key=lambda n: key.forward_at.get(n, -1), default=None)
    return None if node is None else _forward(key, node, wrong[("value", node)]["given_value"])


@functools.lru_cache(maxsize=1024)
def _after(key: "Key", node: str) -> frozenset[str]:
    """`node` and every node computed from it: one pass along the tape (no networkx view)."""
    tape = key.trace.tape
    reached = [False] * len(tape.nodes)
    reached[tape.slot[node]] = True
    for _, _, o, a, b in tape.ops:
        if reached[a] or (b >= 0 and reached[b]):
            reached[o] = True
    return frozenset(n for n, r in zip(tape.nodes, reached) if r)


@functools.lru_cache(maxsize=1024)
def _before(key: "Key", node: str) -> frozenset[str]:
    """`node` and every node it is computed from: one pass back along the tape."""
    tape = key.trace.tape
    reached = [False] * len(tape.nodes)
    reached[tape.slot[node]] = True
    for _, _, o, a, b in reversed(tape.ops):
        if reached[o]:
            reached[a] = True
            if b >= 0:
                reached[b] = True
    return frozenset(n for n, r in zip(tape.nodes, reached) if r)


def _backward(key: "Key", node: str, given: float, formulas: bool) -> dict:
    """The step completing ∂out/∂node: upstream × local per branch, and their sum. Of more than
    MAX_TERMS branches (a fan-out), the first and last few are listed; `branches` counts them all."""
    t = key.trace
    into = key.sends_to(node)
    shown = into if len(into) <= MAX_TERMS else into[:MAX_TERMS - 2] + into[-2:]
    terms = []
    for i in shown:  # (step index, op, argument)
        s = key.step(*i)
        terms.append({"from": s.node, "upstream": float(s.upstream), "upstream_text": key.text(s.upstream),
                      "local": float(s.local), "local_text": key.text(s.local),
                      # (SymPy's forms need every node's attributes: on a big graph, the numbers alone)
                      "local_formula": str(t.symbolic.local(s.node, s.arg)) if formulas and key.exact else None,
                      "value": float(s.value), "value_text": key.text(s.value)})
    right = key.number(node, "grad")
    return {"phase": "backward", "step": (into[-1][0] if terms else key.seed_at) + 1, "node": node,
            "given": given, "expected": float(right), "expected_text": key.text(right),
            "upstream": terms[0]["upstream"] if terms else None, "local": terms[0]["local"] if terms else None,
            "terms": terms, "branches": len(into)}


def _forward(key: "Key", node: str, given: float) -> dict:
    """The forward step computing `node`, with its inputs' values."""
    t = key.trace
    right = key.number(node)
    if key.exact:  # a small graph: the gate as drawn (a constant folded in: +1, lrelu(·, 0.01))
        gate, inputs = t.structure.nodes[node]["label"], t.structure.nodes[node]["inputs"]
    elif node not in key.forward_at:  # an input (on a big graph, the node attributes are not made)
        gate, inputs = node, ()
    else:  # a gate of a big graph: read off the tape
        k, tape = key.forward_at[node], t.tape
        _, _, _, a, b = tape.ops[k]
        gate, inputs = GATES[tape.gates[k]].symbol, tuple(tape.nodes[i] for i in ((a,) if b < 0 else (a, b)))
    return {"phase": "forward" if node in key.forward_at else "input",
            "step": key.forward_at[node] + 1 if node in key.forward_at else None, "node": node,
            "given": given, "expected": float(right), "expected_text": key.text(right), "gate": gate,
            "inputs": [{"node": i, "value": float(t.values[i]), "value_text": key.text(key.number(i))}
                       for i in inputs]}
