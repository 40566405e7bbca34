"""Every exception a learner can see. Each message is one sentence: what, where, how to fix."""

from __future__ import annotations


class TutorError(Exception):
    """Base: something the user can fix. The CLI prints it on one line; no traceback, exit 2."""


class ParseError(TutorError):
    """The text is not in the input language; the message points at the column."""

    def __init__(self, text: str, line: int, col: int, why: str) -> None:
        self.line, self.col, self.why = line, col, why
        source = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
        if len(source) > 70:  # keep the caret line readable for long input: a window around col
            start = max(0, col - 1 - 35)
            source, col = source[start:start + 70], col - start
        where = f"line {line}, column {col}" if text.count("\n") else f"column {col}"
        super().__init__(f"{why} ({where})\n  {source}\n  {' ' * (col - 1)}^")


class UnknownGateError(ParseError):
    """A call of a function that is not a gate."""


class MissingValueError(TutorError):
    """An input of the expression has no value."""


class ValueInputError(TutorError):
    """A value given for an input is not usable: not a number, or for no input of the expression."""


class DomainError(TutorError):
    """A gate is evaluated outside its domain: log(-1), 1/0, sqrt(-1), overflow."""


class LessonError(TutorError):
    """A lesson file is malformed."""


class HomeworkError(TutorError):
    """A homework or answer-key file is malformed."""
