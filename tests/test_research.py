"""Research inputs (issue 12): experiment compute, copies of a lab's model as researchers,
and the combined effective-compute gain against Ho et al. (2024)."""

from __future__ import annotations

import math
import statistics

import pytest

from sim.calibration.measures import effective_compute_gain_per_year
from sim.economics import research
from sim.results import run
from sim.scenario import load_scenario


def test_flop_per_task_hour_is_two_flop_per_parameter_per_token():
    assert research.flop_per_task_hour(1e12, 3e5) == pytest.approx(6e17)


def test_growth_rises_with_experiment_compute_with_diminishing_returns():
    def g(x):
        return research.algorithmic_growth_per_year(800, x, 1.0, 800, 1e26, 0.5, 0.3)

    assert g(1e26) == pytest.approx(1.0)
    assert g(1e27) == pytest.approx(10**0.3)  # mu = 0.3: ten times the compute, 2x growth
    # A constant elasticity below 1: every tenfold of compute multiplies growth by the same
    # 10^0.3, far less than tenfold.
    assert g(1e28) / g(1e27) == pytest.approx(g(1e27) / g(1e26))
    assert g(1e28) / g(1e27) < 10
    assert g(0.0) == 0.0  # ideas must be tested
    # Ideas get harder: the same inputs buy less growth at a higher A.
    harder = research.algorithmic_growth_per_year(800, 1e26, 1.0, 800, 1e26, 0.5, 0.3, 100.0, 0.45)
    assert harder == pytest.approx(100**-0.45)


def test_research_effort_is_bounded_by_the_tasks_humans_must_still_do():
    assert research.research_effort(100, 1e9, 0.5) == pytest.approx(200)  # Amdahl: 100/(1-0.5)
    assert research.research_effort(100, 30, 0.5) == pytest.approx(130)
    assert research.research_effort(100, 1e9, 0.0) == pytest.approx(100)


def test_researcher_equivalents_count_task_hours_for_the_tasks_within_reach():
    # 2e21 FLOP/yr on a 1e12-parameter model at 3e5 tokens per task-hour: 2e21/6e17 = 3,333
    # task-hours = 1.67 researcher-years, of which half are tasks it can do.
    eq = research.ai_researcher_equivalents(2e21, 1e12, 3e5, 2000, 0.5)
    assert eq == pytest.approx(2e21 / 6e17 / 2000 * 0.5)
    assert research.research_task_share(480, 480, 1.5) == pytest.approx(0.5)
    assert research.research_task_share(5, 480, 1.5) < 0.002  # GPT-4's ~5 minutes: almost none


def test_copies_share_is_zero_until_copies_pay_and_stops_at_the_amdahl_ceiling():
    # Copies that can do nothing, or cost more than they add, are not bought.
    assert research.copies_flop_share(1e27, 1000, 1e-20, 0.5, 0.3, 0.0) == 0.0
    assert research.copies_flop_share(1e27, 1000, 1e-30, 0.5, 0.3, 0.3) == 0.0
    # Cheap copies: the interior optimum, capped where they reach E s / (1 - s).
    share = research.copies_flop_share(1e27, 1000, 1e-20, 0.5, 0.3, 0.5)
    cap = 1000 * 0.5 / 0.5 / 1e-20 / 1e27
    assert 0 < share <= cap + 1e-12


def _finals(name, sets, seeds=range(4)):
    sc = load_scenario(f"scenarios/{name}.yaml", sets)
    return [run(sc, s).timeseries.iloc[-1] for s in seeds]


def test_experiment_compute_raises_algorithmic_progress():
    with_x = _finals("baseline", [])
    # Research that ignores experiments (mu = 0) with g0 held: labs' A grows less when the
    # experiments they buy above the reference stop adding.
    without = _finals("baseline", ["mechanisms.algorithmic_progress.experiment_exponent=0"])
    a = [r["best_algorithmic_efficiency"] for r in with_x]
    b = [r["best_algorithmic_efficiency"] for r in without]
    assert all(x > y for x, y in zip(a, b, strict=True))


def test_history_combined_gain_is_near_ho_et_al():
    sc = load_scenario("scenarios/history.yaml")
    gains = [
        effective_compute_gain_per_year(run(sc, s).models, "2020-01", "2023-12") for s in range(6)
    ]
    # Ho et al. 2024: compute for fixed performance halves every ~8 months (95% CI 5-14).
    assert 1.8 <= statistics.median(gains) <= 5.3


def test_final_runs_are_10_to_30_percent_of_a_frontier_labs_rnd_compute_in_history():
    sc = load_scenario("scenarios/history.yaml")
    labs = run(sc, 1).labs
    window = labs[(labs.date >= "2021-01") & (labs.date <= "2023-12")]
    for lab in ("openai", "anthropic"):
        rows = window[window.lab == lab]
        rnd = rows.compute_spend_usd.sum()
        experiments = rows.experiment_compute_spend_usd.sum()
        assert 0.05 <= 1 - experiments / rnd <= 0.45, lab  # Epoch (2025): 10-30%


def test_with_ai_research_off_copies_change_nothing():
    base = load_scenario("scenarios/baseline.yaml")
    off = load_scenario(
        "scenarios/baseline.yaml",
        [
            "mechanisms.ai_research.tokens_per_task_hour=1000",
            "mechanisms.ai_research.enabled=false",
        ],
    )
    a, b = run(base, 3), run(off, 3)
    assert a.timeseries.equals(b.timeseries)
    assert (a.labs.ai_researchers == 0).all() and (a.timeseries.ai_research_share == 0).all()


def test_ai_research_never_lowers_frontier_capability_seed_for_seed():
    on = load_scenario("scenarios/ai-rnd-feedback.yaml")
    off = load_scenario("scenarios/ai-rnd-feedback.yaml", ["mechanisms.ai_research.enabled=false"])
    for seed in range(5):
        a, b = run(on, seed).timeseries, run(off, seed).timeseries
        assert a.frontier_capability.iloc[-1] >= b.frontier_capability.iloc[-1]
        assert a.ai_research_share.iloc[-1] > 0.1  # copies do a real share of research by 2040
        assert (b.ai_research_share == 0).all()
        assert math.isfinite(a.frontier_capability.iloc[-1])
