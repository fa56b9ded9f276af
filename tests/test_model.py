"""Whole-model behaviour: determinism, invariants every step, directions of effects."""

import math

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS, load
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.ledger import INCOME_ACCOUNTS, SPENDING_ACCOUNTS
from sim.results import run
from sim.scenario import load_scenario

# ----------------------------------------------------------------- determinism


def test_same_seed_gives_byte_identical_files(tmp_path):
    scenario = load(end="2028-01")
    a = run(scenario, seed=3).save(tmp_path / "a")
    # the second run of one Scenario object reuses its exogenous schedules; an equal but new
    # object computes them again
    b = run(scenario, seed=3).save(tmp_path / "b")
    c = run(load(end="2028-01"), seed=3).save(tmp_path / "c")
    for name in (
        "timeseries.csv",
        "labs.csv",
        "models.csv",
        "events.csv",
        "lineage.json",
        "scenario.resolved.yaml",
    ):
        assert (a / name).read_bytes() == (b / name).read_bytes() == (c / name).read_bytes(), name


@pytest.mark.parametrize("name", ["baseline.yaml", "open-diffusion.yaml"])
def test_market_kept_between_releases_changes_nothing(name, monkeypatch):
    """The market keeps its book of products while the products on sale stay the same, and a
    new book takes what it can from the last (phases.product_book): a run that builds every
    step's book afresh from the products, looking each one's state up in the last book, gives
    the same numbers, open weights included."""
    from sim.phases import market, product_book

    scenario = load(name, end="2030-01")
    kept = run(scenario, seed=2)

    def afresh(model, labs):
        # Terms read from every product, and each product's state looked up in the last book.
        old = model.on_sale
        book = product_book.build(model, tuple(labs), tuple(lab.products for lab in labs), None)
        if book is not None and old is not None:
            for i, p in enumerate(book.products):
                r = old.row_of.get(id(p))
                if r is not None:
                    book.split[i] = old.split[r]
                    book.lerner[:, i] = old.lerner[:, r]
        model.on_sale = book
        return book

    monkeypatch.setattr(market, "on_sale", afresh)
    fresh = run(scenario, seed=2)
    for table in ("timeseries", "labs", "products"):
        pd.testing.assert_frame_equal(getattr(kept, table), getattr(fresh, table), check_exact=True)


def test_different_seeds_differ():
    scenario = load(end="2028-01")
    a, b = run(scenario, seed=1), run(scenario, seed=2)
    assert not a.labs["capability"].equals(b.labs["capability"])


def test_resolved_scenario_reproduces_the_run(tmp_path):
    scenario = load(end="2026-01")
    first = run(scenario, seed=11)
    out = first.save(tmp_path / "r")
    again = run(load_scenario(out / "scenario.resolved.yaml"))
    pd.testing.assert_frame_equal(first.timeseries, again.timeseries)
    assert again.seed == 11


def test_parquet_output(tmp_path):
    out = run(load(end="2022-01"), seed=1).save(tmp_path / "p", format="parquet")
    frame = pd.read_parquet(out / "timeseries.parquet")
    assert len(frame) == 24 and "hhi" in frame


# ------------------------------------------------------------------ invariants


def check_invariants(result) -> None:
    ts, labs = result.timeseries, result.labs
    numeric = labs.select_dtypes("number").drop(columns=["price_per_mtok_usd"])
    assert np.isfinite(numeric.to_numpy()).all(), "NaN or infinity in labs.csv"
    for col in ("frontier_capability", "frontier_training_flop", "flop_per_usd", "n_active"):
        assert np.isfinite(ts[col]).all(), col
    assert labs["market_share"].between(0, 1).all()
    shares = labs[labs["active"]].groupby("step")["market_share"].sum()
    sold = shares[shares > 0]
    assert np.allclose(sold, 1.0), "shares must sum to 1 whenever a product is on sale"
    market = ts.dropna(subset=["hhi"])
    n = market["n_active"]
    assert (market["hhi"] <= 10000 + 1e-6).all()
    assert (market["hhi"] >= 10000 / n - 1e-6).all()
    # Capability is an unbounded index (time horizon, minutes): finite and non-negative.
    assert (labs["capability"] >= 0).all() and np.isfinite(labs["capability"]).all()
    # Each lab's products' user shares add up to the lab's user share.
    products = result.products
    if len(products):
        by_lab = products.groupby(["step", "lab"])["user_share"].sum()
        lab_share = labs.set_index(["step", "lab"])["market_share"].reindex(by_lab.index)
        assert np.allclose(by_lab.to_numpy(), lab_share.to_numpy(), atol=1e-9)
        assert np.isfinite(products["price_per_mtok_usd"]).all()
    # Money is conserved: each lab's cash moves by exactly income minus spending.
    for _, rows in labs.groupby("lab"):
        flows = rows[list(INCOME_ACCOUNTS)].sum(axis=1) - rows[list(SPENDING_ACCOUNTS)].sum(axis=1)
        cash = rows["cash_usd"].to_numpy()
        delta = np.diff(cash)
        scale = np.maximum(np.abs(cash[1:]), 1.0)
        assert (np.abs(delta - flows.to_numpy()[1:]) <= 1e-9 * scale + 1e-3).all()


def test_baseline_invariants():
    check_invariants(run(load(), seed=5))


def test_first_cash_row_is_starting_cash_plus_flows():
    scenario = load(end="2021-01")
    result = run(scenario, seed=1)
    first = result.labs[result.labs["step"] == 0].set_index("lab")
    for lab in scenario.labs:
        row = first.loc[lab.name]
        flows = row[list(INCOME_ACCOUNTS)].sum() - row[list(SPENDING_ACCOUNTS)].sum()
        assert row["cash_usd"] == pytest.approx(lab.cash_usd + flows)


MECHANISMS = (
    "algorithmic_progress",
    "utilization",
    "spillovers",
    "belief_learning",
    "parallelism_limit",
    "compute_supply",
    "salary_dynamics",
    "investor_funding",
    "exit",
    "warm_start",
    "reverse_distillation",
    "deployment_distillation",
    "imitation",
    "learning_curve",
    "entry",
    "acquisition",
)


@settings(
    max_examples=int(__import__("os").environ.get("LABSIM_HYPOTHESIS_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    switches=st.lists(st.booleans(), min_size=len(MECHANISMS), max_size=len(MECHANISMS)),
    inertia=st.floats(0.0, 0.99),
    capability_preference=st.floats(0.0, 10.0),
    price_sensitivity=st.floats(0.5, 8.0),
    doubling=st.floats(0.5, 10.0),
    cash=st.floats(1e6, 1e10),
    engineers=st.floats(1.0, 3000.0),
    belief=st.floats(0.01, 0.99),
    regime=st.sampled_from(["scaling", "ideas", "mixed"]),
    wake_up=st.none() | st.floats(0.0, 1.0),
    step_months=st.sampled_from([1, 3]),
    seed=st.integers(0, 2**31),
)
def test_invariants_hold_for_random_valid_scenarios(
    switches,
    inertia,
    capability_preference,
    price_sensitivity,
    doubling,
    cash,
    engineers,
    belief,
    regime,
    wake_up,
    step_months,
    seed,
):
    overrides = {f"mechanisms.{m}.enabled": on for m, on in zip(MECHANISMS, switches, strict=True)}
    overrides.update(
        {
            "end": "2027-01",
            "step_months": step_months,
            "market.inertia": inertia,
            "market.capability_preference": capability_preference,
            "market.price_sensitivity": price_sensitivity,
            "hardware.doubling_time_years": doubling,
            "labs.openai.cash_usd": cash,
            "labs.deepmind.engineers": engineers,
            "labs.google_brain.belief_compute_elasticity": belief,
            "world.progress_regime": regime,
            "mechanisms.entry.rate_per_year": 3.0,
            "labs.google_brain.wake_up_lead_threshold": wake_up,
        }
    )
    check_invariants(run(load_scenario(SCENARIOS / "baseline.yaml", overrides), seed=seed))


# ------------------------------------------------------------------ directions


def compute_share_of_spend(result, lab):
    rows = result.labs[(result.labs["lab"] == lab) & (result.labs["step"] < 24)]
    return (
        rows["compute_spend_usd"].sum()
        / (rows["compute_spend_usd"] + rows["staff_spend_usd"]).sum()
    )


def test_scaling_maximalist_spends_a_larger_share_on_compute():
    result = run(load(end="2022-01"), seed=1)
    assert (
        compute_share_of_spend(result, "openai") > compute_share_of_spend(result, "deepmind") + 0.2
    )


def test_flop_per_usd_doubles_in_the_configured_time():
    result = run(load(end="2030-01", **{"hardware.doubling_time_years": 2.0}), seed=1)
    ts = result.timeseries.set_index("step")
    assert ts.loc[24, "flop_per_usd"] / ts.loc[0, "flop_per_usd"] == pytest.approx(2.0)


def test_belief_learning_moves_toward_the_truth_faster_with_low_conviction():
    def drift(conviction):
        scenario = load(end="2021-07", **{"labs.openai.conviction": conviction})
        beliefs = [
            run(scenario, seed=s).labs.query("lab == 'openai'")["belief_compute_elasticity"]
            for s in range(4)
        ]
        return np.median([abs(b.iloc[-1] - 0.8) for b in beliefs])

    assert drift(0.3) > drift(0.97) + 0.1
    assert drift(1.0) == 0.0


def test_belief_learning_switch_freezes_beliefs():
    result = run(load(end="2026-01", **{"mechanisms.belief_learning.enabled": False}), seed=1)
    beliefs = result.labs.groupby("lab")["belief_compute_elasticity"].nunique()
    assert (beliefs == 1).all()


def test_in_the_ideas_regime_compute_alone_stalls():
    """Ten times the compute buys much less capability in the ideas regime than under scaling."""

    def capability(regime, compute_multiple):
        scenario = load(
            end="2025-01",  # before research has worn the ideas wall down
            **{
                "world.progress_regime": regime,
                "hardware.flop_per_usd_start": 2.5e17 * compute_multiple,
                "mechanisms.algorithmic_progress.enabled": False,
                "mechanisms.spillovers.enabled": False,
                # Let money buy compute without the cluster ceiling or the stock's scarcity
                # (cheaper FLOP/USD alone does not grow the stock), so that only the regime
                # decides what compute is worth.
                "mechanisms.parallelism_limit.enabled": False,
                "mechanisms.compute_supply.enabled": False,
            },
        )
        frames = [
            run(scenario, seed=s).timeseries["frontier_capability"].iloc[-1] for s in range(3)
        ]
        return float(np.median(frames))

    gain_scaling = capability("scaling", 10) - capability("scaling", 1)
    gain_ideas = capability("ideas", 10) - capability("ideas", 1)
    assert gain_scaling > 0.05
    assert gain_ideas < 0.3 * gain_scaling


def test_parallelism_limit_bounds_every_run():
    overrides = {"labs.openai.cash_usd": 1e13, "end": "2026-01"}
    result = run(load(**overrides), seed=1)
    models = result.models[result.models["method"] != "distilled"]
    # Physical FLOP of a run <= the largest cluster at its start, over max_run_months.
    ts = result.timeseries.set_index("date")
    for _, m in models.iterrows():
        cluster = ts.loc[m["started"], "largest_cluster_flop_per_s"]
        limit = cluster * 12 * 365.25 * 24 * 3600 / 12
        assert (
            m["training_flop"] <= limit * 1.0001
        )  # training FLOP = physical x utilization <= physical
    unlimited = run(load(**overrides, **{"mechanisms.parallelism_limit.enabled": False}), seed=1)
    assert unlimited.models["training_flop"].max() > models["training_flop"].max()


def test_lab_that_cannot_pay_exits():
    overrides = {
        "labs.openai.cash_usd": 1e6,
        "mechanisms.investor_funding.enabled": False,
        "mechanisms.acquisition.enabled": False,
        "end": "2025-01",
    }
    result = run(load(**overrides), seed=1)
    exits = result.events[result.events["type"] == "exit"]
    assert "openai" in set(exits["lab"])
    last = result.labs[result.labs["lab"] == "openai"].iloc[-1]
    assert not last["active"] and last["market_share"] == 0


def test_exit_switch_keeps_labs_in_the_market():
    overrides = {
        "labs.openai.cash_usd": 1e6,
        "mechanisms.investor_funding.enabled": False,
        "mechanisms.exit.enabled": False,
        "end": "2025-01",
    }
    result = run(load(**overrides), seed=1)
    assert "exit" not in set(result.events["type"])


def test_more_cash_buys_larger_runs_below_the_parallelism_limit():
    def largest_run(cash):
        result = run(load(end="2021-01", **{"labs.openai.cash_usd": cash}), seed=1)
        models = result.models.query("lab == 'openai' and method != 'distilled'")
        return models["training_flop"].iloc[0]  # the first run, paid from starting cash

    assert largest_run(1e9) > 2 * largest_run(2e8)


def test_talent_pool_bounds_headcount():
    result = run(load(), seed=3)
    employed = result.labs.groupby("step")["engineers"].sum()
    years = result.timeseries["year"] - 2020
    pool = 4000 * 1.15**years
    # Hiring only draws on the unemployed pool (a lab may always keep its starting staff).
    assert (employed.to_numpy() <= np.maximum(pool.to_numpy(), 1250) * 1.01 + 15).all()


def test_outputs_have_the_documented_columns():
    result = run(load(end="2022-01"), seed=1)
    for col in (
        "step",
        "date",
        "year",
        "hhi",
        "cr1",
        "cr3",
        "n_active",
        "n_effective",
        "structure",
        "leader",
    ):
        assert col in result.timeseries
    for col in (
        "frontier_capability",
        "frontier_training_flop",
        "frontier_run_cost_usd",
        "flop_per_usd",
    ):
        assert col in result.timeseries
    for col in (
        "lab",
        "archetype",
        "active",
        "cash_usd",
        "revenue_usd",
        "compute_spend_usd",
        "staff_spend_usd",
    ):
        assert col in result.labs
    for col in ("engineers", "algorithmic_efficiency", "utilization", "capability", "market_share"):
        assert col in result.labs
    assert {"price_per_mtok_usd", "belief_compute_elasticity"} <= set(result.labs)
    for col in (
        "model_id",
        "lab",
        "started",
        "completed",
        "params",
        "tokens",
        "training_flop",
        "effective_flop",
    ):
        assert col in result.models
    for col in ("cost_usd", "method", "parent", "loss", "capability", "serving_cost_per_mtok_usd"):
        assert col in result.models
    assert math.isnan(result.timeseries["hhi"].iloc[0]) or result.timeseries["hhi"].iloc[0] > 0
