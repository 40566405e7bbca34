"""The notebook side: `tutor export … --out lesson.ipynb` runs top to bottom in a fresh kernel
(nbclient + ipykernel), its quiz cells judge filled-in answers, and the Python API's displays
(Trace, t.step(k) as a graphviz.Digraph, check_answers, bt.lesson) work in a real kernel.

Numbers are the lecture's worked example: f = (x+y)z at x=-2, y=5, z=-4 gives f = -12,
∂f/∂x = ∂f/∂y = -4, ∂f/∂z = 3.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from test_graphviz import ENGINES

nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed (pip install '.[test]')")
nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed (pip install '.[test]')")
pytest.importorskip("ipykernel", reason="ipykernel is not installed (pip install '.[test]')")
pytestmark = pytest.mark.skipif(not ENGINES, reason="neither dot nor graphviz-pure is installed")
ROOT = Path(__file__).resolve().parent.parent


def run(nb, cwd: Path):  # noqa: ANN001, ANN201
    """Execute a notebook in a fresh kernel; errors raise (nbclient's CellExecutionError)."""
    client = nbclient.NotebookClient(nb, timeout=180, kernel_name="python3", store_widget_state=True,
                                     resources={"metadata": {"path": str(cwd)}})
    client.execute()
    return nb


def outputs(cell) -> str:  # noqa: ANN001
    """Everything a cell showed, all MIME types joined."""
    out = []
    for o in cell.get("outputs", []):
        out.append(o.get("text", ""))
        out.extend(str(v) for v in o.get("data", {}).values())
    return "\n".join(out)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("nb") / "chain-rule.ipynb"
    done = subprocess.run([sys.executable, "-m", "backprop_tutor", "export", "chain-rule", "--out", str(out)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return out


def test_exported_notebook_runs_top_to_bottom(exported: Path) -> None:
    from backprop_tutor.tutor.lesson import find
    from backprop_tutor.tutor.screens import build

    nb = nbformat.read(exported, as_version=4)
    nbformat.validate(nb)
    screens = build(find("chain-rule"))
    steps = [c for c in nb.cells if c.cell_type == "code" and re.match(r"lesson\.step\(\d+\)", c.source)]
    quizzes = [c for c in nb.cells if c.cell_type == "code" and "lesson.check(" in c.source]
    assert len(steps) == len(screens) and len(quizzes) == sum(s.quiz is not None for s in screens)
    run(nb, exported.parent)
    assert all("<svg" in outputs(c) for c, s in zip(steps, screens) if s.trace is not None)
    assert all("No answer yet" in outputs(c) for c in quizzes)     # unanswered: said, not an error
    assert "No quiz answered yet" in outputs(nb.cells[-1])


def test_quiz_cells_judge_a_wrong_then_a_right_answer(exported: Path) -> None:
    nb = nbformat.read(exported, as_version=4)
    first = next(k for k, c in enumerate(nb.cells) if "lesson.check(" in c.source)   # f = q · z = ?
    check = nb.cells[first].source
    nb.cells[first].source = check.replace("answer = ...", "answer = -10", 1)
    again = nbformat.v4.new_code_cell(check.replace("answer = ...", "answer = '3 * z'", 1))
    nb.cells.insert(first + 1, again)
    run(nb, exported.parent)
    wrong, right = outputs(nb.cells[first]), outputs(nb.cells[first + 1])
    assert "✗" in wrong and "Not quite (-10)" in wrong and "Hint" in wrong
    assert "✓" in right and "-12" in right
    assert "Score: 1 of 1 answered so far" in outputs(nb.cells[-1])


CELLS = [
    "import backprop_tutor as bt, graphviz\nt = bt.trace('(x+y)*z', {'x': -2, 'y': 5, 'z': -4})\nt",
    "view = t.step(5)\nprint(isinstance(view, graphviz.Digraph), isinstance(t.digraph, graphviz.Digraph))\nview",
    "print(len(view.pipe('svg')) > 1000, view.render('step5', format='svg'))",
    "from backprop_tutor import check_answers\n"
    "check_answers({'program': 'q = x + y; f = q * z', 'at': {'x': -2, 'y': 5, 'z': -4}},"
    " {'f': -12, 'df/dx': 4, 'df/dy': 'z'})",
    "bt.lesson('chain-rule')",
    "import sys\nsys.modules['ipywidgets'] = None  # as where ipywidgets is not installed\nbt.lesson('chain-rule')",
]


def _api_notebook(tmp_path: Path, env_path: str | None = None):  # noqa: ANN202
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    if env_path is not None:  # the kernel inherits this PATH: no system dot on it
        os.environ["PATH"], saved = env_path, os.environ["PATH"]
        try:
            return run(nb, tmp_path)
        finally:
            os.environ["PATH"] = saved
    return run(nb, tmp_path)


def _check_api(nb, tmp_path: Path) -> None:  # noqa: ANN001
    trace, step, files, verdicts, slider, static = (outputs(c) for c in nb.cells)
    assert "<b>f = -12</b>" in trace and "<svg" in trace
    assert re.search(r"<td>x</td><td[^>]*>-2</td><td[^>]*>-4</td>", trace)
    assert re.search(r"<td>z</td><td[^>]*>-4</td><td[^>]*>3</td>", trace)
    assert step.startswith("True True") and "<svg" in step and "∂f/∂z" in step
    assert "True step5.svg" in files and (tmp_path / "step5.svg").read_text().count("<svg") == 1
    assert verdicts.count("✓") == 2 and verdicts.count("✗") == 1 and "sign is flipped" in verdicts
    assert "Score: 2 of 3" in verdicts
    from backprop_tutor.tutor.lesson import find
    from backprop_tutor.tutor.screens import build

    count = len(build(find("chain-rule")))
    assert f"IntSlider(value=1, continuous_update=False, description='screen', max={count}, min=1)" in slider
    assert "application/vnd.jupyter.widget-view+json" in str(nb.cells[4].outputs)
    state = str(nb.metadata.get("widgets", {}))  # the slider's screen, as the notebook saved it
    assert "<svg" in state and "screen 1 of" in state
    assert static.count("<svg") >= count - 1 and static.count("class='backprop-screen'") == count


def test_python_api_displays_in_a_kernel(tmp_path: Path) -> None:
    _check_api(_api_notebook(tmp_path), tmp_path)


@pytest.mark.skipif("graphviz-pure" not in ENGINES, reason="graphviz-pure is not installed")
def test_drawings_use_graphviz_pure_without_system_dot(tmp_path: Path) -> None:
    bare = tmp_path / "bin"
    bare.mkdir()
    path = os.pathsep.join([str(bare), str(Path(sys.executable).parent)])  # the venv's bin only: no dot
    if shutil.which("dot", path=path):
        pytest.skip("a dot sits next to this Python; cannot hide it")
    _check_api(_api_notebook(tmp_path, path), tmp_path)


def test_readme_notebook_example_runs(tmp_path: Path) -> None:
    """The README's "In Jupyter" example, each blank-line-separated block a cell, in a fresh kernel."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"### In Jupyter\n+```python\n(.*?)```", text, re.S)
    assert block, "README has no '### In Jupyter' python example"
    cells = [c.strip() for c in block.group(1).split("\n\n") if c.strip()]
    nb = run(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), tmp_path)
    shown = [outputs(c) for c in nb.cells]
    assert "<b>f = -12</b>" in shown[1] and "<svg" in shown[2] and (tmp_path / "step5.svg").exists()
    assert "sign is flipped" in shown[3]
    assert "Correct" in shown[-2] and "Score: 1 of 1 answered so far" in shown[-1]
