"""Output on a terminal that cannot show Unicode (`LC_ALL=C`, an old Windows console): the
drawings, ∂ and ✓ are spelled in ASCII rather than crashing with UnicodeEncodeError."""

from __future__ import annotations

import codecs
import sys
import unicodedata

HANDLER = "backprop_tutor.ascii"
# The characters the tutor prints, spelled as a reader of plain ASCII would type them.
SPELLINGS = {
    "∂": "d", "·": "*", "×": "x", "−": "-", "–": "-", "—": "-", "→": "->", "←": "<-", "↑": "^", "↓": "v",
    "✓": "ok", "✔": "ok", "✗": "x", "✘": "x", "≈": "~", "≠": "!=", "≤": "<=", "≥": ">=", "…": "...",
    "∇": "grad ", "σ": "sigma", "α": "alpha", "η": "eta", "λ": "lambda", "Σ": "sum", "∑": "sum", "√": "sqrt",
    "∞": "inf", "²": "^2", "³": "^3", "⁻": "^-", "¹": "^1", "•": "*", "‘": "'", "’": "'", "“": '"', "”": '"',
    "▶": ">", "◀": "<", "█": "#", "░": ".", "▒": ":", "▓": "#", "━": "-", "─": "-", "│": "|", "┃": "|",
}


def _ascii(err: UnicodeError) -> tuple[str, int]:
    """Codec error handler: a known spelling, else the character's ASCII base letter (é -> e), else ?."""
    if not isinstance(err, UnicodeEncodeError):
        raise err
    out = []
    for ch in err.object[err.start:err.end]:
        if ch in SPELLINGS:
            out.append(SPELLINGS[ch])
            continue
        base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
        if base:
            out.append(base)
        elif (name := unicodedata.name(ch, "")).startswith("BOX DRAWINGS"):  # table borders
            across, down = "HORIZONTAL" in name, "VERTICAL" in name
            out.append("-" if across and not down else "|" if down and not across else "+")
        else:
            out.append("?")
    return "".join(out), err.end


codecs.register_error(HANDLER, _ascii)


def safe_streams() -> None:
    """Make stdout and stderr spell what their encoding cannot show, instead of raising."""
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            "∂·✓─".encode(encoding)
        except (UnicodeEncodeError, LookupError):
            if hasattr(stream, "reconfigure"):
                stream.reconfigure(errors=HANDLER)
