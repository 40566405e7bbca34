"""A lesson as ONE self-contained interactive HTML file: every screen's drawing as inline SVG, its
text, stepping (buttons, ←/→ and the other deck keys, a swipe on a touch screen) and the quizzes
answered in the page, with hints, the true value and a score. No network, no server, no external
script or font: it opens from a file:// URL, an LMS upload or an e-mail attachment.

The page knows numbers, not maths: each quiz carries its true value, its tolerance (already
multiplied out), its hints, its likely mistakes (the number each gives, in the terminal tutor's
words) and the values of the names an answer may use, all computed in Python. An answer is read
by a small arithmetic parser (numbers, + - * / ^, brackets, those names and a few functions),
never by `eval`. On a projector the drawing fills the window; it has no caption (the step's
equation and the legend are text beside it).

`#5` opens screen 5. Elements carry ids and classes that tests (and screen readers) rely on:
`#prev`, `#next`, `#count`, `#score`, `section.screen`, `input.answer`, `button.check`,
`button.reveal`, `.said`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html import escape

from .labels import THEMES, Theme


@dataclass
class Table:
    """A table under the drawing: a caption, a header row, rows of text; `kinds` colour a column
    as values ("v") or gradients ("g")."""

    caption: str
    header: list[str]
    rows: list[list[str]]
    kinds: list[str] = field(default_factory=list)


@dataclass
class Quiz:
    """What the page needs to judge an answer: all numbers computed in Python."""

    prompt: str
    asked: str                      # what is asked, in symbols: ∂f/∂q
    expected: float
    shown: str                      # the true value as the screens print it: -4, 1/3, 0.20
    tolerance: float                # absolute: |answer - expected| <= tolerance is right
    hints: list[str]
    names: dict[str, float]         # the names an answer may use, at the lesson's point
    formula: str = ""               # the lesson's formula for the answer, if it gives one
    tries: int = 3
    mistakes: list[list] = field(default_factory=list)  # [number, words]: the first one near a wrong answer names it
    mistake_tolerance: float = 0.0  # how near


@dataclass
class Page:
    """One screen of the lesson."""

    kind: str
    title: str
    text: str = ""                  # Markdown (the lesson's narrative)
    svg: bytes = b""                # the drawing
    svg_after: bytes = b""          # a quiz's drawing once it is answered (its number revealed)
    notes: list[str] = field(default_factory=list)   # the step's equation and what the gate does
    tables: list[Table] = field(default_factory=list)
    quiz: Quiz | None = None
    program: str = ""               # the drawn graph's program, written under it with the legend


def markdown(text: str) -> str:
    """A lesson's Markdown as HTML; raw HTML in it is escaped, not passed through."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).render(text.strip())


def _svg(svg: bytes, prefix: str) -> str:
    """An SVG file's markup inline: no XML prolog, no fixed size (CSS fits it), ids unique per page."""
    text = svg.decode("utf-8")
    text = text[text.index("<svg"):]
    head, rest = text.split(">", 1)
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    return re.sub(r'\bid="', f'id="{prefix}-', head + ">" + rest)


def _table(t: Table) -> str:
    cls = lambda k: f' class="{t.kinds[k]}"' if k < len(t.kinds) and t.kinds[k] else ""  # noqa: E731
    head = "".join(f"<th{cls(k)}>{escape(h)}</th>" for k, h in enumerate(t.header))
    rows = "".join("<tr>" + "".join(f"<td{cls(k)}>{escape(c)}</td>" for k, c in enumerate(r)) + "</tr>" for r in t.rows)
    caption = f"<caption>{escape(t.caption)}</caption>" if t.caption else ""
    return f'<table>{caption}{f"<thead><tr>{head}</tr></thead>" if t.header else ""}<tbody>{rows}</tbody></table>'


def _legend(p: Page, th: Theme | None = None) -> str:
    """Under a drawing: its program, and how to read it (the drawing itself has no caption).
    With a theme, coloured inline (a notebook cell has not the page's style sheet)."""
    if not p.svg:
        return ""
    program = f"<code>{escape(p.program)}</code> " if p.program else ""
    v, g = ((f' style="color:{th.value}"', f' style="color:{th.grad};font-style:italic;margin-left:1em"')
            if th else ("", ""))
    return (f'<p class="legend">{program}<span class="v"{v}>value above the wire</span> '
            f'<span class="g"{g}>gradient below, boxed</span></p>')


def _quiz(q: Quiz, k: int) -> str:
    return (f'<div class="quizbox" data-quiz="{k}"><p class="prompt"><b>Quiz:</b> {escape(q.prompt)}</p>'
            f'<form class="ask" autocomplete="off"><input class="answer" aria-label="your answer" '
            f'placeholder="a number or a formula" maxlength="500" spellcheck="false">'
            '<button class="check" type="submit">Check</button>'
            '<button class="reveal" type="button">Show the answer</button></form>'
            '<ul class="said" aria-live="polite"></ul></div>')


def _section(p: Page, k: int, q: int) -> str:
    """Screen `k` (0-based); its quiz, if any, is the page's quiz number `q`."""
    figure = ""
    if p.svg:
        after = f'<div class="after" hidden>{_svg(p.svg_after, f"p{k + 1}a")}</div>' if p.svg_after else ""
        figure = f'<figure><div class="before">{_svg(p.svg, f"p{k + 1}")}</div>{after}</figure>'
    body = [f"<h2>{escape(p.title)}</h2>" if p.title else "", _legend(p)]
    body += [f'<div class="eq">{"".join(f"<div>{escape(n)}</div>" for n in p.notes)}</div>' if p.notes else ""]
    body += [f'<div class="text">{markdown(p.text)}</div>' if p.text.strip() else ""]
    body += [_table(t) for t in p.tables]
    body += [_quiz(p.quiz, q) if p.quiz else ""]
    body += ['<p class="final-score"></p>' if p.kind == "end" else ""]
    return (f'<section class="screen {p.kind}{" nofig" if not figure else ""}" id="screen-{k + 1}" '
            f'data-screen="{k + 1}"{" hidden" if k else ""}>{figure}<div class="panel">{"".join(body)}</div></section>')


def _css(theme: str) -> str:
    th = THEMES[theme]
    return (f"html,body{{height:100%}}body{{margin:0;background:{th.bg};color:{th.fg};"
            "font-family:Helvetica,Arial,sans-serif;display:flex;flex-direction:column;overflow:hidden}"
            "header{flex:0 0 auto;padding:.4rem 1rem;display:flex;gap:1rem;align-items:center;"
            f"border-bottom:1px solid {th.muted};font-size:clamp(.9rem,1.4vw,1.6rem)}}"
            "header .title{font-weight:bold;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}"
            "nav{margin-left:auto;display:flex;gap:.5rem;align-items:center;white-space:nowrap}"
            f"button{{font-size:inherit;padding:.15rem .7rem;background:{th.bg};color:{th.fg};"
            f"border:2px solid {th.fg};border-radius:.4rem;cursor:pointer}}button:disabled{{opacity:.4}}"
            "main{flex:1 1 auto;min-height:0;position:relative}"
            "section.screen{position:absolute;inset:0;display:flex;flex-direction:column}"
            "section.screen[hidden]{display:none}"
            "figure{flex:1 1 0;min-height:35%;margin:0;padding:.3rem}"
            "figure>div{width:100%;height:100%}figure>div[hidden]{display:none}"
            "figure svg{width:100%;height:100%;display:block}"
            "section.screen .panel{flex:0 1 auto;max-height:45%;overflow:auto;padding:0 1.2rem .6rem;"
            "font-size:clamp(1rem,1.5vw,1.8rem);line-height:1.4}"
            "section.screen.nofig .panel{max-height:none;flex:1 1 auto;min-height:0;"
            "font-size:clamp(1.1rem,2vw,2.2rem);width:100%;max-width:60em;margin:0 auto;box-sizing:border-box}"
            ".panel h2{margin:.4rem 0;font-size:1.2em}.legend{margin:0 0 .3rem;font-size:.8em}.legend span+span{margin-left:1em}.eq{font-size:1.05em}.eq div+div{opacity:.8;font-size:.9em}"
            f".v{{color:{th.value}}}.g{{color:{th.grad};font-style:italic}}"
            f"table{{border-collapse:collapse;margin:.5rem 0}}td,th{{border:1px solid {th.muted};padding:.15rem .6rem;"
            "text-align:right}td:first-child,th:first-child{text-align:left}caption{text-align:left;font-weight:bold;white-space:nowrap}"
            f"code{{background:{th.fill}40;padding:0 .2em}}"
            f".quizbox{{border:2px solid {th.line};border-radius:.5rem;padding:.3rem .8rem;margin:.5rem 0}}"
            ".quizbox input{font-size:inherit;width:12em;padding:.1rem .3rem}.quizbox form{display:flex;gap:.5rem;flex-wrap:wrap}"
            f".said li.right{{color:{th.value}}}.said li.wrong{{color:{th.line}}}.said li.note{{color:{th.muted}}}"
            "@media print{body{display:block;overflow:visible}header nav{display:none}main{position:static}"
            "section.screen,section.screen[hidden]{position:static;display:flex;height:100vh;page-break-after:always}}")


_SCRIPT = r"""
(function () {
  "use strict";
  const screens = Array.from(document.querySelectorAll("section.screen"));
  const quizzes = JSON.parse(document.getElementById("quiz-data").textContent);
  const count = document.getElementById("count"), scoreEl = document.getElementById("score");
  const state = quizzes.map(() => ({tries: 0, done: null}));   // done: null, "right", "revealed"
  let at = 0;

  function show(k) {
    at = Math.max(0, Math.min(screens.length - 1, k));
    screens.forEach((s, j) => { s.hidden = j !== at; });
    document.body.dataset.current = String(at + 1);
    count.textContent = (at + 1) + " / " + screens.length;
    document.getElementById("prev").disabled = at === 0;
    document.getElementById("next").disabled = at === screens.length - 1;
    try { history.replaceState(null, "", "#" + (at + 1)); } catch (e) { /* some file:// viewers refuse */ }
  }

  function scoreLine() {
    const total = quizzes.length, answered = state.filter((s) => s.done).length;
    const right = state.filter((s) => s.done === "right").length;
    if (!total) return "";
    if (answered === total) return "Score: " + right + " of " + total + " quiz questions right.";
    if (!answered) return "No quiz answered yet (" + total + " in this lesson).";
    return "Score: " + right + " of " + answered + " answered so far (" + total + " quizzes in this lesson).";
  }
  function updateScore() {
    const line = scoreLine();
    scoreEl.textContent = line;
    document.querySelectorAll(".final-score").forEach((p) => { p.textContent = line; });
  }

  // A tiny arithmetic reader: numbers, names the quiz allows, + - * / ^ (or **), brackets, implicit
  // products such as 2x or (x+y)z, and a few functions. It builds numbers, never code.
  const FUNCS = {exp: Math.exp, log: Math.log, ln: Math.log, sqrt: Math.sqrt, abs: Math.abs, tanh: Math.tanh,
                 sin: Math.sin, cos: Math.cos, sigmoid: (x) => 1 / (1 + Math.exp(-x)), relu: (x) => Math.max(0, x),
                 max: Math.max, min: Math.min};
  function read(text, names, override) {
    const src = text.replace(/[−–]/g, "-").replace(/[·×]/g, "*").replace(/\*\*/g, "^");
    const tokens = [], literals = [];
    let usesNames = false;
    const re = /\s*(?:(\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(\S))/y;
    let m;
    re.lastIndex = 0;
    while (re.lastIndex < src.length && (m = re.exec(src))) {
      if (m[1] !== undefined) tokens.push({n: parseFloat(m[1]), text: m[1], k: literals.push(m[1]) - 1});
      else if (m[2] !== undefined) tokens.push({id: m[2]});
      else if ("+-*/^(),".includes(m[3])) tokens.push({op: m[3]});
      else throw new Error("unexpected " + JSON.stringify(m[3]));
      if (/^\s*$/.test(src.slice(re.lastIndex))) break;
    }
    let i = 0, depth = 0;
    const peek = () => tokens[i], isOp = (c) => tokens[i] && tokens[i].op === c;
    function expect(c) { if (!isOp(c)) throw new Error("expected " + JSON.stringify(c)); i++; }
    function sum() {
      if (++depth > 200) throw new Error("too deeply nested");
      let v = product();
      while (isOp("+") || isOp("-")) { const o = tokens[i++].op; const w = product(); v = o === "+" ? v + w : v - w; }
      depth--;
      return v;
    }
    function startsPrimary(t) { return t && (t.n !== undefined || t.id !== undefined || t.op === "("); }
    function product() {
      let v = unary();
      for (;;) {
        if (isOp("*")) { i++; v *= unary(); }
        else if (isOp("/")) { i++; v /= unary(); }
        else if (startsPrimary(peek())) v *= power();   // implicit product: 2x, (x+y)z
        else return v;
      }
    }
    function unary() {
      if (isOp("-")) { i++; return -unary(); }
      if (isOp("+")) { i++; return unary(); }
      return power();
    }
    function power() {
      const base = primary();
      if (isOp("^")) { i++; return Math.pow(base, unary()); }
      return base;
    }
    function primary() {
      const t = tokens[i++];
      if (!t) throw new Error("the answer ends too early");
      if (t.n !== undefined) return override ? override[t.k] : t.n;
      if (t.op === "(") { const v = sum(); expect(")"); return v; }
      if (t.id !== undefined) {
        if (isOp("(") && Object.prototype.hasOwnProperty.call(FUNCS, t.id)) {
          i++;
          const args = [sum()];
          while (isOp(",")) { i++; args.push(sum()); }
          expect(")");
          return FUNCS[t.id].apply(null, args);
        }
        if (Object.prototype.hasOwnProperty.call(names, t.id)) { usesNames = true; return names[t.id]; }
        if (t.id === "pi") return Math.PI;
        if (t.id === "e") return Math.E;
        throw new Error("unknown name " + JSON.stringify(t.id) +
                        (Object.keys(names).length ? "; you can use " + Object.keys(names).join(", ") : ""));
      }
      throw new Error("unexpected " + JSON.stringify(t.op));
    }
    if (!tokens.length) throw new Error("the answer is empty");
    const v = sum();
    if (i < tokens.length) throw new Error("unexpected " + JSON.stringify(tokens[i].op || tokens[i].id || tokens[i].n));
    return {value: v, literals: literals, usesNames: usesNames};
  }
  // Numbers read off the screen are rounded: a computation typed from them is right when the true
  // value is within reach of their rounding (half a unit of each literal's last digit, for literals
  // of two or more significant digits), as the terminal tutor judges it.
  function halfUnit(lit) {
    const parts = lit.toLowerCase().split("e"), mantissa = parts[0], exponent = parseInt(parts[1] || "0", 10);
    const digits = mantissa.replace(".", "").replace(/^0+/, "");
    if (!mantissa.includes(".") || digits.length < 2) return 0;
    return 0.5 * Math.pow(10, -mantissa.split(".")[1].length + exponent);
  }
  function withinRounding(text, names, literals, expected, slack) {
    const spread = literals.map(halfUnit);
    if (!spread.some((h) => h > 0) || literals.length > 6) return false;
    let lo = Infinity, hi = -Infinity;
    for (let mask = 0; mask < (1 << literals.length); mask++) {
      const corner = literals.map((lit, k) => parseFloat(lit) + ((mask >> k) & 1 ? 1 : -1) * spread[k]);
      const v = read(text, names, corner).value;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return lo - slack <= expected && expected <= hi + slack;
  }
  function fmt(x) {
    if (Number.isInteger(x)) return String(x);
    return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5 ? String(Number(x.toPrecision(6))) : x.toPrecision(3);
  }

  function say(box, text, cls) {
    const li = document.createElement("li");
    li.textContent = text;
    li.className = cls;
    box.querySelector(".said").appendChild(li);
  }
  function finish(box, q, done) {
    state[q].done = done;
    box.querySelector("input.answer").disabled = true;
    box.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    const fig = box.closest("section").querySelector("figure .after");
    if (fig) { fig.hidden = false; fig.previousElementSibling.hidden = true; }
    updateScore();
  }
  function answer(box, q, text) {
    const quiz = quizzes[q], st = state[q];
    if (st.done) return;
    const typed = text.trim();
    let got, read_;
    try {
      if (typed.length > 500) throw new Error("the answer is longer than 500 characters");
      read_ = read(typed, quiz.names);
      got = read_.value;
      if (!isFinite(got)) throw new Error("it is not a finite number here");
    } catch (err) {   // an unreadable answer does not use up a try
      say(box, "I cannot use " + JSON.stringify(typed) + ": " + err.message +
               ". Type a number such as -4 or a formula such as z.", "note");
      return;
    }
    const shown = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(typed) ? typed : typed + " = " + fmt(got);
    const truth = quiz.asked + " = " + (quiz.formula ? quiz.formula + " = " : "") + quiz.shown;
    let close = Math.abs(got - quiz.expected) <= quiz.tolerance * (1 + 1e-12);
    if (!close && !read_.usesNames) close = withinRounding(typed, quiz.names, read_.literals, quiz.expected, quiz.tolerance);
    if (close) {
      say(box, "Correct: " + truth + ".", "right");
      finish(box, q, "right");
      return;
    }
    st.tries += 1;
    if (st.tries >= quiz.tries) {
      say(box, "Not quite (" + shown + "). The answer is " + truth + ".", "wrong");
      finish(box, q, "revealed");
    } else {   // the likely mistake (the diagnoser's, computed in Python), then the next hint
      const mistake = quiz.mistakes.find((m) => Math.abs(got - m[0]) <= quiz.mistakeTolerance);
      const hint = quiz.hints.length ? " Hint: " + quiz.hints[Math.min(st.tries, quiz.hints.length) - 1] : "";
      say(box, "Not quite (" + shown + ")." + (mistake ? " " + mistake[1] : "") + hint, "wrong");
    }
  }
  document.querySelectorAll("div.quizbox").forEach((box) => {
    const q = parseInt(box.dataset.quiz, 10);
    box.querySelector("form").addEventListener("submit", (e) => {
      e.preventDefault();
      const input = box.querySelector("input.answer");
      answer(box, q, input.value);
      input.select();
    });
    box.querySelector("button.reveal").addEventListener("click", () => {
      const quiz = quizzes[q];
      say(box, "The answer is " + quiz.asked + " = " + (quiz.formula ? quiz.formula + " = " : "") + quiz.shown + ".",
          "wrong");
      finish(box, q, "revealed");
    });
  });

  document.addEventListener("keydown", (e) => {
    if (e.target.closest && e.target.closest("input, textarea, select")) return;  // typing an answer
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const next = ["ArrowRight", "PageDown", " ", "ArrowDown"], prev = ["ArrowLeft", "PageUp", "ArrowUp"];
    if (next.includes(e.key)) show(at + 1);
    else if (prev.includes(e.key)) show(at - 1);
    else if (e.key === "Home") show(0);
    else if (e.key === "End") show(screens.length - 1);
    else return;
    e.preventDefault();
  });
  document.getElementById("prev").addEventListener("click", () => show(at - 1));
  document.getElementById("next").addEventListener("click", () => show(at + 1));
  let touch = null;   // a horizontal swipe turns the page, as in a photo viewer
  const main = document.querySelector("main");
  main.addEventListener("touchstart", (e) => {
    touch = e.touches.length === 1 ? {x: e.touches[0].clientX, y: e.touches[0].clientY} : null;
  }, {passive: true});
  main.addEventListener("touchend", (e) => {
    if (!touch || !e.changedTouches.length) return;
    const dx = e.changedTouches[0].clientX - touch.x, dy = e.changedTouches[0].clientY - touch.y;
    touch = null;
    if (Math.abs(dx) > 50 && Math.abs(dx) > 2 * Math.abs(dy)) show(dx < 0 ? at + 1 : at - 1);
  }, {passive: true});
  updateScore();
  show((parseInt(location.hash.slice(1), 10) || 1) - 1);
})();
"""


def _json(data: object) -> str:
    """JSON safe inside a <script> element: no "</script>" can close it early."""
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def lesson_html(pages: list[Page], title: str, subtitle: str = "", theme: str = "light") -> str:
    """The whole interactive page of a lesson's `pages`, as one HTML document."""
    quizzes = [p.quiz for p in pages if p.quiz is not None]
    data = [{"asked": q.asked, "expected": q.expected, "shown": q.shown, "tolerance": q.tolerance, "hints": q.hints,
             "names": q.names, "formula": q.formula, "tries": q.tries, "mistakes": q.mistakes,
             "mistakeTolerance": q.mistake_tolerance} for q in quizzes]
    sections, q = [], 0
    for k, p in enumerate(pages):
        sections.append(_section(p, k, q))
        q += p.quiz is not None
    sub = f" <code>{escape(subtitle)}</code>" if subtitle else ""
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{_css(theme)}</style></head>\n"
            f"<body data-current=\"1\"><header><span class=\"title\">{escape(title)}{sub}</span>"
            "<span id=\"score\" aria-live=\"polite\"></span>"
            "<nav><button id=\"prev\" title=\"previous (←)\" aria-label=\"previous\">←</button>"
            f"<span id=\"count\">1 / {len(pages)}</span>"
            "<button id=\"next\" title=\"next (→)\" aria-label=\"next\">→</button></nav></header>\n<main>\n"
            + "\n".join(sections) + "\n</main>\n"
            f"<script type=\"application/json\" id=\"quiz-data\">{_json(data)}</script>\n"
            f"<script>{_SCRIPT}</script></body></html>\n")


def page_html(p: Page, heading: str = "", theme: str = "light", answered: bool = False) -> str:
    """One page as static HTML (a notebook cell's output): the drawing, then the text and tables.
    `answered`: show a quiz's drawing with its number revealed."""
    th = THEMES[theme]
    svg = p.svg_after if answered and p.svg_after else p.svg
    figure = f"<div style='max-width:100%;overflow:auto'>{_svg(svg, 'nb')}</div>" if svg else ""
    parts = [f"<p style='color:{th.muted};margin:0'>{escape(heading)}</p>" if heading else "",
             f"<h3>{escape(p.title)}</h3>" if p.title else "", figure, _legend(p, th)]
    parts += [f"<div>{''.join(f'<div>{escape(n)}</div>' for n in p.notes)}</div>" if p.notes else ""]
    parts += [markdown(p.text) if p.text.strip() else ""]
    parts += [_table(t) for t in p.tables]
    if p.quiz is not None:
        parts.append(f"<p><b>Quiz:</b> {escape(p.quiz.prompt)}</p>")
    return f"<div class='backprop-screen'>{''.join(parts)}</div>"
