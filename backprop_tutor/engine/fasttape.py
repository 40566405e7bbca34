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
from .graph import MAX_NODES, Graph, output_name
from .parse import MAX_CHARS, number
from .tape import Tape

_PLAIN = re.compile(r"[A-Za-z0-9_ .+\-*/^(),;=\n]*")   # no tabs, comments, \r, backslashes
_TOKEN = re.compile(r" *([A-Za-z_][A-Za-z0-9_]*\(?|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|\*\*|[-+*/^(),;=]|\n+)")
_MAYBE_TAKEN = re.compile(r"[nc][0-9]")                  # a name that could be a node id: n1, c2

# Operators on the stack: (precedence, gate, forward, local, bound). Pushing one first reduces the
# operators of precedence >= its bound: its own precedence (left-associative), 5 for ^ (right).
# Brackets and calls have precedence 0, so reductions stop at them; neg (3) binds looser than
# ^ (4), tighter than * and / (2), + and - (1).
_OP = {sym: (prec, g, GATES[g].forward, GATES[g].local, 5 if g == "pow" else prec)
       for sym, prec, g in [("+", 1, "add"), ("-", 1, "sub"), ("*", 2, "mul"), ("/", 2, "div"),
                            ("^", 4, "pow"), ("**", 4, "pow")]}
_NEG = (3, "neg", GATES["neg"].forward, GATES["neg"].local, 3)
_PAREN = (0, "(", None, None, 0)
_UNARY = {name: (g.name, g.forward, g.local) for name, g in ((n, GATES[gn]) for n, gn in FUNCTIONS.items())
          if g.arity == 1}  # exp, tanh, ... (and ln): one argument, no defaults
_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_NUM_START = frozenset("0123456789.")
_FOLDS = (ValueError, ZeroDivisionError, OverflowError, TypeError)


class _GiveUp(Exception):
    """Not sure: the full path decides (and words the error)."""


def compile_text(text: str) -> Graph | None:
    """The graph of `text`, with its tape compiled and its node attributes left to first use;
    None when the text is not plain valid input (then parse -> build reads it)."""
    if len(text) > MAX_CHARS or not _PLAIN.fullmatch(text):
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
    ops: list[tuple] = []  # the tape's (forward, local, out, a, b)
    gates: list[str] = []
    consts: list[tuple] = []
    inputs: list[str] = []
    where: dict[str, int] = {}  # input or assigned name -> its slot
    vals: list = []       # operands: a slot (int), or a constant not yet a node: (value, is_literal)
    stack: list = []      # operators, brackets and calls (a call: [0, name, None, None, argument count])

    def emit(gate: str, forward: object, local: object, a: object, b: object = None) -> None:
        """The gate over a (and b), one of them a constant: a constant where it folds, else a node."""
        if a.__class__ is tuple and (b is None or b.__class__ is tuple):
            if gate == "neg":
                vals.append((-a[0], False))
                return
            values = (a[0],) if b is None else (a[0], b[0])
            if GATES[gate].exact and all(v.__class__ is Fraction for v in values):
                try:
                    value = rational(forward(*values))
                except _FOLDS:
                    value = None
                if value is not None:
                    vals.append((value, False))
                    return
        if a.__class__ is tuple:  # a constant becomes a node where a gate first uses it
            consts.append((len(ids), a[0]))
            a = len(ids)
            ids.append(0)
        if b is None:
            b = -1
        elif b.__class__ is tuple:
            consts.append((len(ids), b[0]))
            b = len(ids)
            ids.append(0)
        out = len(ids)
        ids.append(None)
        gates.append(gate)
        ops.append((forward, local, out, a, b))
        vals.append(out)

    def reduce_top() -> None:
        _, gate, forward, local, _ = top = stack.pop()
        if forward is None:
            raise _GiveUp  # an open bracket or call at the end of a statement
        b = vals.pop()
        if top is _NEG:
            a, b = b, -1
            if a.__class__ is not int:
                emit(gate, forward, local, a)
                return
        else:
            a = vals.pop()
            if a.__class__ is not int:
                if b.__class__ is not int:
                    emit(gate, forward, local, a, b)  # two constants: it may fold
                    return
                consts.append((len(ids), a[0]))  # 1 + x: the constant becomes a node here
                a = len(ids)
                ids.append(0)
            elif b.__class__ is not int:
                consts.append((len(ids), b[0]))
                b = len(ids)
                ids.append(0)
        out = len(ids)  # (the common case, emit's last lines inline)
        ids.append(None)
        gates.append(gate)
        ops.append((forward, local, out, a, b))
        vals.append(out)

    def implicit_mul() -> None:
        """2x, (x+y)z, w x: an operand right after an operand multiplies."""
        while stack and stack[-1][0] >= 2:
            reduce_top()
        stack.append(_OP["*"])

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
            inputs.append(name)

    output = named = None  # the last statement's node and the name it was assigned to
    target = None
    pending = None        # a name at a statement's start: an assignment if "=" follows
    start = want = True   # at a statement's start; an operand is wanted next
    num_at = -2           # the index of the last number token
    tokens.append("\n")   # the end of the text ends the last statement
    op_get, unary_get, name_start, num_start = _OP.get, _UNARY.get, _NAME_START, _NUM_START
    for i, tok in enumerate(tokens):
        if pending is not None:
            if tok == "=":
                if pending in FUNCTIONS or pending in CONSTANTS:
                    raise _GiveUp
                target, pending = pending, None
                continue
            operand(pending)
            want, pending = False, None
        op = op_get(tok)
        if op is not None:
            start = False
            if not want:
                bound = op[4]
                while stack and stack[-1][0] >= bound:
                    reduce_top()
                stack.append(op)
                want = True
            elif tok == "-":
                stack.append(_NEG)
            elif tok != "+":
                raise _GiveUp
            continue
        if tok == ")" or tok == ",":
            if want:
                raise _GiveUp
            start = False
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
                top[4] += 1
                want = True
            else:
                stack.pop()
                unary = unary_get(top[1])
                if unary is not None and top[4] == 1 and vals[-1].__class__ is int:  # exp(x): emit inline
                    out = len(ids)
                    ids.append(None)
                    gates.append(unary[0])
                    ops.append((unary[1], unary[2], out, vals.pop(), -1))
                    vals.append(out)
                else:
                    _call(top[1], top[4], vals, emit)
            continue
        first = tok[0]
        if first in name_start:
            if tok[-1] == "(":
                start = False
                if not want:
                    implicit_mul()
                stack.append([0, tok[:-1], None, None, 1])
                want = True
            elif start:
                start, pending = False, tok
            else:
                if not want:
                    implicit_mul()
                slot = where.get(tok)
                if slot is None:
                    operand(tok)
                else:
                    vals.append(slot)
                want = False
        elif first in num_start:
            start = False
            if not want:
                if num_at == i - 1:
                    raise _GiveUp  # two numbers side by side: no product
                implicit_mul()
            vals.append((number(tok), True))
            want, num_at = False, i
        elif tok == "(":
            start = False
            if not want:
                implicit_mul()
            stack.append(_PAREN)
            want = True
        elif first == "\n" or first == ";":  # the end of a statement
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
            if target is not None:
                if target in where:
                    raise _GiveUp  # assigned twice, or already an input: the full path says which
                if ids[result] is None and result == len(ids) - 1:
                    ids[result] = target  # the statement's own gate takes its name
                where[target] = result
            output, named, target, start, want = result, target, None, True, True
        else:  # "=" past a statement's first name
            raise _GiveUp
    if output is None or len(ids) > MAX_NODES:
        raise _GiveUp
    return _graph(text, tokens, ids, ops, gates, consts, inputs, where, output, named)


def _call(name: str, count: int, vals: list, emit) -> None:  # noqa: ANN001
    """A function call: its gate over its arguments, defaults filled in (as parse.call)."""
    if name not in FUNCTIONS:
        raise _GiveUp
    gate = GATES[FUNCTIONS[name]]
    if not gate.arity - len(gate.defaults) <= count <= gate.arity:
        raise _GiveUp
    args = vals[-count:]
    del vals[-count:]
    if count < gate.arity:
        args += [(number(d), True) for d in gate.defaults[len(gate.defaults) - (gate.arity - count):]]
    emit(gate.name, gate.forward, gate.local, *args)


def _fresh(prefix: str, taken: set[str]):  # noqa: ANN202 - an iterator of ids
    """n1, n2, ... (or c1, c2, ...), skipping the names the program uses, as graph.build numbers them."""
    ids = map(f"{prefix}{{}}".format, itertools.count(1))
    return (i for i in ids if i not in taken) if taken else ids


def _graph(text: str, tokens: list[str], ids: list, ops: list, gates: list[str], consts: list,  # noqa: PLR0913
           inputs: list[str], where: dict[str, int], output: int, named: str | None) -> Graph:
    """The Graph: ids given to the unnamed nodes, the tape, and the full path to make the attributes."""
    taken = {t for t in tokens if t[:1] in "nc" and t[1:].isdigit()} if _MAYBE_TAKEN.search(text) else set()
    gate_id, const_id = _fresh("n", taken).__next__, _fresh("c", taken).__next__
    if consts:  # (an id is a non-empty str; None and 0 mark the gates and constants to number)
        ids = [i or (gate_id() if i is None else const_id()) for i in ids]
    else:
        ids = [i or gate_id() for i in ids]
    nodes = tuple(ids)
    slot = dict(zip(nodes, range(len(nodes))))
    if len(slot) != len(nodes):
        raise _GiveUp  # pragma: no cover - an id given twice would be our bug; the full path builds it
    kinds = ["gate"] * len(nodes)
    for x in inputs:
        kinds[where[x]] = "input"
    for i, _ in consts:
        kinds[i] = "const"
    tape = Tape(nodes, slot, tuple(ops), tuple(gates), tuple(kinds), tuple(consts))
    return Graph.lazy({"expr": text, "output": nodes[output], "output_name": named or output_name(where),
                       "inputs": tuple(inputs), "tape": tape})
