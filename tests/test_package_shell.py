"""The CLI in a shell: --version, completion (commands, lesson ids, option choices), --theme and
--engine as choices with a did-you-mean, and a mistyped lesson id never read as an expression."""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backprop_tutor.commands import cli
from backprop_tutor.commands.cli import app
from backprop_tutor.commands.slides import Engine, Theme
from backprop_tutor.render.engine import ENGINES
from backprop_tutor.render.labels import THEMES
from backprop_tutor.tutor.lesson import builtin, lesson_id


def complete(words: str) -> list[str]:
    """What bash completion offers for the last word of `words` (typer's protocol, as the shell calls it)."""
    r = CliRunner().invoke(app, [], prog_name="tutor", env={
        "_TUTOR_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))})
    assert r.exit_code == 0, r.output
    return r.stdout.split()


def main(*args: str, capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    """The console script's entry point, in process."""
    argv, sys.argv = sys.argv, ["tutor", *args]
    try:
        with pytest.raises(SystemExit) as stop:
            cli.main()
    finally:
        sys.argv = argv
    out = capsys.readouterr()
    return stop.value.code, out.out, out.err


def test_version(capsys: pytest.CaptureFixture) -> None:
    for flag in ("--version", "-V"):
        code, out, _ = main(flag, capsys=capsys)
        assert code == 0 and out == f"backprop-tutor {version('backprop-tutor')}\n"


def test_completion_offers_commands_lesson_ids_and_choices() -> None:
    assert complete("tutor sl") == ["slides"]
    assert complete("tutor gr") == ["grad", "grade"]
    ids = [lesson_id(p) for p in builtin()]
    assert complete("tutor run ") == ids and complete("tutor run ch") == ["chain-rule"]
    assert complete("tutor slides sig") == [i for i in ids if i.startswith("sig")]
    assert complete("tutor slides x --theme ") == list(THEMES)
    assert complete("tutor grade d --format g") == ["gradescope"]
    r = CliRunner().invoke(app, ["--show-completion", "bash"], prog_name="tutor")
    assert r.exit_code == 0 and "_TUTOR_COMPLETE=complete_bash" in r.stdout
    assert "--install-completion" in CliRunner().invoke(app, ["--help"]).stdout


def test_theme_and_engine_are_the_renderers_choices(capsys: pytest.CaptureFixture) -> None:
    assert [t.value for t in Theme] == list(THEMES)
    assert [e.value for e in Engine] == ["auto", *ENGINES]
    code, out, err = main("slides", "x*y", "--at", "x=1,y=2", "--theme", "drak", capsys=capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "'drak' is not one of 'light', 'dark'. Did you mean 'dark'?" in err and "Value error" not in err
    code, _, err = main("slides", "x*y", "--at", "x=1,y=2", "--engine", "neato", capsys=capsys)
    assert code == 2 and "'neato' is not one of 'auto', 'dot', 'graphviz-pure'" in err


def test_a_mistyped_lesson_id_is_not_read_as_an_expression(tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["slides", "chian-rule", "--out", str(tmp_path / "deck")])
    assert r.exit_code == 2 and "no lesson 'chian-rule'; did you mean 'chain-rule'?" in r.stderr
    assert not (tmp_path / "deck").exists()
    r = runner.invoke(app, ["slides", "activaitons", "--out", str(tmp_path / "deck")])
    assert r.exit_code == 2 and "did you mean 'activations'?" in r.stderr
    # values for its names: the expression chian - rule, as the user asked
    r = runner.invoke(app, ["slides", "chian-rule", "--at", "chian=5,rule=2", "--out", str(tmp_path / "deck"),
                            "--format", "svg", "--engine", "graphviz-pure"])
    assert r.exit_code == 0, r.output
    # near no lesson: an expression, with the expression's error
    r = runner.invoke(app, ["slides", "a-b", "--out", str(tmp_path / "deck2")])
    assert r.exit_code == 2 and "no value for 'a', 'b'" in r.stderr and "lesson" not in r.stderr
    r = runner.invoke(app, ["explain", "chain-rule"])
    assert r.exit_code == 2 and "tutor run chain-rule" in r.stderr
    r = runner.invoke(app, ["run", "chian-rule", "--all"])
    assert r.exit_code == 2 and "did you mean 'chain-rule'?" in r.stderr


def test_install_completion_works_in_a_real_bash(tmp_path: Path) -> None:
    """`tutor --install-completion bash` into a fresh HOME, then bash itself sources it and completes."""
    import os
    import shutil
    import subprocess

    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash on this machine")
    env = {**os.environ, "HOME": str(tmp_path),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    r = CliRunner().invoke(app, ["--install-completion", "bash"], prog_name="tutor", env={"HOME": str(tmp_path)})
    assert r.exit_code == 0, r.output
    assert "source" in (tmp_path / ".bashrc").read_text()
    run = subprocess.run([bash, "-c", "source ~/.bashrc; COMP_WORDS=(tutor run ch); COMP_CWORD=2; "
                                      "_tutor_completion tutor; echo \"${COMPREPLY[@]}\""],
                         env=env, capture_output=True, text=True, timeout=60)
    assert run.stdout.split() == ["chain-rule"], run.stderr


def commands(group, path=()):  # noqa: ANN001 - typer's group of click commands
    """Every command of the app as the words that name it: ('grad',), ('lesson', 'check'), …"""
    for name, command in group.commands.items():
        yield (*path, name)
        yield from commands(command, (*path, name)) if hasattr(command, "commands") else ()


def test_every_help_fits_80_columns_without_cutting_a_word() -> None:
    import typer.main

    group = typer.main.get_command(app)
    every = [(), *commands(group)]
    assert ("grad",) in every and ("lesson", "check") in every
    for words in every:
        r = CliRunner().invoke(app, [*words, "--help"], prog_name="tutor", env={"COLUMNS": "80", "NO_COLOR": "1"})
        assert r.exit_code == 0, (words, r.output)
        lines = r.stdout.splitlines()
        assert "…" not in r.stdout, (words, [line for line in lines if "…" in line])
        assert max(len(line) for line in lines) <= 80, words
