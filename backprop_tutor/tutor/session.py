"""The step-through loop: one screen at a time, driven by single keys, or every screen in order.

Interactive mode needs a terminal on both ends: keys are read one at a time (cbreak mode on
POSIX, where arrow keys arrive as escape sequences; readchar on Windows), answers to quizzes as
a line edited here. When standard output is not a terminal (or with --all) every screen is
printed in order, quizzes with their answers, so a walkthrough can be piped, saved or diffed.
"""

from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, ContextManager

if TYPE_CHECKING:
    from rich.console import Console

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


def _posix_keys(fd: int) -> Iterator[str]:
    """Keys from a terminal in cbreak mode: a character, or a whole escape sequence (an arrow)."""
    decoder = _decoder()
    while True:
        for ch in _char(fd, decoder):
            yield _escape(fd, decoder) if ch == "\x1b" else ch


def _readchar_keys() -> Iterator[str]:
    """Keys from readchar (the Windows console, or wherever termios is missing): its key codes."""
    import readchar

    while True:
        yield readchar.readkey()  # Ctrl-C raises KeyboardInterrupt, as SIGINT does in cbreak mode: exit 130


@contextmanager
def keyboard() -> Iterator[Iterator[str]]:
    """The keys typed on stdin, one at a time.

    On POSIX the terminal is put in cbreak mode without a flush (keys typed ahead are kept) and a
    lone Esc is told from an arrow by a 50 ms wait; readchar's POSIX reader flushes typed-ahead
    input and waits for a second key after Esc, so it is used only where termios is missing.
    """
    try:
        import termios
        import tty
    except ImportError:  # Windows
        yield _readchar_keys()
        return
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd, termios.TCSANOW)  # no flush: keys typed ahead are kept
        yield _posix_keys(fd)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _action(key: str) -> str:
    """What a key does: our keys (letters, POSIX escape sequences), else readchar's codes for the
    platform's arrows, Enter and Esc (Windows: "\\x00M" is →)."""
    import readchar

    k = readchar.key
    theirs = {k.RIGHT: NEXT, k.LEFT: BACK, k.ENTER: NEXT, k.ESC: QUIT,
              getattr(k, "ENTER_2", k.ENTER): NEXT, getattr(k, "ESC_2", k.ESC): QUIT}
    return _KEYS.get(key) or theirs.get(key, "")


def read_key(keys: Callable[[], ContextManager[Iterator[str]]] = keyboard) -> str:
    """One key press from the terminal on stdin, as an action name or ''."""
    with keys() as typed:
        return _action(next(typed))


def read_answer(prompt: str, keys: Callable[[], ContextManager[Iterator[str]]] = keyboard) -> tuple[str, str]:
    """A typed answer ("answer", text), or a navigation key ("key", action) pressed instead.

    Letters are answer text here (b may be a variable), so only the arrows, Esc and Ctrl-C move.
    """
    sys.stdout.write(prompt)
    sys.stdout.flush()
    text = ""
    try:
        with keys() as typed:
            for key in typed:
                if key in ("\x03", "\x04"):
                    return "key", QUIT
                if key in ("\r", "\n"):
                    return "answer", text
                if key in ("\x7f", "\x08"):
                    if text:
                        text = text[:-1]
                        sys.stdout.write("\b \b")
                elif key[:1] in ("\x1b", "\x00"):  # an arrow or Esc (Windows' arrows start with \x00)
                    action = _action(key)
                    if action:
                        return "key", action
                elif key.isprintable():
                    text += key
                    sys.stdout.write(key)
                sys.stdout.flush()
        return "key", QUIT  # pragma: no cover - the keys never run out (end of input is Ctrl-D)
    finally:
        sys.stdout.write("\r\n")
        sys.stdout.flush()


def score(screens: list[Screen]) -> tuple[int, int, int]:
    """(quizzes answered right, quizzes answered or revealed, quizzes)."""
    quizzes = [s.quiz for s in screens if s.quiz is not None]
    return sum(q.solved is True for q in quizzes), sum(q.solved is not None for q in quizzes), len(quizzes)


def print_all(screens: list[Screen], title: str, console: Console, start: int = 1,
              after_first: Callable[[], object] | None = None) -> None:
    """Every screen from `start` on, in order; quizzes show their answers.

    Each screen is flushed as it is printed (a pipe is block-buffered: the first screen would wait
    for the rest), and `after_first` runs once the first one is out."""
    from ..render.terminal import ScreenView

    for i in range(start - 1, len(screens)):
        view = ScreenView(screens[i], i + 1, len(screens), title, reveal=True)
        if console.is_terminal:
            console.print(view)
            console.print()
        else:
            with console.capture() as captured:  # plain text: no padding to the width, so files diff cleanly
                console.print(view)
            console.file.write("\n".join(line.rstrip() for line in captured.get().splitlines()) + "\n\n")
            console.file.flush()
        if after_first is not None and i == start - 1:
            after_first()


def walk(screens: list[Screen], title: str, step: int = 1, show_all: bool = False,
         after_first: Callable[[], object] | None = None) -> None:
    """`tutor run`: the walkthrough from screen `step`, interactive on a terminal (then the score),
    else every screen printed; `after_first` runs once the first screen is shown (the work that
    can wait while the student reads it)."""
    from rich.console import Console

    from ..errors import TutorError

    if step > len(screens):
        raise TutorError(f"--step {step} is past the end: this walkthrough has {len(screens)} steps")
    console = Console()
    if show_all or not (sys.stdout.isatty() and sys.stdin.isatty()):
        print_all(screens, title, console, step, after_first)
        return
    from ..render.terminal import score_line

    def warm() -> None:  # the student reads: import what the next screens need (SymPy, networkx)
        if after_first is not None:
            after_first()
        from ..engine import symbolic  # noqa: F401
        import networkx  # noqa: F401

    right, answered, total = interact(screens, title, console, step, after_first=warm)
    if total:
        console.print(score_line(right, answered, total), highlight=False)


PROMPT = "Your answer (Enter submits, empty skips, ? hint; ←/→ move, Esc quits): "


def interact(screens: list[Screen], title: str, console: Console, start: int = 1,
             key: Callable[[], str] = read_key,
             answer: Callable[[str], tuple[str, str]] = read_answer,
             after_first: Callable[[], object] | None = None) -> tuple[int, int, int]:
    """Step through the screens with the keys; returns the score. `after_first` runs once the
    first screen is shown, before the first key is read."""
    from ..render.terminal import ScreenView

    i, show_hint = start - 1, False
    while True:
        s = screens[i]
        console.clear()
        console.print(ScreenView(s, i + 1, len(screens), title, show_hint=show_hint, keys=True,
                                 score=score(screens) if s.kind == "end" else None))
        show_hint = False
        if after_first is not None:
            after_first, first = None, after_first
            first()
        if s.quiz is not None and s.quiz.solved is None:
            kind, text = answer(PROMPT)
            if kind == "answer":
                if text.strip() == "?":  # each ? gives the next hint: the rule, then the numbers
                    # the next hint each time: wrong answers already showed some (no verbatim repeats)
                    hints, asked = s.quiz.hints(), sum("Hint: " in said for said in s.quiz.said)
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
