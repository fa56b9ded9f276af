"""The check's report: a terminal table, a Markdown page, the generated block of a doc."""

from __future__ import annotations

import math
from pathlib import Path

from sim.calibration.check import Report
from sim.calibration.held_out import HELD_OUT_TITLE
from sim.scenario import ScenarioError

DOC_START = "<!-- labsim check: start -->"
DOC_END = "<!-- labsim check: end -->"


def fmt(x) -> str:
    """Three significant digits; n/a for a missing value."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return x if isinstance(x, str) else f"{x:.3g}"


def _band(r: dict) -> str:
    return (
        f"= {r['expect']}"
        if r["kind"] == "equals"
        else f"[{fmt(r['band_low'])}, {fmt(r['band_high'])}]"
    )


def _centre(r: dict) -> str:
    return fmt(r["modal"]) if r["kind"] == "equals" else fmt(r["median"])


def _range(r: dict, markdown: bool = False) -> str:
    """10th-90th percentile across seeds; for an equals target, the share of seeds agreeing."""
    if r.get("kind") == "equals":
        share = r["share_of_seeds"]
        return "n/a" if not math.isfinite(share) else f"{r['expect']} in {share:.0%} of seeds"
    if not math.isfinite(r["median"]):
        return "n/a"
    low, high = fmt(r["p10"]), fmt(r["p90"])
    return f"{low} - {high}" if markdown else f"[{low}, {high}]"


def counts(report: Report) -> str:
    """Passes, failures and gaps, and the part that counts as evidence (untouched targets)."""
    rows = report.targets
    by = {k: sum(r["result"] == k for r in rows) for k in ("pass", "FAIL", "n/a")}
    untouched = [r for r in rows if r["status"] == "untouched"]
    evidence = sum(r["passed"] for r in untouched)
    return (
        f"{len(rows)} targets: {by['pass']} pass, {by['FAIL']} fail, {by['n/a']} n/a. "
        f"Evidence (untouched targets only): {evidence} of {len(untouched)} pass."
    )


def _aligned(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    cell = lambda i, s: s.rjust(widths[i]) if i in right else s.ljust(widths[i])  # noqa: E731
    lines = ["  ".join(cell(i, s) for i, s in enumerate(row)).rstrip() for row in rows]
    return [lines[0], "-" * len(lines[0]), *lines[1:]]


def format_table(report: Report) -> str:
    """Plain-text tables for the terminal: targets, then the held-out block."""
    head = ["target", "status", "when", "band", "median", "10-90%", "result"]
    body = [
        [r["target"], r["status"], r["when"], _band(r), _centre(r), _range(r), r["result"]]
        for r in report.targets
    ]
    lines = _aligned([head, *body], right={3, 4, 5})
    held = [["measure", "when", "median", "10-90%"]] + [
        [r["measure"], r["when"], fmt(r["median"]), _range(r)] for r in report.held_out
    ]
    if report.held_out:
        lines += ["", HELD_OUT_TITLE, *_aligned(held, right={2, 3})]
    return "\n".join(lines)


def markdown_body(report: Report) -> str:
    """The targets table, the counts and the held-out table, in Markdown."""
    lines = [
        "| target | status | what | when | band | simulated median | 10th-90th percentile "
        "| result | source |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report.targets:
        result = r["result"] if r["result"] == "pass" else f"**{r['result']}**"
        lines.append(
            f"| {r['target']} | {r['status']} | {r['description']} | {r['when']} | {_band(r)} "
            f"| {_centre(r)} | {_range(r, markdown=True)} | {result} | {r['source']} |"
        )
    lines += ["", counts(report)]
    if report.held_out:
        lines += [
            "",
            f"**{HELD_OUT_TITLE}**",
            "",
            "| measure | what | when | simulated median | 10th-90th percentile |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {r['measure']} | {r['description']} | {r['when']} | {fmt(r['median'])} "
            f"| {_range(r, markdown=True)} |"
            for r in report.held_out
        ]
    return "\n".join(lines) + "\n"


def format_markdown(report: Report, title: str) -> str:
    return f"# {title}\n\n{markdown_body(report)}"


def doc_text(path: Path) -> str:
    """The text of a doc with a generated block; ``ScenarioError`` if it has none."""
    if not path.is_file():
        raise ScenarioError([f"{path}: no such file"])
    text = path.read_text(encoding="utf-8")
    if DOC_START not in text or DOC_END not in text:
        raise ScenarioError([f"{path}: no '{DOC_START}' ... '{DOC_END}' block to fill"])
    return text


def update_doc(path: Path, report: Report, title: str) -> None:
    """Replace the block between DOC_START and DOC_END in a Markdown file with the report."""
    text = doc_text(path)
    head, rest = text.split(DOC_START, 1)
    _, tail = rest.split(DOC_END, 1)
    block = f"{DOC_START}\n{title}:\n\n{markdown_body(report).strip()}\n{DOC_END}"
    path.write_text(head + block + tail, encoding="utf-8")
