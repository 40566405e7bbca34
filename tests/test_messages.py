"""What a user reads when something is wrong (QA report F9, F11–F22): one clear line that names the
file or option and what to do, never Python's own advice, never a traceback."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backprop_tutor.commands.cli import app

runner = CliRunner()
AT = ["--at", "x=-2,y=5,z=-4"]
LESSON = 'id = "t"\ntitle = "T"\nsummary = "s"\nprogram = "q = x + y; f = q * z"\nat = { x = -2, y = 5, z = -4 }\n'


def error_of(*args: str, input: str | None = None) -> str:
    """The one-line error of a command that must fail with exit 2."""
    r = runner.invoke(app, list(args), input=input)
    assert r.exit_code == 2, r.output
    assert r.output.startswith("Error: ") and r.output.count("\n") == 1, r.output
    assert "Traceback" not in r.output
    return r.output.removeprefix("Error: ").strip()


def test_f11_a_parse_error_on_a_long_line_names_the_true_column_and_shows_it(tmp_path: Path) -> None:
    (tmp_path / "u.txt").write_text("(" * 100_000 + "x")
    r = runner.invoke(app, ["grad", "--file", str(tmp_path / "u.txt"), "--at", "x=1"])
    first, source, caret = r.output.splitlines()
    assert r.exit_code == 2 and first.endswith("(column 100,002)")
    assert len(source) < 90 and source.lstrip().startswith("…") and caret.index("^") == source.index("x") + 1   # the end of the input


def test_f12_a_long_list_of_missing_names_is_cut_to_a_few_and_a_count(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("+".join(f"tanh(w{i}*x{i})" for i in range(5001)))
    message = error_of("grad", "--file", str(tmp_path / "big.txt"))
    assert message.startswith("no value for 'w0', 'x0', 'w1', 'x1' and 9,998 more; pass --at w0=…")
    assert len(message) < 120


@pytest.mark.parametrize("lr", ["inf", "1e308", "nan"])
def test_f13_an_lr_out_of_range_blames_the_lessons_line(tmp_path: Path, lr: str) -> None:
    path = tmp_path / "lr.toml"
    path.write_text(LESSON + f'[[steps]]\nkind = "update"\nlr = {lr}\nparams = ["x"]\nsave_as = "a"\n')
    message = error_of("lesson", "check", str(path))
    assert message.startswith(f"{path}, line 8: lr is ") and "from -1000 to 1000" in message


def test_f9_a_lesson_of_thousands_of_steps_is_refused_by_lesson_check(tmp_path: Path) -> None:
    path = tmp_path / "many.toml"
    path.write_text(LESSON + '[[steps]]\nkind = "backward"\n' * 5000)
    message = error_of("lesson", "check", str(path))
    assert message.startswith(f"{path}, line ") and "5,000 steps" in message and "at most 200" in message


@pytest.mark.parametrize("args", [[], ["lesson"]])
def test_f14_no_arguments_print_the_help_and_exit_0(args: list[str]) -> None:
    r = subprocess.run([sys.executable, "-m", "backprop_tutor", *args], capture_output=True, text=True)
    assert (r.returncode, r.stderr) == (0, "") and "Usage" in r.stdout


def test_f15_an_expression_and_a_file_together_is_named_as_such() -> None:
    message = error_of("grad", "x", "--file", "-", "--at", "x=1,y=2", input="y*2\n")
    assert message == "both an expression ('x') and --file - were given; give one of them"


def test_f16_a_byte_order_mark_is_accepted_in_every_file(tmp_path: Path) -> None:
    hw = tmp_path / "bom.toml"
    hw.write_bytes(b"\xef\xbb\xbf" + b'[problem]\nexpression = "x*y"\nat = { x = 2, y = 3 }\n[answers]\nf = 6\n')
    values = tmp_path / "v.json"
    values.write_bytes(b'\xef\xbb\xbf{"x": 2, "y": 3}')
    assert runner.invoke(app, ["check", str(hw)]).exit_code == 0
    r = runner.invoke(app, ["grad", "x*y", "--at-file", str(values), "--json"])
    assert r.exit_code == 0 and '"value": 6' in r.output


def test_f17_at_file_on_a_named_pipe_nobody_writes_to_does_not_block(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import backprop_tutor.files as files

    monkeypatch.setattr(files, "PIPE_WAIT", 0.5)
    os.mkfifo(tmp_path / "v.json")
    assert "a pipe with nothing written to it" in error_of("grad", "x", "--at-file", str(tmp_path / "v.json"))


def test_f17_a_pipe_that_is_written_to_is_read() -> None:
    r = subprocess.run(["bash", "-c", f"{sys.executable} -m backprop_tutor grad 'x*y' --json "
                                      "--at-file <(sleep 0.3; echo 'x = 2'; echo 'y = 3')"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and '"value": 6' in r.stdout, r.stderr


@pytest.mark.parametrize("name, text", [("long.json", '{"x": ' + "1" * 5000 + "}"),
                                        ("long.toml", "x = " + "1" * 5000 + "\n"),
                                        ("e400.json", '{"x": 1e400}'), ("e400.toml", "x = 1e400\n"),
                                        ("e999.json", '{"x": 1e999}')])
def test_f18_f19_numbers_past_float64_say_so_without_pythons_advice(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text)
    message = error_of("grad", "x", "--at-file", str(tmp_path / name))
    assert any(w in message for w in ("too large for float64", "out of range", "too long (at most 300")), message
    assert "inf" not in message.replace("information", "") and "sys.set_int_max_str_digits" not in message
    assert len(message) < 250


def test_f19_a_homework_answer_of_1e400_is_too_large_not_inf(tmp_path: Path) -> None:
    hw = tmp_path / "hw.toml"
    hw.write_text('[problem]\nexpression = "x*y"\nat = { x = 2, y = 3 }\n[answers]\nf = 1e400\n')
    message = error_of("check", str(hw))
    assert message == f"{hw}, line 5: answer 'f' is too large for a float64; at most ~1e308"


def test_f20_a_backwards_range_of_steps_is_named(tmp_path: Path) -> None:
    message = error_of("slides", "(x+y)*z", *AT, "--out", str(tmp_path / "d"), "--steps", "5-3")
    assert message == "--steps '5-3' runs backwards; write 3-5"


def test_f21_an_out_that_is_a_file_asks_for_a_directory(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("mine\n")
    message = error_of("slides", "(x+y)*z", *AT, "--out", str(afile), "--format", "svg")
    assert message.startswith(f"--out '{afile}' is a file; give a directory") and afile.read_text() == "mine\n"


def test_f22_a_full_disk_adds_no_half_deck_and_keeps_the_earlier_one(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    deck = tmp_path / "deck"
    assert runner.invoke(app, ["slides", "(x+y)*z", *AT, "--out", str(deck), "--format", "svg"]).exit_code == 0
    before = {p.name: p.read_bytes() for p in deck.iterdir()}
    written = []

    def full(self: Path, data: bytes) -> int:   # the disk fills up after two files
        if len(written) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        written.append(self)
        return len(data)

    monkeypatch.setattr(Path, "write_bytes", full)
    message = error_of("slides", "x*y+z", "--at", "x=1,y=2,z=3", "--out", str(deck), "--format", "svg,png")
    assert message == f"cannot write the deck into {deck}/: No space left on device; nothing was changed there"
    assert {p.name: p.read_bytes() for p in deck.iterdir()} == before   # no new file, no staging folder left
