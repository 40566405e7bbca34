"""The Markdown that render/prose.py draws itself, read into blocks as markdown-it reads it (with
Rich's settings: tables and strikethrough on); None for anything outside the subset, which is
then drawn by `rich.markdown.Markdown`.

The subset: paragraphs with **bold**, *italics*, `code` and escaped characters (\\_); bullet lists
("- item"); a table whose lines all start with "|"; a fenced code block (```, no language or
"text") standing between blank lines. Refused: a heading, a quote, a link, HTML, a numbered or
nested list, an emphasis whose reading needs CommonMark's finer rules, odd whitespace.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")   # CommonMark's ASCII punctuation
# what may start a construct outside the subset: HTML or an autolink, an entity, a link or an image,
# strikethrough; at the start of a line a heading, a quote, a link definition; and whitespace that
# Python and markdown-it strip differently
_REFUSED = re.compile(r"[\t\r\0\f\v\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
                      r"|<[A-Za-z/!?]|&(?:#\d+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);|\]\(|\]\[|!\[|~~|^ {0,3}[#>\[]", re.M)
_DELIMITER = re.compile(r"[-:| ]*-[-:| ]*")              # a line that may be a table's second one
_RULE = re.compile(r"[-=*_ ]+")                        # a line of these is a rule or a setext underline
_MARKER = re.compile(r"(?:[-+*]|\d+[.)])(?: |$)")      # a list item's marker at the start of a line
_FENCE = re.compile(r"(`{3,})([^`]*)")                 # a code fence's opening line (at the margin)
_ALIGN = re.compile(r" *(:?)-+(:?) *")                 # a column of a table's delimiter line

Inline = list[tuple[str, str]]   # ("text", s) | ("soft", "") | ("open", tag) | ("close", tag) | ("code", s)
Block = tuple[str, Any]          # ("p", Inline) | ("ul", [Inline]) | ("table", Table) | ("code", str)
Table = tuple[list[str], list[Inline], list[list[Inline]]]   # each column's justify, the header, the rows


def blocks(markdown: str) -> list[Block] | None:
    """The blocks of `markdown`, or None when it is outside the subset."""
    out: list[Block] = []
    lines = markdown.strip("\n").split("\n")
    start = i = 0
    while i < len(lines):   # fenced code first: its lines are not Markdown
        fence = _FENCE.fullmatch(lines[i])
        if fence is None:
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if _closes(lines[j], len(fence[1]))), None)
        if end is None or (i and lines[i - 1].strip(" ")) or (end + 1 < len(lines) and lines[end + 1].strip(" ")):
            return None   # unclosed, or not standing between blank lines
        code = "\n".join(lines[i + 1:end])
        if fence[2].strip(" ") not in ("", "text") or any(unicodedata.category(ch)[0] in "CZ" for ch in code if ch not in " \n"):
            return None   # a language (Pygments colours it); control characters and odd spaces (changed on the way)
        if not _text_blocks("\n".join(lines[start:i]), out):
            return None
        out.append(("code", code))
        start = i = end + 1
    return out if _text_blocks("\n".join(lines[start:]), out) else None


def _closes(line: str, length: int) -> bool:
    """Whether `line` closes a fence opened with `length` backticks (markdown-it's rule)."""
    bare = line.lstrip(" ")
    run = len(bare) - len(bare.lstrip("`"))
    return len(line) - len(bare) <= 3 and run >= length and not bare[run:].strip(" ")


def _text_blocks(markdown: str, out: list[Block]) -> bool:
    """Add the blocks of a text without fences to `out`; False when it is outside the subset."""
    if _REFUSED.search(markdown):
        return False
    markdown = markdown.strip("\n")
    for chunk in re.split(r"\n(?:[ ]*\n)+", markdown) if markdown.strip(" ") else []:
        lines = chunk.split("\n")
        if out and out[-1][0] == "ul" and chunk.startswith(" "):
            return False   # indented after a list: a second paragraph of its last item
        if any(line.endswith("  ") or _RULE.fullmatch(line) or line.startswith("    ") for line in lines):
            return False   # a hard break, a rule or setext heading, an indented code block
        if lines[0].startswith("|") and len(lines) > 1 and _DELIMITER.fullmatch(lines[1]):
            table = _table(lines)
            if table is None:
                return False
            out.append(("table", table))
            continue
        if any(_DELIMITER.fullmatch(line) for line in lines):
            return False   # a table that interrupts a paragraph, or a line markdown-it may read so
        para: list[str] = []
        items: list[list[str]] = []
        for line in lines:
            bare = line.strip()
            if not bare:
                return False
            if line.startswith("- ") and not line.startswith("-  "):
                if _MARKER.match(bare[2:]):
                    return False   # a list inside an item
                items.append([bare[2:]])
            elif _MARKER.match(bare):
                return False   # another list marker, an item indented (nested), or one a paragraph line may not start
            elif items:
                items[-1].append(bare)   # a lazy continuation of the item's paragraph
            else:
                para.append(bare)
        if items and out and out[-1][0] == "ul" and not para:
            return False   # items after a blank line: a loose list
        if para:
            inline = _inline("\n".join(para))
            if inline is None:
                return False
            out.append(("p", inline))
        if items:
            parsed = [_inline("\n".join(item)) for item in items]
            if any(p is None for p in parsed):
                return False
            out.append(("ul", parsed))
    return True


def _table(lines: list[str]) -> Table | None:
    """A table as markdown-it's GFM rule reads it, when every line starts with "|" and no cell
    holds an escaped pipe; its rows end at the chunk's end (a blank line)."""
    if any(not line.startswith("|") or "\\|" in line for line in lines[:1] + lines[2:]):
        return None
    rule = lines[1]   # markdown-it's test of the delimiter line, then its columns' alignment
    if rule[0] not in "|-:" or rule[1:2] not in ("|", "-", ":", " ") or rule[:2] == "- ":
        return None
    columns = rule.split("|")
    justify = []
    for k, column in enumerate(columns):
        if not column.strip(" ") and k in (0, len(columns) - 1):
            continue   # the line's outer pipes
        mark = _ALIGN.fullmatch(column)
        if mark is None:
            return None
        justify.append("center" if mark[1] and mark[2] else "right" if mark[2] else "left" if mark[1] else "default")

    def cells(line: str) -> list[str]:
        parts = line.strip(" ").split("|")
        return parts[1:-1] if parts[-1] == "" else parts[1:]   # lines start with "|"

    header = cells(lines[0])
    if len(header) != len(justify):
        return None
    rows = [cells(line) for line in lines[2:]]
    parsed = [[_inline(cell.strip(" ")) for cell in header]]
    parsed += [[_inline(row[k].strip(" ") if k < len(row) else "") for k in range(len(header))] for row in rows]
    if any(cell is None for row in parsed for cell in row):
        return None
    return justify, parsed[0], parsed[1:]   # type: ignore[return-value]


def _kind(ch: str) -> str | None:
    """space, punct, or word for a neighbour of a `*` run; None where CommonMark's class is unsure."""
    if ch in " \n":
        return "space"
    if ch in _PUNCT:
        return "punct"
    if ch.isascii():
        return "word" if ch.isalnum() else None
    kind = unicodedata.category(ch)[0]
    return "punct" if kind in "PS" else "word" if kind in "LN" else None   # as markdown-it: P and S are punctuation


def _inline(text: str) -> Inline | None:
    """Text, soft breaks, code spans and * emphasis, as markdown-it reads them; None if unsure."""
    out: Inline = []
    literal: list[str] = []
    openers: list[tuple[int, int]] = []   # (index in out, run length) of unmatched * runs
    i, n = 0, len(text)

    def flush() -> None:
        if literal:
            out.append(("text", "".join(literal)))
            literal.clear()

    while i < n:
        ch = text[i]
        if ch == "\\":
            if i + 1 >= n or text[i + 1] not in _PUNCT:
                return None
            literal.append(text[i + 1])
            i += 2
        elif ch == "`":
            end = text.find("`", i + 1)
            if text[i + 1:i + 2] == "`" or end < 0 or text[end + 1:end + 2] == "`":
                return None
            code = text[i + 1:end].replace("\n", " ")
            if code.startswith(" ") and code.endswith(" ") and code.strip():
                code = code[1:-1]
            flush()
            out.append(("code", code))
            i = end + 1
        elif ch == "_":
            return None   # _emphasis_ (lessons escape their subscripts: x\_1)
        elif ch == "\n":
            flush()
            out.append(("soft", ""))
            i += 1
        elif ch == "*":
            run = len(text[i:]) - len(text[i:].lstrip("*"))
            before, after = _kind(text[i - 1] if i else " "), _kind(text[i + run] if i + run < n else " ")
            if run > 2 or before is None or after is None:
                return None
            left = after != "space" and (after != "punct" or before != "word")
            right = before != "space" and (before != "punct" or after != "word")
            # a run both sides may read as opening and closing (inside a word, or between punctuation) closes
            # the run on top, else opens: with equal lengths (1 + 1, 2 + 2) CommonMark's rule of three never bars it
            tag = "em" if run == 1 else "strong"
            if right and openers:
                at, length = openers.pop()
                if length != run:
                    return None
                flush()
                out[at] = ("open", tag)
                out.append(("close", tag))
            elif left:
                flush()
                out.append(("*", "*" * run))   # an opener until its closer comes (else literal)
                openers.append((len(out) - 1, run))
            else:
                literal.append("*" * run)
            i += run
        else:
            literal.append(ch)
            i += 1
    flush()
    return _join([("text", v) if k == "*" else (k, v) for k, v in out])


def _join(parts: Inline) -> Inline:
    """Neighbouring text pieces as one (markdown-it joins what its delimiters left as text)."""
    out: Inline = []
    for kind, value in parts:
        if kind == "text" and out and out[-1][0] == "text":
            out[-1] = ("text", out[-1][1] + value)
        else:
            out.append((kind, value))
    return out
