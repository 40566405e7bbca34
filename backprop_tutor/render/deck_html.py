"""The deck as ONE self-contained HTML file: every slide's SVG inline, the step text beside it,
←/→ keys (also PageUp/PageDown, space, Home/End) and clicks to navigate. No network, no external
script or font, so it opens from a USB stick in a lecture hall.

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
    return (f"body{{margin:0;background:{th.bg};color:{th.fg};font-family:Helvetica,Arial,sans-serif}}"
            "header{padding:.6rem 1.2rem;font-size:1.1rem;display:flex;gap:1rem;align-items:center}"
            "header code{font-size:1.1rem}nav{margin-left:auto;display:flex;gap:.5rem;align-items:center}"
            f"button{{font-size:1.3rem;padding:.2rem .8rem;background:{th.bg};color:{th.fg};"
            f"border:2px solid {th.fg};border-radius:.4rem;cursor:pointer}}"
            "section.slide{display:flex;flex-wrap:wrap;gap:1.5rem;padding:0 1.2rem;align-items:flex-start}"
            "section.slide[hidden]{display:none}figure{flex:4 1 40rem;margin:0;cursor:pointer}"
            "figure svg{width:100%;height:auto;max-height:82vh}aside{flex:1 1 16rem;font-size:1.25rem}"
            f"aside h2{{font-size:1.3rem}}aside .eq{{font-size:1.4rem;line-height:1.6}}"
            f".legend .v{{color:{th.value}}}.legend .g{{color:{th.grad};font-style:italic}}"
            "@media print{nav{display:none}section.slide[hidden]{display:flex}section.slide{page-break-after:always}}")


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
    """Write the self-contained HTML deck of the slides `svgs` (0-based step index -> SVG)."""
    slides = []
    for k, (i, svg) in enumerate(svgs.items()):
        eq = "".join(f"<div>{escape(line)}</div>" for line in equation(t, i))
        slides.append(f'<section class="slide" id="step-{i + 1}" data-step="{i + 1}"{" hidden" if k else ""}>'
                      f"<figure>{_inline(svg, i)}</figure><aside><h2>{escape(title(t, i))}</h2>"
                      f'<div class="eq">{eq}</div><p>{escape(_explain(t, i))}</p>'
                      '<p class="legend"><span class="v">value above each wire</span>, '
                      '<span class="g">gradient below it, boxed</span>.</p></aside></section>')
    page = ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width\"><title>{escape(program_line(t))}</title>"
            f"<style>{_css(theme)}</style></head>\n<body data-current=\"1\"><header><b>{escape(heading)}</b> "
            f"<code>{escape(program_line(t))}</code><nav><button id=\"prev\" title=\"previous (←)\">←</button>"
            f"<span id=\"count\">1 / {len(svgs)}</span><button id=\"next\" title=\"next (→)\">→</button>"
            "</nav></header>\n<main>\n" + "\n".join(slides) + f"\n</main>\n<script>{_SCRIPT}</script></body></html>\n")
    path.write_text(page, encoding="utf-8")
