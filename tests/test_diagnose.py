"""Each diagnosed mistake: a submission made with that mistake (its numbers worked by hand from the
lecture examples, not by the diagnoser) is diagnosed with that code; a right one with none."""

from __future__ import annotations

import pytest

from backprop_tutor import check_answers
from backprop_tutor.homework.diagnose import MISTAKES

SIMPLE = {"program": "q = x + y; f = q * z", "at": {"x": -2, "y": 5, "z": -4}}     # f = -12
NEURON_AT = {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3}                      # s = 1, σ = 0.73
NEURON = {"expression": "sigmoid(w0*x0 + w1*x1 + w2)", "at": NEURON_AT}
NEURON_PRIMITIVE = {"program": "f = 1/(1 + exp(-(w0*x0 + w1*x1 + w2)))", "at": NEURON_AT}
TWO_LAYER = {"program": "h = w1*x; yhat = w2*h; L = (yhat - y)^2", "at": {"x": 1, "w1": 2, "w2": 3, "y": 5},
             "lr": 0.1}   # h = 2, yhat = 6, L = 1; dL/dyhat = 2, dL/dw2 = 4, dL/dh = 6, dL/dw1 = 6

CASES = [
    # code, problem, {answer: the mistaken number}, how it was worked out by hand
    ("fanout-missing-branch", {"program": "c = a*b; d = a+b; f = c*d", "at": {"a": -2, "b": 3}},
     {"df/da": 3}, "df/da = b·d + c·1 = 3 - 6 = -3; only the branch through c: 3"),
    ("fanout-missing-branch", {"program": "b = a + a", "at": {"a": 3}},
     {"db/da": 1}, "micrograd's a + a bug: 1 + 1 = 2, one branch gives 1"),
    ("sign-error", SIMPLE, {"df/dx": 4}, "df/dx = -4"),
    ("forward-value-as-local", SIMPLE, {"df/dx": -12}, "df/dq · q (the add gate's value 3) = -4 · 3"),
    ("sigmoid-derivative", NEURON, {"df/dw0": -0.73, "df/dx0": 1.46}, "σ·x0 = 0.73·(-1); σ·w0 = 0.73·2"),
    ("exp-from-input", NEURON_PRIMITIVE, {"df/dw0": 0.53, "df/dw2": -0.53},
     "1/x: -1/1.37² = -0.53; exp local taken as its input -1: 0.53; negate: -0.53; ·x0 = 0.53"),
    ("subtraction-sign", {"program": "d = x - y; f = d * y", "at": {"x": 3, "y": 1}},
     {"df/dy": 3}, "df/dy = y·(-1) + d = -1 + 2 = 1; with +1 for the subtraction: 1 + 2 = 3"),
    ("dropped-upstream", SIMPLE, {"df/dx": 1}, "the add gate's local 1 alone, not -4 · 1"),
    ("missing-activation-derivative", NEURON, {"df/dw0": -1, "df/dx1": -3}, "σ' left out: 1·x0, 1·w1"),
    ("relu-negative-passed", {"expression": "relu(w*x + b)", "at": {"w": 2, "x": -1, "b": 1}},
     {"df/dw": -1, "df/dx": 2, "df/db": 1}, "w·x + b = -1 < 0: all 0; passed anyway: x, w, 1"),
    ("updated-weights-used", TWO_LAYER, {"dL/dw1": 5.2, "new:w1": 1.48},
     "w2 updated first: 3 - 0.1·4 = 2.6; dL/dw1 = 2·2.6·1 = 5.2; w1 - 0.1·5.2 = 1.48"),
    ("update-sign", TWO_LAYER, {"new:w2": 3.4}, "w2 + lr·dL/dw2 = 3 + 0.4"),
]


@pytest.mark.parametrize(("code", "problem", "answers", "why"), CASES, ids=[c[0] for c in CASES])
def test_a_mistake_is_diagnosed(code: str, problem: dict, answers: dict, why: str) -> None:
    result = check_answers(problem, answers)
    for verdict in result["answers"]:
        assert not verdict["correct"], (verdict["name"], why)
        assert code in verdict["diagnoses"], (verdict["name"], verdict["diagnoses"], why)
        assert len(verdict["explanations"]) == len(verdict["diagnoses"])


def test_every_code_has_a_case_and_words() -> None:
    assert {m.code for m in MISTAKES} == {c[0] for c in CASES}
    assert len({m.code for m in MISTAKES}) == len(MISTAKES) == 11
    assert all(m.words and m.code == m.code.lower() for m in MISTAKES)


@pytest.mark.parametrize("problem, answers", [
    (SIMPLE, {"df/dx": -4, "df/dy": -4, "df/dz": 3, "df/dq": -4}),
    (NEURON, {"df/dw0": -0.20, "df/dx0": 0.39, "df/dw1": -0.39, "df/dx1": -0.59, "df/dw2": 0.20}),
    (TWO_LAYER, {"dL/dw1": 6, "dL/dw2": 4, "new:w1": 1.4, "new:w2": 2.6}),
])
def test_right_answers_get_no_diagnosis(problem: dict, answers: dict) -> None:
    result = check_answers(problem, answers)
    assert result["correct"]
    assert all(v["diagnoses"] == [] for v in result["answers"])


def test_a_specific_code_comes_before_a_generic_one() -> None:
    # σ-as-derivative also reads as "multiplied by a forward value": the specific name is listed first
    verdict = check_answers(NEURON, {"df/dw0": -0.73})["answers"][0]
    assert verdict["diagnoses"][0] == "sigmoid-derivative"


def test_a_random_wrong_number_is_not_diagnosed() -> None:
    verdict = check_answers(SIMPLE, {"df/dx": 17.5})["answers"][0]
    assert not verdict["correct"] and verdict["diagnoses"] == []
