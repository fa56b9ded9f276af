"""``labsim report``: a run's (or a sweep's) whole story on one self-contained HTML page.

Figures are embedded (base64 PNG or inline SVG) and the styles are inline, so the file opens
in a browser with no network access and can be mailed or archived as one file.
"""

from __future__ import annotations

import base64
import html
import io
import math
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from analysis import plots
from analysis.io import AnalysisError, RunData, SweepData, load
from analysis.numbers import format_number
from analysis.plots._axes import pyplot
from analysis.plots.save import write_figure
from sim.economics.concentration import NO_MARKET
from sim.paramlabels import short_label

THRESHOLDS = (
    "the structure thresholds (1,000 and 1,800 from the 2023 US Merger Guidelines; 4,900 is "
    "the lowest HHI of a market whose top firm holds 70%, labsim's monopoly line)"
)
RUN_CAPTIONS = {
    "concentration": "Market concentration: the Herfindahl-Hirschman index on revenue shares "
    f"(0-10,000) against {THRESHOLDS}, the realised structure, and market shares by lab.",
    "shares": "Market shares by lab, the leader at each date with its tenure, and the run's "
    "events.",
    "race": "The race: each lab's capability (METR's time horizon, minutes of expert work) and "
    "largest training run (FLOP), both on log scales; markers are model releases, shaped by "
    "training method.",
    "overhang": "The overhang: copies of the frontier model its training cluster could run, "
    "the frontier model's training cost in units of the cost of a million tokens of serving, "
    "and the largest run the world's compute (or the richest lab) could deliver over the "
    "largest run done.",
    "beliefs": "Beliefs and budgets: each lab's believed compute elasticity and its compute "
    "and staff spending (annualised).",
    "lineage": "Model lineage: each model at its completion date in its lab's lane; edges "
    "link a model to the model it was warm-started from, distilled from or imitated.",
}
# A sweep's figures differ from a run's of the same kind (the sweep's concentration figure
# has no shares panel); {by}, {x} and {y} are the swept parameters the figures use.
SWEEP_CAPTIONS = {
    "concentration": "Market concentration across replications: the median "
    "Herfindahl-Hirschman index on revenue shares (0-10,000) with its 10-90% band, one line "
    f"per value of {{by}} (quartile bins for a sampled design), against {THRESHOLDS}.",
    "phase": "Monopoly or oligopoly: the final structure most replications end in, per "
    "combination of {x} and {y}, with its share of replications.",
    "phase-shares": "Share of replications ending in each market structure, per combination "
    "of {x} and {y}.",
    "sensitivity": "Sensitivity indices, ranked, with confidence intervals as error bars "
    "(the axis label gives their level, as labsim sensitivity --conf set it).",
}


def _captions(data) -> dict[str, str]:
    """The captions of ``data``'s figures, naming the swept parameters they use (the same
    defaults as ``figures_for``: the first swept parameter, and the first two)."""
    if isinstance(data, RunData):
        return RUN_CAPTIONS
    swept = [short_label(p) for p in data.parameters] or ["all runs pooled"]
    names = {"by": swept[0], "x": swept[0], "y": swept[1] if len(swept) > 1 else swept[0]}
    return {kind: text.format(**names) for kind, text in SWEEP_CAPTIONS.items()}


CSS = """
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;max-width:980px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em} h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd}
.meta{color:#666;font-size:.9em} table{border-collapse:collapse;margin:.8em 0;font-size:.9em}
th,td{padding:.25em .7em;border-bottom:1px solid #e5e5e5;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1.5em 0} figure img,figure svg{max-width:100%;height:auto}
figcaption{font-size:.9em;color:#444;margin-top:.3em} code{background:#f4f4f4;padding:0 .2em}
.error{color:#a00}
"""


def _esc(value) -> str:
    return html.escape(str(value))


def _num(value, kind: str = "g") -> str:
    """A number for a table cell: ``usd``, ``pct``, ``int``, or general (``format_number``:
    ``150M``, ``18.5``, ``3.14e25``)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return _esc(value)
    if not math.isfinite(v):
        return "n/a"
    if kind == "usd":
        for scale, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(v) >= scale:
                return f"${v / scale:,.1f}{unit}"
        return f"${v:,.0f}"
    if kind == "pct":
        return f"{v:.1%}"
    if kind == "int":
        return f"{v:,.0f}"
    return format_number(v)


def _table(header: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    """An HTML table; cells are already-escaped strings; columns in ``numeric`` right-align."""
    numeric = numeric or set()

    def cell(tag, i, text):
        cls = ' class="num"' if i in numeric else ""
        return f"<{tag}{cls}>{text}</{tag}>"

    head = "".join(cell("th", i, _esc(h)) for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(cell("td", i, c) for i, c in enumerate(r)) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _embed(fig, image_format: str, dpi: float | None = None) -> str:
    plt = pyplot()
    buf = io.BytesIO()
    write_figure(fig, buf, format=image_format, dpi=dpi)
    plt.close(fig)
    if image_format == "svg":
        text = buf.getvalue().decode("utf-8")
        return text[text.find("<svg") :]
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="figure" src="data:image/png;base64,{data}">'


def _figures_html(data, image_format: str, dpi: float | None = None) -> str:
    parts = []
    captions = _captions(data)
    for stem, build in plots.figures_for(data):
        kind = "sensitivity" if stem.startswith("sensitivity") else stem
        try:
            body = _embed(build(), image_format, dpi)
        except AnalysisError as exc:
            body = f'<p class="error">{_esc(exc)}</p>'
        parts.append(
            f"<figure>{body}<figcaption>{_esc(captions.get(kind, stem))}</figcaption></figure>"
        )
    return "\n".join(parts)


# ------------------------------------------------------------------------------------ run


KEY_PARAMETERS = (
    "start",
    "end",
    "step_months",
    "seed",
    "world.progress_regime",
    "world.scaling_law",
    "hardware.doubling_time_years",
    "hardware.max_run_months",
    "market.inertia",
    "market.gdp_usd_per_year_start",
    "market.enterprise_gdp_share",
    "mechanisms.warm_start.kappa",
)


def _value(value) -> str:
    """A parameter's value for a table: numbers formatted (``150M``), the rest as written."""
    return format_number(value) if isinstance(value, int | float) else str(value)


def _key_parameters(scenario: dict) -> list[list[str]]:
    def get(path: str):
        node = scenario
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    rows = []
    for path in KEY_PARAMETERS:
        value = get(path)
        if value is not None:
            rows.append(
                [_esc(short_label(path)), f"<code>{_esc(path)}</code>", _esc(_value(value))]
            )
    mechanisms = scenario.get("mechanisms") or {}
    on = [k for k, v in mechanisms.items() if isinstance(v, dict) and v.get("enabled", True)]
    off = [k for k, v in mechanisms.items() if isinstance(v, dict) and not v.get("enabled", True)]
    if on:
        rows.append(["mechanisms on", "", _esc(", ".join(on))])
    if off:
        rows.append(["mechanisms off", "", _esc(", ".join(off))])
    return rows


def _run_summary(run: RunData) -> list[list[str]]:
    ts = run.timeseries
    last = ts.iloc[-1]
    structures = ts["structure"].astype(str)
    sold = structures[structures != NO_MARKET]
    time_in = (
        ", ".join(f"{s} {n / len(sold):.0%}" for s, n in sold.value_counts().items())
        if len(sold)
        else "n/a"
    )
    tenure = last.get("leader_tenure_months")
    leader = last.get("leader") or "none"
    return [
        ["final structure", _esc(last["structure"])],
        ["final HHI", _num(last["hhi"], "int")],
        ["final top share (CR1)", _num(last["cr1"], "pct")],
        ["labs active at the end", _num(last["n_active"], "int")],
        [
            "leader at the end",
            _esc(leader) + (f" (for {_num(tenure, 'int')} months)" if leader != "none" else ""),
        ],
        ["share of months in each structure", _esc(time_in)],
        [
            "frontier capability",
            f"{_num(last['frontier_capability'])} ({_esc(last['frontier_lab'] or 'none')})",
        ],
        ["largest training run", _num(last["frontier_training_flop"]) + " FLOP"],
        ["costliest training run", _num(last["frontier_run_cost_usd"], "usd")],
        ["runnable copies at 10 tokens/s", _num(last["runnable_copies"])],
        ["training-to-serving cost ratio", _num(last["training_to_serving_ratio"])],
        ["world compute / largest run", _num(last["hardware_overhang_world"])],
        ["richest lab's budget / largest run", _num(last["hardware_overhang_budget"])],
        ["models trained", _num(len(run.models), "int")],
    ]


def _lab_rows(run: RunData) -> list[list[str]]:
    labs = run.labs
    rows = []
    for lab in run.lab_order:
        mine = labs[labs["lab"] == lab]
        if mine.empty:
            continue
        last = mine.iloc[-1]
        first = mine.iloc[0]
        exits = run.events[
            (run.events["lab"] == lab)
            & (run.events["type"].isin(["exit", "acquisition", "merger"]))
        ]
        status = (
            "active"
            if bool(last["active"]) and last["step"] == run.timeseries["step"].iloc[-1]
            else (
                f"left {exits['date'].iloc[0]}" if not exits.empty else f"last seen {last['date']}"
            )
        )
        n_models = int((run.models["lab"] == lab).sum()) if "lab" in run.models else 0
        rows.append(
            [
                _esc(lab),
                _esc(last["archetype"]),
                _esc(first["date"]),
                _esc(status),
                _num(last.get("revenue_share", last["market_share"]), "pct"),
                _num(last["capability"]),
                _num(last["cash_usd"], "usd"),
                _num(last["engineers"], "int"),
                _num(last["belief_compute_elasticity"]),
                _num(n_models, "int"),
            ]
        )
    return rows


def run_report_html(run: RunData, image_format: str = "png", dpi: float | None = None) -> str:
    """The report of one run as an HTML string."""
    scenario = run.scenario
    description = str(scenario.get("description") or "").strip()
    ts = run.timeseries
    parts = [
        f"<h1>{_esc(run.name)}</h1>",
        f'<p class="meta">labsim {_esc(run.meta.get("labsim_version", "?"))} run, seed '
        f"{_esc(run.meta.get('seed', scenario.get('seed', '?')))}, {_esc(ts['date'].iloc[0])} to "
        f"{_esc(ts['date'].iloc[-1])} ({len(ts)} steps); {_esc('directory ' if run.path else '')}<code>{_esc(run.where)}</code></p>",
        f"<p>{_esc(description)}</p>" if description else "",
        "<h2>Summary</h2>",
        _table(["measure", "value"], _run_summary(run), numeric={1}),
        "<h2>Labs</h2>",
        _table(
            [
                "lab",
                "archetype",
                "entered",
                "status",
                "revenue share",
                "capability",
                "cash",
                "engineers",
                "belief a",
                "models",
            ],
            _lab_rows(run),
            numeric={4, 5, 6, 7, 8, 9},
        ),
        "<h2>Key parameters</h2>",
        _table(["parameter", "path", "value"], _key_parameters(scenario)),
    ]
    if not run.events.empty:
        rows = [
            [_esc(r.date), _esc(r.type), _esc(r.lab), _esc(r.detail)]
            for r in run.events.itertuples()
        ]
        parts += ["<h2>Events</h2>", _table(["date", "event", "lab", "detail"], rows)]
    parts += ["<h2>Figures</h2>", _figures_html(run, image_format, dpi)]
    return _page(f"labsim report: {run.name}", "\n".join(p for p in parts if p))


# ---------------------------------------------------------------------------------- sweep


def _structure_table_html(sweep: SweepData, parameter: str) -> str:
    table = plots.structure_table(sweep, parameter)
    header = [
        short_label(parameter),
        "runs",
        *[c.replace("_", " ") for c in table.columns if c != "n"],
    ]
    rows = []
    for level, row in table.iterrows():
        rows.append(
            [
                _esc(level),
                _num(row["n"], "int"),
                *[_num(row[c], "pct") for c in table.columns if c != "n"],
            ]
        )
    return _table(header, rows, numeric=set(range(1, len(header))))


def _spec_text(spec) -> str:
    """A parameter's specification from the sweep file as short text."""
    if isinstance(spec, dict):
        # "is", not "in (None, False)": 0 == False, and "low: 0" must show
        shown = {k: v for k, v in spec.items() if v is not None and v is not False}
        return ", ".join(f"{k} {_value(v)}" for k, v in shown.items())
    if isinstance(spec, list | tuple):
        return f"list of {len(spec)}"
    return "" if spec is None else str(spec)


def sweep_report_html(sweep: SweepData, image_format: str = "png", dpi: float | None = None) -> str:
    """The report of one sweep as an HTML string."""
    spec = sweep.spec
    runs = sweep.runs
    ok = sweep.ok_runs
    description = str(spec.get("description") or "").strip()
    declared = spec.get("parameters") if isinstance(spec.get("parameters"), dict) else {}
    param_rows = []
    for p in sweep.parameters:
        values = sorted(pd.unique(runs[p].dropna()))
        if len(values) <= 12:
            shown = ", ".join(format_number(v) for v in values)
        else:  # a sampled design: the range, not dozens of near-equal numbers
            shown = (
                f"{format_number(values[0])} to {format_number(values[-1])} ({len(values)} values)"
            )
        param_rows.append(
            [
                f"{_esc(short_label(p))}<br><code>{_esc(p)}</code>",
                _esc(_spec_text(declared.get(p))),
                _esc(shown),
            ]
        )
    summary = [
        ["base scenario", _esc(spec.get("base", "n/a"))],
        ["sampler", _esc(spec.get("sampler", "n/a"))],
        ["replications", _esc(spec.get("replications", "n/a"))],
        ["runs (finished / all)", f"{len(ok):,} / {len(runs):,}"],
    ]
    if "structure_final" in ok and len(ok):
        counts = ok["structure_final"].astype(str).value_counts(normalize=True)
        summary.append(
            ["final structure", _esc(", ".join(f"{s} {v:.0%}" for s, v in counts.items()))]
        )
    for col, kind, label in (
        ("hhi_final", "int", "final HHI, median (10-90%)"),
        ("frontier_capability_final", "g", "final frontier capability, median (10-90%)"),
        ("largest_run_flop", "g", "largest run (FLOP), median (10-90%)"),
    ):
        if col in ok and len(ok):
            q = ok[col].astype(float).quantile([0.1, 0.5, 0.9])
            summary.append(
                [label, f"{_num(q[0.5], kind)} ({_num(q[0.1], kind)}–{_num(q[0.9], kind)})"]
            )
    if "leader_final" in ok and len(ok):
        counts = (
            ok["leader_final"].astype(str).replace("", "none").value_counts(normalize=True).head(6)
        )
        summary.append(
            ["leader at the end", _esc(", ".join(f"{s} {v:.0%}" for s, v in counts.items()))]
        )
    parts = [
        f"<h1>sweep: {_esc(sweep.name)}</h1>",
        f'<p class="meta">directory <code>{_esc(sweep.path)}</code></p>',
        f"<p>{_esc(description)}</p>" if description else "",
        "<h2>Summary</h2>",
        _table(["measure", "value"], summary),
        "<h2>Swept parameters</h2>",
        _table(["parameter", "specification", "values"], param_rows),
    ]
    if "structure_final" in ok and sweep.parameters:
        parts.append("<h2>Final structure by parameter</h2>")
        parts.append(
            "<p>Share of finished runs ending in each structure, per value of each swept "
            "parameter (pooled over the other parameters).</p>"
        )
        for p in sweep.parameters:
            parts.append(_structure_table_html(sweep, p))
    parts += ["<h2>Figures</h2>", _figures_html(sweep, image_format, dpi)]
    return _page(f"labsim sweep report: {sweep.name}", "\n".join(p for p in parts if p))


def _page(title: str, body: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_esc(title)}</title><style>{CSS}</style></head><body>\n{body}\n"
        f'<p class="meta">Written by <code>labsim report</code> on {stamp}.</p></body></html>\n'
    )


def write_report(
    directory: str | Path,
    out: str | Path | None = None,
    image_format: str = "png",
    dpi: float | None = None,
) -> Path:
    """Write ``directory/report.html`` (or ``out``) for a run or sweep directory, PNG figures
    at ``dpi`` (default ``style.DPI``); returns the path."""
    data = load(directory)
    text = (
        run_report_html(data, image_format, dpi)
        if isinstance(data, RunData)
        else sweep_report_html(data, image_format, dpi)
    )
    path = Path(out) if out else Path(directory) / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
