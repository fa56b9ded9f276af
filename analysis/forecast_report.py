"""A forecast's report: its figures in ``DIR/plots/`` and one self-contained HTML page,
``DIR/report.html`` (figures embedded, styles inline); and the comparison of two forecasters.
"""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path

from analysis import forecast_figures as ff

CSS = """
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;max-width:980px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em} h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd}
.meta{color:#666;font-size:.9em} table{border-collapse:collapse;margin:.8em 0;font-size:.9em}
th,td{padding:.25em .7em;border-bottom:1px solid #e5e5e5;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1.5em 0} figure img{max-width:100%;height:auto}
figcaption{font-size:.9em;color:#444;margin-top:.3em} code{background:#f4f4f4;padding:0 .2em}
"""

FIGURES = {
    "forecast-fans": (
        ff.fan_chart_figure,
        "Fan charts: in each year, the median world (line), the middle 50% of worlds (dark "
        "band) and the middle 90% (light band). The dashed line on the HHI panel is 1,800, "
        "the 2023 US Merger Guidelines' 'highly concentrated'.",
    ),
    "forecast-structure": (
        ff.structure_figure,
        "The probability of each market structure at each year's end, and (dashed) the share "
        "of worlds in which a monopoly has formed by then, even if it later broke up.",
    ),
    "forecast-monopoly-year": (
        ff.monopoly_year_figure,
        "When a monopoly first forms: the share of worlds for each first year, and the share "
        "where none forms within the horizon.",
    ),
    "forecast-marginals": (
        ff.marginals_figure,
        "The parameters as drawn, against the priors' densities: the worlds are the beliefs.",
    ),
}


def _esc(value) -> str:
    return html.escape(str(value))


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{_esc(path.stem)}">'


def _table(head: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    def cell(tag, k, v):
        cls = ' class="num"' if k in numeric else ""
        return f"<{tag}{cls}>{v}</{tag}>"

    out = ["<table><tr>" + "".join(cell("th", k, _esc(h)) for k, h in enumerate(head)) + "</tr>"]
    for row in rows:
        out.append("<tr>" + "".join(cell("td", k, v) for k, v in enumerate(row)) + "</tr>")
    return "\n".join(out) + "</table>"


def _g(x, spec=".3g") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return format(x, spec).replace("e+", "e")


def write_figures(data, folder: Path | None = None, dpi: float | None = None) -> dict[str, Path]:
    folder = folder or data.path / "plots"
    return {
        stem: ff.save(build(data), folder / f"{stem}.png", dpi)
        for stem, (build, _) in FIGURES.items()
    }


def write_forecast_report(data, dpi: float | None = None) -> Path:
    """Figures into ``DIR/plots/`` and ``DIR/report.html``; returns the page's path."""
    from sim.forecast.distributions import DISTRIBUTIONS
    from sim.forecast.folder import flop_text, headline

    paths = write_figures(data, dpi=dpi)
    head = headline(data)
    r = data.resolved
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>Forecast {_esc(data.name)}"
        f"</title><style>{CSS}</style></head><body>",
        f"<h1>Forecast {_esc(data.name)}</h1>",
        f"<p>{_esc(r.get('description', ''))}</p>",
        f"<p class='meta'>{head['worlds']} worlds ({head['failed']} failed runs left out), "
        f"{_esc(r.get('sampler'))} sampling through a Gaussian copula, seed {_esc(r.get('seed'))}, "
        f"base scenario <code>{_esc(r.get('base'))}</code>, origin "
        f"{_esc(head['origin'])}; wall time {_esc(data.meta.get('wall_time_s', 'n/a'))} s, "
        f"{_esc(data.meta.get('runs_per_s', 'n/a'))} runs/s.</p>",
        "<h2>Headline</h2>",
    ]
    rows = []
    for year, row in head["years"].items():
        hhi = row["hhi"] or {}
        run = row["largest_run"] or {}
        rows.append(
            [
                str(year),
                f"{_g(hhi.get('q50'), '.0f')} [{_g(hhi.get('q05'), '.0f')}-{_g(hhi.get('q95'), '.0f')}]",
                f"{row['p_monopoly']:.0%}",
                f"{row['p_monopoly_formed']:.0%}",
                f"{_g(run.get('q50'), '.2g')} [{_g(run.get('q05'), '.2g')}-{_g(run.get('q95'), '.2g')}]",
            ]
        )
    parts.append(
        _table(
            [
                "year",
                "HHI median [90%]",
                "P(monopoly)",
                "P(monopoly formed by then)",
                "largest run, FLOP, median [90%]",
            ],
            rows,
            {1, 2, 3, 4},
        )
    )
    fm = head["first_monopoly"]
    facts = []
    if fm.get("q50") is not None:
        facts.append(
            f"A monopoly forms from {_esc(head['origin'])} to {head['last_year']} in "
            f"{fm['share']:.0%} of worlds; its first year has median {fm['q50']:.0f} "
            f"(90%: {fm['q05']:.0f}-{fm['q95']:.0f})."
        )
    else:
        facts.append(f"No world sees a monopoly form by {head['last_year']}.")
    for flop, s in head["runs_past"].items():
        if s.get("q50") is not None:
            facts.append(
                f"The first run of {flop_text(flop)} FLOP comes in {s['q50']:.0f} in the median world "
                f"(90%: {s['q05']:.0f}-{s['q95']:.0f}; {s['share']:.0%} of worlds by {head['last_year']})."
            )
    parts.append("<ul>" + "".join(f"<li>{f}</li>" for f in facts) + "</ul>")
    for stem, (_, caption) in FIGURES.items():
        parts.append(
            f"<figure>{_img(paths[stem])}<figcaption>{_esc(caption)}</figcaption></figure>"
        )
    parts.append("<h2>The priors</h2>")
    prior_rows = []
    for name, spec in data.priors.items():
        try:
            shown = DISTRIBUTIONS[spec["dist"]].model_validate(spec).describe()
        except Exception:  # a folder written by another version: show the raw spec
            shown = str(spec)
        prior_rows.append([f"<code>{_esc(name)}</code>", _esc(shown), _esc(spec.get("why", ""))])
    parts.append(_table(["parameter", "distribution", "why"], prior_rows))
    corr = r.get("correlations") or []
    if corr:
        parts.append(
            _table(
                ["between", "Spearman ρ", "why"],
                [
                    [_esc(" and ".join(c["between"])), f"{c['rho']:+.2f}", _esc(c.get("why", ""))]
                    for c in corr
                ],
                {1},
            )
        )
    parts.append(
        "<p class='meta'>Tables: <code>samples.parquet</code>, <code>runs.parquet</code>, "
        "<code>quantiles.parquet</code>, <code>structure_probability.parquet</code>, "
        "<code>timeseries.parquet</code> in this folder; docs/forecast.md explains them.</p>"
    )
    parts.append("</body></html>")
    out = data.path / "report.html"
    out.write_text("\n".join(parts), encoding="utf-8")
    return out


def write_comparison(a, b, out: Path, dpi: float | None = None) -> list[Path]:
    """Two forecasters side by side: ``comparison.png`` and ``comparison.csv`` (per year,
    each one's median HHI, P(monopoly) and P(monopoly formed by then)) in ``out``, a folder
    that is new or holds only an earlier comparison (which is replaced)."""
    import pandas as pd

    out = Path(out)
    ours = {"comparison.png", "comparison.csv"}
    if out.exists() and any(p.name not in ours for p in out.iterdir()):
        from sim.scenario import ScenarioError

        raise ScenarioError(
            [f"{out}: folder holds other files than a comparison; choose another --out"]
        )
    out.mkdir(parents=True, exist_ok=True)
    fig_path = ff.save(ff.comparison_figure(a, b), out / "comparison.png", dpi)
    frames = []
    for data in (a, b):
        hhi = data.quantiles[data.quantiles["measure"] == "hhi"].set_index("year")
        s = data.structure.set_index("year")
        frames.append(
            pd.DataFrame(
                {
                    "forecast": data.name,
                    "hhi_median": hhi["q50"],
                    "hhi_q05": hhi["q05"],
                    "hhi_q95": hhi["q95"],
                    "p_monopoly": s["monopoly"],
                    "p_monopoly_formed": s["monopoly_formed"],
                }
            ).reset_index()
        )
    table = pd.concat(frames, ignore_index=True)
    csv = out / "comparison.csv"
    table.to_csv(csv, index=False)
    return [fig_path, csv]
