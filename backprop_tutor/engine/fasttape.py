"""Text -> tape in one pass, for plain valid input: the fast path of `trace`.

Reading the text into an expression tree and then into a graph of attribute dicts (labels,
lines, columns) cost `bt.trace` more than micrograd's whole build on a 1,000-deep chain, and
the numbers read none of it. Here one regular expression cuts the text into tokens and the
operator-precedence loop of fastparse.py emits the tape's operations as it reduces, with
the node ids, slots, constants and folds that parse -> build -> Tape.compile make
(tests/test_fasttape.py holds the two to the same tapes). The graph's node attributes are made
by that full path on first use (`Graph.nodes`). At anything it is not sure of (a comment, a
tab, a fold at a statement's root, any error) it returns None: the full path reads the text and
words the error.
"""

from __future__ import annotations

import itertools
import re
from fractions import Fraction

from .gates import CONSTANTS, FUNCTIONS, GATES, rational
from .graph import MAX_NODES, Graph
from .parse import number
from .tape import Tape

_PLAIN = re.compile(r"[A-Za-z0-9_ .+\-*/^(),;=\n]*")   # no tabs, comments, \r, backslashes
_TOKEN = re.compile(r" *([A-Za-z_][A-Za-z0-9_]*\(?|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|\*\*|[-+*/^(),;=]|\n+)")
_MAYBE_TAKEN = re.compile(r"[nc][0-9]")                  # a name that could be a node id: n1, c2

# Operators on the stack: (precedence, gate, forward, local). Brackets and calls have 0, so the
# reductions stop at them; neg (3) binds looser than ^ (4), tighter than * and / (2), + and - (1).
_OP = {sym: (prec, g, GATES[g].forward, GATES[g].local)
       for sym, prec, g in [("+", 1, "add"), ("-", 1, "sub"), ("*", 2, "mul"), ("/", 2, "div"),
                            ("^", 4, "pow"), ("**", 4, "pow")]}
_MUL, _NEG = _OP["*"], (3, "neg", GATES["neg"].forward, GATES["neg"].local)
_PAREN = (0, "(", None, None)
_FOLDS = (ValueError, ZeroDivisionError, OverflowError, TypeError)


class _GiveUp(Exception):
    """Not sure: the full path decides (and words the error)."""


def compile_text(text: str) -> Graph | None:
    """The graph of `text`, with its tape compiled and its node attributes left to first use;
    None when the text is not plain valid input (then parse -> build reads it)."""
    if not _PLAIN.fullmatch(text):
        return None
    tokens = _TOKEN.findall(text)
    if sum(map(len, tokens)) != len(text) - text.count(" "):
        return None  # a character no token covers (a lone '.')
    try:
        return _compile(text, tokens)
    except _GiveUp:
        return None
    except (ValueError, ArithmeticError, IndexError, KeyError):  # a surprise: the full path decides
        return None


def _compile(text: str, tokens: list[str]) -> Graph:  # noqa: C901, PLR0912, PLR0915 - one loop, kept whole for speed
    ids: list = []        # node id of each slot; None: an unnamed gate, 0: a constant (named at the end)
    kinds: list[str] = []
    ops: list[tuple] = []  # the tape's (forward, local, out, a, b)
    gates: list[str] = []
    consts: list[tuple] = []
    inputs: list[str] = []
    where: dict[str, int] = {}  # input or assigned name -> its slot
    vals: list = []       # operands: a slot (int), or a constant not yet a node: (value, is_literal)
    stack: list = []      # operators, brackets and calls (a call: [0, name, None, argument count])

    def emit(gate: str, forward: object, local: object, args: list) -> None:
        """Reduce: the gate over `args` becomes a node (a constant where it folds)."""
        if args[0].__class__ is tuple and (len(args) == 1 or args[1].__class__ is tuple):
            values = [a[0] for a in args]
            if gate == "neg":
                vals.append((-values[0], False))
                return
            if GATES[gate].exact and all(v.__class__ is Fraction for v in values):
                try:
                    value = rational(forward(*values))
                except _FOLDS:
                    value = None
                if value is not None:
                    vals.append((value, False))
                    return
        slots = []
        for a in args:
            if a.__class__ is tuple:  # a constant becomes a node where a gate first uses it
                consts.append((len(ids), a[0]))
                a = len(ids)
                ids.append(0)
                kinds.append("const")
            slots.append(a)
        out = len(ids)
        ids.append(None)
        kinds.append("gate")
        gates.append(gate)
        ops.append((forward, local, out, slots[0], slots[1] if len(slots) > 1 else -1))
        vals.append(out)

    def reduce_top() -> None:
        _, gate, forward, local = top = stack.pop()
        if top is _NEG:
            emit(gate, forward, local, [vals.pop()])
        elif forward is not None:
            b = vals.pop()
            emit(gate, forward, local, [vals.pop(), b])
        else:
            raise _GiveUp  # an open bracket or call at the end of a statement

    def push_binary(op: tuple) -> None:
        prec = op[0]
        right = prec == 4
        while stack:
            top = stack[-1][0]
            if top > prec or (top == prec and not right):
                reduce_top()
            else:
                break
        stack.append(op)

    def operand(name: str) -> None:
        slot = where.get(name)
        if slot is not None:
            vals.append(slot)
        elif name in CONSTANTS:
            vals.append((CONSTANTS[name], True))
        elif name in FUNCTIONS:
            raise _GiveUp
        else:
            where[name] = len(ids)
            vals.append(len(ids))
            ids.append(name)
            kinds.append("input")
            inputs.append(name)

    output = named = None  # the last statement's node and the name it was assigned to
    target = None
    pending = None        # a name at a statement's start: an assignment if "=" follows
    start = want = True   # at a statement's start; an operand is wanted next
    last = ""
    for tok in itertools.chain(tokens, ("",)):
        last, prev = tok, last
        if pending is not None:
            if tok == "=":
                if pending in FUNCTIONS or pending in CONSTANTS:
                    raise _GiveUp
                target, pending = pending, None
                continue
            operand(pending)
            want, pending = False, None
        first = tok[:1]
        if first in "\n;":  # the end of a statement ("" at the end of the text)
            if start:
                continue
            if want:
                raise _GiveUp
            while stack:
                reduce_top()
            (result,) = vals
            vals.clear()
            if result.__class__ is tuple:
                if not result[1]:
                    raise _GiveUp  # a folded constant at the root stays a gate: the full path builds it
                consts.append((len(ids), result[0]))
                result = len(ids)
                ids.append(0)
                kinds.append("const")
            if target is not None:
                if target in where:
                    raise _GiveUp  # assigned twice, or already an input: the full path says which
                if ids[result] is None and result == len(ids) - 1:
                    ids[result] = target  # the statement's own gate takes its name
                where[target] = result
            output, named, target, start, want = result, target, None, True, True
            continue
        op = _OP.get(tok)
        if op is None and tok not in "(),=":
            if first.isalpha() or first == "_":  # a name or a call
                if start and tok[-1] != "(":
                    start, pending = False, tok
                    continue
            elif not want and (prev[:1].isdigit() or prev[:1] == "."):
                raise _GiveUp  # two numbers side by side: no product
            start = False
            if not want:  # implicit multiplication: 2x, (x+y)z, w x
                push_binary(_MUL)
            if tok[-1] == "(":
                stack.append([0, tok[:-1], None, 1])
                want = True
                continue
            want = False
            if first.isalpha() or first == "_":
                operand(tok)
            else:
                vals.append((number(tok), True))
            continue
        start = False
        if tok == "(":
            if not want:
                push_binary(_MUL)
            stack.append(_PAREN)
            want = True
        elif op is not None:
            if want:
                if tok == "-":
                    stack.append(_NEG)
                elif tok != "+":
                    raise _GiveUp
            else:
                push_binary(op)
                want = True
        elif tok == "=" or want:
            raise _GiveUp
        else:  # ) or ,
            while stack and stack[-1][0]:
                reduce_top()
            if not stack:
                raise _GiveUp
            top = stack[-1]
            if top is _PAREN:
                if tok == ",":
                    raise _GiveUp
                stack.pop()
            elif tok == ",":
                top[3] += 1
                want = True
            else:
                stack.pop()
                _call(top[1], top[3], vals, emit)
    if output is None or len(ids) > MAX_NODES:
        raise _GiveUp
    return _graph(text, tokens, ids, kinds, ops, gates, consts, inputs, where, output, named)


def _call(name: str, count: int, vals: list, emit) -> None:  # noqa: ANN001
    """A function call: its gate over its arguments, defaults filled in (as parse.call)."""
    if name not in FUNCTIONS:
        raise _GiveUp
    gate = GATES[FUNCTIONS[name]]
    if not gate.arity - len(gate.defaults) <= count <= gate.arity:
        raise _GiveUp
    args = vals[-count:]
    del vals[-count:]
    args += [(number(d), True) for d in gate.defaults[len(gate.defaults) - (gate.arity - count):]] \
        if count < gate.arity else []
    emit(gate.name, gate.forward, gate.local, args)


def _fresh(prefix: str, taken: set[str]):  # noqa: ANN202 - an iterator of ids
    """n1, n2, ... (or c1, c2, ...), skipping the names the program uses, as graph.build numbers them."""
    ids = map(f"{prefix}{{}}".format, itertools.count(1))
    return (i for i in ids if i not in taken) if taken else ids


def _graph(text: str, tokens: list[str], ids: list, kinds: list[str], ops: list, gates: list[str],  # noqa: PLR0913
           consts: list, inputs: list[str], where: dict[str, int], output: int, named: str | None) -> Graph:
    """The Graph: ids given to the unnamed nodes, the tape, and the full path to make the attributes."""
    taken = {t for t in tokens if t[:1] in "nc" and t[1:].isdigit()} if _MAYBE_TAKEN.search(text) else set()
    gate_ids, const_ids = _fresh("n", taken), _fresh("c", taken)
    if consts:
        ids = [i if i.__class__ is str else next(gate_ids) if i is None else next(const_ids) for i in ids]
    else:
        ids = [i if i.__class__ is str else next(gate_ids) for i in ids]
    nodes = tuple(ids)
    slot = dict(zip(nodes, range(len(nodes))))
    if len(slot) != len(nodes):
        raise _GiveUp  # pragma: no cover - an id given twice would be our bug; the full path builds it
    tape = Tape(nodes, slot, tuple(ops), tuple(gates), tuple(kinds), tuple(consts))
    output_name = named or next((n for n in ("f", "out", "output") if n not in where), None)
    if output_name is None:
        raise _GiveUp  # f, out and output all taken: the full path decides
    return Graph.lazy({"expr": text, "output": nodes[output], "output_name": output_name,
                             "inputs": tuple(inputs), "tape": tape})
