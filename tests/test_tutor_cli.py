"""The tutor's commands through typer's CliRunner: lessons, run --all, explain, lesson check."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from backprop_tutor.commands.cli import app

runner = CliRunner()
IDS = ["chain-rule", "sigmoid-neuron", "gate-patterns", "fan-out", "activations", "vanishing-gradients",
       "learning-loop", "losses", "gradient-descent", "xor", "dense-layer-matrix-form", "convolution",
       "backprop-through-time", "delta-rule", "dropout"]


def invoke(*args: str):  # noqa: ANN201 - a click Result
    return runner.invoke(app, list(args), env={"COLUMNS": "120", "NO_COLOR": "1"})


def test_lessons_lists_all_fifteen() -> None:
    result = invoke("lessons")
    assert result.exit_code == 0
    for lesson_id in IDS:
        assert f" {lesson_id} " in result.stdout


def test_run_all_prints_every_step_in_order() -> None:
    result = invoke("run", "chain-rule", "--all")
    assert result.exit_code == 0
    out = result.stdout
    positions = [out.index(f"step {k} of 14") for k in range(1, 15)]
    assert positions == sorted(positions)
    assert "Quiz: The add gate gave q = 3." in out and "Answer: -12" in out
    assert "Answer: -4 (= z)" in out
    assert "∂f/∂x = ∂f/∂q · ∂q/∂x = z · 1 = -4 · 1 = -4" in out
    assert "\x1b[" not in out  # plain text when piped
    assert not any(line.endswith(" ") for line in out.splitlines())  # and no padding: files diff cleanly


def test_run_without_a_tty_is_the_same_as_all_and_defaults_to_the_first_lesson() -> None:
    piped = invoke("run")
    assert piped.exit_code == 0 and piped.stdout == invoke("run", "chain-rule", "--all").stdout


def test_run_from_a_step_and_from_a_file(tmp_path: Path) -> None:
    result = invoke("run", "learning-loop", "--step", "30")
    assert result.exit_code == 0 and "step 29 of" not in result.stdout and "step 30 of" in result.stdout
    lesson = Path(__file__).parent.parent / "lessons" / "04-fan-out.toml"
    mine = tmp_path / "mine.toml"
    mine.write_text(lesson.read_text().replace('id = "fan-out"', 'id = "my-fan-out"'))
    result = invoke("run", str(mine))
    assert result.exit_code == 0 and "∂p/∂z1 = 6 + 15 = 21" in result.stdout


def test_run_errors() -> None:
    result = invoke("run", "chain-rul")
    assert result.exit_code == 2 and "no lesson 'chain-rul'; did you mean 'chain-rule'?" in result.stderr
    result = invoke("run", "chain-rule", "--step", "99")
    assert result.exit_code == 2 and "--step 99 is past the end" in result.stderr


def test_explain() -> None:
    result = invoke("explain", "(x+y)*z", "--at", "x=-2,y=5,z=-4")
    assert result.exit_code == 0
    assert "n1 = x + y = -2 + 5 = 3" in result.stdout and "f = n1 · z = 3 · (-4) = -12" in result.stdout
    assert "∂f/∂x = ∂f/∂n1 · ∂n1/∂x = z · 1 = -4 · 1 = -4" in result.stdout
    expanded = invoke("explain", "sigmoid(w*x)", "--at", "w=2,x=-1", "--expand")
    assert expanded.exit_code == 0 and "1/x" in expanded.stdout and "exp" in expanded.stdout
    one = invoke("explain", "sigmoid(w*x)", "--at", "w=2,x=-1", "--step", "3")
    assert "step 2 of" not in one.stdout and "step 3 of" in one.stdout


def test_explain_errors() -> None:
    result = invoke("explain", "(x+y)*z", "--at", "x=1")
    assert result.exit_code == 2 and "no value for 'y', 'z'" in result.stderr and "Traceback" not in result.stderr
    result = invoke("explain", "(x+", "--at", "x=1")
    assert result.exit_code == 2 and "column" in result.stderr


def test_lesson_check_good_and_bad(tmp_path: Path) -> None:
    good = Path(__file__).parent.parent / "lessons" / "01-chain-rule.toml"
    result = invoke("lesson", "check", str(good))
    assert result.exit_code == 0 and "ok:" in result.stdout and "lesson 'chain-rule'" in result.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text(good.read_text().replace('kind = "backward"', 'kind = "backwards"'))
    result = invoke("lesson", "check", str(bad))
    assert result.exit_code == 2
    line = 1 + good.read_text().splitlines().index('kind = "backward"')
    assert f"{bad}, line {line}: step" in result.stderr and "did you mean 'backward'?" in result.stderr
    bad.write_text(good.read_text().replace("q = x + y", "q = x + + "))
    result = invoke("lesson", "check", str(bad))
    line = 1 + good.read_text().splitlines().index("q = x + y")
    assert result.exit_code == 2 and f"{bad}, line {line}: the program of graph 'main' does not parse" in result.stderr
    result = invoke("lesson", "check", str(tmp_path / "missing.toml"))
    assert result.exit_code == 2 and "cannot read" in result.stderr


def test_the_loop_with_scripted_keys_and_answers() -> None:
    """The same loop the terminal drives, fed keys and answers by a script (the pty tests drive it for real)."""
    import io

    from rich.console import Console

    from backprop_tutor.tutor.lesson import find
    from backprop_tutor.tutor.session import BACK, NEXT, QUIT, interact
    from backprop_tutor.tutor.screens import build

    screens = build(find("chain-rule"))
    keys = iter([NEXT, NEXT, BACK, NEXT, NEXT, NEXT, NEXT, QUIT])
    answers = iter([("answer", "?"), ("answer", "?"), ("answer", "7"), ("answer", "q*z"),   # the value of f
                    ("answer", "z")])                                                     # ∂f/∂q
    console = Console(file=io.StringIO(), width=100, color_system=None)
    right, answered, total = interact(screens, "chain-rule", console, 1, key=lambda: next(keys),
                                      answer=lambda _: next(answers))
    assert (right, answered, total) == (2, 2, 3)   # quit before the third quiz: it is not counted as wrong
    said = next(s.quiz.said for s in screens if s.quiz is not None)
    assert said[:2] == ["Hint: f is the gate '*' applied to q, z", "Hint: q = 3, z = -4"]  # the rule, then the numbers
    assert said[2].startswith("Not quite (7).") and said[3] == "Correct: q*z = -12."


def test_the_score_counts_only_the_quizzes_reached() -> None:
    from backprop_tutor.render.terminal import score_line

    assert score_line(0, 1, 3) == "Score: 0 of 1 answered so far (3 quizzes in this lesson)."
    assert score_line(0, 0, 3) == "No quiz answered yet (3 in this lesson)."
    assert score_line(2, 3, 3) == "Score: 2 of 3 quiz questions right."


def test_question_mark_after_a_wrong_answer_gives_the_next_hint() -> None:
    """D16: `?` repeated the hint a wrong answer had just shown; it now moves on to the numbers."""
    import io

    from rich.console import Console

    from backprop_tutor.tutor.lesson import find
    from backprop_tutor.tutor.session import QUIT, interact
    from backprop_tutor.tutor.screens import build

    screens = build(find("chain-rule"))
    first = next(k for k, s in enumerate(screens) if s.quiz is not None)
    answers = iter([("answer", "5"), ("answer", "?"), ("key", QUIT)])
    interact(screens, "chain-rule", Console(file=io.StringIO(), width=100, color_system=None), first + 1,
             key=lambda: QUIT, answer=lambda _: next(answers))
    said = screens[first].quiz.said
    assert said[0].startswith("Not quite (5).") and said[0].endswith("Hint: f is the gate '*' applied to q, z")
    assert said[1] == "Hint: q = 3, z = -4"


def _lesson_cells(out: str) -> dict[str, str]:
    """id -> the text of its 'lesson' cell, its wrapped lines joined by spaces."""
    cells: dict[str, list[str]] = {}
    current = None
    for line in out.splitlines():
        if not line.startswith("│"):
            continue
        _, k, lesson_id, text, _steps, _ = line.split("│")
        if k.strip().isdigit():
            current = lesson_id.strip()
            cells[current] = []
        cells[current].append(text.strip())
    return {i: " ".join(t for t in texts if t) for i, texts in cells.items()}


def test_lessons_shows_every_title_and_summary_whole() -> None:
    """Issue 10 (D14e): summaries were cut ("1/(1+exp(-(w·x+b…", "[[45,110],[40,40…"); at 80 and
    120 columns, and piped, every word of every title and summary is there, whole, in order."""
    from backprop_tutor.tutor.lesson import builtin, load

    lessons = [load(p) for p in builtin()]
    for width in ("80", "120"):
        result = runner.invoke(app, ["lessons"], env={"COLUMNS": width, "NO_COLOR": "1"})
        assert result.exit_code == 0
        out = result.stdout
        assert "…" not in out and "\x1b[" not in out
        assert all(len(line) <= int(width) and not line.endswith(" ") for line in out.splitlines())
        cells = _lesson_cells(out)
        assert list(cells) == [lesson.id for lesson in lessons]
        for lesson in lessons:
            assert cells[lesson.id] == " ".join(f"{lesson.title} {lesson.summary}".split()), lesson.id
    assert "1/(1+exp(-(w·x+b))): the slide's" in out and "[[45,110],[40,40]];" in out
