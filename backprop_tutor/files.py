"""Reading a user's file: size-bounded before it is read, UTF-8, one clear error."""

from __future__ import annotations

import os

from .errors import TutorError


def read_text(path: str | os.PathLike, limit: int, error: type[TutorError] = TutorError,
              kind: str = "file") -> str:
    """The text of `path`, refusing a file over `limit` bytes before reading it."""
    name = os.fspath(path)
    try:
        size = os.stat(name).st_size
        if size > limit:
            raise error(f"{name}: the file is {size:,} bytes; a {kind} is at most {limit:,}")
        with open(name, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as err:
        raise error(f"{name}: cannot read it: {err.strerror or err}") from None
    if len(data) > limit:  # grew while we looked, or a device file
        raise error(f"{name}: the file is over {limit:,} bytes; a {kind} is smaller")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise error(f"{name}: not UTF-8 text (byte {err.start}); save it as UTF-8") from None
