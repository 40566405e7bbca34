"""Start-up (issue #9): what `tutor run` and `tutor grad --json` import before they show anything,
and that `cli.main`'s own reading of their common forms (commands/_direct.py) does exactly what the
typer app does. Behaviour, not timing: benchmarks/bench_engine.py times it."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backprop_tutor.commands._direct import parse
from backprop_tutor.tutor.lesson import builtin, lesson_id

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("sympy", "networkx", "lark", "typer", "click", "pydantic", "pygments", "markdown_it", "graphviz", "numpy")

# Run the CLI with stdout wrapped: at the write that ends the first screen, say which heavy modules
# are loaded, then stop (the rest of the walkthrough is not the first screen).
SPY = f"""
import json, os, sys
HEAVY = {HEAVY!r}
class Screen:
    def __init__(self, real, end):
        self.real, self.end = real, end
    def write(self, text):
        self.real.write(text)
        if self.end in text:
            self.real.flush()
            loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set(HEAVY))
            sys.stderr.write("LOADED " + json.dumps(loaded) + "\\n")
            sys.stderr.flush()
            os._exit(0)
        return len(text)
    def __getattr__(self, name):
        return getattr(self.real, name)
sys.stdout = Screen(sys.stdout, sys.argv.pop(1))
sys.argv[0] = "tutor"
from backprop_tutor.commands.cli import main
main()
"""


def loaded_at_first_screen(args: list[str], end: str, before: str = "") -> list[str]:
    """The heavy modules loaded when the first write holding `end` is made (`before`: code run first)."""
    out = subprocess.run([sys.executable, "-c", before + SPY, end, *args], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "COLUMNS": "100"}, timeout=120)
    lines = [line for line in out.stderr.splitlines() if line.startswith("LOADED ")]
    assert lines, out.stderr
    return json.loads(lines[0][len("LOADED "):])


def test_a_lesson_shows_its_first_screen_before_sympy_networkx_or_pygments() -> None:
    # piped (every screen in order): the first screen ends with its narrative's last words
    assert loaded_at_first_screen(["run", "chain-rule"], "Backpropagation chains them together.") == []
    assert loaded_at_first_screen(["run"], "Backpropagation chains them together.") == []


@pytest.mark.parametrize("lesson", [lesson_id(p) for p in builtin()])
def test_every_lesson_shows_its_first_screen_before_sympy_networkx_markdown_it_or_pygments(lesson: str) -> None:
    # piped, a screen is one write: the one that holds "step 1 of" is the whole first screen, drawn
    assert loaded_at_first_screen(["run", lesson], "step 1 of") == []


def test_the_spy_sees_rich_markdown_when_the_narrative_falls_back() -> None:
    # the check above can fail: with prose.py reading nothing, chain-rule's narrative goes to rich.markdown
    fall_back = "import backprop_tutor.render.prose as prose\nprose.blocks = lambda text: None\n"
    assert loaded_at_first_screen(["run", "chain-rule"], "step 1 of", fall_back) == ["markdown_it", "pygments"]


def test_the_interactive_first_screen_too() -> None:
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal on both ends, as a student has
        os.chdir(ROOT)
        os.environ.update(COLUMNS="100", TERM="xterm")
        os.execv(sys.executable, [sys.executable, "-c", SPY, "[q] quit", "run", "chain-rule"])
    seen, deadline = b"", time.monotonic() + 120
    try:
        while b"LOADED " not in seen or not seen.rstrip().endswith(b"]"):
            assert time.monotonic() < deadline, seen[-500:]
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(fd)
        os.waitpid(pid, 0)
    text = seen.decode("utf-8", "replace")
    assert "step 1 of 14" in text and "[q] quit" in text
    assert json.loads(text.split("LOADED ", 1)[1].splitlines()[0]) == []


def test_grad_json_imports_sympy_and_nothing_else_heavy() -> None:
    code = ("import sys\nsys.argv = ['tutor', 'grad', '(x+y)z', '--at', 'x=-2,y=5,z=-4', '--json']\n"
            "from backprop_tutor.commands.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    first, loaded = out.stdout.splitlines()
    assert json.loads(first)["symbolic"] == {"x": "z", "y": "z", "z": "x + y"}
    assert loaded == "['sympy']"   # no typer, rich, networkx, lark (valid input), numpy


SAME = [
    ["grad", "(x+y)z", "--at", "x=-2,y=5,z=-4", "--json"],
    ["grad", "(x+y)*z", "-a", "x=-2", "--at=y=5,z=-4", "--verify"],
    ["grad", "sigmoid(w*x)", "--at", "w=0.5,x=2", "--expand"],
    ["grad", "x*y", "--at", "x=1"],
    ["grad", "x*", "--at", "x=1", "--json"],
    ["grad", "--file", "missing.txt", "--at", "x=1"],
    ["grad", "--json"],
    ["run", "chain-rule", "--step", "13"],
    ["run", "fan-out", "--all", "-s", "20"],
    ["run", "chain-rule", "--step=99"],
    ["run", "chian-rule"],
    ["run", "lessons/01-chain-rule.toml", "-s", "14"],
]


def tutor(args: list[str], typer_only: bool) -> tuple[int, str, str]:
    """`tutor ARGS` through cli.main: as it runs them, or with the direct path turned off (typer)."""
    off = "from backprop_tutor.commands import _direct\n_direct.dispatch = lambda argv: None\n" if typer_only else ""
    code = f"import sys\n{off}sys.argv = ['tutor', *sys.argv[1:]]\nfrom backprop_tutor.commands.cli import main\nmain()"
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "COLUMNS": "90"}, timeout=300)
    return out.returncode, out.stdout, out.stderr


@pytest.mark.parametrize("args", SAME, ids=" ".join)
def test_the_direct_path_does_what_typer_does(args: list[str]) -> None:
    assert parse(args) is not None, args   # these are read directly...
    assert tutor(args, typer_only=False) == tutor(args, typer_only=True)   # ...to the same bytes and exit code


@pytest.mark.parametrize("args", [
    [], ["--help"], ["grad", "--help"], ["run", "--help"], ["grad", "x", "--jsn"], ["grad", "-x^2", "--at", "x=3"],
    ["grad", "x", "--at"], ["grad", "x", "--at", "-x=1"], ["grad", "x", "--json=1"], ["grad", "x", "y"],
    ["grad", "--", "x"], ["grad", "x", "--file", "a", "--file", "b"], ["grad", "x", "--at-file="],
    ["run", "a", "b"], ["run", "--step", "0"], ["run", "--step", "+3"], ["run", "--step", "1_0"], ["run", "--al"],
    ["run", "-"], ["lessons"], ["explain", "x*y"], ["--version", "run"],
], ids=lambda a: " ".join(a) or "(none)")
def test_every_other_form_goes_to_typer(args: list[str]) -> None:
    assert parse(args) is None


def test_shell_completion_goes_to_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse(["run", "chain-rule"]) == ("run", {"lesson": "chain-rule"})
    monkeypatch.setenv("_TUTOR_COMPLETE", "complete_bash")
    assert parse(["run", "chain-rule"]) is None
