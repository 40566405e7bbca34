"""Every exception a learner can see. Each message is one sentence: what, where, how to fix."""

from __future__ import annotations


class TutorError(Exception):
    """Base: something the user can fix. The CLI prints it on one line; no traceback, exit 2."""


class ParseError(TutorError):
    """The text is not in the input language; the message points at the column."""

    def __init__(self, text: str, line: int, col: int, why: str) -> None:
        self.line, self.col, self.why = line, col, why
        lines = text.splitlines()
        source = lines[line - 1] if 0 < line <= len(lines) else ""
        where = f"line {line}, column {col:,}" if text.count("\n") else f"column {col:,}"
        shown, caret = window(source, col)
        super().__init__(f"{why} ({where})\n  {shown}\n  {' ' * caret}^")


WIDTH = 70  # characters of a long source line shown around the error's column


def window(source: str, col: int, width: int = WIDTH) -> tuple[str, int]:
    """The part of a long line around the 1-based column `col`, with … where it is cut, and the caret's offset.

    Examples:
        >>> window("x + y", 3)
        ('x + y', 2)
        >>> shown, caret = window("(" * 1000 + "x" + ")" * 1000, 1001, 20)
        >>> len(shown), shown[0], shown[caret], shown[-1]
        (22, '…', 'x', '…')
    """
    if len(source) <= width:
        return source, col - 1
    start = max(0, min(col - 1 - width // 2, len(source) - width))
    shown = source[start:start + width]
    left, right = ("…" if start > 0 else ""), ("…" if start + width < len(source) else "")
    return left + shown + right, col - 1 - start + len(left)


class UnknownGateError(ParseError):
    """A call of a function that is not a gate."""


class MissingValueError(TutorError):
    """An input of the expression has no value."""


class ValueInputError(TutorError):
    """A value given for an input is not usable: not a number, or for no input of the expression."""


class DomainError(TutorError):
    """A gate is evaluated outside its domain: log(-1), 1/0, sqrt(-1), overflow. `node`: the node
    that failed, where known; `what`: the failure without where it happened ("log(0) cannot be
    evaluated: outside its domain") and `fix` the advice ("choose input values where it is
    defined"), for a message that says where in the program's own words."""

    def __init__(self, message: str, node: str | None = None, what: str = "", fix: str = "") -> None:
        super().__init__(message)
        self.node, self.what, self.fix = node, what or message, fix


class LessonError(TutorError):
    """A lesson file is malformed."""


class HomeworkError(TutorError):
    """A homework or answer-key file is malformed."""
