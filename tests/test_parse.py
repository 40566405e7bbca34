"""The input language: what is on the slide parses; everything else is refused with a caret."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backprop_tutor.errors import ParseError, UnknownGateError
from backprop_tutor.engine.parse import MAX_CHARS, parse


def shape(e):
    """A parsed tree as nested tuples (gate name, args...) for comparison."""
    if e.kind != "gate":
        return e.value
    return (e.value, *map(shape, e.args))


@pytest.mark.parametrize("text, expected", [
    ("(x + y) * z", ("mul", ("add", "x", "y"), "z")),
    ("(x+y)z", ("mul", ("add", "x", "y"), "z")),
    ("2x", ("mul", "2", "x")),
    ("w x", ("mul", "w", "x")),
    ("2x^2", ("mul", "2", ("pow", "x", "2"))),
    ("x ** 2", ("pow", "x", "2")),
    ("2^3^2", ("pow", "2", ("pow", "3", "2"))),
    ("-x^2", ("neg", ("pow", "x", "2"))),
    ("a - b - c", ("sub", ("sub", "a", "b"), "c")),
    ("x + y + z", ("add", ("add", "x", "y"), "z")),
    ("a / b / c", ("div", ("div", "a", "b"), "c")),
    ("1e-3 * x_1 + pi - e", ("sub", ("add", ("mul", "1e-3", "x_1"), "pi"), "e")),
    ("ln(x) + log(y)", ("add", ("log", "x"), ("log", "y"))),
    ("leaky_relu(x)", ("leaky_relu", "x", "0.01")),
    ("leaky_relu(x, a)", ("leaky_relu", "x", "a")),
    ("elu(x)", ("elu", "x", "1")),
    ("max(z, w) + min(a, b)", ("add", ("max", "z", "w"), ("min", "a", "b"))),
    ("1/(1+exp(-(w0*x0 + w1*x1 + w2)))",
     ("div", "1", ("add", "1", ("exp", ("neg", ("add", ("add", ("mul", "w0", "x0"), ("mul", "w1", "x1")), "w2")))))),
])
def test_slide_notation_parses_as_written(text, expected):
    (stmt,) = parse(text).statements
    assert shape(stmt.expr) == expected


def test_programs_by_newline_and_semicolon_name_their_statements():
    text = "z = w1*x1 + w2*x2 + b1; h = relu(z)\n# a comment\nyhat = w3*h + b2  # trailing\nL = (yhat - y)^2\n"
    assert [s.name for s in parse(text).statements] == ["z", "h", "yhat", "L"]
    assert parse("f = (x+y)z").statements[0].name == "f"


@pytest.mark.parametrize("text, message, col", [
    ("x +", "ends too early", 4),
    ("(x", "ends too early", 3),
    ("x.y", "unexpected character '.'", 2),
    ("x[0]", "unexpected character '['", 2),
    ("'a'", "unexpected character", 1),
    ("lambda: 1", "unexpected character ':'", 7),
    ("[x for x in y]", "unexpected character '['", 1),
    ("exp", "is a function", 1),
    ("exp(x, y)", "takes 1 argument", 1),
    ("1e99999", "out of range", 1),
    ("1" * 301, "too long", 1),
    ("x = ", "ends too early", 4),
    ("pi = 3", "built-in name", 1),
    ("", "empty", 1),
])
def test_refusals_say_what_and_where(text, message, col):
    with pytest.raises(ParseError) as err:
        parse(text)
    assert message in str(err.value)
    assert err.value.col == col
    assert str(err.value).splitlines()[-1] == "  " + " " * (col - 1) + "^"


@pytest.mark.parametrize("name", ["eval", "open", "exec", "__import__", "getattr", "system"])
def test_no_other_function_can_be_called(name):
    with pytest.raises(UnknownGateError, match=f"unknown function '{name}'"):
        parse(f"{name}(1)")


def test_misspelt_function_gets_a_suggestion():
    with pytest.raises(UnknownGateError, match="did you mean 'tanh'"):
        parse("tahn(x)")


def test_deep_nesting_and_long_sums_parse_without_recursion_limits():
    deep = parse("(" * 1000 + "x" + ")" * 1000).statements[0].expr
    assert deep.kind == "name"
    chain = parse("sin(" * 1000 + "x" + ")" * 1000).statements[0].expr
    depth = 0
    while chain.kind == "gate":
        chain, depth = chain.args[0], depth + 1
    assert depth == 1000
    terms = parse(" + ".join(f"w{i}*x{i}" for i in range(10_000))).statements[0].expr
    assert terms.value == "add" and terms.args[1].args[0].value == "w9999"


def test_oversized_input_is_refused_before_parsing():
    with pytest.raises(ParseError, match="limit"):
        parse("x+" * (MAX_CHARS // 2 + 1) + "x")


def test_errors_on_later_lines_give_line_and_column():
    with pytest.raises(ParseError, match=r"line 2, column 5"):
        parse("a = 1\nb = )")


def test_a_name_cannot_be_its_own_input():
    from backprop_tutor.engine.graph import build_graph
    with pytest.raises(ParseError, match="right of its own assignment"):
        build_graph("x = x")
    with pytest.raises(ParseError, match="right of its own assignment"):
        build_graph("y = 2; x = x * y")


@pytest.mark.parametrize("text, message, col", [
    ("1.2.3 * x", "'1.2.3' is not a number: it has more than one decimal point", 1),
    ("x + 1e3.5", "'1e3.5' is not a number: an exponent", 5),
    ("2 3", "two numbers side by side; did you mean 2*3?", 3),
    ("x^2 3", "did you mean 2*3?", 5),
    ("2 \\\n3", "did you mean 2*3?", 1),
])
def test_two_number_literals_side_by_side_are_never_a_product(text, message, col):
    with pytest.raises(ParseError) as err:
        parse(text)
    assert message in str(err.value) and err.value.col == col and "^" in str(err.value)


@pytest.mark.parametrize("text", ["2x", "x 2", "2 (3)", "(2) 3", "2\n3"])
def test_a_number_next_to_anything_else_still_multiplies(text):
    assert parse(text).statements


def _lesson_texts():
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    texts = []

    def walk(o):
        if isinstance(o, dict):
            for k, v in o.items():
                if k in ("program", "expression") and isinstance(v, str):
                    texts.append(v)
                else:
                    walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
    for f in sorted([*root.glob("lessons/*.toml"), *root.glob("examples/homework/*.toml")]):
        walk(tomllib.loads(f.read_text()))
    return texts


def _fast(text):
    from backprop_tutor.engine import parse as p
    from backprop_tutor.engine.fastparse import parse_fast

    return parse_fast(text, (p.Expr, p.Statement, p.Program, p.call, p.number))


def test_the_fast_path_reads_every_lesson_exactly_as_the_grammar_does():
    from backprop_tutor.engine.parse import parse_by_grammar

    texts = _lesson_texts()
    assert len(texts) > 20
    for text in texts:
        assert _fast(text) == parse_by_grammar(text), text   # same trees, lines and columns


_SOUP = ["x", "y", "2", "0.5", "1e3", "1.", "pi", "e", "(", ")", "+", "-", "*", "/", "^", "**", " ", "\n", ";",
         ",", "q =", "exp(", "max(", "elu(", "#c\n", "\\\n", "3", "f"]


@given(st.lists(st.sampled_from(_SOUP), min_size=1, max_size=14).map("".join))
def test_the_fast_path_agrees_with_the_grammar_or_leaves_it_the_text(text):
    from backprop_tutor.engine.parse import parse_by_grammar

    fast = _fast(text)
    if fast is not None:  # whatever the fast path accepts, the grammar reads the same
        assert fast == parse_by_grammar(text), text
