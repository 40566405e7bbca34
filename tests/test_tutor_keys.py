"""The interactive tutor on readchar's path (the Windows console, where termios is missing): its key
codes drive the same loop as a POSIX terminal's escape sequences, which tests/test_tutor_pty.py
drives through a real pseudo-terminal."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable

import pytest
import readchar
from rich.console import Console

from backprop_tutor.tutor import session
from backprop_tutor.tutor.lesson import find
from backprop_tutor.tutor.screens import build
from backprop_tutor.tutor.session import BACK, NEXT, QUIT


def console_keys(monkeypatch: pytest.MonkeyPatch, typed: list[str]) -> Callable:
    """readchar as on Windows: its Windows key codes, fed from `typed` (Ctrl-C raises, as readchar's does)."""
    win = pytest.importorskip("readchar._win_key")          # readchar's Windows codes: constants only
    monkeypatch.setattr(readchar, "key", win)
    pending = iter(typed)

    def readkey() -> str:
        k = next(pending)
        if k == win.CTRL_C:
            raise KeyboardInterrupt
        return k

    monkeypatch.setattr(readchar, "readkey", readkey)
    return lambda: contextlib.nullcontext(session._readchar_keys())


def test_windows_keys_step_and_quit(monkeypatch: pytest.MonkeyPatch) -> None:
    win = pytest.importorskip("readchar._win_key")
    keys = console_keys(monkeypatch, [win.RIGHT, win.LEFT, win.ENTER, win.ESC, "n", "b", "q", win.UP, win.CTRL_C])
    assert [session.read_key(keys) for _ in range(8)] == [NEXT, BACK, NEXT, QUIT, NEXT, BACK, QUIT, ""]
    with pytest.raises(KeyboardInterrupt):                     # Ctrl-C: exit 130, as on POSIX
        session.read_key(keys)


def test_windows_answer_line_editing(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    win = pytest.importorskip("readchar._win_key")
    keys = console_keys(monkeypatch, ["1", "2", win.BACKSPACE, "3", win.ENTER,
                                      "b", "*", "2", win.ENTER,                # letters are answer text
                                      "x", win.LEFT, win.ESC, "é", win.ENTER])
    assert session.read_answer("? ", keys) == ("answer", "13")
    assert "12\b \b3" in capsys.readouterr().out               # echoed, and the erased 2 wiped
    assert session.read_answer("? ", keys) == ("answer", "b*2")
    assert session.read_answer("? ", keys) == ("key", BACK)
    assert session.read_answer("? ", keys) == ("key", QUIT)
    assert session.read_answer("? ", keys) == ("answer", "é")


def test_a_lesson_runs_on_windows_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    win = pytest.importorskip("readchar._win_key")
    # step 3 asks for f: a wrong number, then the formula q*z (= -12 at the lesson's point); → then Esc
    keys = console_keys(monkeypatch, ["5", win.ENTER, "q", "*", "z", win.ENTER, win.RIGHT, win.ESC])
    screens = build(find("chain-rule"))
    console = Console(file=io.StringIO(), width=100, color_system=None)
    right, answered, total = session.interact(screens, "chain-rule", console, 3,
                                              key=lambda: session.read_key(keys),
                                              answer=lambda prompt: session.read_answer(prompt, keys))
    assert (right, answered) == (1, 1) and total > 1
    said = next(s.quiz.said for s in screens if s.quiz is not None)
    assert said[0].startswith("Not quite (5).") and said[-1] == "Correct: q*z = -12."
