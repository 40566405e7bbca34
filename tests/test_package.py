"""The package as the index gets it: the sdist and the wheel built from it hold what users need
(every module, the lessons, the grammar, py.typed, the LICENSE; the examples and docs in the sdist),
the metadata names the project's URLs, and the README's links work off GitHub (absolute)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
REPO = PYPROJECT["project"]["urls"]["Repository"]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def test_readme_links_are_absolute_and_point_at_files_that_exist() -> None:
    links = LINK.findall((ROOT / "README.md").read_text())
    assert links, "the README links to its docs"
    for link in links:
        assert link.startswith(("https://", "http://", "#")), f"{link}: relative links are dead on the package index"
        if link.startswith(REPO + "/"):
            path = re.sub(r"^(blob|tree)/main/", "", link[len(REPO) + 1:]).split("#")[0]
            assert (ROOT / path).exists(), f"{link}: no {path} in the repository"


def test_the_metadata_names_one_repository_and_the_license_is_shipped_beside_it() -> None:
    project = PYPROJECT["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert all(url.startswith(REPO) for url in project["urls"].values())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An sdist, and the wheel `python -m build` makes from that sdist (as pip does from the index).

    Without build isolation (the test extra brings setuptools>=77): no download, a few seconds."""
    src = tmp_path_factory.mktemp("src") / "backprop-tutor"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", "*.egg-info", "build", "dist", ".hypothesis", ".pytest_cache"))
    out = src / "dist"
    run = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel", "--outdir", str(out), str(src)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return next(out.glob("*.tar.gz")), next(out.glob("*.whl"))


def test_the_wheel_holds_every_module_the_lessons_the_grammar_and_py_typed(built: tuple[Path, Path]) -> None:
    names = set(zipfile.ZipFile(built[1]).namelist())
    package = ROOT / "backprop_tutor"
    for path in [*package.rglob("*.py"), *package.rglob("*.lark"), package / "py.typed"]:
        if "__pycache__" not in path.parts:
            assert path.relative_to(ROOT).as_posix() in names, f"{path.relative_to(ROOT)} is not in the wheel"
    lessons = sorted(p.name for p in (ROOT / "lessons").iterdir() if p.suffix in (".toml", ".md", ".txt"))  # .txt: curriculum.txt, the order
    assert len(lessons) > 10
    assert sorted(n.split("/")[-1] for n in names if n.startswith("backprop_tutor/lessons/")) == lessons
    dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
    assert f"{dist_info}/licenses/LICENSE" in names
    metadata = zipfile.ZipFile(built[1]).read(f"{dist_info}/METADATA").decode()
    assert "License-Expression: MIT" in metadata and f"Project-URL: Repository, {REPO}" in metadata
    entry = zipfile.ZipFile(built[1]).read(f"{dist_info}/entry_points.txt").decode()
    assert "tutor = backprop_tutor.commands.cli:main" in entry


def test_the_sdist_ships_the_examples_docs_tests_and_license(built: tuple[Path, Path]) -> None:
    with tarfile.open(built[0]) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    wanted = ["LICENSE", "README.md", "pyproject.toml", "docs/homework.md", "lessons/README.md",
              *(p.relative_to(ROOT).as_posix() for p in (ROOT / "examples").rglob("*") if p.is_file()),
              *(p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").glob("test_*.py"))]
    assert [n for n in wanted if n not in names] == []
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
