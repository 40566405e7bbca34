"""check_answers: numbers within tolerance, formulas by equivalence, the first wrong step, bad answers.
Expected numbers are the lecture's: (x + y)·z at x = -2, y = 5, z = -4 gives f = -12, q = 3,
∂f/∂q = z = -4, ∂f/∂x = ∂f/∂y = -4, ∂f/∂z = q = 3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backprop_tutor import check_answers
from backprop_tutor.commands.cli import app
from backprop_tutor.errors import HomeworkError

SIMPLE = {"program": "q = x + y; f = q * z", "at": {"x": -2, "y": 5, "z": -4}}
NEURON = {"expression": "sigmoid(w0*x0 + w1*x1 + w2)", "at": {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3}}
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "homework"


def verdicts(problem: dict, answers: dict, **kw: object) -> dict[str, dict]:
    return {v["name"]: v for v in check_answers(problem, answers, **kw)["answers"]}


def test_the_issue_example_is_all_right() -> None:
    result = check_answers(SIMPLE, {"f": -12, "df/dx": -4, "df/dy": "z", "df/dz": 3, "df/dq": -4, "q": 3})
    assert result["correct"] and result["score"] == result["max_score"] == 6
    assert all(v["correct"] and v["first_wrong_step"] is None for v in result["answers"])
    json.dumps(result)  # plain data


def test_numbers_use_relative_and_absolute_tolerance() -> None:
    v = verdicts(NEURON, {"df/dw0": -0.20, "df/dx0": 0.393, "df/dw1": -0.41, "df/dx1": -0.5898357997})
    assert v["df/dw0"]["correct"] and v["df/dw0"]["method"] == "tolerance"     # -0.1966 rounded by hand
    assert v["df/dx0"]["correct"] and v["df/dx1"]["correct"]
    assert not v["df/dw1"]["correct"]                                           # -0.39 is right
    tight = verdicts(NEURON, {"df/dw0": -0.20}, tolerance={"df/dw0": {"abs": 1e-3, "rel": 0}})
    assert not tight["df/dw0"]["correct"] and tight["df/dw0"]["tolerance"] == {"rel": 0, "abs": 1e-3}


def test_exact_numbers_are_compared_exactly() -> None:
    v = verdicts({"expression": "x * y", "at": {"x": 0.1, "y": 0.2}}, {"f": 0.02, "df/dx": "1/5"})
    assert v["f"]["method"] == v["df/dx"]["method"] == "exact"


@pytest.mark.parametrize("form", ["(1-s)*s", "s - s**2", "s*(1 - s)", "-(s^2 - s)"])
def test_equivalent_formulas_in_different_forms(form: str) -> None:
    problem = {"program": "z = w*x; s = sigmoid(z)", "at": {"w": 2, "x": -1}}
    v = verdicts(problem, {"ds/dz": form})["ds/dz"]
    assert v["correct"], v
    assert v["method"] in ("sympy", "numeric") and v["expected_formula"]


def test_formula_in_intermediates_and_inputs() -> None:
    v = verdicts(SIMPLE, {"df/dy": "z", "df/dz": "x + y", "df/dq": "z", "f": "q*z"})
    assert all(x["correct"] for x in v.values())


def test_a_formula_right_at_the_point_but_not_in_general_is_wrong() -> None:
    v = verdicts(SIMPLE, {"df/dx": "1 - y"})["df/dx"]          # -4 at y = 5, but ∂f/∂x = z
    assert v["given_value"] == -4 and not v["correct"]
    assert "not the same formula" in v["message"]


def test_a_formula_sympy_would_expand_forever_is_decided_by_numbers() -> None:
    # right at the point ((-2 + 5 - 4)^100000 = 1) but not in general; SymPy must not expand it
    v = verdicts(SIMPLE, {"df/dx": "z + (x + y + z)^100000 - 1"})["df/dx"]
    assert v["given_value"] == -4 and not v["correct"] and v["method"] == "numeric"


def test_a_formula_wrong_at_the_point_is_diagnosed_by_its_value() -> None:
    v = verdicts(SIMPLE, {"df/dx": "-z"})["df/dx"]
    assert not v["correct"] and v["given_value"] == 4 and "sign-error" in v["diagnoses"]


def test_first_wrong_step_is_where_the_students_own_chain_breaks() -> None:
    # ∂f/∂q is already wrong (-3, not z = -4); ∂f/∂x = ∂f/∂q · 1 inherits it
    v = verdicts(SIMPLE, {"df/dq": -3, "df/dx": -3, "df/dz": 3})
    step = v["df/dx"]["first_wrong_step"]
    assert step["node"] == "q" and step["phase"] == "backward"
    assert (step["upstream"], step["local"], step["expected"], step["given"]) == (1, -4, -4, -3)
    assert step["terms"][0]["local_formula"] == "z"
    own = v["df/dq"]["first_wrong_step"]
    assert own["node"] == "q"


def test_first_wrong_step_of_a_last_step_mistake_is_the_answer_itself() -> None:
    step = verdicts(SIMPLE, {"df/dq": -4, "df/dx": 4})["df/dx"]["first_wrong_step"]
    assert step["node"] == "x" and step["upstream"] == -4 and step["local"] == 1


def test_fanout_step_lists_every_branch() -> None:
    problem = {"program": "c = a*b; d = a+b; f = c*d", "at": {"a": -2, "b": 3}}
    step = verdicts(problem, {"df/da": 3})["df/da"]["first_wrong_step"]
    assert step["expected"] == -3 and sorted(t["value"] for t in step["terms"]) == [-6, 3]


def test_a_wrong_value_points_at_the_forward_step() -> None:
    v = verdicts(SIMPLE, {"q": 7, "f": -28})
    assert v["f"]["first_wrong_step"]["node"] == "q"
    assert v["f"]["first_wrong_step"]["phase"] == "forward" and v["q"]["first_wrong_step"]["expected"] == 3


def test_missing_expected_answers_score_zero() -> None:
    r = check_answers(SIMPLE, {"df/dx": -4}, expected=["df/dx", "df/dz"], points={"df/dx": 2, "df/dz": 3})
    assert (r["score"], r["max_score"], r["correct"]) == (2, 5, False)
    assert [v["missing"] for v in r["answers"]] == [False, True]


def test_update_answers_need_lr() -> None:
    problem = {"program": "h = w1*x; yhat = w2*h; L = (yhat - y)^2", "at": {"x": 1, "w1": 2, "w2": 3, "y": 5}}
    assert verdicts({**problem, "lr": 0.1}, {"new:w2": 2.6})["new:w2"]["correct"]    # 3 - 0.1·4
    with pytest.raises(HomeworkError, match="lr"):
        check_answers(problem, {"new:w2": 2.6})


@pytest.mark.parametrize("answers, message", [
    ({"dL/dx": 1}, "output here is called 'f'"),
    ({"df/dqq": 1}, "did you mean 'q'"),
    ({"banana": 1}, "not an answer here"),
    ({"df/dx": "w"}, "'w', not a name in this problem"),
    ({"df/dx": "__import__('os').system('x')"}, "not a formula"),
    ({"df/dx": "exec(x)"}, "unknown function 'exec'"),
    ({"df/dx": "q = 3"}, "without '='"),
    ({"df/dx": "-(" * 200 + "x" + ")" * 200}, "nests more than"),
    ({"df/dx": "x+" * 600 + "x"}, "characters"),
    ({"df/dx": [1, 2]}, "number or a formula"),
    ({"df/dx": True}, "number or a formula"),
])
def test_bad_answers_are_refused_with_a_reason(answers: dict, message: str) -> None:
    with pytest.raises(HomeworkError, match=message.replace("(", r"\(")):
        check_answers(SIMPLE, answers)


def test_cli_check_exit_codes_and_json(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["check", str(EXAMPLES / "hw.toml"), "--key", str(EXAMPLES / "key.toml")])
    assert ok.exit_code == 0, ok.output
    assert "✓" in ok.output and "✗" not in ok.output
    wrong = runner.invoke(app, ["check", str(EXAMPLES / "sigmoid-hw.toml"), "--key",
                                str(EXAMPLES / "sigmoid-key.toml"), "--json"])
    assert wrong.exit_code == 1
    data = json.loads(wrong.output)
    dw0 = next(v for v in data["answers"] if v["name"] == "df/dw0")
    assert dw0["diagnoses"][0] == "sigmoid-derivative" and dw0["first_wrong_step"]["node"] == "w0"
    assert set(dw0) >= {"name", "given", "expected", "correct", "tolerance", "first_wrong_step", "diagnoses"}
    bad = tmp_path / "bad.toml"
    bad.write_text('[problem]\nexpression = "x*y"\nat = { x = 1, y = 2 }\n[answers]\n"df/dx" = "y +* 2"\n')
    out = runner.invoke(app, ["check", str(bad)])
    assert out.exit_code == 2
    assert "line 5" in out.output and "df/dx" in out.output and "Traceback" not in out.output
    assert out.output.count("\n") == 1   # one clear line


def test_cli_check_table_says_where_and_why(tmp_path: Path) -> None:
    hw = tmp_path / "hw.toml"
    hw.write_text('[problem]\nprogram = "q = x + y; f = q * z"\nat = { x = -2, y = 5, z = -4 }\n'
                  '[answers]\n"df/dx" = 4\n')
    out = CliRunner().invoke(app, ["check", str(hw)], env={"COLUMNS": "200"})
    assert out.exit_code == 1
    assert "✗" in out.output and "sign-error" in out.output and "-4 × 1" in out.output


def test_a_problem_nested_10000_deep_is_checked() -> None:
    # -(-(...-(x)...)) ten thousand times is x again: f = 1 and df/dx = 1 at x = 1
    problem = {"expression": "-(" * 10_000 + "x" + ")" * 10_000, "at": {"x": 1}}
    v = verdicts(problem, {"f": 1, "df/dx": -1})
    assert v["f"]["correct"] and not v["df/dx"]["correct"] and v["df/dx"]["diagnoses"] == []


def test_check_table_text() -> None:
    from rich.console import Console

    from backprop_tutor.homework.tables import check_table

    console = Console(width=120, color_system=None, record=True)
    console.print(check_table(check_answers(SIMPLE, {"df/dq": -4, "df/dx": 4, "df/dy": "z"})))
    lines = [line.rstrip() for line in console.export_text().splitlines()]
    assert lines[0].strip() == "q = x + y; f = q * z: 2/3 right, 2/3 points"
    row = next(line for line in lines if "df/dx" in line)
    assert [cell.strip() for cell in row.split("│")[1:6]] == ["✗", "df/dx", "4", "-4", "±0.005 + 1%"]
    assert "∂f/∂x = upstream × local = -4 × 1 = -4 (you have 4)" in row
    assert any("likely mistake [sign-error]: the sign is flipped (overall)" in line for line in lines)
    assert any("-4 = z" in line and "same formula" in line for line in lines)


def test_a_missing_input_value_says_where_in_the_file_to_add_it(tmp_path: Path) -> None:
    with pytest.raises(HomeworkError, match=r"no value for 'y'; add y = … to \[problem\] at") as err:
        check_answers({"program": "f = x * y", "at": {"x": 2}}, {"f": 6})
    assert "--at" not in str(err.value)
    hw = tmp_path / "hw.toml"
    hw.write_text('[problem]\nprogram = "f = x * y"\nat = { x = 2 }\n[answers]\nf = 6\n')
    out = CliRunner().invoke(app, ["check", str(hw)])
    assert out.exit_code == 2 and "add y = … to [problem] at" in out.output and "--at" not in out.output


def test_an_overflowing_formula_is_said_to_overflow_not_to_leave_a_domain() -> None:
    v = verdicts({"program": "f = x * y", "at": {"x": 2, "y": 3}},
                 {"f": "exp(exp(exp(x*1000)))", "df/dx": "10^200 * 10^200 * y", "df/dy": "log(x - 2)"})
    for name in ("f", "df/dx"):   # exp overflows in floats; 10^400 is exact, but no float64
        assert not v[name]["correct"] and "overflows float64" in v[name]["message"], v[name]
        assert "domain" not in v[name]["message"]
    assert "outside a function's domain" in v["df/dy"]["message"]


def test_numbers_no_float64_holds_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(HomeworkError, match="answer 'f': is too large for a float64"):
        check_answers(SIMPLE, {"f": 10**400})
    with pytest.raises(HomeworkError, match="overflows float64; use a smaller lr"):
        check_answers({"program": "f = x * y", "at": {"x": 2, "y": 3}, "lr": 1e308}, {"new:x": 1})
    big = "1" + "0" * 400
    runner = CliRunner()
    for name, text in [("at.toml", (f'[problem]\nprogram = "f = x * z"\nat = {{ x = 1, z = {big} }}\n'
                                    '[answers]\nf = 1\n')),
                       ("answer.toml", f'[answers]\nf = {big}\n')]:
        (tmp_path / name).write_text(text)
        out = runner.invoke(app, ["check", str(tmp_path / name), "--key", str(EXAMPLES / "key.toml")])
        assert out.exit_code == 2 and out.output.startswith("Error: ") and out.output.count("\n") == 1, out.output
        assert "too large for a float64; at most ~1e308" in out.output and f"{name}, line " in out.output


def test_a_problem_with_20000_inputs_checks_in_linear_time() -> None:
    import time

    n = 20_000  # F2: a dict rebuilt per input made this a minute (quadratic); linear, it is about a second
    problem = {"expression": "+".join(f"x{i}" for i in range(n)), "at": {f"x{i}": 1 for i in range(n)}}
    start = time.process_time()
    result = check_answers(problem, {"f": n, "df/dx7": 1})
    assert result["correct"] and time.process_time() - start < 20   # a bound that catches a hang only


def test_a_sum_at_the_parsers_limit_is_checked_from_the_floats_alone() -> None:
    """F3 / issue #9: a 145,000-term sum (290,000 characters). No exact pass over every node, no step
    list, no networkx view: the answers' floats and a tape pass per wrong answer (8.5 s before)."""
    from backprop_tutor.homework.key import prepare

    problem = {"program": "f = " + "+".join(["x"] * 145_000), "at": {"x": 1}}
    result = check_answers(problem, {"f": 1, "df/dx": 3, "n7": 8})
    v = {a["name"]: a for a in result["answers"]}
    assert (v["f"]["expected"], v["df/dx"]["expected"], v["n7"]["correct"]) == (145_000, 145_000, True)
    step = v["df/dx"]["first_wrong_step"]
    assert step["branches"] == 145_000 and len(step["terms"]) == 8     # the first six and the last two
    assert step["step"] == 3 * 144_999 + 1                             # the last step of all
    assert [t["from"] for t in step["terms"]][::5] == ["f", "n144994"] and step["terms"][-1]["from"] == "n1"
    assert v["f"]["first_wrong_step"]["inputs"][1] == {"node": "x", "value": 1.0, "value_text": "1"}
    trace = prepare(problem).trace
    assert not {"graph", "steps", "_exact", "symbolic"} & set(vars(trace))   # none of them was made
    assert trace.structure._nx is None and trace.structure._nodes is None   # nor the node attributes


@pytest.mark.parametrize("problem", [SIMPLE, NEURON, {"program": "a = x*x + 2*x; b = a*y - 3; f = b*a + exp(-a)",
                                                      "at": {"x": 0.5, "y": -1.5}},
                                     {"expression": "x*x + 3*x", "at": {"x": 2}}])
def test_the_steps_a_key_reads_off_the_tape_are_the_traces_steps(problem) -> None:
    from backprop_tutor.homework.key import prepare

    key = prepare(problem)
    t = key.trace
    steps = t.steps
    assert key.forward_at == {s.node: i for i, s in enumerate(steps) if s.phase == "forward"}
    assert steps[key.seed_at].wrt is None and steps[key.seed_at].phase == "backward"
    for n in t.tape.nodes:
        assert [i for i, _, _ in key.sends_to(n)] == [i for i, s in enumerate(steps) if s.wrt == n]
    key.exact = False  # the float steps a big graph gets: the same numbers
    try:
        for n in t.tape.nodes:
            for i, k, pos in key.sends_to(n):
                s, f = steps[i], key.step(i, k, pos)
                assert (f.node, f.wrt, f.arg) == (s.node, s.wrt, s.arg)
                assert (f.upstream, f.local, f.value) == pytest.approx((float(s.upstream), float(s.local),
                                                                        float(s.value)))
    finally:
        key.exact = True


def test_a_long_fan_out_is_worded_with_its_first_and_last_branches() -> None:
    from backprop_tutor.homework.tables import where_text

    step = check_answers({"expression": "+".join(["x"] * 20), "at": {"x": 1}}, {"df/dx": 3})["answers"][0]
    step = step["first_wrong_step"]
    assert step["branches"] == 20 and len(step["terms"]) == 8
    text = where_text(step, "f", "x")
    assert text.count("1 × 1") == 8 and "… (12 more) … + 1 × 1 + 1 × 1 = 20 (sum of 20 branches) (you have 3)" in text
