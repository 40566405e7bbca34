"""Loading homework and key files: the issue's shape, and one clear error (file, line, what) otherwise."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import pytest

from backprop_tutor.errors import HomeworkError
from backprop_tutor.homework.problem import MAX_BYTES, Problem, load, loads

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "homework"

ISSUE_SHAPE = '''student = "s1234567"             # optional; used by `tutor grade`
[problem]
program = "q = x + y; f = q * z" # or: expression = "(x + y) * z"
at = { x = -2, y = 5, z = -4 }
[answers]                        # the student's; every key optional
f = -12                          # the output value
"df/dx" = -4                     # gradients of the output ...
"df/dy" = "z"                    # ... as a number or a formula
"df/dz" = 3
"df/dq" = -4                     # intermediate gradients by node name
q = 3                            # intermediate values by node name
'''


def test_the_issue_shape_loads() -> None:
    hw = loads(ISSUE_SHAPE, "hw.toml")
    assert hw.student == "s1234567"
    assert hw.problem == Problem("q = x + y; f = q * z", (("x", -2), ("y", 5), ("z", -4)))
    assert hw.answers == {"f": -12, "df/dx": -4, "df/dy": "z", "df/dz": 3, "df/dq": -4, "q": 3}
    assert hw.line("answers", "df/dy") == 8 and hw.at("answers", "q") == "hw.toml, line 11"


def test_examples_load() -> None:
    for path in EXAMPLES.glob("*.toml"):
        load(path)
    key = load(EXAMPLES / "key.toml")
    assert key.points["df/dq"] == 2 and key.tolerance["df/dq"] == {"abs": 0.0, "rel": 0.0}
    assert key.tolerance["default"] == {"rel": 1e-3, "abs": 1e-3}
    update = load(EXAMPLES / "update-key.toml")
    assert update.problem.lr == Fraction(1, 10) and update.problem.params == ("w1", "w2")


def test_expression_instead_of_program_and_no_answers() -> None:
    hw = loads('[problem]\nexpression = "(x + y) * z"\nat = { x = 1, y = 2, z = 3 }\n')
    assert hw.problem.text == "(x + y) * z" and hw.answers == {} and hw.student is None


def test_same_problem_despite_spelling() -> None:
    a = Problem("q = x + y; f = q * z", (("x", -2), ("y", 5)))
    b = Problem("q=x+y\nf=q*z", (("y", "5"), ("x", -2.0)))
    assert a.same_as(b) and not a.same_as(Problem("q = x + y; f = q * z", (("x", -2), ("y", 6))))


@pytest.mark.parametrize("text, line, message", [
    ('[problem]\nprogram = "x"\nat = { x = 1 \n', None, "not valid TOML"),
    ('[problem]\nprogram = "x*y"\nat = { x = 1 }\n[answer]\nf = 1\n', 4, "unknown entry 'answer'"),
    ('[problem]\nat = { x = 1 }\n', 1, "exactly one of program"),
    ('[problem]\nprogram = "x"\nexpression = "x"\n', 1, "exactly one of program"),
    ('[problem]\nprogram = "x"\nat = { x = "two" }\n', 3, "at.x = 'two' is not a number"),
    ('[problem]\nprogram = "x"\nat = { x = true }\n', 3, "at.x = True is not a number"),
    ('[problem]\nprogram = "x"\nlr = "fast"\n', 3, "lr"),
    ('[problem]\nprogram = "x"\nparams = "w"\n', 3, "params must be a list"),
    ('[problem]\nprogram = "x"\ncolour = 1\n', 3, "unknown entry 'colour'"),
    ('[answers]\nf = 1\n"df/dx" = [1, 2]\n', 3, "number or a formula"),
    ('[answers]\nf = nan\n', 2, "finite number"),
    ('[answers]\n"df/dx" = "' + "x+" * 600 + 'x"\n', 2, "1,201 characters"),
    ('student = "a b; rm -rf"\n', 1, "student must be an id"),
    ('[points]\nf = -1\n', 2, "from 0"),
    ('[tolerance]\nf = { relative = 1 }\n', 2, "rel = 1e-2"),
    ('answers = 3\n', 1, "must be a table"),
    ('f = ' + "[" * 10_000 + "]" * 10_000 + "\n", None, "nests too deep"),
])
def test_bad_files_name_file_line_and_what(text: str, line: int | None, message: str) -> None:
    with pytest.raises(HomeworkError) as err:
        loads(text, "hw.toml")
    text = str(err.value)
    assert text.startswith("hw.toml") and message in text and "\n" not in text
    if line is not None:
        assert f"line {line}" in text


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    with open(big, "wb") as fh:       # sparse: 50 MB on paper, nothing on disk
        fh.truncate(50 * 1024 * 1024)
    with pytest.raises(HomeworkError, match="52,428,800 bytes"):
        load(big)
    assert os.path.getsize(big) > MAX_BYTES


def test_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(HomeworkError, match="cannot read"):
        load(tmp_path / "missing.toml")
    latin = tmp_path / "latin.toml"
    latin.write_bytes('student = "Jos\xe9"\n'.encode("latin-1"))
    with pytest.raises(HomeworkError, match="UTF-8"):
        load(latin)


BIG = "1" + "0" * 400   # 1e400: a TOML integer no float64 holds


@pytest.mark.parametrize("text, line, message", [
    ('[problem]\nprogram = "x * z"\nat = { x = 1, z = ' + BIG + ' }\n', 3, "at.z is too large for a float64"),
    ('[problem]\nprogram = "x * z"\nat = { x = 1, z = "9' + "9" * 299 + 'e9" }\n', 3, "at.z is too large"),
    ('[answers]\nf = ' + BIG + '\n', 2, "answer 'f' is too large for a float64; at most ~1e308"),
    ('[answers]\nf = -' + BIG + '\n', 2, "answer 'f' is too large for a float64"),
    ('[tolerance]\nf = ' + BIG + '\n', 2, "tolerance for 'f'"),
    ('[answers]\nf = ' + "1" * 5000 + '\n', None, "too large for a float64"),
])
def test_numbers_past_float64_are_refused_with_file_and_line(text: str, line: int | None, message: str) -> None:
    with pytest.raises(HomeworkError) as err:
        loads(text, "hw.toml")
    text = str(err.value)
    assert text.startswith("hw.toml") and message in text and "\n" not in text and len(text) < 200
    if line is not None:
        assert f"line {line}" in text


def test_a_large_but_finite_learning_rate_is_a_number() -> None:
    hw = loads('[problem]\nprogram = "f = x * y"\nat = { x = 2, y = 1e-310 }\nlr = 1e308\n', "hw.toml")
    assert hw.problem.lr == Fraction(10) ** 308 and dict(hw.problem.at)["y"] == 1e-310
    with pytest.raises(HomeworkError, match="lr = 'fast' is not a number"):
        loads('[problem]\nprogram = "x"\nlr = "fast"\n', "hw.toml")


def test_what_is_not_a_regular_file_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    (tmp_path / "dir.toml").mkdir()
    (tmp_path / "dangling.toml").symlink_to(tmp_path / "nowhere")
    (tmp_path / "zero.toml").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "pipe.toml")          # opening it would block: nobody writes
    for name, why in [("dir.toml", "not a regular file (a directory)"), ("dangling.toml", "broken symbolic link"),
                      ("zero.toml", "not a regular file (a device)"), ("pipe.toml", "not a regular file (a pipe)")]:
        with pytest.raises(HomeworkError, match=why.replace("(", r"\(").replace(")", r"\)")):
            load(tmp_path / name)
    (tmp_path / "real.toml").write_text("[answers]\nf = 1\n")
    (tmp_path / "link.toml").symlink_to(tmp_path / "real.toml")
    assert load(tmp_path / "link.toml").answers == {"f": 1}      # a link to a file is that file


@pytest.mark.parametrize("value, message", [
    ('"1e99999999"', "at.x = '1e99999999' is out of range"), ('"' + "1" * 400 + '"', "is too long"),
    ('"1e400"', "at.x is too large for a float64"), ('"abc"', "at.x = 'abc' is not a number"),
    ('""', "at.x = '' is not a number"), ("inf", "at.x = inf is not a finite number"),
])
def test_an_unusable_input_value_is_said_for_what_it_is(value: str, message: str) -> None:
    with pytest.raises(HomeworkError, match=message.replace("(", r"\(")):
        loads(f'[problem]\nprogram = "f = x * y"\nat = {{ x = {value}, y = 2 }}\n', "hw.toml")
