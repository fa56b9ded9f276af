"""Inference scaling (mechanisms.inference_scaling): a thinking tier buys capability with
serving compute at the trade-off Villalobos & Atkinson (2023, Epoch) report, is priced from
that compute, sells to customers whose tasks are long, and changes nothing while it is off."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import SCENARIOS, load

from sim.cli import main
from sim.economics.capability import (
    effective_flop_for_time_horizon,
    thinking_time_horizon_minutes,
    training_equivalent_compute_multiplier,
)
from sim.params import WorldParams
from sim.phases import deployment
from sim.results import run, simulate
from sim.trained_models import TrainedModel

BASELINE = str(SCENARIOS / "baseline.yaml")
ON = {"mechanisms.inference_scaling.enabled": True}
E = WorldParams().capability_flop_elasticity  # the default


# ------------------------------------------------------------------ the trade-off


def test_ten_times_inference_is_worth_about_four_point_seven_times_training_compute():
    # One OOM of training for one to two of inference: 10x inference is worth 10^0.5 to 10^1
    # of training compute; the default exponent 0.67 (1/1.5, the midpoint) gives 10^0.67.
    worth = training_equivalent_compute_multiplier(10.0, 0.67)
    assert worth == pytest.approx(4.677, rel=1e-3)
    assert 10**0.5 < worth < 10**1.0
    assert training_equivalent_compute_multiplier(10.0, 1 / 1.5) == pytest.approx(4.642, rel=1e-3)
    # A hundredfold inference (two OOM) is worth about 1.3 OOM of training.
    assert math.log10(training_equivalent_compute_multiplier(100.0, 0.67)) == pytest.approx(1.34)
    assert training_equivalent_compute_multiplier(1.0, 0.67) == 1.0
    assert training_equivalent_compute_multiplier(10.0, 0.0) == 1.0


def test_the_thinking_horizon_is_the_horizon_of_that_much_more_training_compute():
    h = 5.5  # GPT-4's horizon, minutes
    thinking = thinking_time_horizon_minutes(h, 10.0, 0.67, E)
    assert thinking == pytest.approx(h * 10 ** (0.67 * E))
    assert thinking / h == pytest.approx(2.03, abs=0.01)  # 10^(0.67 * 0.46)
    # On the model's own capability curve, the thinking horizon needs m^x the effective compute.
    c_plain = effective_flop_for_time_horizon(h, 8e26, 5.5, E)
    c_thinking = effective_flop_for_time_horizon(thinking, 8e26, 5.5, E)
    assert c_thinking / c_plain == pytest.approx(10**0.67)
    assert thinking_time_horizon_minutes(h, 1.0, 0.67, E) == h


# ------------------------------------------------------------------ switched off


def test_switched_off_the_outputs_are_byte_identical(tmp_path):
    default, off = tmp_path / "default", tmp_path / "off"
    assert main(["run", BASELINE, "--seed", "1", "--out", str(default), "--quiet"]) == 0
    argv = ["run", BASELINE, "--seed", "1", "--out", str(off), "--quiet"]
    assert main([*argv, "--set", "mechanisms.inference_scaling.enabled=false"]) == 0
    files = sorted(p.name for p in default.iterdir() if p.is_file() and p.name != "meta.json")
    assert "timeseries.csv" in files and "products.csv" in files
    assert files == sorted(p.name for p in off.iterdir() if p.is_file() and p.name != "meta.json")
    for name in files:
        assert (default / name).read_bytes() == (off / name).read_bytes(), name


# ------------------------------------------------------------------ switched on


@pytest.fixture(scope="module")
def thinking_run():
    return run(load(end="2032-01", **ON), seed=1)


def test_a_thinking_tier_is_its_model_run_longer_and_priced_by_its_compute(thinking_run):
    models = thinking_run.models.set_index("model_id")
    thinking = models[models["method"] == "inference_scaling"]
    assert len(thinking) > 0
    for _, t in thinking.iterrows():
        parent = models.loc[t["parent"]]
        assert parent["method"] in ("scratch", "warm_start", "imitation")
        assert t["capability"] == pytest.approx(parent["capability"] * 10 ** (0.67 * E))
        assert t["serving_cost_per_mtok_usd"] == pytest.approx(
            10 * parent["serving_cost_per_mtok_usd"]
        )
        # The same weights: no training of its own.
        assert t["params"] == parent["params"] and t["effective_flop"] == parent["effective_flop"]
        assert t["training_flop"] == 0 and t["cost_usd"] == 0
        assert t["open_weights"] == parent["open_weights"]
    # A product, never a trained model: nothing is built on it.
    assert not set(thinking.index) & set(models["parent"].dropna())
    products = thinking_run.products
    on_sale = products[products["tier"] == "thinking"].merge(
        models[["parent"]], left_on="model_id", right_index=True
    )
    pairs = on_sale.merge(
        products, left_on=["step", "parent"], right_on=["step", "model_id"], suffixes=("", "_p")
    )
    assert len(pairs) > 0
    assert (pairs["capability"] > pairs["capability_p"]).all()
    cost_ratio = pairs["serving_cost_per_mtok_usd"] / pairs["serving_cost_per_mtok_usd_p"]
    assert cost_ratio.to_numpy() == pytest.approx(10.0)
    # Priced like any product, cost / (1 - Lerner): about the multiplier above its model.
    price_ratio = pairs["price_per_mtok_usd"] / pairs["price_per_mtok_usd_p"]
    assert price_ratio.median() == pytest.approx(10.0, rel=0.05)
    assert price_ratio.between(2.0, 50.0).all()  # markups (1 - L) within [0.1, 0.5] at beta 2


def test_the_frontier_is_the_best_trained_model_not_the_thinking_tier(thinking_run):
    models = thinking_run.models
    trained = models[models["method"] != "inference_scaling"]
    best_thinking = models.loc[models["method"] == "inference_scaling", "capability"].max()
    frontier = thinking_run.timeseries["frontier_capability"]
    assert frontier.max() <= trained["capability"].max() * (1 + 1e-12)
    assert frontier.iloc[-1] < best_thinking
    # In the lineage: one edge from its model, none onwards.
    graph = thinking_run.lineage
    for node in models.loc[models["method"] == "inference_scaling", "model_id"]:
        assert graph.in_degree(node) == 1 and graph.out_degree(node) == 0
        ((_, _, edge),) = graph.in_edges(node, data=True)
        assert edge["method"] == "inference_scaling"


def test_customers_with_long_tasks_buy_the_thinking_tier():
    model = simulate(load(end="2030-01", **ON), 1)
    names = list(model.segments.names)
    top, shortest = names.index("enterprise_16384min"), names.index("enterprise_0.5min")
    split = np.zeros(len(names))
    book = model.on_sale
    for lab in model.active:
        for p in lab.products:
            if p.tier == "thinking" and book.split_of(p) is not None:
                split += book.split_of(p)
    assert split[top] > 0.05
    assert split[top] > 10 * split[shortest]


def test_no_thinking_product_before_its_start():
    result = run(load(end="2027-01", **ON, **{"mechanisms.inference_scaling.start": "2025-01"}), 1)
    tiers = result.products.groupby("tier")["date"].min()
    assert tiers["thinking"] >= "2025-01"
    assert tiers["frontier"] < "2025-01"
    early = result.models[(result.models["completed"] < "2024-12")]
    assert "inference_scaling" not in set(early["method"])


def test_imitators_copy_the_weights_not_the_thinking_tier():
    result = run(load(end="2032-01", **ON, **{"mechanisms.imitation.enabled": True}), 1)
    models = result.models.set_index("model_id")
    copies = models[models["method"] == "imitation"]
    assert len(copies) > 0
    targets = models.loc[copies["parent"]]
    assert "inference_scaling" not in set(targets["method"])
    assert (copies["capability"].to_numpy() < targets["capability"].to_numpy()).all()


def _product(tier: str) -> TrainedModel:
    return TrainedModel(
        tier, "lab", 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, "x", None, 2.0, 1.0, tier=tier
    )


def test_customers_of_a_retired_product_move_to_the_same_tier_else_the_nearest():
    full = [_product(t) for t in ("frontier", "tier1", "tier2", "thinking")]
    copy = [_product(t) for t in ("imitation", "thinking")]
    plain = [_product(t) for t in ("frontier", "tier1", "tier2")]
    assert deployment._heir(copy, full[0]).tier == "imitation"
    assert deployment._heir(copy, full[2]).tier == "imitation"
    assert deployment._heir(copy, full[3]).tier == "thinking"
    assert deployment._heir(plain, full[3]).tier == "frontier"
    assert deployment._heir(plain, copy[0]).tier == "frontier"
    assert deployment._heir(full, full[1]).tier == "tier1"
    assert deployment._heir([_product("imitation")], full[2]).tier == "imitation"


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "setting,key",
    [
        ("mechanisms.inference_scaling.compute_multiplier=0", "compute_multiplier"),
        ("mechanisms.inference_scaling.compute_multiplier=1e5", "compute_multiplier"),
        ("mechanisms.inference_scaling.training_equivalent_exponent=2", "exponent"),
        ("mechanisms.inference_scaling.training_equivalent_exponent=-0.1", "exponent"),
        ("mechanisms.inference_scaling.enabled=1", "inference_scaling.enabled"),
        ("mechanisms.inference_scaling.start=2020-13", "inference_scaling.start"),
    ],
)
def test_bad_values_are_refused_in_one_line(setting, key, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    status = main(["run", BASELINE, "--set", setting, "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert status == 2, err
    assert "Traceback" not in err
    assert key in err, err
    assert len(lines) == 1, err
    assert not out.exists() and not any(tmp_path.iterdir())
