"""The step-through loop: one screen at a time, driven by single keys, or every screen in order.

Interactive mode needs a terminal on both ends: keys are read one at a time (cbreak mode)
(arrow keys arrive as escape sequences), answers to quizzes as a line in normal mode. When
standard output is not a terminal (or with --all) every screen is printed in order, quizzes
with their answers, so a walkthrough can be piped, saved or diffed.
"""

from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Callable

from rich.console import Console

from ..render.terminal import ScreenView
from .screens import Screen

NEXT, BACK, RESTART, HINT, QUIT = "next", "back", "restart", "hint", "quit"
_KEYS = {"\r": NEXT, "\n": NEXT, " ": NEXT, "n": NEXT, "\x1b[C": NEXT, "\x1bOC": NEXT, "b": BACK, "\x1b[D": BACK,
         "\x1bOD": BACK, "p": BACK, "r": RESTART, "h": HINT, "q": QUIT, "\x03": QUIT, "\x04": QUIT, "\x1b": QUIT}


def _decoder() -> codecs.IncrementalDecoder:
    """A UTF-8 decoder fed byte by byte: é (two bytes) comes out whole, once both have arrived."""
    return codecs.getincrementaldecoder("utf-8")("replace")


def _char(fd: int, decoder: codecs.IncrementalDecoder) -> str:
    """The next character typed (rarely two: a broken sequence and what follows it); Ctrl-D at the end."""
    while True:
        byte = os.read(fd, 1)
        if not byte:  # end of input: as if Ctrl-D were pressed, never an endless loop
            return "\x04"
        out = decoder.decode(byte)
        if out:
            return out


def _escape(fd: int, decoder: codecs.IncrementalDecoder) -> str:
    """The rest of an escape sequence (arrow keys arrive at once; a lone Esc does not)."""
    import select

    key = "\x1b"
    while select.select([fd], [], [], 0.05)[0] and len(key) < 4:
        key += _char(fd, decoder)
    return key


def read_key() -> str:
    """One key press from the terminal on stdin (raw mode), as an action name or ''."""
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd, termios.TCSANOW)  # no flush: keys typed ahead are kept
        decoder = _decoder()
        key = _char(fd, decoder)
        if key == "\x1b":
            key = _escape(fd, decoder)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    return _KEYS.get(key, "")


def read_answer(prompt: str) -> tuple[str, str]:
    """A typed answer ("answer", text), or a navigation key ("key", action) pressed instead.

    Letters are answer text here (b may be a variable), so only the arrows, Esc and Ctrl-C move.
    """
    import termios
    import tty

    fd = sys.stdin.fileno()
    sys.stdout.write(prompt)
    sys.stdout.flush()
    saved = termios.tcgetattr(fd)
    text, decoder = "", _decoder()
    try:
        tty.setcbreak(fd, termios.TCSANOW)  # no flush: keys typed ahead are kept
        while True:
            for ch in _char(fd, decoder):
                if ch == "\x1b":
                    action = _KEYS.get(_escape(fd, decoder), "")
                    if action:
                        return "key", action
                elif ch in ("\x03", "\x04"):
                    return "key", QUIT
                elif ch in ("\r", "\n"):
                    return "answer", text
                elif ch in ("\x7f", "\x08"):
                    if text:
                        text = text[:-1]
                        sys.stdout.write("\b \b")
                elif ch.isprintable():
                    text += ch
                    sys.stdout.write(ch)
            sys.stdout.flush()
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        sys.stdout.write("\r\n")
        sys.stdout.flush()


def score(screens: list[Screen]) -> tuple[int, int, int]:
    """(quizzes answered right, quizzes answered or revealed, quizzes)."""
    quizzes = [s.quiz for s in screens if s.quiz is not None]
    return sum(q.solved is True for q in quizzes), sum(q.solved is not None for q in quizzes), len(quizzes)


def print_all(screens: list[Screen], title: str, console: Console, start: int = 1) -> None:
    """Every screen from `start` on, in order; quizzes show their answers."""
    for i in range(start - 1, len(screens)):
        view = ScreenView(screens[i], i + 1, len(screens), title, reveal=True)
        if console.is_terminal:
            console.print(view)
            console.print()
            continue
        with console.capture() as captured:  # plain text: no padding to the width, so files diff cleanly
            console.print(view)
        console.file.write("\n".join(line.rstrip() for line in captured.get().splitlines()) + "\n\n")


PROMPT = "Your answer (Enter submits, empty skips, ? hint; ←/→ move, Esc quits): "


def interact(screens: list[Screen], title: str, console: Console, start: int = 1,
             key: Callable[[], str] = read_key,
             answer: Callable[[str], tuple[str, str]] = read_answer) -> tuple[int, int, int]:
    """Step through the screens with the keys; returns the score."""
    i, show_hint = start - 1, False
    while True:
        s = screens[i]
        console.clear()
        console.print(ScreenView(s, i + 1, len(screens), title, show_hint=show_hint, keys=True,
                                 score=score(screens) if s.kind == "end" else None))
        show_hint = False
        if s.quiz is not None and s.quiz.solved is None:
            kind, text = answer(PROMPT)
            if kind == "answer":
                if text.strip() == "?":  # each ? gives the next hint: the rule, then the numbers
                    hints, asked = s.quiz.hints(), sum(said.startswith("Hint: ") for said in s.quiz.said)
                    s.quiz.said.append("Hint: " + hints[min(asked, len(hints) - 1)])
                elif not text.strip():
                    s.quiz.solved = False
                    s.quiz.said.append(f"Skipped. The answer is {_answer(s)}.")
                else:
                    s.quiz.said.append(s.quiz.check(text)[1])
                continue
            action = text
        else:
            action = key()
        if action == QUIT:
            return score(screens)
        if action == NEXT:
            if i == len(screens) - 1:
                return score(screens)
            i += 1
        elif action == BACK:
            i = max(i - 1, 0)
        elif action == RESTART:
            for q in (x.quiz for x in screens if x.quiz is not None):
                q.tries, q.solved, q.said = 0, None, []
            i = 0
        elif action == HINT:
            show_hint = True


def _answer(s: Screen) -> str:
    from ..fmt import fmt

    q = s.quiz
    return fmt(q.expected) + (f" (= {q.formula})" if q.formula else "")
