"""What `check_answers` returns: the verdicts as plain data (a dict, JSON as it is), which a
notebook shows as a table of ✓/✗ per answer with the diagnosis, as otter's `grader.check` does."""

from __future__ import annotations

from html import escape
from typing import Any


def _given(row: dict[str, Any]) -> str:
    if row.get("missing") or row.get("given") is None:
        return "(missing)"
    return str(row["given"])


def _why(row: dict[str, Any]) -> str:
    """The diagnosis of a wrong answer in words, and where it first goes wrong."""
    if row.get("correct"):
        return row.get("message") or ""
    parts = list(row.get("explanations") or [])
    step = row.get("first_wrong_step")
    if step:
        parts.append(f"first wrong at step {step['step']} ({step['phase']}, at {step['node']})")
    if row.get("message"):
        parts.append(row["message"])
    return "; ".join(parts) or "not the expected value"


class Verdicts(dict):
    """The result of `check_answers`: a dict (score, max_score, answers, ...) with a notebook view."""

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td style='color:{'#1a7f37' if r['correct'] else '#c62828'};font-weight:bold'>"
            f"{'✓' if r['correct'] else '✗'}</td><td>{escape(str(r['name']))}</td><td>{escape(_given(r))}</td>"
            f"<td>{r['points']:g} / {r['max_points']:g}</td><td>{escape(_why(r))}</td></tr>"
            for r in self.get("answers", []))
        return (f"<div class='backprop-verdicts'><p><b>Score: {self['score']:g} of {self['max_score']:g}</b> "
                f"for <code>{escape(str(self.get('problem', '')))}</code></p><table><thead><tr><th></th><th>answer</th>"
                f"<th>given</th><th>points</th><th>diagnosis</th></tr></thead><tbody>{rows}</tbody></table></div>")
