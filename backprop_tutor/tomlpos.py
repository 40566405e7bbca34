"""Where a key is in a TOML text: tomllib gives no line numbers for the errors we find later.

Each line is given the table path TOML gives it (`[[steps]]` number 3 is ("steps", 2),
`[graphs.sig]` is ("graphs", "sig")); a key line adds its key. `locate` answers the line of
the longest known prefix of a path, so an error always points somewhere sensible.
"""

from __future__ import annotations

import functools
import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\")(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"))*)\s*=")


def _segments(dotted: str) -> list[str]:
    return [s.strip().strip('"') for s in dotted.split(".")]


@functools.lru_cache(maxsize=8)  # a lesson's text is located many times while it is checked
def key_lines(text: str) -> dict[tuple, int]:
    """Every table and key path in `text`, with the (1-based) line where it first appears."""
    found: dict[tuple, int] = {}
    current: tuple = ()
    last_index: dict[tuple, int] = {}   # array-of-tables path -> its last index
    in_string = ""
    for number, line in enumerate(text.splitlines(), 1):
        if in_string:  # inside a multi-line string: only look for its end
            if line.count(in_string) % 2 == 1:
                in_string = ""
            continue
        m = _HEADER.match(line)
        if m:
            resolved: list = []
            segs = _segments(m.group(2))
            for i, seg in enumerate(segs):
                resolved.append(seg)
                if i < len(segs) - 1 and tuple(resolved) in last_index:
                    resolved.append(last_index[tuple(resolved)])
            if m.group(1) == "[[":
                key = tuple(resolved)
                last_index[key] = last_index.get(key, -1) + 1
                found.setdefault(key, number)
                resolved.append(last_index[key])
            current = tuple(resolved)
            found.setdefault(current, number)
            continue
        k = _KEY.match(line)
        if k:
            found.setdefault((*current, *_segments(k.group(1))), number)
            rest = line[k.end():]
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    in_string = quote
    return found


def locate(text: str, path: tuple) -> int:
    """The line of `path`, or of its longest prefix that is written in the text (else 1)."""
    lines = key_lines(text)
    for n in range(len(path), 0, -1):
        if path[:n] in lines:
            return lines[path[:n]]
    return 1
