"""Stop signals (Ctrl-C's SIGINT, SIGTERM, SIGHUP): the CLI unwinds on them, and none is lost.

`tutor` turns each into an exception (KeyboardInterrupt for SIGINT, SystemExit(128 + its number)
for the others) so every `finally` runs: grading workers stop, temporary files go. But Python
drops an exception raised inside a finalizer (a weakref callback or `__del__`, e.g.
multiprocessing's as a finished pool's semaphores are freed) after printing "Exception ignored
in ...": a Ctrl-C that landed there was lost, and `tutor grade` wrote its gradebook and exited 0.
So the handler notes each signal before raising: `check()` raises it again before anything is
committed, and the CLI exits with its status (`status`).
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any

NAMES = ("SIGINT", "SIGTERM", "SIGHUP")
SIGNALS = [getattr(signal, name) for name in NAMES if hasattr(signal, name)]  # no SIGHUP on Windows
received: list[int] = []  # the stop signals `handler` was given, in order


def handler(signum: int, frame: Any) -> None:
    """Note the signal, then unwind: KeyboardInterrupt for SIGINT, else SystemExit(128 + signum)."""
    received.append(signum)
    _unwind(signum)


def _unwind(signum: int) -> None:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)


def install() -> None:
    """Handle the stop signals with `handler`, but one already ignored stays ignored (`nohup`'s SIGHUP;
    SIGINT in a job a script started with `&`, as the shell means: a Ctrl-C is not for it)."""
    for sig in SIGNALS:
        usual = signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL
        if signal.getsignal(sig) is usual:
            signal.signal(sig, handler)
    sys.unraisablehook = _unraisable


def _unraisable(unraisable: Any) -> None:
    """Python's report of an exception it had to drop, but for a stop signal's: noted, raised again by check()."""
    if not (received and isinstance(unraisable.exc_value, KeyboardInterrupt | SystemExit)):
        sys.__unraisablehook__(unraisable)


def check() -> None:
    """Raise again the first stop signal received, if any (its own exception may have been dropped)."""
    if received:
        _unwind(received[0])


def status(code: int) -> int:
    """The exit status: 128 + the first stop signal received, if any, else `code`."""
    return 128 + received[0] if received else code


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Hold the stop signals in the block; one that came is handled as usual right after it.

    Python-level handlers, not a signal mask: any thread may receive a signal (a progress bar's,
    a pool's), while its handler runs in the main thread. Elsewhere than the main thread, a no-op.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    before = {sig: signal.getsignal(sig) for sig in SIGNALS}
    for sig, was in before.items():
        if was is not signal.SIG_IGN:
            signal.signal(sig, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        for sig, was in before.items():
            signal.signal(sig, was if was is not None else signal.SIG_DFL)
        for sig in dict.fromkeys(caught):
            signal.raise_signal(sig)
