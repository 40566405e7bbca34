"""The interactive loop through a real pseudo-terminal: keys, stepping back, quizzes, quitting."""

from __future__ import annotations

import os
import sys

import pytest

pexpect = pytest.importorskip("pexpect")


def spawn(*args: str):  # noqa: ANN201 - a pexpect.spawn
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "60"}
    env.pop("NO_COLOR", None)
    return pexpect.spawn(sys.executable, ["-m", "backprop_tutor", *args], dimensions=(60, 120), env=env,
                         encoding="utf-8", timeout=30)


def test_step_forward_and_back_with_keys_and_arrows() -> None:
    child = spawn("run", "chain-rule")
    child.expect("step 1 of 14")
    child.send("n")
    child.expect("step 2 of 14")
    child.send("b")
    child.expect("step 1 of 14")
    child.send("\x1b[C")  # →
    child.expect("step 2 of 14")
    child.send("\x1b[D")  # ←
    child.expect("step 1 of 14")
    child.send("\r")  # Enter
    child.expect("step 2 of 14")
    child.send("h")
    child.expect("Hint: a forward step applies the gate")
    child.send("r")
    child.expect("step 1 of 14")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_quiz_wrong_then_right_then_score() -> None:
    child = spawn("run", "chain-rule", "--step", "3")
    child.expect("step 3 of 14")
    child.expect("Your answer")
    child.send("5\r")
    child.expect("Not quite \\(5\\). Hint:")
    child.expect("Your answer")
    child.send("q*z\r")  # a formula, evaluated at the lesson's point: 3 · (-4)
    child.expect("Correct: q\\*z = -12.")
    child.send("\x1b[D")  # back, then forward again: the quiz stays answered
    child.expect("step 2 of 14")
    child.send("n")
    child.expect("Correct")
    child.send("n")
    child.expect("step 4 of 14")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_three_wrong_answers_show_the_answer_and_the_end_shows_the_score() -> None:
    child = spawn("run", "chain-rule", "--step", "14")
    child.expect("step 14 of 14")
    child.expect("No quiz answered yet \\(3 in this lesson\\)")
    child.send("bbbb")  # the quiz on ∂f/∂x comes before the screen that computes it
    child.expect("step 10 of 14")
    child.expect("Your answer")
    for wrong in ("1", "2"):
        child.send(wrong + "\r")
        child.expect("Not quite")
        child.expect("Your answer")
    child.send("3\r")
    child.expect("The answer is -4")
    for k in (11, 12, 13, 14):
        child.send("n")
        child.expect(f"step {k} of 14")
    child.expect("Score: 0 of 1 answered so far \\(3 quizzes in this lesson\\).")
    child.send("n")  # past the last step: the lesson ends with the score of the quizzes reached
    child.expect("Score: 0 of 1 answered so far \\(3 quizzes in this lesson\\).")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_answer_line_editing_skipping_and_leaving() -> None:
    child = spawn("run", "chain-rule", "--step", "3")
    child.expect("Your answer")
    child.send("12\x7f\x7f-1\x7f12\r")  # typed 12, erased it, typed -1, erased 1, typed 12: -12
    child.expect("Correct: -12")
    child.send("r")  # restart clears the answers
    child.expect("step 1 of 14")
    child.send("nn")
    child.expect("Your answer")
    child.send("\r")  # an empty answer skips the question and shows the answer
    child.expect("Skipped. The answer is -12")
    child.send("\x03")  # Ctrl-C leaves at once, with the shell's usual status
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130


def test_escape_at_the_answer_prompt_quits() -> None:
    child = spawn("run", "chain-rule", "--step", "3")
    child.expect("Your answer")
    child.send("\x1b")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_quitting_early_scores_only_the_quizzes_reached() -> None:
    child = spawn("run", "chain-rule", "--step", "3")
    child.expect("Your answer")
    child.send("\r")  # skipped: it counts as answered, and not right
    child.expect("Skipped. The answer is -12")
    child.send("q")
    child.expect("Score: 0 of 1 answered so far \\(3 quizzes in this lesson\\).")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_non_ascii_answers_arrive_whole_and_numbers_are_echoed_as_typed() -> None:
    child = spawn("run", "chain-rule", "--step", "3")
    child.expect("Your answer")
    child.send("zé\r")  # é is two bytes in UTF-8: the parser must see one character
    child.expect("unexpected character 'é'")
    child.expect("Your answer")
    child.send("-12.0000000001\r")
    child.expect("Correct: -12.0000000001.")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert "\ufffd" not in child.before
