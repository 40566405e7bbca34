"""Commands of this noun are added by their issue's work; register adds none yet."""

from __future__ import annotations

from collections.abc import Callable

import typer


def register(app: typer.Typer, friendly: Callable) -> None:
    """Add this module's commands to the app."""
