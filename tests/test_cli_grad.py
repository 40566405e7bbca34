"""`tutor grad`: the table, the JSON contract, files, stdin, and errors as one line with exit 2."""

import json
import subprocess
import sys

import pytest
import sympy as sp
from typer.testing import CliRunner

from backprop_tutor.commands.cli import app

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def test_table_shows_exact_numbers_and_symbolic_gradients():
    r = run("grad", "(x+y)z", "--at", "x=-2,y=5,z=-4")
    assert r.exit_code == 0
    assert "f = -12" in r.stdout
    rows = [line.split("│")[1:-1] for line in r.stdout.splitlines() if line.startswith("│")]
    assert [[c.strip() for c in row] for row in rows] == [["x", "-2", "-4", "z"], ["y", "5", "-4", "z"],
                                                          ["z", "-4", "3", "x + y"]]


def test_json_contract():
    r = run("grad", "(x+y)*z", "--at", "x=-2", "--at", "y=5,z=-4", "--json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert data == {"expression": "(x+y)*z", "value": -12.0, "gradient": {"x": -4.0, "y": -4.0, "z": 3.0},
                    "symbolic": {"x": "z", "y": "z", "z": "x + y"}}


def test_json_symbolic_strings_are_plain_sympy():
    r = run("grad", "sigmoid(w*x) + relu(x) + max(w, x) + abs(w)", "--at", "w=0.5,x=2", "--json")
    data = json.loads(r.stdout)
    for name, text in data["symbolic"].items():
        expr = sp.sympify(text)
        value = float(expr.subs({sp.Symbol("w"): 0.5, sp.Symbol("x"): 2}))
        assert value == pytest.approx(data["gradient"][name], rel=1e-12)


def test_program_from_file_stdin_and_values_from_file(tmp_path):
    prog = tmp_path / "lecture.txt"
    prog.write_text("z = w1*x1 + w2*x2 + b1\nh = relu(z)\nyhat = w3*h + b2\nL = (yhat - y)^2\n")
    values = tmp_path / "values.toml"
    values.write_text("x1 = 2\nx2 = -1\nw1 = 1.5\nw2 = 2\nb1 = 3\nw3 = 2.5\nb2 = -2\ny = 6\n")
    r = run("grad", "--file", str(prog), "--at-file", str(values), "--json")
    assert json.loads(r.stdout)["gradient"]["w1"] == 20
    jvalues = tmp_path / "values.json"
    jvalues.write_text(json.dumps({"x": 3}))
    r = run("grad", "--file", "-", "--at-file", str(jvalues), "--json", input="x*x + x")
    assert json.loads(r.stdout)["gradient"] == {"x": 7.0}


def test_verify_agrees_with_both_oracles():
    r = run("grad", "1/(1+exp(-(w0*x0 + w1*x1 + w2)))", "--at", "w0=2,x0=-1,w1=-3,x1=-2,w2=-3", "--verify")
    assert r.exit_code == 0
    assert r.stdout.count("✓") == 5


@pytest.mark.parametrize("args, message", [
    (["grad", "tahn(x)", "--at", "x=1"], "did you mean 'tanh'"),
    (["grad", "log(x)", "--at", "x=-1"], "log(-1)"),
    (["grad", "1/x", "--at", "x=0"], "outside its domain"),
    (["grad", "x+y", "--at", "x=1"], "no value for 'y'"),
    (["grad", "x", "--at", "x=1,y=2"], "'y' is not an input"),
    (["grad", "x", "--at", "x=two"], "not a number"),
    (["grad", "x", "--at", "x"], "name=value"),
    (["grad", "__import__('os')", "--at", "x=1"], "unexpected character"),
    (["grad", "--file", "/nonexistent/file", "--at", "x=1"], "cannot read"),
    (["grad"], "give an expression"),
    (["grad", "x", "--at", "x=1,x=2"], "given twice"),
])
def test_bad_input_is_one_clear_line_and_exit_2(args, message):
    r = run(*args)
    assert r.exit_code == 2
    assert message in r.stderr
    assert r.stderr.startswith("Error: ") and "Traceback" not in r.stderr


def test_module_entry_point_and_fast_help():
    out = subprocess.run([sys.executable, "-m", "backprop_tutor", "grad", "x*y", "--at", "x=2,y=3", "--json"],
                         capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["gradient"] == {"x": 3.0, "y": 2.0}
    code = "import sys, backprop_tutor.commands.cli; print('sympy' in sys.modules, 'networkx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]       # `tutor --help` does not import them


def test_an_unusable_output_path_is_one_line_and_exit_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    r = run("slides", "x*y", "--at", "x=1,y=2", "--out", str(blocker / "deck"), "--format", "svg")
    assert r.exit_code == 2
    assert r.stderr.startswith("Error: ") and "Not a directory" in r.stderr and "Traceback" not in r.stderr


def test_verify_does_not_hold_a_kink_convention_against_backprop():
    for expr, at in [("relu(x)", "x=0"), ("max(x, y)", "x=1,y=1"), ("abs(x)", "x=0")]:
        r = run("grad", expr, "--at", at, "--verify")
        assert r.exit_code == 0 and "at a kink" in r.stdout, expr
    r = run("grad", "relu(x)", "--at", "x=0", "--verify", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["gradient"] == {"x": 0.0}


def test_an_expression_may_start_with_a_minus():
    r = run("grad", "-x^2", "--at", "x=3", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["gradient"] == {"x": -6.0}


def tutor(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "backprop_tutor", *args], capture_output=True, text=True, **kwargs)


def test_usage_errors_and_a_full_disk_are_one_line_with_exit_2():
    r = tutor("grad", "x", "--bogus")
    assert r.returncode == 2
    assert r.stderr.strip() == "Error: Got unexpected extra argument(s) (--bogus) (see 'python -m backprop_tutor grad --help')"
    r = tutor("nosuch")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "No such command" in r.stderr
    with open("/dev/full", "w") as full:
        r = subprocess.run([sys.executable, "-m", "backprop_tutor", "grad", "x", "--at", "x=1"], stdout=full,
                           stderr=subprocess.PIPE, text=True)
    assert r.returncode == 2 and r.stderr.strip() == "Error: cannot write the output: No space left on device"


def test_piped_output_has_no_trailing_spaces_or_escape_codes():
    r = tutor("grad", "(x+y)*z", "--at", "x=-2,y=5,z=-4")
    assert r.stdout.splitlines()[0] == "f = -12"
    assert "\x1b[" not in r.stdout and not any(line.endswith(" ") for line in r.stdout.splitlines())


def test_a_value_given_twice_in_a_json_file_is_refused(tmp_path):
    values = tmp_path / "v.json"
    values.write_text('{"x": 1, "x": 2}')
    r = run("grad", "x", "--at-file", str(values))
    assert r.exit_code == 2 and "'x' is given twice" in r.stderr


def test_a_formula_too_large_to_expand_is_null_with_a_note():
    text = "x"
    for i in range(10):  # the 10-layer nest: expanded, minutes of SymPy before
        text = f"{('tanh', 'sigmoid', 'softplus', 'elu', 'leaky_relu')[i % 5]}(w*{text} + b)"
    r = run("grad", f"w*{text} + b", "--at", "x=0.5,w=0.8,b=0.1", "--json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert data["symbolic"] == {"w": None, "x": None, "b": None}
    assert "too large to expand" in data["symbolic_note"]
    import backprop_tutor as bt

    assert data["gradient"] == bt.trace(f"w*{text} + b", {"x": 0.5, "w": 0.8, "b": 0.1}).gradient  # numbers stay
    table = run("grad", f"w*{text} + b", "--at", "x=0.5,w=0.8,b=0.1")
    assert table.exit_code == 0 and table.stdout.count("(too large to expand)") >= 3
