"""The economic functions against published numbers and their expected directions."""

import math

import pytest

from sim.economics import concentration as conc
from sim.economics import funding as fin
from sim.economics import hardware as hw
from sim.economics import market as mkt
from sim.economics import overhang as oh
from sim.economics import progress, scaling, training

# ----------------------------------------------------------------- scaling law


def test_epoch_refit_gives_about_18_tokens_per_param_at_chinchilla_compute():
    # Besiroglu et al. 2024: the refit implies ~18 tokens/param at Chinchilla's 5.76e23 FLOP
    # (Chinchilla itself trained at 20).
    n, d = scaling.split_params_tokens(5.76e23, scaling.EPOCH_REFIT)
    assert 17.0 < d / n < 19.5
    assert math.isclose(6 * n * d, 5.76e23, rel_tol=1e-9)


def test_hoffmann_constants_are_the_published_ones():
    law = scaling.HOFFMANN_2022
    assert (law.E, law.A, law.B, law.alpha, law.beta) == (1.69, 406.4, 410.7, 0.34, 0.28)
    refit = scaling.EPOCH_REFIT
    assert (refit.E, refit.A, refit.B, refit.alpha, refit.beta) == (
        1.8172,
        482.01,
        2085.43,
        0.3478,
        0.3658,
    )


def test_compute_optimal_split_minimises_loss():
    law = scaling.EPOCH_REFIT
    c = 1e24
    best = scaling.loss_at_flop(c, law)
    for m in (0.5, 0.8, 1.25, 2.0):
        assert scaling.loss_at_flop(c, law, params_multiplier=m) > best


def test_loss_falls_with_compute_toward_the_irreducible_floor():
    law = scaling.EPOCH_REFIT
    losses = [scaling.loss_at_flop(c, law) for c in (1e21, 1e23, 1e25, 1e27, 1e29)]
    assert all(a > b for a, b in zip(losses, losses[1:], strict=False))
    assert losses[-1] > law.E


def test_capability_is_a_decreasing_s_curve_of_loss_anchored_at_gpt3():
    law = scaling.EPOCH_REFIT
    r_mid = scaling.midpoint_reducible_loss(1e30, law)
    gpt3 = scaling.capability_score(scaling.loss_at_flop(3.14e23, law), law, r_mid, 1.7)
    assert 0.005 < gpt3 < 0.02  # about 1% of tasks
    mid = scaling.capability_score(scaling.loss_at_flop(1e30, law), law, r_mid, 1.7)
    assert mid == pytest.approx(0.5)
    assert scaling.capability_score(law.E + 10, law, r_mid, 1.7) < 1e-3
    assert scaling.capability_score(law.E, law, r_mid, 1.7) == 1.0


def test_effective_flop_for_capability_inverts_the_score():
    for law in scaling.SCALING_LAWS.values():
        r_mid = scaling.midpoint_reducible_loss(1e30, law)
        # the anchor: a 1e30 effective-FLOP compute-optimal model does half the tasks
        assert scaling.effective_flop_for_capability(0.5, law, r_mid, 1.7) == pytest.approx(1e30)
        for cap in (0.001, 0.01, 0.2, 0.7, 0.999):
            c = scaling.effective_flop_for_capability(cap, law, r_mid, 1.7)
            back = scaling.capability_score(scaling.loss_at_flop(c, law), law, r_mid, 1.7)
            assert back == pytest.approx(cap, rel=1e-12)


# -------------------------------------------------------------------- hardware


def test_flop_per_usd_doubles_in_the_configured_time():
    segments = {k: [(2020.0, 2.07)] for k in hw.HARDWARE_TYPES}
    shares = {"accelerator": 1.0, "memory": 0.0, "cpu": 0.0}
    a = hw.workload_flop_per_usd(1e17, 2020.0, segments, shares)
    b = hw.workload_flop_per_usd(1e17, 2022.07, segments, shares)
    assert b / a == pytest.approx(2.0)
    assert hw.implied_doubling_time_years(a, b, 2.07) == pytest.approx(2.07)


def test_regimes_switch_the_doubling_time():
    segments = [(2020.0, 2.0), (2030.0, 5.0)]
    assert hw.log2_improvement(2030.0, segments) == pytest.approx(5.0)
    assert hw.log2_improvement(2035.0, segments) == pytest.approx(6.0)
    assert hw.log2_improvement(2019.0, segments) == 0.0


def test_memory_bound_work_gains_less_from_accelerator_progress():
    segments = {"accelerator": [(2020.0, 2.07)], "memory": [(2020.0, 4.0)], "cpu": [(2020.0, 2.95)]}
    compute_bound = {"accelerator": 0.9, "memory": 0.05, "cpu": 0.05}
    memory_bound = {"accelerator": 0.3, "memory": 0.65, "cpu": 0.05}

    def gain(shares):
        return hw.workload_flop_per_usd(1, 2030.0, segments, shares) / hw.workload_flop_per_usd(  # noqa: E731
            1, 2020.0, segments, shares
        )

    assert gain(compute_bound) > 2 * gain(memory_bound)


def test_largest_cluster_grows_2_5x_per_year_and_bounds_runs():
    c0 = hw.largest_cluster_flop_per_s(1.25e18, 2.5, 0.0)
    c1 = hw.largest_cluster_flop_per_s(1.25e18, 2.5, 1.0)
    assert c1 / c0 == pytest.approx(2.5)
    assert hw.max_run_flop(c0, 12) == pytest.approx(1.25e18 * hw.SECONDS_PER_YEAR)


def test_supply_price_rises_only_when_demand_exceeds_supply():
    assert hw.supply_price_multiplier(1.0, 2.0, 1.0) == 1.0
    assert hw.supply_price_multiplier(4.0, 2.0, 1.0) == pytest.approx(2.0)


# ------------------------------------------------------------------- progress


def test_algorithmic_progress_is_about_2_8x_per_year_at_reference_staff():
    g = progress.algorithmic_growth_per_year(300, math.log(2.8), 300, 0.5)
    assert math.exp(g) == pytest.approx(2.8)
    # Diminishing returns: four times the staff doubles (not quadruples) the rate.
    g4 = progress.algorithmic_growth_per_year(1200, math.log(2.8), 300, 0.5)
    assert g4 / g == pytest.approx(2.0)
    # Ideas get harder to find.
    assert progress.algorithmic_growth_per_year(300, 1.0, 300, 0.5, 100.0, 0.2) < g


def test_ideas_wall_falls_with_research():
    walls = [progress.ideas_wall_loss_nats(r, 0.15, 1000, 1.0) for r in (0, 1000, 10000)]
    assert walls[0] == 0.15 and walls[1] == pytest.approx(0.075) and walls[2] < 0.02


def test_utilization_rises_toward_its_ceiling_faster_with_more_engineers():
    slow = progress.utilization_after(0.3, 0.6, 0.3, 1.0, 1.0)
    fast = progress.utilization_after(0.3, 0.6, 0.3, 4.0, 1.0)
    assert 0.3 < slow < fast < 0.6


def test_spillovers_close_gaps_weighted_by_openness_and_capacity():
    adjacency = [[0, 1, 1], [1, 0, 1], [1, 1, 0]]
    ln_a = [0.0, 1.0, 2.0]
    gain = progress.spillover_log_gain(
        ln_a, [0.0, 1.0, 0.0], [100, 100, 100], adjacency, 0.6, 100, 1.0
    )
    # Only lab 1 is open: lab 0 learns from it, lab 1 and lab 2 (ahead) gain nothing.
    assert gain[0] > 0 and gain[1] == 0 and gain[2] == 0
    more_staff = progress.spillover_log_gain(
        ln_a, [0.0, 1.0, 0.0], [1000, 100, 100], adjacency, 0.6, 100, 1.0
    )
    assert more_staff[0] > gain[0]


def test_spillovers_same_answer_for_small_and_large_groups():
    """Up to 10 labs the gains come from plain loops, above from numpy: bit for bit the same
    as the definition either way."""
    import numpy as np

    rng = np.random.default_rng(1)
    closed = 1.0 - math.exp(-0.6 * 0.1)
    for n in (3, 10, 11, 20):
        ln_a = rng.normal(size=n).tolist()
        openness = rng.uniform(size=n).tolist()
        engineers = rng.uniform(10, 1000, size=n).tolist()
        adjacency = (rng.uniform(size=(n, n)) < 0.5).astype(float)
        gain = progress.spillover_log_gain(ln_a, openness, engineers, adjacency, 0.6, 100, 0.1)
        expected = []
        for i in range(n):
            gaps = [openness[j] * (ln_a[j] - ln_a[i]) for j in range(n) if adjacency[i][j]]
            best = max([*gaps, 0.0])
            expected.append(best * engineers[i] / (engineers[i] + 100) * closed)
        assert gain == expected, n


def test_budget_split_follows_beliefs():
    assert progress.compute_budget_share(0.8, 0.2) > progress.compute_budget_share(0.35, 0.65)
    assert progress.compute_budget_share(0.5, 0.5) == 0.5


def test_low_conviction_learns_faster():
    a_low = progress.updated_belief(0.8, 0.3, conviction=0.2)
    a_high = progress.updated_belief(0.8, 0.3, conviction=0.9)
    assert abs(a_low - 0.3) < abs(a_high - 0.3)
    assert progress.updated_belief(0.8, 0.3, conviction=1.0) == 0.8


def test_observed_elasticity_credits_the_input_that_helped():
    assert progress.observed_compute_elasticity(2.0, 1.9, 2.0) == 0.99
    assert progress.observed_compute_elasticity(2.0, 2.0, 1.9) == 0.01
    assert progress.observed_compute_elasticity(2.0, 1.95, 1.95) == pytest.approx(0.5)
    assert progress.observed_compute_elasticity(2.0, 2.1, 2.0) is None


# -------------------------------------------------------------------- training


def test_learning_curve_cuts_cost_by_progress_ratio_per_doubling():
    assert training.experience_multiplier(0, 0.9) == 1.0
    assert training.experience_multiplier(1, 0.9) == pytest.approx(1 / 0.9)
    assert training.experience_multiplier(3, 0.9) == pytest.approx(1 / 0.81)


def test_reproducing_shown_capability_costs_a_fifth():
    # OpenAI Five's rerun: ~1/5 of the compute (Berner et al. 2019).
    shown = 1e24
    assert training.reproduction_adjusted_flop(0.2e24, shown, 0.2) == pytest.approx(shown)
    assert training.reproduction_adjusted_flop(0.1e24, shown, 0.2) == pytest.approx(0.5e24)
    # Beyond what was shown, compute counts at par.
    assert training.reproduction_adjusted_flop(1.2e24, shown, 0.2) == pytest.approx(2e24)


def test_warm_start_adds_kappa_of_the_parent():
    base = training.effective_flop(1e24, 2.0, 0.4)
    warm = training.effective_flop(1e24, 2.0, 0.4, 1.0, 0.3, 1e25)
    assert base == pytest.approx(8e23)
    assert warm - base == pytest.approx(3e24)
    assert training.effective_flop(1e24, 1, 1, reverse_distillation_saving=0.1) == pytest.approx(
        1e24 / 0.9
    )


def test_gpt3_serving_cost_is_dollars_per_million_tokens():
    cost = training.serving_cost_per_mtok_usd(175e9, 2.5e17, 0.3)
    assert 0.5 < cost < 60  # OpenAI charged $60/M for davinci in 2021, markup included


# ---------------------------------------------------------------------- market


def test_logit_shares_sum_to_one_and_favour_capability_and_low_price():
    s = mkt.logit_shares([0.2, 0.1, 0.0], [1.0, 1.0, 1.0], 4.0, 3.0)
    assert sum(s) == pytest.approx(1.0) and s[2] == 0 and s[0] > s[1]
    s = mkt.logit_shares([0.2, 0.2], [1.0, 2.0], 4.0, 3.0)
    assert s[0] > s[1]


def test_logit_shares_survive_extreme_values():
    s = mkt.logit_shares([1e-300, 1.0], [1e-300, 1e300], 400.0, 300.0)
    assert sum(s) == pytest.approx(1.0) and all(math.isfinite(x) for x in s)


def test_inertia_slows_share_changes():
    fast = mkt.inertial_shares([1.0, 0.0], [0.0 + 0.5, 0.5], 0.0)
    slow = mkt.inertial_shares([1.0, 0.0], [0.5, 0.5], 0.9)
    assert fast == [0.5, 0.5] and slow[0] == pytest.approx(0.95)


def test_markup_falls_as_competition_rises():
    assert mkt.lerner_index(0.1, 3.0, 0.9) < mkt.lerner_index(0.5, 3.0, 0.9) <= 0.9
    assert mkt.price_from_cost(1.0, 0.5) == 2.0


def test_potential_spending_grows_with_capability_and_time():
    w = lambda t, c: mkt.potential_spending_usd_per_year(1e8, 0.05, t, c, 0.01, 1.45, 5e13)  # noqa: E731
    assert w(0, 0.01) == pytest.approx(1e8)
    assert w(1, 0.01) > w(0, 0.01) and w(0, 0.1) > w(0, 0.01)
    assert w(0, 0.0) == 0.0


# --------------------------------------------------------------- concentration


def test_hhi_and_friends_on_hand_made_shares():
    assert conc.hhi([1.0]) == 10000
    assert conc.hhi([0.5, 0.5]) == 5000
    assert conc.hhi([0.25] * 4) == 2500
    assert conc.concentration_ratio([0.1, 0.5, 0.2, 0.2], 1) == 0.5
    assert conc.concentration_ratio([0.1, 0.5, 0.2, 0.2], 3) == pytest.approx(0.9)
    assert conc.effective_number_of_firms([0.25] * 4) == pytest.approx(4)


@pytest.mark.parametrize(
    "shares,label",
    [
        ([0.7, 0.3], "monopoly"),
        ([0.5, 0.3, 0.2], "duopoly"),
        ([0.4, 0.3, 0.1, 0.1, 0.1], "concentrated_oligopoly"),
        ([0.2, 0.2, 0.15, 0.15, 0.15, 0.15], "oligopoly"),
        ([1 / 12] * 12, "competitive"),
    ],
)
def test_structure_labels_follow_the_documented_thresholds(shares, label):
    assert conc.structure_label(shares) == label


# --------------------------------------------------------------------- funding


def test_valuation_grows_with_revenue_capability_and_lead():
    v = fin.valuation_usd(1e9, 0.1, 0.0, 25, 3e11, 1.0)
    assert v == pytest.approx(25e9 + 3e10)
    assert fin.valuation_usd(1e9, 0.1, 0.5, 25, 3e11, 1.0) == pytest.approx(1.5 * v)
    assert fin.round_size_usd(v, 0.2) == pytest.approx(0.2 * v)
    assert fin.runway_months(100, 10) == 10 and fin.runway_months(100, -1) == math.inf


# -------------------------------------------------------------------- overhang


def test_runnable_tokens_per_second_matches_the_closed_form():
    year = hw.SECONDS_PER_YEAR
    # p = 1e14, m = 20, H = 1, N = 1 year: about 2e8 tokens/s; p = 1e15: about 2e9.
    for p, expected in ((1e14, 2e8), (1e15, 2e9)):
        closed = oh.runnable_tokens_per_s_compute_optimal(p, 20, year)
        assert closed == pytest.approx(expected, rel=0.06)
        flop = 6 * p * 20 * p  # C = 6 N D with D = 20 N
        assert oh.runnable_tokens_per_s(flop, p, year) == pytest.approx(closed)
    assert oh.runnable_copies(2e8) == pytest.approx(2e7)


def test_gpt3_training_to_serving_ratio_is_in_the_public_range():
    # GPT-3: 3.14e23 FLOP, 175e9 params, 2020 prices: a few $M to train, dollars per M tokens.
    flop_per_usd = 2.5e17
    utilization = 0.3
    train_cost = 3.14e23 / utilization / flop_per_usd
    assert 1e6 < train_cost < 1e7  # Lambda Labs: $4.6M
    serve = training.serving_cost_per_mtok_usd(175e9, flop_per_usd, 0.3)
    assert 1e4 < oh.training_to_serving_ratio(train_cost, serve) < 1e7


def test_hardware_overhang_ratio():
    assert oh.hardware_overhang(1e27, 1e25) == pytest.approx(100)
    assert math.isnan(oh.hardware_overhang(1e27, 0))


def test_concentration_summary_agrees_with_the_single_measures():
    shares = [0.4, 0.3, 0.1, 0.1, 0.1]
    c = conc.concentration(shares)
    assert c.hhi == pytest.approx(conc.hhi(shares))
    assert c.cr1 == 0.4 and c.cr3 == pytest.approx(0.8)
    assert c.n_effective == pytest.approx(conc.effective_number_of_firms(shares))
    assert c.structure == conc.structure_label(shares) == "concentrated_oligopoly"
