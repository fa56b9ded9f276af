"""Calibration machinery on small synthetic tables with known answers: every metric kind, the
derived measures, statuses, the held-out block and the errors for bad input."""

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, SCENARIOS, load

from sim.calibration import (
    HELD_OUT,
    HELD_OUT_TITLE,
    MEASURES,
    Probe,
    Report,
    Target,
    check,
    format_markdown,
    format_table,
    load_targets,
    update_doc,
)
from sim.calibration.check import modal_label, target_row
from sim.calibration.measures import (
    cheapest_price_at_fixed_capability,
    labs_with_run_at_least,
    price_decline_at_fixed_capability,
)
from sim.calibration.metrics import evaluate
from sim.calibration.tables import Tables
from sim.calibration.targets import check_against, last_month
from sim.dates import format_year_month, parse_year_month
from sim.results import RunResult
from sim.scenario import ScenarioError


def months(start: str, end: str, step_months: int = 1) -> list[str]:
    first, last = parse_year_month(start), parse_year_month(end)
    n = round((last - first) * 12 / step_months)
    return [format_year_month(first + k * step_months / 12) for k in range(n + 1)]


def years_since(dates, origin: str = "2020-01") -> np.ndarray:
    return np.array([parse_year_month(d) - parse_year_month(origin) for d in dates])


def timeseries(step_months: int = 1) -> pd.DataFrame:
    """2020-01..2023-12: compute x4 a year from 1e23, capability doubling every half year,
    and a leader that changes in 2022."""
    dates = months("2020-01", "2023-12", step_months)
    t = years_since(dates)
    return pd.DataFrame(
        {
            "step": range(len(dates)),
            "date": dates,
            "frontier_training_flop": 1e23 * 4.0**t,
            "frontier_capability": 0.1 * 2.0 ** (t / 0.5),
            "hhi": np.full(len(dates), 5000.0),
            "leader": ["google_brain" if d < "2022-01" else "openai" for d in dates],
        }
    )


def labs_table(step_months: int = 1) -> pd.DataFrame:
    """Three labs; per step revenue 10, 30, 60 (and enterprise revenue 5, 15, 0); anthropic
    enters in 2021-05."""
    rows = []
    for k, date in enumerate(months("2020-01", "2023-12", step_months)):
        for lab, revenue, enterprise in (("openai", 60.0, 5.0), ("anthropic", 10.0, 15.0)):
            if lab == "anthropic" and date < "2021-05":
                continue
            rows.append((k, date, lab, revenue, enterprise))
        rows.append((k, date, "google_brain", 30.0, 0.0))
    return pd.DataFrame(
        rows, columns=["step", "date", "lab", "revenue_usd", "enterprise_revenue_usd"]
    )


def probe(**fields) -> Probe:
    return Probe(name="p", **fields)


def target(**fields) -> dict:
    return {"name": "t", "source": "test", "status": "untouched", **fields}


# ---------------------------------------------------------------- timeseries kinds


def test_value_growth_and_doubling_of_a_timeseries_column():
    tables = Tables(timeseries=timeseries())
    flop = dict(column="frontier_training_flop")
    assert evaluate(probe(kind="value", at="2021-01", **flop), tables) == pytest.approx(4e23)
    growth = probe(kind="growth_per_year", start="2020-12", end="2023-12", **flop)
    assert evaluate(growth, tables) == pytest.approx(4.0)
    doubling = probe(
        kind="doubling_time_years", column="frontier_capability", start="2020-06", end="2023-12"
    )
    assert evaluate(doubling, tables) == pytest.approx(0.5)
    # A column the run does not have (yet) reads n/a, not an error.
    missing = probe(kind="value", column="open_weights_user_share", at="2023-12")
    assert math.isnan(evaluate(missing, tables))


def test_with_quarterly_steps_a_month_reads_the_last_step_before_it():
    tables = Tables(timeseries=timeseries(step_months=3), step_months=3)
    # Steps are 2020-01, 2020-04, ...: 2021-03 reads the 2021-01 step.
    value = probe(kind="value", column="frontier_training_flop", at="2021-03")
    assert evaluate(value, tables) == pytest.approx(4e23)
    growth = probe(
        kind="growth_per_year", column="frontier_training_flop", start="2020-02", end="2023-12"
    )
    assert evaluate(growth, tables) == pytest.approx(4.0)  # years between the steps read


def test_equals_reads_a_label_and_passes_on_the_modal_label_across_seeds():
    tables = Tables(timeseries=timeseries())
    leader = dict(kind="equals", column="leader", at="2023-12")
    assert evaluate(probe(**leader), tables) == "openai"
    t = Target(**target(expect="openai", **leader))
    row = target_row(t, ["openai", "openai", "google_brain", math.nan])
    assert row["passed"] and row["modal"] == "openai" and row["share_of_seeds"] == 0.5
    assert not target_row(t, ["openai", "google_brain"])["passed"]  # a tie is not a mode
    assert modal_label(["a", "b"], "a")["modal"] == "a / b"
    assert target_row(t, [math.nan, math.nan])["result"] == "n/a"


# ---------------------------------------------------------------- lab targets


@pytest.mark.parametrize("step_months", [1, 3])
def test_annualize_multiplies_a_per_step_flow_to_a_year(step_months):
    tables = Tables(labs=labs_table(step_months), step_months=step_months)
    revenue = probe(kind="value", lab="anthropic", column="revenue_usd", at="2023-12")
    assert evaluate(revenue, tables) == pytest.approx(10.0)
    annual = probe(
        kind="value", lab="anthropic", column="revenue_usd", annualize=True, at="2023-12"
    )
    assert evaluate(annual, tables) == pytest.approx(10.0 * 12 / step_months)


def test_share_of_is_the_labs_part_of_the_column_total_that_month():
    tables = Tables(labs=labs_table())
    api = probe(kind="value", lab="openai", share_of="enterprise_revenue_usd", at="2023-12")
    assert evaluate(api, tables) == pytest.approx(5 / 20)
    revenue = probe(kind="value", lab="openai", share_of="revenue_usd", at="2020-06")
    assert evaluate(revenue, tables) == pytest.approx(60 / 90)  # before anthropic enters
    # A lab without a row that month (not yet entered) reads n/a.
    early = probe(kind="value", lab="anthropic", column="revenue_usd", at="2021-01")
    assert math.isnan(evaluate(early, tables))


# ---------------------------------------------------------------- derived measures


def products_table(free: bool = False) -> pd.DataFrame:
    """Monthly 2020-01..2023-12: a frontier product whose capability grows (1 + years since
    2020) at $60 per Mtok; a weak cheap one (0.5, $0.01); from 2021-01 a product at the 2021-01
    frontier capability (2.0) whose price falls exactly 10x a year from $30; optionally a free
    product at that capability."""
    dates = months("2020-01", "2023-12")
    rows = []
    for date, t in zip(dates, years_since(dates), strict=True):
        rows += [(date, "frontier", 1.0 + t, 60.0), (date, "weak", 0.5, 0.01)]
        if date >= "2021-01":
            rows.append((date, "cheap", 2.0, 30.0 * 10.0 ** -(t - 1.0)))
        if free:
            rows.append((date, "free", 2.0, 0.0))
    frame = pd.DataFrame(rows, columns=["date", "model_id", "capability", "price_per_mtok_usd"])
    return frame.assign(lab="x", step=0, tier="t", open_weights=False)


def test_price_decline_at_fixed_capability_recovers_a_tenfold_yearly_fall():
    products = products_table()
    assert price_decline_at_fixed_capability(products, "2021-01", "2021-01", "2023-12") == (
        pytest.approx(10.0)
    )
    assert cheapest_price_at_fixed_capability(products, "2021-01", "2022-01") == pytest.approx(3.0)
    # The threshold is the best capability on sale at threshold_at: in 2020-01 only the
    # frontier product (1.0, $60) clears it.
    assert cheapest_price_at_fixed_capability(products, "2020-01", "2020-06") == 60.0
    # A free product neither breaks the log fit nor counts as the cheapest price.
    free = products_table(free=True)
    assert price_decline_at_fixed_capability(free, "2021-01", "2021-01", "2023-12") == (
        pytest.approx(10.0)
    )
    # Nothing above the threshold in the window, or no products table: n/a.
    assert math.isnan(price_decline_at_fixed_capability(products, "2023-12", "2021-01", "2021-06"))
    assert math.isnan(price_decline_at_fixed_capability(None, "2021-01", "2021-01", "2023-12"))
    measure = probe(
        kind="measure",
        measure="price_decline_at_fixed_capability",
        threshold_at="2021-01",
        start="2021-01",
        end="2023-12",
    )
    assert evaluate(measure, Tables(products=products)) == pytest.approx(10.0)
    assert math.isnan(evaluate(measure, Tables()))


def test_labs_with_run_at_least_counts_distinct_labs_by_date_and_method():
    models = pd.DataFrame(
        [
            ("a", "2022-03", 2e25, "scratch"),
            ("a", "2023-01", 3e25, "warm_start"),  # same lab: counted once
            ("b", "2023-06", 1e25, "imitation"),  # exactly at the threshold counts
            ("c", "2023-06", 5e25, "distilled"),  # a distilled student does not
            ("d", "2024-02", 9e25, "scratch"),  # completed after `at`
            ("e", "2023-01", 9e24, "scratch"),  # below the threshold
            ("f", None, 9e26, "scratch"),  # still training
        ],
        columns=["lab", "completed", "training_flop", "method"],
    )
    assert labs_with_run_at_least(models, 1e25, "2023-12") == 2
    assert labs_with_run_at_least(models, 1e25, "2024-12") == 3
    assert labs_with_run_at_least(models, 1e24, "2022-12") == 1
    assert math.isnan(labs_with_run_at_least(None, 1e25, "2023-12"))


def test_every_registered_measure_is_documented():
    doc = (ROOT / "docs" / "calibration.md").read_text()
    for name, measure in MEASURES.items():
        assert f"`{name}`" in doc, name
        assert callable(measure.compute) and measure.tables and measure.unit


# ---------------------------------------------------------------- the targets file


def test_every_target_needs_a_known_status():
    with pytest.raises(ValueError, match="status"):
        Target(
            **{
                k: v
                for k, v in target(kind="value", column="hhi", at="2023-01", band=[1, 2]).items()
                if k != "status"
            }
        )
    with pytest.raises(ValueError, match="status"):
        Target(**target(kind="value", column="hhi", at="2023-01", band=[1, 2], status="tuned"))


@pytest.mark.parametrize(
    "fields, message",
    [
        (dict(kind="value", column="hhhi", at="2023-01", band=[1, 2]), "did you mean hhi"),
        (
            dict(kind="value", lab="openai", column="revenue", at="2023-01", band=[1, 2]),
            "revenue_usd",
        ),
        (dict(kind="value", column="leader", at="2023-01", band=[1, 2]), "use kind equals"),
        (dict(kind="equals", column="hhi", at="2023-01", expect="x"), "use a numeric kind"),
        (dict(kind="equals", column="leader", at="2023-01", band=[1, 2]), "needs `expect`"),
        (dict(kind="value", share_of="revenue_usd", at="2023-01", band=[1, 2]), "needs `lab`"),
        (
            dict(
                kind="value",
                lab="a",
                share_of="revenue_usd",
                annualize=True,
                at="2023-01",
                band=[0, 1],
            ),
            "annualize",
        ),
        (dict(kind="growth_per_year", column="hhi", at="2023-01", band=[1, 2]), "needs `from`"),
        (
            dict(kind="growth_per_year", column="hhi", start="2023-01", end="2022-01", band=[1, 2]),
            "after `from`",
        ),
        (dict(kind="value", column="hhi", at="2023-13", band=[1, 2]), "YYYY-MM"),
        (dict(kind="value", column="hhi", at="2023-01", band=[2, 1]), "low < high"),
        (
            dict(kind="measure", measure="price_decline_at_fixed_capabilty", band=[1, 2]),
            "did you mean price_decline_at_fixed_capability",
        ),
        (
            dict(kind="measure", measure="labs_with_run_at_least", at="2023-01", band=[1, 2]),
            "needs `flop`",
        ),
        (
            dict(
                kind="measure",
                measure="labs_with_run_at_least",
                flop=1e25,
                at="2023-01",
                column="hhi",
                band=[1, 2],
            ),
            "`column` does not apply",
        ),
    ],
)
def test_bad_targets_are_named_errors(fields, message):
    with pytest.raises(ValueError, match=message):
        Target(**target(**fields))


def test_load_targets_names_the_target_and_catches_duplicates(tmp_path):
    path = tmp_path / "t.targets.yaml"
    path.write_text(
        "targets:\n"
        "  - {name: a, source: s, status: fitted, kind: value, column: hhhi, at: 2021-01, band: [1, 2]}\n"
        "  - {name: b, source: s, status: fitted, kind: value, column: hhi, at: 2021-01, band: [1, 2]}\n"
        "  - {name: b, source: s, status: fitted, kind: value, column: hhi, at: 2021-01, band: [1, 2]}\n"
    )
    with pytest.raises(ScenarioError) as err:
        load_targets(path)
    assert any("target 'a'" in p and "did you mean hhi" in p for p in err.value.problems)
    assert any("'b' appears twice" in p for p in err.value.problems)


def test_targets_outside_the_run_or_on_unknown_labs_are_bad_input():
    scenario = load("history.yaml", end="2024-01")
    assert last_month(scenario) == "2023-12"
    late = Target(**target(name="late", kind="value", column="hhi", at="2024-01", band=[1, 2]))
    early = Target(**target(name="early", kind="value", column="hhi", at="2019-12", band=[1, 2]))
    lab = Target(
        **target(
            name="who",
            kind="value",
            lab="antropic",
            column="revenue_usd",
            at="2023-01",
            band=[1, 2],
        )
    )
    merged = Target(
        **target(name="gdm", kind="equals", column="leader", at="2023-12", expect="google_deepmind")
    )
    with pytest.raises(ScenarioError) as err:
        check_against([late, early, lab, merged], scenario)
    problems = err.value.problems
    assert len(problems) == 3
    assert "'late'" in problems[0] and "after the last month" in problems[0]
    assert "'early'" in problems[1] and "before" in problems[1]
    assert "'who'" in problems[2] and "did you mean anthropic" in problems[2]


def test_history_targets_keep_the_protocol():
    targets = load_targets(SCENARIOS / "history.targets.yaml")
    # Fit through December 2023 only: no target reads a later month.
    assert all(m <= "2023-12" for t in targets for m in t.months)
    assert "leader_revenue_2024" not in {t.name for t in targets}
    statuses = {t.status for t in targets}
    assert statuses == {"fitted", "by_construction", "untouched"}
    # The held-out block reads only 2024-2025.
    assert all("2024-01" <= m <= "2025-12" for p in HELD_OUT for m in p.months if m != "2021-01")


# ---------------------------------------------------------------- check and report


def test_check_gives_n_a_for_what_the_run_lacks_and_for_held_out_months_it_does_not_reach():
    scenario = load("history.yaml", end="2025-01")  # records through 2024-12
    targets = [
        Target(
            **target(name="hhi_2023", kind="value", column="hhi", at="2023-12", band=[0, 10000])
        ),
        Target(
            **target(
                name="price",
                kind="measure",
                measure="price_decline_at_fixed_capability",
                threshold_at="2021-01",
                start="2021-01",
                end="2023-12",
                band=[5, 20],
            )
        ),
    ]
    report = check(scenario, targets, range(2))
    assert report.targets[0]["result"] == "pass"
    # A model without a products table reads n/a for the price target instead of crashing.
    expected = ("pass", "FAIL") if hasattr(RunResult, "products") else ("n/a",)
    assert report.targets[1]["result"] in expected
    held = {(r["measure"], r["when"]): r for r in report.held_out}
    assert len(held) == len(HELD_OUT)
    assert math.isfinite(held[("largest_run_flop", "2024-12")]["median"])
    assert math.isnan(held[("largest_run_flop", "2025-12")]["median"])  # after the end
    assert math.isnan(held[("price_decline_fixed_capability", "2024-01 to 2025-12")]["median"])
    text = format_table(report)
    assert HELD_OUT_TITLE in text
    line = next(x for x in text.splitlines() if x.startswith("largest_run_flop") and "2025-12" in x)
    assert line.split()[-2:] == ["n/a", "n/a"]


def synthetic_report() -> Report:
    t = Target(**target(name="growth", kind="value", column="hhi", at="2023-01", band=[1, 2]))
    e = Target(
        **target(
            name="who",
            kind="equals",
            column="leader",
            at="2023-01",
            expect="openai",
            status="fitted",
        )
    )
    held = [
        {
            "measure": "m",
            "description": "d",
            "series": "s",
            "when": "2024-12",
            "median": 3.0,
            "p10": 2.0,
            "p90": 4.0,
            "seeds_with_value": 3,
            "seeds": 3,
        },
        {
            "measure": "m",
            "description": "d",
            "series": "s",
            "when": "2025-12",
            "median": math.nan,
            "p10": math.nan,
            "p90": math.nan,
            "seeds_with_value": 0,
            "seeds": 3,
        },
    ]
    rows = [target_row(t, [1.5, 1.6, 1.7]), target_row(e, ["openai", "x", "openai"])]
    return Report(targets=rows, held_out=held, seeds=3)


def test_report_shows_statuses_evidence_and_the_held_out_block(tmp_path):
    report = synthetic_report()
    text = format_table(report)
    assert "untouched" in text and "= openai" in text and "openai in 67% of seeds" in text
    assert "Evidence" not in text  # the counts line is printed by the command
    md = format_markdown(report, "T")
    assert "2 targets: 2 pass, 0 fail, 0 n/a. Evidence (untouched targets only): 1 of 1 pass." in md
    assert f"**{HELD_OUT_TITLE}**" in md and "| m | d | 2025-12 | n/a | n/a |" in md
    doc = tmp_path / "doc.md"
    doc.write_text("intro\n<!-- labsim check: start -->\nold\n<!-- labsim check: end -->\nend\n")
    update_doc(doc, report, "T over 3 seeds")
    fresh = doc.read_text()
    assert fresh.startswith("intro\n<!-- labsim check: start -->\nT over 3 seeds:\n")
    assert "old" not in fresh and fresh.endswith("<!-- labsim check: end -->\nend\n")
    assert HELD_OUT_TITLE in fresh


# ---------------------------------------------------------------- the command


def labsim(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "sim", "check", *args], capture_output=True, text=True, cwd=cwd
    )


def test_a_target_after_the_scenarios_end_is_one_line_exit_2_and_writes_nothing(tmp_path):
    targets = tmp_path / "t.yaml"
    targets.write_text(
        "targets:\n  - {name: too_late, source: s, status: fitted, kind: value, column: hhi, "
        "at: 2030-01, band: [1, 2]}\n"
    )
    out = tmp_path / "out"
    proc = labsim(
        "scenarios/history.yaml",
        "--set",
        "end=2026-01",
        "--targets",
        str(targets),
        "--out",
        str(out),
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "too_late" in proc.stderr
    assert "2030-01" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def test_a_doc_without_its_block_is_refused_before_running(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text("no block here\n")
    out = tmp_path / "out"
    proc = labsim("scenarios/history.yaml", "--seeds", "1", "--doc", str(doc), "--out", str(out))
    assert proc.returncode == 2 and "labsim check: start" in proc.stderr
    assert not out.exists()


def test_price_decline_share_from_new_models_splits_composition_from_own_price_cuts():
    from sim.calibration.measures import price_decline_share_from_new_models

    rows = [
        # a: 10 -> 5 on its own; then b (new, smaller) takes over at 1, and falls to 0.5
        ("2021-01", "a", 1.0, 10.0),
        ("2021-02", "a", 1.0, 5.0),
        ("2021-03", "a", 1.0, 5.0),
        ("2021-03", "b", 1.0, 1.0),
        ("2021-04", "b", 1.0, 0.5),
    ]
    products = pd.DataFrame(rows, columns=["date", "model_id", "capability", "price_per_mtok_usd"])
    share = price_decline_share_from_new_models(products, "2021-01", "2021-01", "2021-04")
    # total ln(0.5/10) = ln 20; own cuts ln 2 (a) + ln 2 (b); composition ln 5
    assert share == pytest.approx(math.log(5) / math.log(20))
    rising = products.assign(price_per_mtok_usd=[1.0, 2.0, 3.0, 4.0, 5.0])
    assert math.isnan(price_decline_share_from_new_models(rising, "2021-01", "2021-01", "2021-04"))
