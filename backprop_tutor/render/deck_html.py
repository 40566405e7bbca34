"""The deck as ONE self-contained HTML file: every slide's SVG inline, the step text under it,
←/→ keys (also PageUp/PageDown, space, Home/End) and clicks to navigate. No network, no external
script or font, so it opens from a USB stick in a lecture hall.

As in `tutor export`'s page (lesson_html.py), the drawing fills the window's width and has no
caption (slides.build draws it with `to_dot(..., caption=False)`): the step's title, equation
and the legend are said once, as text under it (readable at any size, selectable).

`#5` opens slide 5. For tests without a browser driver, `#1&keys=ArrowRight` presses the keys
listed once the page has loaded, and `#1&click=next,figure` clicks those elements (the button
with that id, or the right edge of the slide's picture), through the same handlers as a user.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from .chain import equation, program_line, title
from .graphviz import cut_note, focus
from .labels import THEMES

if TYPE_CHECKING:
    from ..engine.trace import Trace

_SCRIPT = """
(function () {
  const slides = Array.from(document.querySelectorAll("section.slide"));
  const count = document.getElementById("count");
  let at = 0;
  function show(k) {
    at = Math.max(0, Math.min(slides.length - 1, k));
    slides.forEach((s, j) => { s.hidden = j !== at; });
    document.body.dataset.current = String(at + 1);
    count.textContent = (at + 1) + " / " + slides.length;
  }
  function onKey(e) {
    const next = ["ArrowRight", "PageDown", " ", "ArrowDown"], prev = ["ArrowLeft", "PageUp", "ArrowUp"];
    if (next.includes(e.key)) show(at + 1);
    else if (prev.includes(e.key)) show(at - 1);
    else if (e.key === "Home") show(0);
    else if (e.key === "End") show(slides.length - 1);
    else return;
    e.preventDefault();
  }
  document.addEventListener("keydown", onKey);
  document.getElementById("prev").addEventListener("click", () => show(at - 1));
  document.getElementById("next").addEventListener("click", () => show(at + 1));
  slides.forEach((s) => s.querySelector("figure").addEventListener("click", (e) => {
    const box = e.currentTarget.getBoundingClientRect();
    show(e.clientX < box.left + box.width / 3 ? at - 1 : at + 1);  // left third goes back
  }));
  const hash = new URLSearchParams(location.hash.slice(1).replace(/^(\\d+)/, "step=$1"));
  show((parseInt(hash.get("step") || "1", 10) || 1) - 1);
  for (const key of (hash.get("keys") || "").split(",").filter(Boolean)) {
    document.dispatchEvent(new KeyboardEvent("keydown", {key: key, bubbles: true}));
  }
  for (const id of (hash.get("click") || "").split(",").filter(Boolean)) {
    const target = id === "figure" ? slides[at].querySelector("figure") : document.getElementById(id);
    const box = target.getBoundingClientRect();
    target.dispatchEvent(new MouseEvent("click", {bubbles: true, clientX: box.right - 5, clientY: box.top + 5}));
  }
})();
"""


def _inline(svg: bytes, index: int) -> str:
    """An SVG file's markup without its XML prolog, ids made unique per slide."""
    text = svg.decode("utf-8")
    text = text[text.index("<svg"):]
    return re.sub(r'\bid="', f'id="s{index + 1}-', text)


def _css(theme: str) -> str:
    th = THEMES[theme]
    return (f"html,body{{height:100%}}body{{margin:0;background:{th.bg};color:{th.fg};"
            "font-family:Helvetica,Arial,sans-serif;display:flex;flex-direction:column;overflow:hidden}"
            "header{flex:0 0 auto;padding:.4rem 1rem;display:flex;gap:1rem;align-items:center;"
            f"border-bottom:1px solid {th.muted};font-size:clamp(.9rem,1.4vw,1.6rem)}}"
            "header code{font-size:1em}nav{margin-left:auto;display:flex;gap:.5rem;align-items:center;"
            f"white-space:nowrap}}button{{font-size:inherit;padding:.15rem .7rem;background:{th.bg};"
            f"color:{th.fg};border:2px solid {th.fg};border-radius:.4rem;cursor:pointer}}"
            "main{flex:1 1 auto;min-height:0;position:relative}"
            "section.slide{position:absolute;inset:0;display:flex;flex-direction:column}"
            "section.slide[hidden]{display:none}figure{flex:1 1 0;min-height:35%;margin:0;padding:.3rem;"
            "cursor:pointer}figure svg{width:100%;height:100%;display:block}"
            ".panel{flex:0 1 auto;max-height:45%;overflow:auto;padding:0 1.2rem .6rem;"
            "font-size:clamp(1rem,1.5vw,1.8rem);line-height:1.4}.panel h2{margin:.4rem 0;font-size:1.2em}"
            ".panel p{margin:.3rem 0}.legend{font-size:.8em}.legend span+span{margin-left:1em}"
            ".eq{font-size:1.05em}"
            f".legend .v{{color:{th.value}}}.legend .g{{color:{th.grad};font-style:italic}}"
            "@media print{body{display:block;overflow:visible}nav{display:none}main{position:static}"
            "section.slide,section.slide[hidden]{position:static;display:flex;height:100vh;"
            "page-break-after:always}}")


def _explain(t: "Trace", index: int) -> str:
    s = t.steps[index]
    if s.phase == "forward":
        return "Forward pass: the gate computes its value from the values on its input wires."
    if s.wrt is None:
        return "Backward pass starts: the gradient of the output with respect to itself is 1."
    text = "Chain rule: the gradient arriving at the gate (upstream) times the gate's local derivative."
    if s.branches and s.branches > 1:
        text += f" This wire is one of {s.branches} paths; the gradient of its input is their sum."
    return text


def write_html(t: "Trace", svgs: Mapping[int, bytes], path: Path, theme: str = "light",
               heading: str = "Backprop") -> None:
    """Write the self-contained HTML deck of the drawings `svgs` (0-based step index -> SVG without
    its caption): each slide is its drawing, and under it the step's title, equation and legend."""
    slides = []
    for k, (i, svg) in enumerate(svgs.items()):
        eq = "".join(f"<div>{escape(line)}</div>" for line in equation(t, i))
        keep = focus(t, i)
        cut = f'<p class="cut">{escape(cut_note(t, keep))}</p>' if keep is not None else ""
        slides.append(f'<section class="slide" id="step-{i + 1}" data-step="{i + 1}"{" hidden" if k else ""}>'
                      f'<figure>{_inline(svg, i)}</figure><div class="panel"><h2>{escape(title(t, i))}</h2>'
                      f'<div class="eq">{eq}</div><p>{escape(_explain(t, i))}</p>{cut}'
                      '<p class="legend"><span class="v">value above each wire</span>'
                      '<span class="g">gradient below it, boxed</span></p></div></section>')
    page = ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width\"><title>{escape(program_line(t))}</title>"
            f"<style>{_css(theme)}</style></head>\n<body data-current=\"1\"><header><b>{escape(heading)}</b> "
            f"<code>{escape(program_line(t))}</code><nav><button id=\"prev\" title=\"previous (←)\">←</button>"
            f"<span id=\"count\">1 / {len(svgs)}</span><button id=\"next\" title=\"next (→)\">→</button>"
            "</nav></header>\n<main>\n" + "\n".join(slides) + f"\n</main>\n<script>{_SCRIPT}</script></body></html>\n")
    path.write_text(page, encoding="utf-8")
