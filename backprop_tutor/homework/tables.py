"""`tutor check`'s table (✓/✗, given, expected, tolerance, where the chain went wrong, the mistakes
in plain words) and `tutor grade`'s class summary. Reads verdicts; computes nothing."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text


def _tolerance(a: dict[str, Any]) -> str:
    if a["method"] == "exact":
        return "exact"
    if a["method"] in ("sympy", "numeric", "point"):
        return {"sympy": "same formula", "numeric": "random points", "point": "at the point"}[a["method"]]
    tol = a["tolerance"]
    parts = [f"±{tol['abs']:g}" if tol.get("abs") else "", f"{100 * tol['rel']:g}%" if tol.get("rel") else ""]
    return " + ".join(p for p in parts if p) or "exact"


def where_text(step: dict[str, Any] | None, out: str, answer_node: str, kind: str = "grad") -> str:
    """The first wrong step, in the chain rule's words."""
    if step is None:
        return ""
    given = "" if step.get("given") is None else f" (you have {step['given']:g})"
    if step["phase"] == "update":
        return (f"update: {step['node']} - lr·∂{out}/∂{step['node']} = {step['value_text']} - "
                f"{step['lr_text']}·{step['grad_text']} = {step['expected_text']}{given}")
    if step["phase"] in ("forward", "input"):
        ins = ", ".join(f"{i['node']}={i['value_text']}" for i in step["inputs"])
        return f"{'already ' if step['node'] != answer_node else ''}wrong at {step['node']} = {step['gate']}({ins}) " \
               f"= {step['expected_text']}{given}"
    said = [f"{t['upstream_text']} × {_paren(t['local_text'])}"
            + (f" [∂{t['from']}/∂{step['node']} = {t['local_formula']}]" if t.get("local_formula") not in
               (None, t["local_text"]) else "") for t in step["terms"]]
    branches = step.get("branches", len(said))
    if branches > len(said) >= 2:  # a long fan-out lists its first and last branches (wrong_step.MAX_TERMS)
        said[-2:-2] = [f"… ({branches - len(said):,} more) …"]
    terms = " + ".join(said) or "1 (the seed)"
    first = "already wrong at " if step["node"] != answer_node or kind != "grad" else ""
    fan = f" (sum of {branches:,} branches)" if branches > 1 else ""
    return f"{first}∂{out}/∂{step['node']} = upstream × local = {terms} = {step['expected_text']}{fan}{given}"


def _paren(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


def _short(problem: str, most: int = 200) -> str:
    """A problem as a title: a program of 290,000 characters is not printed whole above its table."""
    if len(problem) <= most:
        return problem
    return f"{problem[:most - 40]} … {problem[-20:]} ({len(problem):,} characters)"


def check_table(result: dict[str, Any], title: str = "") -> Table:
    """One row per answer: ✓/✗, given, expected, tolerance, and for a wrong one where and why."""
    right = sum(a["correct"] for a in result["answers"])
    table = Table(title=Text(f"{title or _short(result['problem'])}: {right}/{len(result['answers'])} right"
                        + (f", {result['score']:g}/{result['max_score']:g} points" if result["max_score"] else "")),
                  title_justify="left")
    for name, justify in (("", "left"), ("answer", "left"), ("given", "right"), ("expected", "right"),
                          ("tolerance", "left"), ("where it went wrong / why", "left")):
        table.add_column(name, justify=justify, overflow="fold")
    for a in result["answers"]:
        mark = Text("✓", style="green") if a["correct"] else Text("✗", style="bold red")
        given = "—" if a["missing"] else str(a["given"])
        formula = a.get("expected_formula") or ""
        expected = a["expected_text"] + (f" = {formula}" if formula and len(formula) <= 40 else "")
        why = [a["message"]] if a["message"] and (not a["correct"] or a["method"] != "exact") else []
        if not a["correct"]:
            why.append(where_text(a["first_wrong_step"], result["output"], a["node"], a["kind"]))
            why += [f"likely mistake [{code}]: {words}" for code, words in zip(a["diagnoses"], a["explanations"])]
        table.add_row(mark, Text(a["name"]), Text(given), Text(expected), _tolerance(a),
                      Text("\n".join(w for w in why if w)))  # Text: student text is never read as markup
    return table


def summary_view(s: dict[str, Any]) -> Group:
    """The class at a glance: score statistics, a distribution bar chart, the most common mistakes."""
    stats = Table(title="Class summary", title_justify="left", show_header=False)
    stats.add_column(style="bold")
    stats.add_column(justify="right")
    for label, key in (("submissions", "submissions"), ("not gradable (score 0)", "failed"),
                       ("mean", "mean"), ("median", "median"), ("min", "min"), ("max", "max")):
        stats.add_row(label, f"{s[key]:g}" + (f" / {s['max_score']:g}" if key in ("mean", "median", "min", "max")
                                              else ""))
    dist = Table(title="Score distribution", title_justify="left")
    dist.add_column("score")
    dist.add_column("students", justify="right")
    dist.add_column("")
    top = max((b["count"] for b in s["distribution"]), default=0) or 1
    for b in s["distribution"]:
        dist.add_row(f"{b['from']:g}–{b['to']:g}", str(b["count"]), "█" * round(30 * b["count"] / top))
    parts: list[Any] = [stats, dist]
    if s["answers"]:
        per = Table(title="Per answer (gradable submissions)", title_justify="left")
        for name, justify in (("answer", "left"), ("right", "right"), ("", "left")):
            per.add_column(name, justify=justify)
        for a in s["answers"]:
            share = a["right"] / a["graded"] if a["graded"] else 0.0
            per.add_row(Text(a["name"]), f"{a['right']}/{a['graded']}", "█" * round(30 * share))
        parts.append(per)
    if s["mistakes"]:
        from .diagnose import WORDS

        common = Table(title="Most common mistakes", title_justify="left")
        for name in ("code", "answers", "what it means"):
            common.add_column(name, overflow="fold")
        for m in s["mistakes"][:10]:
            common.add_row(m["code"], str(m["count"]), WORDS.get(m["code"], ""))
        parts.append(common)
    return Group(*parts)
