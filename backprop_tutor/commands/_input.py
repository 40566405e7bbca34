"""Reading a command's input without typer: the program text (argument, --file or stdin) and the
input values (--at pairs, --at-file), size-bounded, with a clear error. `_options` declares the
options; this module reads them, and the fast path of `cli.main` uses it directly."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ..errors import TutorError

MAX_FILE = 4_000_000  # bytes read from a program or values file at most


def read_text(path: str) -> str:
    """A text file's content ('-' is stdin), size-bounded, with a clear error."""
    if path != "-":
        from ..files import read_text as read_file

        return read_file(path, MAX_FILE)
    data = sys.stdin.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        raise TutorError(f"standard input is over {MAX_FILE:,} characters; split it")
    return data.removeprefix("\ufeff")


def program_text(expr: str | None, file: str | None) -> str:
    """The program from the EXPR argument or --file (exactly one)."""
    if expr is not None and file is not None:
        raise TutorError(f"both an expression ({expr!r}) and --file {file} were given; give one of them")
    if expr is None and file is None:
        raise TutorError("give an expression, e.g. tutor grad '(x+y)*z' --at x=-2,y=5,z=-4, or --file FILE")
    return expr if expr is not None else read_text(file)


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are all different (TOML refuses duplicates by itself)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"{key!r} is given twice")
        out[key] = value
    return out


def values(at: list[str] | None, at_file: Path | None) -> dict[str, Any]:
    """Input values from --at pairs and --at-file, as strings/numbers for values.values_from."""
    out: dict[str, Any] = {}
    if at_file is not None:
        import tomllib  # only here: --at-file is the one TOML this module reads

        text = read_text(str(at_file))
        try:
            # numbers as their text: values_from reads it exactly and says what is wrong with 1e400 or a
            # 5,000-digit integer (as floats they were "inf" and Python's int-conversion advice)
            data = json.loads(text, object_pairs_hook=_unique, parse_int=str, parse_float=str) \
                if str(at_file).endswith(".json") else tomllib.loads(text, parse_float=str)
        except ValueError as err:  # json's errors and tomllib.TOMLDecodeError are ValueErrors
            if "integer string conversion" in str(err):  # Python's bound on int(text): not the user's business
                raise TutorError(f"{str(at_file)!r} holds an integer of thousands of digits, too large for float64 "
                                 f"(at most about 1.8e308); give a smaller number") from None
            raise TutorError(f"{str(at_file)!r} is not valid {'JSON' if str(at_file).endswith('.json') else 'TOML'}: "
                             f"{err}") from None
        except RecursionError:  # both parsers recurse on nested arrays and tables
            raise TutorError(f"{str(at_file)!r} nests too deep; it must hold a flat table of name = value pairs") \
                from None
        if not isinstance(data, dict):
            raise TutorError(f"{str(at_file)!r} must hold a table of name = value pairs")
        out.update(data)
    for chunk in at or []:
        for pair in filter(None, (p.strip() for p in chunk.split(","))):
            name, eq, value = pair.partition("=")
            if not eq or not name.strip() or not value.strip():
                raise TutorError(f"--at expects name=value pairs such as x=-2,y=5; got {pair!r}")
            if name.strip() in out:
                raise TutorError(f"{name.strip()!r} is given twice (in --at or --at-file); give each value once")
            out[name.strip()] = value.strip()
    return out

