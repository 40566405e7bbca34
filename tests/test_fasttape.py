"""The fast path from text to tape makes exactly the tape and graph that parse -> build -> compile make."""

import math
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import backprop_tutor as bt
from backprop_tutor.engine.fasttape import compile_text
from backprop_tutor.engine.graph import build
from backprop_tutor.engine.parse import parse
from backprop_tutor.engine.tape import Tape
from backprop_tutor.errors import TutorError

from test_parse import _lesson_texts


def same_as_full_path(text: str) -> bool:
    """True when the fast path reads `text` (and then exactly as the full path); False when it leaves it."""
    fast = compile_text(text)
    if fast is None:
        return False
    full = build(parse(text))  # the fast path never accepts what the full path refuses
    tape, want = fast.graph["tape"], Tape.of(full)
    for field in ("nodes", "slot", "ops", "gates", "kinds", "consts"):
        assert getattr(tape, field) == getattr(want, field), (text, field)
    assert [type(v) for _, v in tape.consts] == [type(v) for _, v in want.consts], text  # Fraction stays Fraction
    assert fast.graph == full.graph, text
    assert fast.nodes == full.nodes, text  # the attributes, made on first use
    return True


@pytest.mark.parametrize("text", [
    "(x+y)*z", "q = x + y; f = q * z", "1/(1+exp(-(w0*x0 + w1*x1 + w2)))", "x^-1", "x^(-1)", "x^(1+1)",
    "(x-1)^-2", "a = 2; f = a*x", "n1*x + c1 + n3", "c2 = x*3; n1 = c2 - 2", "2x^2", "-x^2", "- - x", "+x",
    "2^3^2*x", "leaky_relu(x)", "leaky_relu(x, 0.2)", "elu(x)", "max(x, y)*3", "x\n\ny = x*2\n", "a = x; b = a*a",
    "f = x", "f = 2", "x*pi - e", "-pi*x", "1/2*x", "x/0", "x*0^-1", "x^(2^0.5)", "x*2^5000", "x^2 * 3",
    "2 (3) x", "(2) 3 x", "x 2", "2\n3", ";;x;", "f = x; f2 = f", "relu(w x + b)", "1. * x + .5e-3", "x ** -2 ^ 2",
    "x * (y + z)w", "sigmoid(softplus(x))", "a = x*y\na*2", "out = x; f = out; output = 2*f",
])
def test_the_fast_path_makes_the_full_paths_tape(text):
    assert same_as_full_path(text)


@pytest.mark.parametrize("text", [
    "k = -1; f = x^k", "a = 1 + 1", "# c\nx", "x\t+ y", "x\r\ny", "x + \\\ny", "x = x + 1", "a = x; a = y",
    "x*y; x = 2", "exp = x", "pi = 3", "exp", "f(x)", "max(x)", "2 3", "1.2.3", "x..y", "(x", "x)", "x,y", "",
    "x +", "= x", "x = y = z", "x^^2", "x @ y", "1e999999", "y = 2\n-1",
])
def test_what_the_fast_path_is_not_sure_of_is_left_to_the_full_path(text):
    assert compile_text(text) is None


def test_an_unnamed_result_takes_the_first_free_name_on_both_paths():
    """f, out, output, then f1, f2, ...: a program that uses all of them still has an output
    (it raised a bare StopIteration before)."""
    import backprop_tutor as bt
    for text, name, value in [("out = x; f = out; output = 2*f; output + y", "f1", 7.0),
                              ("out = x; f = out; output = 2*f; f1 = y; output + f1", "f2", 7.0),
                              ("x*y", "f", 6.0), ("f = x; f*y", "out", 6.0)]:
        assert same_as_full_path(text)
        t = bt.trace(text, {"x": 2, "y": 3})
        assert t.output_name == name and t.value == value


def test_text_past_the_parsers_limit_is_refused_as_before():
    from backprop_tutor.engine.parse import MAX_CHARS
    from backprop_tutor.errors import ParseError

    text = "+".join(["x"] * (MAX_CHARS // 2 + 1))
    assert compile_text(text) is None
    with pytest.raises(ParseError, match="the limit is"):
        bt.trace(text, {"x": 1})


def test_every_lesson_reads_the_same_and_the_plain_ones_fast():
    texts = _lesson_texts()
    fast = [same_as_full_path(t) for t in texts]
    assert sum(fast) > len(texts) // 2


_SOUP = ["x", "y", "n1", "c1", "2", "0.5", "1e3", "1.", "pi", "e", "(", ")", "+", "-", "*", "/", "^", "**", " ",
         "\n", ";", ",", "q =", "f =", "exp(", "max(", "elu(", "leaky_relu(", "3", "f", "."]


@settings(max_examples=400)
@given(st.lists(st.sampled_from(_SOUP), min_size=1, max_size=16).map("".join))
def test_the_fast_path_agrees_with_the_full_path_or_leaves_it_the_text(text):
    try:
        same_as_full_path(text)
    except TutorError:
        raise AssertionError(f"the fast path read {text!r}, which the full path refuses") from None


def test_a_fast_trace_draws_and_explains_like_a_full_one():
    text, at = "q = x + y; f = q * -2", {"x": 1, "y": Fraction(1, 3)}
    fast = bt.trace(text, at)
    assert fast.structure._nodes is None  # nothing made the attributes yet
    full = bt.trace(parse(text), at)      # a Program takes the full path
    assert fast.values == full.values and fast.grads == full.grads
    assert fast.steps == full.steps
    assert list(fast.graph.nodes(data=True)) == list(full.graph.nodes(data=True))
    assert list(fast.graph.edges(keys=True, data=True)) == list(full.graph.edges(keys=True, data=True))


def test_a_large_random_program_gives_bit_identical_numbers():
    rng = random.Random(1)
    lines, names = [], ["x0", "x1", "x2"]
    for i in range(300):
        a, b = rng.choice(names), rng.choice(names)
        form = rng.choice(["{a}*{b} + 1", "tanh({a}) - {b}/3", "sigmoid({a}*{b})", "({a} - {b})^2", "exp(-{a}^2)*{b}"])
        lines.append(f"h{i} = " + form.format(a=a, b=b))
        names.append(f"h{i}")
    text = "\n".join(lines)
    at = {"x0": 0.3, "x1": -0.7, "x2": 1.1}
    fast = bt.trace(text, at)
    full = bt.trace(parse(text), at)
    assert fast.structure._nodes is None
    assert list(fast.values.items()) == list(full.values.items())
    assert list(fast.grads.items()) == list(full.grads.items())
    assert all(math.isfinite(v) for v in fast.grads.values())


_ATOM = st.sampled_from(["x", "y", "n2", "c1", "pi", "e", "2", "0.5", "1e-3", "3.", ".25", "0"])
_FUNCS = ["exp", "log", "tanh", "sigmoid", "relu", "abs", "sqrt", "softplus", "leaky_relu", "elu", "step"]


_EXPRESSION = st.deferred(lambda: st.one_of(
    _ATOM,
    st.tuples(_EXPRESSION, st.sampled_from([" + ", "-", "*", " / ", "^", "**", " ", ""]), _EXPRESSION).map("".join),
    st.tuples(st.sampled_from(["-", "+", "- -"]), _EXPRESSION).map("".join),
    _EXPRESSION.map("({})".format),
    st.tuples(st.sampled_from(_FUNCS), _EXPRESSION).map("{0[0]}({0[1]})".format),
    st.tuples(st.sampled_from(["max", "min", "leaky_relu", "elu"]), _EXPRESSION, _EXPRESSION)
    .map("{0[0]}({0[1]}, {0[2]})".format),
))


@settings(max_examples=300)
@given(st.lists(st.tuples(st.sampled_from(["", "q = ", "r = ", "n1 = ", "c3 = ", "x = "]), _EXPRESSION),
                min_size=1, max_size=4).map(lambda stmts: "\n".join(a + b for a, b in stmts)))
def test_programs_from_the_grammar_read_the_same_by_both_paths(text):
    try:
        same_as_full_path(text)
    except TutorError:
        raise AssertionError(f"the fast path read {text!r}, which the full path refuses") from None


def _reference_passes(tape, seed, output):
    """The forward and backward pass with every gate called through the table, as the tape once ran."""
    v = list(seed)
    for f, _, o, a, b in tape.ops:
        v[o] = f(v[a]) if b < 0 else f(v[a], v[b])
    g = [0.0] * len(v)
    g[output] = 1.0
    for _, local, o, a, b in reversed(tape.ops):
        if b < 0:
            g[a] += g[o] * local(v[a], v[o])[0]
        else:
            la, lb = local(v[a], v[b], v[o])
            g[a] += g[o] * la
            g[b] += g[o] * lb
    return v, g


@pytest.mark.parametrize("at", [{"x": 0.3, "y": -0.0, "z": 1e300}, {"x": -0.0, "y": 5e-324, "z": -7.5},
                                {"x": 1e200, "y": 1e200, "z": 3.0}, {"x": math.inf, "y": -2.0, "z": math.nan}])
def test_the_tapes_written_out_add_and_mul_are_the_gates_arithmetic_bit_for_bit(at):
    text = "a = x*y + z*x; b = x*x + a*a - y*z; c = tanh(a*b) + x*(y + z)*2 + b/3; c*c + a + 0*b"
    graph = compile_text(text)
    tape = graph.graph["tape"]
    seed = [float(at[n]) if k == "input" else 0.0 for n, k in zip(tape.nodes, tape.kinds)]
    for i, value in tape.consts:
        seed[i] = float(value)
    out = tape.slot[graph.graph["output"]]
    v, g = _reference_passes(tape, seed, out)
    assert [repr(x) for x in tape.forward(seed)] == [repr(x) for x in v]
    assert [repr(x) for x in tape.backward(v, out)] == [repr(x) for x in g]
    assert {"add", "mul"} <= set(tape.gates)
