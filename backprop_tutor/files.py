"""Reading a user's file: size-bounded before it is read, UTF-8, one clear error."""

from __future__ import annotations

import os
import select
import stat
import time

from .errors import TutorError


def read_text(path: str | os.PathLike, limit: int, error: type[TutorError] = TutorError,
              kind: str = "file") -> str:
    """The text of `path`, refusing a file over `limit` bytes before reading it."""
    name = os.fspath(path)
    try:
        info = os.stat(name)
        if info.st_size > limit:
            raise error(f"{name}: the file is {info.st_size:,} bytes; a {kind} is at most {limit:,}")
        if stat.S_ISFIFO(info.st_mode):
            data = _read_pipe(name, limit, error)
        else:
            with open(name, "rb") as fh:
                data = fh.read(limit + 1)
    except OSError as err:
        raise error(f"{name}: cannot read it: {err.strerror or err}") from None
    if len(data) > limit:  # grew while we looked, or a device file
        raise error(f"{name}: the file is over {limit:,} bytes; a {kind} is smaller")
    try:
        return data.decode("utf-8-sig")  # a byte-order mark (Windows editors write one) is not text
    except UnicodeDecodeError as err:
        raise error(f"{name}: not UTF-8 text (byte {err.start}); save it as UTF-8") from None


PIPE_WAIT = 10.0  # seconds a named pipe may stay silent before it is given up on


def _read_pipe(name: str, limit: int, error: type[TutorError]) -> bytes:
    """A pipe's bytes (`--at-file <(...)` is one), never blocking for good: a named pipe that no program
    writes to ends the read at once (opened non-blocking), one that stalls after PIPE_WAIT seconds."""
    fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK)
    chunks: list[bytes] = []
    size, deadline = 0, time.monotonic() + PIPE_WAIT
    try:
        while size <= limit:
            if not select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
                raise error(f"{name}: a pipe with nothing written to it for {PIPE_WAIT:g} s; give a file")
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if not chunks:
        raise error(f"{name}: a pipe that nothing was written to; give a file")
    return b"".join(chunks)
