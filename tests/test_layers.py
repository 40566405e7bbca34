"""The package's layering holds: imports only flow down, and no module imports itself in a circle.

Every import counts, wherever it stands: at module level, inside a function (a lazy import that
reaches up is still an upward dependency) and under `if TYPE_CHECKING:`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "backprop_tutor"
ROOT = "backprop_tutor"

# Lower numbers are lower layers; a module may import its own layer and any lower one.
LAYERS = {
    "leaves": 0,    # errors, fmt, files, tomlpos, stop: used by everything
    "engine": 1,    # text -> Trace
    "render": 2,    # Trace -> terminal, Graphviz, slides, decks, handouts, notebook
    "homework": 3,  # answers vs Trace: files, formulas, check, diagnose, grade, gradebook
    "tutor": 4,     # lessons, quizzes, walkthrough screens (hints use homework's diagnoser)
    "commands": 5,  # the typer app
    "top": 6,       # backprop_tutor/__init__.py and __main__.py: the public API
}
LEAVES = {"errors", "fmt", "files", "tomlpos", "stop"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> str:
    parts = module.split(".")[1:]
    if not parts or parts[0] in {"__main__"}:
        return "top"
    if parts[0] in LEAVES:
        return "leaves"
    assert parts[0] in LAYERS, f"{module} is in no layer: add its folder to LAYERS or move it"
    return parts[0]


def imports(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package modules `module` imports, resolved to module names."""
    is_pkg = path.name == "__init__.py"
    here = module.split(".") if is_pkg else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == ROOT}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != ROOT:
                continue
            subs = {f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in known}
            found |= subs or {target}
            if subs and len(subs) < len(node.names):
                found.add(target)
    return {m for m in found if m != module and m in known}


def import_graph() -> nx.DiGraph:
    known = modules()
    g = nx.DiGraph()
    g.add_nodes_from(known)
    for name, path in known.items():
        g.add_edges_from((name, dep) for dep in imports(name, path, known))
    return g


def test_every_module_is_in_a_layer_and_the_tree_shows_the_pipeline() -> None:
    known = modules()
    assert {layer(m) for m in known} == set(LAYERS)
    top_level = {m for m in known if m.count(".") == 1 and layer(m) != "top"}
    assert {m.split(".")[1] for m in top_level} <= LEAVES | {"engine", "render", "homework", "tutor", "commands"}


def test_imports_only_flow_down() -> None:
    g = import_graph()
    upward = [f"{a} ({layer(a)}) imports {b} ({layer(b)})" for a, b in g.edges
              if LAYERS[layer(b)] > LAYERS[layer(a)]]
    assert upward == []


def test_no_import_cycle() -> None:
    g = import_graph()
    packages_importing_their_own_modules = {(a, b) for a, b in g.edges if b.startswith(a + ".")}
    g.remove_edges_from(packages_importing_their_own_modules)  # an __init__ re-exporting is not a cycle
    assert list(nx.simple_cycles(g)) == []


def test_each_layer_says_what_it_holds_and_may_import() -> None:
    for name in ("engine", "render", "homework", "tutor", "commands"):
        doc = ast.get_docstring(ast.parse((PACKAGE / name / "__init__.py").read_text(encoding="utf-8")))
        assert doc and "import" in doc, f"backprop_tutor/{name}/__init__.py needs a docstring saying what it may import"


@pytest.mark.parametrize("bad, expected", [
    ("from ..render.terminal import x", "backprop_tutor.render.terminal"),
    ("from ..homework import check", "backprop_tutor.homework.check"),
])
def test_the_checker_sees_an_upward_import(tmp_path: Path, bad: str, expected: str) -> None:
    """The test itself can fail: an engine module with an upward import is caught, even lazily."""
    path = PACKAGE / "engine" / "trace.py"
    fake = tmp_path / "trace.py"
    fake.write_text(path.read_text(encoding="utf-8") + f"\n\ndef _late():\n    {bad}\n", encoding="utf-8")
    found = imports("backprop_tutor.engine.trace", fake, modules())
    assert expected in found
    assert LAYERS[layer(expected)] > LAYERS["engine"]
