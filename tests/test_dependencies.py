"""Every third-party module the package imports is a runtime dependency (pyproject's [project]
dependencies), not only a test or bench extra: CI installs the test extra, so a missing runtime
dependency would pass CI and crash on a user's machine (pypdf did, for `slides --format pdf`).

Every import counts, wherever it stands (module level, inside a function), except one guarded by
`try: ... except ImportError` (the code is written to survive its absence) and the fallback in such a
handler (an older version of a dependency, which brings that module along).
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "backprop_tutor"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_dependencies() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {_canonical(re.split(r"[\s<>=!~;\[(]", spec, maxsplit=1)[0]) for spec in project["dependencies"]}


def _guarded(tree: ast.AST) -> set[int]:
    """ids of the nodes inside a `try` whose handlers catch ImportError (its body and handlers)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
                h.type is not None and any(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError")
                                           for n in ast.walk(h.type)) for h in node.handlers):
            out |= {id(n) for stmt in [*node.body, *node.handlers] for n in ast.walk(stmt)}
    return out


def third_party_imports() -> dict[str, set[str]]:
    """{top-level module: {files importing it}} for every import outside the standard library."""
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        guarded = _guarded(tree)
        for node in ast.walk(tree):
            if id(node) in guarded:
                continue
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in ("backprop_tutor", "__future__"):
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def test_the_scan_sees_lazy_imports() -> None:
    """The scan reaches imports inside functions (SymPy is imported lazily everywhere)."""
    found = third_party_imports()
    assert "sympy" in found and "rich" in found and "PIL" in found


def test_every_third_party_import_is_a_runtime_dependency() -> None:
    runtime = runtime_dependencies()
    dists = metadata.packages_distributions()
    missing = []
    for module, files in sorted(third_party_imports().items()):
        providers = {_canonical(d) for d in dists.get(module, [module])}
        if not providers & runtime:
            missing.append(f"{module} (from {', '.join(sorted(providers))}; imported in {', '.join(sorted(files))})")
    assert not missing, "imported but not in [project] dependencies: " + "; ".join(missing)
