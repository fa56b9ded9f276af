"""Figures and reports (analysis/): every figure kind from a small real run and a small real
sweep, checked for what it shows, not only for a file on disk; and the CLI's answers to bad
requests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection, PolyCollection  # noqa: E402

from analysis import plots, style  # noqa: E402
from analysis.io import AnalysisError, load, load_run, load_sweep  # noqa: E402
from sim.cli import main  # noqa: E402
from sim.economics.concentration import (  # noqa: E402
    HIGHLY_CONCENTRATED_HHI,
    MODERATELY_CONCENTRATED_HHI,
    MONOPOLY_CR1,
)
from sim.paramlabels import short_label  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SMOKE = ROOT / "scenarios" / "sweeps" / "smoke.yaml"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def run_result():
    from sim.results import run
    from sim.scenario import load_scenario

    return run(
        load_scenario(
            ROOT / "scenarios" / "baseline.yaml",
            {"end": "2026-01", "mechanisms.entry.enabled": False},
        )
    )


@pytest.fixture(scope="module")
def run_dir(run_result, tmp_path_factory) -> Path:
    return run_result.save(tmp_path_factory.mktemp("analysis") / "run")


@pytest.fixture(scope="module")
def run_data(run_dir):
    return load_run(run_dir)


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    from sim.sweep import load_sweep as load_spec
    from sim.sweep import run_sweep

    out = tmp_path_factory.mktemp("analysis") / "sweep"
    run_sweep(load_spec(SMOKE), out, jobs=1, progress=False)
    # The smoke design is a grid, which Sobol cannot analyse; write the CSV `labsim
    # sensitivity` writes (SALib's columns) so the figure has something to read.
    params = list(pd.read_parquet(out / "runs.parquet").filter(like=".").columns)
    pd.DataFrame(
        {
            "parameter": params,
            "S1": [0.2, 0.5][: len(params)],
            "S1_conf": [0.05, 0.1][: len(params)],
            "ST": [0.3, 0.7][: len(params)],
            "ST_conf": [0.06, 0.12][: len(params)],
        }
    ).to_csv(out / "sensitivity-sobol-hhi_final.csv", index=False)
    return out


@pytest.fixture(scope="module")
def sweep_data(sweep_dir):
    return load_sweep(sweep_dir)


def _lines(ax, prefix: str) -> list:
    return [line for line in ax.get_lines() if str(line.get_gid() or "").startswith(prefix)]


def _assert_dates(ax):
    """The x axis holds dates: tick labels are years (or months within a year on short
    spans), not step numbers."""
    import calendar

    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    months = set(calendar.month_abbr[1:])
    assert labels and any(text.isdigit() and 1990 < int(text) < 2200 for text in labels)
    assert all((text.isdigit() and 1990 < int(text) < 2200) or text in months for text in labels)


def _assert_labelled(fig):
    for ax in fig.axes:
        if ax.get_visible() and ax.get_ylabel() == "" and ax.get_yticks().size:
            # strips have no ticks; every axis with a scale carries a label
            assert not ax.get_yticklabels() or ax.get_ylabel(), ax


# ------------------------------------------------------------------------------ loading


def test_load_run_csv_and_parquet_agree(run_dir, tmp_path):
    from sim.results import run
    from sim.scenario import load_scenario

    result = run(
        load_scenario(
            ROOT / "scenarios" / "baseline.yaml",
            {"end": "2026-01", "mechanisms.entry.enabled": False},
        )
    )
    pq_dir = result.save(tmp_path / "pq", format="parquet")
    a, b = load_run(run_dir), load_run(pq_dir)
    assert a.lab_order == b.lab_order
    assert len(a.timeseries) == len(b.timeseries)
    assert a.timeseries["time"].dtype.kind == "M"
    pd.testing.assert_series_equal(a.timeseries["hhi"], b.timeseries["hhi"])
    assert load(pq_dir).kind == "run" and load(run_dir).kind == "run"


def test_missing_or_foreign_directory_is_a_clear_error(tmp_path):
    with pytest.raises(AnalysisError, match="no such directory"):
        load(tmp_path / "nope")
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(AnalysisError, match="not a labsim run or sweep directory"):
        load(tmp_path)


def _pixels(fig):
    import numpy as np

    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


def test_every_run_figure_draws_from_an_in_memory_run(run_result, run_dir):
    """A RunResult needs no directory: each run figure drawn from it is pixel for pixel the
    figure drawn from the saved run; the result's own tables are left as they were."""
    import numpy as np

    columns = list(run_result.labs.columns)
    from_memory = dict(plots.figures_for(run_result))
    assert sorted(from_memory) == sorted(plots.RUN_KINDS)
    for kind, build in plots.figures_for(load(run_dir)):
        assert np.array_equal(_pixels(from_memory[kind]()), _pixels(build())), kind
        plt.close("all")
    for figure in (plots.race_figure, plots.lineage_figure, plots.concentration_figure):
        assert figure(run_result).axes
    assert list(run_result.labs.columns) == columns  # no "time" column added to the result
    with pytest.raises(TypeError, match="RunResult"):
        plots.race_figure(42)


def test_figures_leave_the_backend_alone(tmp_path):
    """Drawing and saving figures keeps the backend the caller chose (a notebook's inline
    backend, say); only the commands select Agg."""
    code = f"""
import matplotlib
matplotlib.use("svg")
from analysis import plots
from sim.results import run
from sim.scenario import load_scenario
result = run(load_scenario({str(ROOT / "scenarios" / "baseline.yaml")!r}, {{"end": "2021-01"}}))
for kind, build in plots.figures_for(result):
    build()
plots.save_figure(plots.concentration_figure(result), {str(tmp_path / "c.png")!r})
print(matplotlib.get_backend())
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.split()[-1].lower() == "svg"
    assert (tmp_path / "c.png").stat().st_size > 10_000


def test_lab_colours_are_stable_and_colour_blind_safe(run_data):
    colors = run_data.lab_colors()
    assert list(colors) == run_data.lab_order
    assert [colors[lab] for lab in run_data.lab_order] == list(
        style.OKABE_ITO[: len(run_data.lab_order)]
    )
    many = [f"lab{i}" for i in range(12)]
    picked = style.lab_colors(many, highlighted=many[3:5])
    assert picked["lab3"] == style.OKABE_ITO[0] and picked["lab4"] == style.OKABE_ITO[1]
    assert picked["lab0"] == style.OTHER_LABS


# -------------------------------------------------------------------------- run figures


def test_run_concentration_figure(run_data):
    fig = plots.concentration_figure(run_data)
    ax_h, ax_k, ax_s = fig.axes
    assert len(_lines(ax_h, "hhi")) == 1
    levels = sorted(line.get_ydata()[0] for line in _lines(ax_h, "threshold"))
    assert levels == [MODERATELY_CONCENTRATED_HHI, HIGHLY_CONCENTRATED_HHI, 10000 * MONOPOLY_CR1**2]
    labels = [t.get_text() for t in ax_h.texts if t.get_gid() == "threshold-label"]
    assert len(labels) == 4 and any("1,800" in t for t in labels)
    assert any("1,000" in t for t in labels) and any("4,900" in t for t in labels)
    areas = [c for c in ax_s.collections if isinstance(c, PolyCollection)]
    assert len(areas) == len(run_data.lab_order)
    # area colours are the labs' colours, in order
    colors = run_data.lab_colors()
    for area, lab in zip(areas, run_data.lab_order, strict=True):
        assert matplotlib.colors.to_hex(area.get_facecolor()[0]) == colors[lab].lower()
    assert "HHI" in ax_h.get_ylabel() and "share" in ax_s.get_ylabel()
    _assert_dates(ax_s)


def test_save_concentration_figure_default_path(run_dir):
    path = plots.save_concentration_figure(run_dir)
    assert path == run_dir / "plots" / "concentration.png"
    assert path.stat().st_size > 10_000


def test_market_shares_figure(run_data):
    fig = plots.market_shares_figure(run_data)
    ax_e, ax_l, ax_s = fig.axes
    areas = [c for c in ax_s.collections if isinstance(c, PolyCollection)]
    assert len(areas) == len(run_data.lab_order)
    leaders = {p.get_gid() for p in ax_l.patches}
    expected = {f"leader:{lab}" for lab in run_data.timeseries["leader"] if lab}
    assert leaders == expected
    markers = [line for line in ax_e.get_lines() if line.get_gid() == "event-marker"]
    assert len(markers) == len(run_data.events)
    assert len(_lines(ax_s, "event")) == len(run_data.events)
    _assert_dates(ax_s)


def test_market_shares_labels_events_without_overlap(run_data):
    events = pd.DataFrame(
        {
            "time": pd.to_datetime(["2022-01-01", "2022-02-01", "2022-03-01", "2025-06-01"]),
            "type": ["entry", "exit", "merger", "hardware_shock"],
            "lab": ["a_new_lab", "deepmind", "google_deepmind", ""],
            "detail": ["", "bankrupt", "", ""],
        }
    )
    layout = plots._event_layout(events, pd.Timestamp("2020-01-01"), pd.Timestamp("2026-01-01"))
    rows = [level for level, _, _ in layout]
    assert rows[:3] == [0, 1, 2]  # three events in three months: three rows
    assert layout[3][1] == "right"  # near the right edge the label goes left of its marker
    assert layout[3][2] == "hardware shock"


def test_race_figure(run_data):
    fig = plots.race_figure(run_data)
    ax_c, ax_f = fig.axes
    assert ax_c.get_yscale() == "log" and ax_f.get_yscale() == "log"
    assert len(_lines(ax_c, "lab:")) == len(run_data.lab_order)
    trained = set(run_data.models.loc[run_data.models["method"] != "distilled", "lab"])
    assert len(_lines(ax_f, "lab:")) == len(trained)
    releases = [c for c in ax_f.collections if str(c.get_gid()).startswith("method:")]
    assert {c.get_gid() for c in releases} == {
        f"method:{m}" for m in run_data.models["method"].unique()
    }
    assert sum(len(c.get_offsets()) for c in releases) == len(run_data.models)
    assert "FLOP" in ax_f.get_ylabel() and "capability" in ax_c.get_ylabel()
    _assert_dates(ax_f)


def test_overhang_figure(run_data):
    fig = plots.overhang_figure(run_data)
    axes = [ax for ax in fig.axes if ax.get_lines()]
    assert len(axes) == 3
    assert all(ax.get_yscale() == "log" for ax in axes)
    gids = {line.get_gid() for ax in axes for line in ax.get_lines()}
    assert {"runnable_copies", "training_to_serving_ratio", "hardware_overhang_world"} <= gids
    assert all(ax.get_ylabel() for ax in axes)
    _assert_dates(axes[-1])


def test_compute_figure(run_data):
    fig = plots.compute_figure(run_data)
    ax_k, ax_p, ax_c, ax_r = fig.axes
    assert ax_k.get_yscale() == "log"
    gids = {line.get_gid() for ax in fig.axes for line in ax.get_lines()}
    assert {
        "world_compute_stock_flop_per_s",
        "largest_cluster_flop_per_s",
        "compute_price_multiplier",
        "ai_research_share",
        "inference_compute_share",
    } <= gids
    strip = {p.get_gid() for p in ax_c.patches}
    assert any(g.startswith("compute_constraint:") for g in strip)
    _assert_dates(ax_r)


def test_compute_figure_of_an_old_run_names_what_is_missing(run_data, tmp_path):
    import dataclasses

    old = dataclasses.replace(
        run_data, timeseries=run_data.timeseries.drop(columns=["compute_constraint"])
    )
    with pytest.raises(plots.AnalysisError, match="compute_constraint"):
        plots.compute_figure(old)


def test_beliefs_figure(run_data):
    fig = plots.beliefs_figure(run_data)
    ax_b, ax_s = fig.axes
    n = len(run_data.lab_order)
    assert len(_lines(ax_b, "lab:")) == n
    assert len(_lines(ax_s, "compute_spend_usd:")) == n
    assert len(_lines(ax_s, "staff_spend_usd:")) == n
    assert ax_s.get_yscale() == "log" and "USD" in ax_s.get_ylabel()
    assert ax_b.get_ylim() == (0.0, 1.0)
    _assert_dates(ax_s)


def test_lineage_figure(run_data):
    fig = plots.lineage_figure(run_data)
    (ax,) = fig.axes
    nodes = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert sum(len(c.get_offsets()) for c in nodes) == len(run_data.models)
    lanes = [t.get_text() for t in ax.get_yticklabels()]
    assert lanes == [lab for lab in run_data.lab_order if lab in set(run_data.models["lab"])]
    _assert_dates(ax)


def test_crowded_run_groups_other_labs(run_data):
    """With more labs than colours, the top labs keep colours and the rest become one grey
    "other labs" layer and lane."""
    import copy

    crowd = copy.copy(run_data)
    extra = []
    for i in range(10):
        rows = run_data.labs[run_data.labs["lab"] == run_data.lab_order[0]].copy()
        rows["lab"] = f"entrant-{i}"
        rows["market_share"] = 0.0
        extra.append(rows)
    crowd.labs = pd.concat([run_data.labs, *extra], ignore_index=True)
    assert len(crowd.lab_order) == len(run_data.lab_order) + 10
    shown = crowd.highlighted_labs()
    assert len(shown) == style.MAX_COLORED_LABS and set(run_data.lab_order) <= set(shown)
    fig = plots.concentration_figure(crowd)
    areas = [c for c in fig.axes[2].collections if isinstance(c, PolyCollection)]
    assert len(areas) == style.MAX_COLORED_LABS + 1
    legend_texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend_texts[-1].startswith(style.OTHER_LABEL)


def test_public_names_survive_the_package_split():
    """analysis.plots became a package (one module per figure family); every public name of
    the old module, and the private helpers tests and the report used, still import."""
    names = [
        "ALL_KINDS",
        "BAND_QUANTILES",
        "HHI_MAX",
        "MAX_EVENT_LABELS",
        "MAX_LINEAGE_NODES",
        "MAX_PARAMETER_LEVELS",
        "MONOPOLY_HHI_FLOOR",
        "RUN_KINDS",
        "SWEEP_KINDS",
        "AnalysisError",
        "RunData",
        "SweepData",
        "beliefs_figure",
        "compute_figure",
        "concentration_figure",
        "figures_for",
        "lineage_figure",
        "load",
        "load_run",
        "load_sweep",
        "market_shares_figure",
        "overhang_figure",
        "phase_figure",
        "phase_shares_figure",
        "race_figure",
        "read_sensitivity",
        "save_concentration_figure",
        "save_figure",
        "sensitivity_figure",
        "structure_table",
        "_plt",
        "_event_layout",
        "_format_value",
    ]
    assert [n for n in names if not hasattr(plots, n)] == []


@pytest.fixture(scope="module")
def open_run():
    """A run with open-weights labs (users but no revenue), straight from memory."""
    from sim.results import run
    from sim.scenario import load_scenario

    return run(load_scenario(ROOT / "scenarios" / "open-diffusion.yaml", {"end": "2025-01"}))


def test_concentration_on_user_shares_counts_open_weights(open_run):
    """shares="users": the HHI is computed from every lab's share of users (labs.csv
    market_share), so open-weights labs, which earn no revenue, count and show."""
    import numpy as np

    from analysis.io import run_data

    data = run_data(open_run)
    open_labs = data.open_weights_labs()
    assert open_labs and all(data.labs.loc[data.labs["lab"].isin(open_labs), "revenue_share"] == 0)

    revenue = plots.concentration_figure(open_run)
    users = plots.concentration_figure(open_run, shares="users")
    hhi_revenue = _lines(revenue.axes[0], "hhi")[0].get_ydata()
    hhi_users = _lines(users.axes[0], "hhi")[0].get_ydata()
    np.testing.assert_allclose(hhi_revenue, data.timeseries["hhi"])
    expected = data.labs.groupby("step")["market_share"].apply(lambda s: 10000 * (s**2).sum())
    # a month with no users has no HHI (NaN), as the recorder writes for no revenue
    np.testing.assert_allclose(hhi_users, expected.replace(0.0, np.nan).to_numpy())
    assert not np.allclose(hhi_users, hhi_revenue)
    assert "user" in users.axes[0].get_ylabel() and "users" in users.axes[2].get_ylabel()
    # open-weights labs have a layer with area in the user stack, and the legend says so
    layers = [c for c in users.axes[2].collections if isinstance(c, PolyCollection)]
    shown = data.highlighted_labs()

    def area(layer):  # shoelace formula over the layer's outline
        x, y = layer.get_paths()[0].vertices.T
        return abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))) / 2

    revenue_layers = [c for c in revenue.axes[2].collections if isinstance(c, PolyCollection)]
    shown_open = [k for k, lab in enumerate(shown) if lab in open_labs]
    assert shown_open
    for k in shown_open:
        assert area(layers[k]) > 1 and area(revenue_layers[k]) < 1e-6
    legend = [t.get_text() for t in users.legends[0].get_texts()]
    assert any(t.endswith("(open weights)") for t in legend)
    assert not any(
        "open weights" in t for t in [x.get_text() for x in revenue.legends[0].get_texts()]
    )
    with pytest.raises(AnalysisError, match="--shares"):
        plots.concentration_figure(open_run, shares="customers")


def test_a_user_share_figure_belongs_to_its_run_folder(tmp_path, capsys):
    """labsim run --overwrite replaces a run whose plots/ holds concentration-users.png: the
    file is one labsim plot writes, not something foreign to keep safe."""
    out = tmp_path / "r"
    argv = ["run", str(ROOT / "scenarios" / "baseline.yaml"), "--set", "end=2021-01",
            "--out", str(out), "--quiet"]  # fmt: skip
    assert main(argv) == 0
    assert main(["plot", str(out), "--kind", "concentration", "--shares", "users"]) == 0
    assert (out / "plots" / "concentration-users.png").exists()
    assert main([*argv, "--overwrite"]) == 0, capsys.readouterr().err
    assert not (out / "plots").exists()


def test_user_shares_from_the_command_line(run_dir, sweep_dir, tmp_path, capsys):
    assert main(["plot", str(run_dir), "--kind", "concentration", "--shares", "users",
                 "--out", str(tmp_path)]) == 0  # fmt: skip
    assert [p.name for p in tmp_path.iterdir()] == ["concentration-users.png"]
    capsys.readouterr()
    assert main(["plot", str(sweep_dir), "--shares", "users", "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--shares users needs a run directory" in err[0]
    assert not (tmp_path / "s").exists()


# ------------------------------------------------------------------------ sweep figures


def test_sweep_concentration_figure(sweep_data):
    param = "mechanisms.warm_start.kappa"
    fig = plots.concentration_figure(sweep_data, by=param)
    (ax,) = fig.axes
    values = sweep_data.ok_runs[param].nunique()
    assert len(_lines(ax, "median")) == values
    bands = [c for c in ax.collections if c.get_gid() == "band"]
    assert len(bands) == values
    assert len(_lines(ax, "threshold")) == 3
    _assert_dates(ax)
    # by a suffix of the dotted path, too
    fig2 = plots.concentration_figure(sweep_data, by="imitation.capability_penalty")
    assert (
        len(_lines(fig2.axes[0], "median"))
        == sweep_data.ok_runs["mechanisms.imitation.capability_penalty"].nunique()
    )


def test_phase_figures(sweep_data):
    x, y = "mechanisms.warm_start.kappa", "mechanisms.imitation.capability_penalty"
    fig = plots.phase_figure(sweep_data, x, y)
    (ax,) = fig.axes
    cells = [p for p in ax.patches if str(p.get_gid()).startswith("cell:")]
    runs = sweep_data.ok_runs
    assert len(cells) == runs[x].nunique() * runs[y].nunique()
    assert ax.get_xlabel() == short_label(x) == "warm-start credit κ"
    assert ax.get_ylabel().replace("\n", " ") == short_label(y)
    # The most frequent structure; a tie goes to the more concentrated one, as the figure says.
    from analysis.plots.sweep import _concentration_rank

    majority = runs.groupby([x, y])["structure_final"].agg(
        lambda s: max(s.unique(), key=lambda v: ((s == v).sum(), _concentration_rank(v)))
    )
    assert {p.get_gid() for p in cells} == {f"cell:{s}" for s in majority}

    fig = plots.phase_shares_figure(sweep_data, x, y)
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.images]
    assert len(panels) == runs["structure_final"].nunique()

    table = plots.structure_table(sweep_data, x)
    assert list(table.index) == [plots._format_value(v) for v in sorted(runs[x].unique())]
    assert (table.drop(columns="n").sum(axis=1).round(9) == 1).all()


def _texts(fig) -> list[str]:
    """Every piece of text a figure shows: titles, axis labels, ticks, legends, annotations."""
    fig.canvas.draw()
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


def test_sweep_figures_name_parameters_by_label_not_path(sweep_data):
    """Axis labels, legends and ticks say "warm-start credit κ" and "0.1", never the dotted
    path or a raw float (the metric keeps its column name: it names the CSV)."""
    x, y = "mechanisms.warm_start.kappa", "mechanisms.imitation.capability_penalty"
    figures = [
        plots.concentration_figure(sweep_data, by=x),
        plots.phase_figure(sweep_data, x, y),
        plots.phase_shares_figure(sweep_data, x, y),
        plots.sensitivity_figure(sweep_data),
    ]
    for fig in figures:
        texts = _texts(fig)
        raw = [t for t in texts if "mechanisms." in t or "warm_start" in t or "e+" in t]
        assert not raw, raw
    legend = figures[0].legends[0]
    assert legend.get_title().get_text() == "warm-start credit κ"
    assert [t.get_text().split(" (n=")[0] for t in legend.get_texts()][:2] == ["0.1", "0.5"]


@pytest.mark.parametrize(
    "value, text",
    [(1.5e8, "150M"), (18.5, "18.5"), (1.85e01, "18.5"), (0, "0"), (2034.0, "2034"),
     (12_000, "12k"), (999_960, "1M"), (3.14e25, "3.14e25"), (0.0004, "4e-4"),
     (0.123456, "0.123"), (-2.5e6, "-2.5M"), (True, "true"), (float("nan"), "n/a"),
     ("epoch_refit", "epoch_refit")],
)  # fmt: skip
def test_format_number(value, text):
    from analysis.numbers import format_number

    assert format_number(value) == text


@pytest.mark.parametrize(
    "path, label",
    [("mechanisms.warm_start.kappa", "warm-start credit κ"),
     ("market.gdp_usd_per_year_start", "world GDP at start (USD/yr)"),
     ("hardware.doubling_time_years", "FLOP/USD doubling time (years)"),
     ("market.gdp_growth_per_year", "market gdp growth (per year)"),
     ("mechanisms.imitation.capability_penalty", "imitation capability penalty"),
     ("world.research_noise_sigma", "world research noise σ"),
     ("labs.openai.engineers", "openai engineers"),
     ("not.a_known_path", "not a known path")],
)  # fmt: skip
def test_short_labels_come_from_the_schema(path, label):
    from sim.paramlabels import field_at, parameter_unit

    assert short_label(path) == label
    assert (field_at(path) is None) == path.startswith("not.")
    assert parameter_unit("market.gdp_usd_per_year_start") == "USD/yr"
    assert parameter_unit("market.inertia") is None


def test_phase_over_an_unswept_parameter_is_refused(sweep_data):
    with pytest.raises(AnalysisError, match="was not varied"):
        plots.phase_figure(sweep_data, "hardware.doubling_time_years", "warm_start.kappa")


def test_sensitivity_figure(sweep_data):
    fig = plots.sensitivity_figure(sweep_data)
    (ax,) = fig.axes
    bars = [p for p in ax.patches if str(p.get_gid()).startswith("index:")]
    assert len(bars) == 2 * len(sweep_data.parameters)
    ranked = [t.get_text() for t in ax.get_yticklabels()]
    table = pd.read_csv(next(sweep_data.path.glob("sensitivity-*.csv")))
    expected = table.sort_values("ST", ascending=False)["parameter"]
    assert ranked == [short_label(p) for p in expected]
    assert "hhi_final" in fig._suptitle.get_text()
    from matplotlib.container import ErrorbarContainer

    assert sum(isinstance(c, ErrorbarContainer) for c in ax.containers) == 2  # CIs on ST and S1
    # the fixture's CSV predates the conf_level column: the figure does not pretend it is 95%
    assert ax.get_xlabel().endswith("confidence interval (level not recorded)")


def test_sensitivity_figure_draws_the_recorded_level(sweep_data, tmp_path):
    csv = pd.read_csv(next(sweep_data.path.glob("sensitivity-*.csv")))
    csv["conf_level"] = 0.8
    csv.to_csv(tmp_path / "sensitivity-sobol-hhi_final.csv", index=False)
    fig = plots.sensitivity_figure(sweep_data, file=tmp_path / "sensitivity-sobol-hhi_final.csv")
    assert "bars: 80% confidence interval" in fig.axes[0].get_xlabel()


# --------------------------------------------------------------------------------- CLI


def test_plot_cli_writes_every_run_figure(run_dir, tmp_path, capsys):
    assert main(["plot", str(run_dir), "--out", str(tmp_path), "--format", "svg"]) == 0
    written = sorted(p.stem for p in tmp_path.glob("*.svg"))
    assert written == sorted(plots.RUN_KINDS)
    assert "<svg" in (tmp_path / "race.svg").read_text()


def test_plot_cli_sweep_phase(sweep_dir, tmp_path):
    code = main(
        ["plot", str(sweep_dir), "--kind", "phase", "--x", "warm_start.kappa",
         "--y", "imitation.capability_penalty", "--out", str(tmp_path)]
    )  # fmt: skip
    assert code == 0 and (tmp_path / "phase.png").stat().st_size > 5_000


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--kind", "phase", "--x", "hardware.doubling_time_years", "--y", "warm_start.kappa"],
         "was not varied"),
        (["--kind", "race"], "needs a run directory"),
        (["--kind", "concentration", "--by", "market.inertia"], "was not varied"),
    ],
)  # fmt: skip
def test_plot_cli_bad_sweep_requests(sweep_dir, tmp_path, capsys, argv, message):
    assert main(["plot", str(sweep_dir), *argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0]
    assert not list(tmp_path.iterdir())


def _png_size_dpi(path_or_bytes):
    import io

    from PIL import Image

    data = path_or_bytes if isinstance(path_or_bytes, bytes) else path_or_bytes.read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        return image.size, image.info.get("dpi")


def test_saved_pngs_have_the_style_resolution_and_dpi_sets_it(run_dir, run_data, tmp_path):
    """PNGs come out at the style's 200 dots per inch (a 6.5-inch figure is about 1,300
    pixels wide), not matplotlib's default 100; --dpi and save_figure(dpi=) change it."""
    (width, _), dpi = _png_size_dpi(
        plots.save_figure(plots.race_figure(run_data), tmp_path / "a.png")
    )
    assert dpi is not None and round(dpi[0]) == style.DPI == 200
    assert abs(width - style.WIDTH_IN * 200) < 0.05 * style.WIDTH_IN * 200
    assert (
        main(["plot", str(run_dir), "--kind", "race", "--dpi", "100", "--out", str(tmp_path)]) == 0
    )
    (width_100, _), dpi_100 = _png_size_dpi(tmp_path / "race.png")
    assert round(dpi_100[0]) == 100 and abs(width_100 - width / 2) <= 2
    assert main(["plot", str(run_dir), "--kind", "race", "--out", str(tmp_path / "b")]) == 0
    assert _png_size_dpi(tmp_path / "b" / "race.png")[0][0] == width


def test_compare_figure_takes_dpi_too(tmp_path, capsys):
    base = str(ROOT / "scenarios" / "baseline.yaml")
    argv = ["compare", base, base, "--seeds", "1", "--set", "end=2021-01"]
    assert main([*argv, "--dpi", "100", "--out", str(tmp_path)]) == 0
    (width, _), dpi = _png_size_dpi(tmp_path / "compare.png")
    assert round(dpi[0]) == 100 and abs(width - style.WIDTH_IN * 100) < 0.05 * style.WIDTH_IN * 100
    capsys.readouterr()
    assert main([*argv, "--dpi", "0", "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.startswith("error: --dpi 0")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("command", [["plot"], ["report"], ["run", "--plot"]])
def test_a_bad_dpi_is_refused_in_one_line(run_dir, tmp_path, capsys, command):
    target = str(ROOT / "scenarios" / "baseline.yaml") if command[0] == "run" else str(run_dir)
    argv = [*command[:1], target, *command[1:], "--dpi", "0", "--out", str(tmp_path / "o")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --dpi 0") and "dots per inch" in err[0]
    assert not (tmp_path / "o").exists()


def test_plot_cli_bad_run_requests(run_dir, tmp_path, capsys):
    assert main(["plot", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no such directory" in err[0]
    assert main(["plot", str(run_dir), "--kind", "phase", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "needs a sweep directory" in err[0]
    assert main(["report", str(tmp_path / "missing")]) == 2


def test_report_for_a_run(run_dir, run_data):
    assert main(["report", str(run_dir)]) == 0
    text = (run_dir / "report.html").read_text()
    assert text.count("data:image/png;base64,") == len(plots.RUN_KINDS)
    import base64

    first = text.split("data:image/png;base64,")[1].split('"')[0]
    assert _png_size_dpi(base64.b64decode(first))[0][0] > 1200  # embedded at 200 dpi
    assert "<script" not in text and "http://" not in text and "https://" not in text
    assert run_data.name in text and str(run_data.scenario["description"])[:30] in text
    for measure in ("final structure", "final HHI", "leader at the end", "largest training run",
                    "runnable copies"):  # fmt: skip
        assert measure in text
    for lab in run_data.lab_order:
        assert lab in text
    # parameters by label with units, numbers as people write them
    assert "world GDP at start (USD/yr)" in text and ">85T<" in text
    assert "warm-start credit κ" in text
    tables = text.split("<h2>Figures</h2>")[0]
    assert "150000000" not in tables and "e+" not in tables


def test_report_for_a_sweep(sweep_dir, sweep_data):
    assert main(["report", str(sweep_dir), "--format", "svg"]) == 0
    text = (sweep_dir / "report.html").read_text()
    assert "Final structure by parameter" in text
    tables = text.split("<h2>Figures</h2>")[0]
    assert "warm-start credit κ" in tables and "e+" not in tables
    for p in sweep_data.parameters:
        assert p in text
    # concentration, phase, phase-shares, sensitivity
    assert text.count("<svg") == 4
    assert "<script" not in text


def test_sweep_report_captions_its_own_figures_and_keeps_zero_bounds(sweep_data):
    """The sweep's concentration caption describes the sweep figure (median and band, no
    shares panel), naming the parameter; a declared bound of 0 is shown, not dropped."""
    import dataclasses
    import re

    from analysis.report import _spec_text, sweep_report_html

    assert _spec_text({"low": 0, "high": 0.8, "num": 6, "log": False}) == "low 0, high 0.8, num 6"
    assert _spec_text({"low": 0.0, "high": 1.0, "log": True}) == "low 0, high 1, log true"
    spec = dict(sweep_data.spec)
    spec["parameters"] = {p: {"low": 0.0, "high": 0.8} for p in sweep_data.parameters}
    text = sweep_report_html(dataclasses.replace(sweep_data, spec=spec))
    assert text.count("low 0, high 0.8") == len(sweep_data.parameters)
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", text)
    concentration = next(c for c in captions if c.startswith("Market concentration"))
    assert "median" in concentration and "shares by lab" not in concentration
    assert "warm-start credit κ" in concentration
    assert any("imitation capability penalty" in c for c in captions if "Monopoly" in c)


def test_help_does_not_load_matplotlib():
    code = "import sys, analysis.cli; print('matplotlib' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
