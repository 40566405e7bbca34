"""A lesson in Jupyter: `bt.lesson("chain-rule")` shows its screens (a step slider where ipywidgets
is installed, every screen as static HTML otherwise); `lesson.step(k)` shows screen k and
`lesson.check(k, answer)` judges an answer to the quiz on screen k, as the terminal tutor does.

    lesson = bt.lesson("chain-rule")
    lesson.step(3)              # the drawing, the text, the quiz's question
    lesson.check(3, -12)        # ✓ or ✗, with a hint; after 3 tries, the answer
    lesson.score()              # Score(right=1, answered=1, total=3): the quizzes answered so far
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any

from ..errors import TutorError
from ..fmt import fmt
from ..render.lesson_html import Page, page_html
from .export import lesson_of, pages
from .lesson import Lesson
from .screens import Screen, build


@dataclass
class Feedback:
    """The verdict on one quiz answer: `correct`, and what the tutor says (a hint, or the answer)."""

    screen: int
    answer: str
    correct: bool
    said: str

    def _repr_html_(self) -> str:
        mark, colour = ("✓", "#1a7f37") if self.correct else ("✗", "#c62828")
        return f"<p><b style='color:{colour}'>{mark}</b> {escape(self.said)}</p>"

    def __repr__(self) -> str:
        return f"{'✓' if self.correct else '✗'} {self.said}"


@dataclass(frozen=True)
class Score:
    """A lesson's quiz score so far: `right` of the `answered` quizzes, of `total` in the lesson.

    `str(score)` is the sentence the terminal tutor says; a notebook shows it as HTML.

    Examples:
        >>> score = Score(right=1, answered=2, total=3)
        >>> score, score.fraction, score.done
        (Score(right=1, answered=2, total=3), 0.3333333333333333, False)
        >>> print(score)
        Score: 1 of 2 answered so far (3 quizzes in this lesson).
    """

    right: int
    answered: int
    total: int

    @property
    def fraction(self) -> float:
        """right / total, in 0..1 (an unanswered quiz counts as not right; 1.0 for a lesson with no quiz)."""
        return self.right / self.total if self.total else 1.0

    @property
    def done(self) -> bool:
        """Every quiz of the lesson is answered (right, or revealed after the tries)."""
        return self.answered == self.total

    def __str__(self) -> str:
        if not self.total:
            return "This lesson has no quiz."
        if self.done:
            return f"Score: {self.right} of {self.total} quiz questions right."
        if not self.answered:
            return f"No quiz answered yet ({self.total} in this lesson)."
        return f"Score: {self.right} of {self.answered} answered so far ({self.total} quizzes in this lesson)."

    def _repr_html_(self) -> str:
        return f"<p><b>{escape(str(self))}</b></p>"


@dataclass
class LessonView:
    """A lesson's screens for a notebook. Display it to browse them; `step(k)` is screen k (1-based)."""

    lesson: Lesson
    screens: list[Screen]
    pages: list[Page]
    theme: str = "light"
    said: dict[int, list[Feedback]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.screens)

    def _page(self, k: int) -> Page:
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= len(self.screens):
            raise TutorError(f"screen {k!r} does not exist; this lesson has screens 1 to {len(self.screens)}")
        return self.pages[k - 1]

    def step(self, k: int) -> "ScreenView":
        """Screen k (1-based) of the lesson, displayed as HTML: drawing, text, tables, quiz question."""
        self._page(k)
        return ScreenView(self, k)

    def quizzes(self) -> list[int]:
        """The screens (1-based) that ask a quiz."""
        return [k for k, s in enumerate(self.screens, 1) if s.quiz is not None]

    def check(self, k: int, answer: Any) -> Feedback:
        """Judge `answer` (a number, or a formula in the graph's names, as text) to the quiz of screen k.

        Examples:
            >>> import backprop_tutor as bt
            >>> chain = bt.lesson("chain-rule")
            >>> chain.check(3, -10).correct, chain.check(3, "q*z").correct
            (False, True)
        """
        self._page(k)
        quiz = self.screens[k - 1].quiz
        if quiz is None:
            raise TutorError(f"screen {k} has no quiz; the quizzes are on screens "
                             + ", ".join(map(str, self.quizzes())))
        if answer is ... or answer is None:
            return Feedback(k, "", False, "No answer yet: replace ... with your answer and run the cell again.")
        if quiz.solved is not None:
            return Feedback(k, str(answer), bool(quiz.solved), "Already answered: " + (
                "right." if quiz.solved else f"the answer is {fmt(quiz.expected)}."))
        ok, said = quiz.check(str(answer))
        feedback = Feedback(k, str(answer), ok, said)
        self.said.setdefault(k, []).append(feedback)
        return feedback

    def score(self) -> Score:
        """The score so far: a `Score` (right, answered, total); `print()` it for the terminal
        tutor's sentence. A quiz counts as answered once right, or revealed after three tries.

        Examples:
            >>> import backprop_tutor as bt
            >>> chain = bt.lesson("chain-rule")
            >>> chain.score()
            Score(right=0, answered=0, total=3)
            >>> chain.check(3, -12).correct, chain.score().right
            (True, 1)
        """
        quizzes = [s.quiz for s in self.screens if s.quiz is not None]
        answered = [q for q in quizzes if q.solved is not None]
        return Score(sum(bool(q.solved) for q in answered), len(answered), len(quizzes))

    def _heading(self, k: int) -> str:
        return f"screen {k} of {len(self.screens)} · {self.lesson.title}"

    def _screen_html(self, k: int) -> str:
        quiz = self.screens[k - 1].quiz
        return page_html(self._page(k), self._heading(k), self.theme, answered=quiz is not None and quiz.solved is not None)

    def _repr_html_(self) -> str:
        """Every screen, one after another (static HTML: nbconvert, GitHub, no ipywidgets)."""
        return "<hr>".join(self._screen_html(k) for k in range(1, len(self.screens) + 1))

    def _ipython_display_(self) -> None:
        """A step slider over the screens where ipywidgets is installed, else the static HTML."""
        try:
            from IPython.display import HTML, display
        except ImportError:  # pragma: no cover - only IPython calls this hook
            return
        try:
            import ipywidgets as w
        except ImportError:
            display(HTML(self._repr_html_()))
            return
        slider = w.IntSlider(value=1, min=1, max=len(self.screens), description="screen",
                             continuous_update=False)
        shown = w.HTML(self._screen_html(1))
        slider.observe(lambda change: setattr(shown, "value", self._screen_html(change["new"])), names="value")
        display(w.VBox([slider, shown]))

    def __repr__(self) -> str:
        return f"<lesson {self.lesson.id!r}: {self.lesson.title} ({len(self.screens)} screens)>"


@dataclass
class ScreenView:
    """One screen of a LessonView, shown as HTML."""

    lesson: LessonView
    k: int

    def _repr_html_(self) -> str:
        return self.lesson._screen_html(self.k)

    def __repr__(self) -> str:
        s = self.lesson.screens[self.k - 1]
        return f"<screen {self.k} of {len(self.lesson.screens)}: {s.title or s.kind}>"


def lesson(ref: str, at: dict[str, Any] | None = None, expand: bool = False, theme: str = "light",
         engine: str = "auto") -> LessonView:
    """A lesson (a built-in id such as "chain-rule", or a .toml file) or the walkthrough of an
    expression at `at`, ready to display in a notebook (a `LessonView`).

    Display it to browse its screens (a slider with ipywidgets, else every screen as HTML);
    `.step(k)` is screen k, `.quizzes()` the screens with a quiz, `.check(k, answer)` judges an
    answer (a number or a formula, as text) as the terminal tutor does, and `.score()` is a
    `Score(right, answered, total)`. `theme` is "light" or "dark"; `engine` lays out the drawings
    ("auto": the system dot, else graphviz-pure).

    Examples:
        >>> import backprop_tutor as bt
        >>> walk = bt.lesson("(x+y)*z", {"x": -2, "y": 5, "z": -4})
        >>> len(walk), walk.step(2)
        (9, <screen 2 of 9: Forward pass>)
        >>> chain = bt.lesson("chain-rule")
        >>> chain.quizzes()
        [3, 6, 10]
        >>> chain.check(3, -10).correct, chain.check(3, "q*z").correct
        (False, True)
        >>> print(chain.score())
        Score: 1 of 1 answered so far (3 quizzes in this lesson).
    """
    chosen = lesson_of(ref, dict(at or {}), expand)
    screens = build(chosen)
    return LessonView(chosen, screens, pages(screens, theme, engine), theme)
