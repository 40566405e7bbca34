"""The CLI in unusual environments: a terminal that cannot show Unicode, a stdout closed early."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from backprop_tutor.commands._encoding import HANDLER

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "homework"


def tutor(*args, env=None, **kwargs):
    return subprocess.run([sys.executable, "-m", "backprop_tutor", *args], capture_output=True, env=env, **kwargs)


def ascii_env():
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "LANG", "LANGUAGE")}
    return {**env, "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}


@pytest.mark.parametrize("args", [
    ("grad", "(x+y)z", "--at", "x=-2,y=5,z=-4"),
    ("run", "chain-rule", "--all"),
    ("check", str(EXAMPLES / "hw.toml"), "--key", str(EXAMPLES / "key.toml")),
])
def test_an_ascii_terminal_gets_ascii_spellings_not_a_traceback(args):
    r = tutor(*args, env=ascii_env())
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    assert b"Traceback" not in r.stderr and r.stderr == b""
    assert r.stdout.isascii() and b"?" * 2 not in r.stdout   # spelled, not replaced by ???
    if args[0] == "grad":
        assert b"df/dx" in r.stdout or b"df/dinput" in r.stdout


def test_the_ascii_spellings_of_the_tutors_symbols():
    assert "∂f/∂x · 3 ✓ é ─│┼ 中".encode("ascii", HANDLER) == b"df/dx * 3 ok e -|+ ?"


def closed_pipe_run(*args):
    """Run the CLI with a stdout whose reading end is already closed: the first write fails (EPIPE)."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run([sys.executable, "-m", "backprop_tutor", *args], stdout=write,
                              stderr=subprocess.PIPE, timeout=120)
    finally:
        os.close(write)


@pytest.mark.parametrize("args", [
    ("run", "chain-rule", "--all"),
    ("check", str(EXAMPLES / "hw.toml")),   # 1 would mean "an answer is wrong"
    ("--help",),                             # printed by click itself, outside any command
])
def test_a_closed_pipe_exits_141_quietly_never_1(args):
    r = closed_pipe_run(*args)
    assert (r.returncode, r.stderr) == (141, b"")
