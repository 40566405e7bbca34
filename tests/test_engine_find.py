"""Finding the layout program where pip put it: a notebook's kernel often runs with a PATH that
lacks the scripts directory (Windows' Scripts\\ beside a system Python, ~/.local/bin of --user)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from backprop_tutor.render import engine as gv


def test_graphviz_pure_is_found_in_the_user_scripts_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    user, scripts, empty = tmp_path / "user-bin", tmp_path / "scripts", tmp_path / "empty"
    for d in (user, scripts, empty):
        d.mkdir()
    exe = user / "graphviz-pure"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    monkeypatch.setattr(gv.sysconfig, "get_path", lambda name, scheme=None: str(user if scheme else scripts))
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(gv.sys, "executable", str(tmp_path / "python"))   # nothing next to Python either
    assert gv.find("graphviz-pure") == ("graphviz-pure", str(exe))
    assert gv.find("auto") == ("graphviz-pure", str(exe))
    assert gv.scripts().split(os.pathsep) == [str(tmp_path), str(scripts), str(user)]
    exe.unlink()
    with pytest.raises(gv.TutorError, match="pip install graphviz-pure"):
        gv.find("auto")
