"""The economic functions against published numbers and their expected directions."""

import math

import numpy as np
import pytest

from sim.economics import capability, progress, research, scaling, training
from sim.economics import concentration as conc
from sim.economics import funding as fin
from sim.economics import hardware as hw
from sim.economics import market as mkt
from sim.economics import overhang as oh

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


GPT4_EFFECTIVE_FLOP, GPT4_MINUTES, ELASTICITY = 4.6e26, 5.5, 0.345


def _horizon(flop, law=scaling.EPOCH_REFIT, extra=0.0):
    anchor = capability.anchor_reducible_loss(GPT4_EFFECTIVE_FLOP, law)
    loss = scaling.loss_at_flop(flop, law, 1.0, extra)
    return capability.time_horizon_minutes(loss, law, anchor, GPT4_MINUTES, ELASTICITY)


def test_time_horizon_reproduces_metr_anchors_gpt2_to_gpt4():
    # Kwa et al. 2025: GPT-4 ~5-6 minutes; GPT-2 (1.5e21 FLOP in 2019, ~5.4e20 FLOP of 2020
    # algorithms) a few seconds.
    assert _horizon(GPT4_EFFECTIVE_FLOP) == pytest.approx(5.5)
    assert 2 / 60 < _horizon(5.4e20) < 6 / 60
    # GPT-3 (3.14e23 FLOP, 2020): between GPT-2 and GPT-3.5's half a minute to a minute.
    assert 0.1 < _horizon(3.14e23) < 1.0


def test_time_horizon_is_unbounded_and_scale_free():
    # Each 10x of effective compute multiplies the horizon by 10^e at every level.
    for law in scaling.SCALING_LAWS.values():
        ratios = [_horizon(10 * c, law) / _horizon(c, law) for c in (1e24, 1e28, 1e32, 1e36)]
        assert ratios == pytest.approx([10**ELASTICITY] * 4, rel=1e-6)
    assert _horizon(1e40) > 1e5


def test_the_ideas_wall_caps_the_horizon_until_research_moves_it():
    walled = [_horizon(c, extra=0.1) for c in (1e26, 1e34, 1e38)]
    # Compute alone stops helping: four orders of magnitude buy < 1.5x, against ~24x unwalled.
    assert walled[2] / walled[1] < 1.5 < 20 < _horizon(1e38) / _horizon(1e34)
    assert _horizon(1e38, extra=0.01) > 10 * walled[2]


def test_effective_flop_for_a_horizon_inverts_it():
    for minutes in (0.05, 1.0, 60.0, 1e4):
        c = capability.effective_flop_for_time_horizon(
            minutes, GPT4_EFFECTIVE_FLOP, GPT4_MINUTES, ELASTICITY
        )
        assert _horizon(c) == pytest.approx(minutes, rel=1e-9)
    law = scaling.EPOCH_REFIT
    anchor = capability.anchor_reducible_loss(GPT4_EFFECTIVE_FLOP, law)
    loss = capability.loss_for_time_horizon(30.0, law, anchor, GPT4_MINUTES, ELASTICITY)
    assert capability.time_horizon_minutes(
        loss, law, anchor, GPT4_MINUTES, ELASTICITY
    ) == pytest.approx(30.0)


def test_share_of_tasks_within_reach_is_a_lognormal_cdf():
    assert capability.share_of_tasks_within_reach(2400, 2400, 2.5) == pytest.approx(0.5)
    low = capability.share_of_tasks_within_reach(5.5, 2400, 2.5)
    assert 0.005 < low < 0.01  # GPT-4 in 2023: under 1% of the economy's task value
    assert capability.share_of_tasks_within_reach(1e9, 2400, 2.5) > 0.999
    assert capability.share_of_tasks_within_reach(0.0, 2400, 2.5) == 0.0


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


def test_algorithmic_progress_has_diminishing_returns_to_researchers():
    g = research.algorithmic_growth_per_year(300, 1e26, 1.0, 300, 1e26, 0.5, 0.3)
    assert g == pytest.approx(1.0)  # g0 at the reference inputs
    # Diminishing returns: four times the staff doubles (not quadruples) the rate.
    g4 = research.algorithmic_growth_per_year(1200, 1e26, 1.0, 300, 1e26, 0.5, 0.3)
    assert g4 / g == pytest.approx(2.0)
    # Ideas get harder to find as the state of the art advances.
    assert research.algorithmic_growth_per_year(300, 1e26, 1.0, 300, 1e26, 0.5, 0.3, 100.0, 0.2) < g


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
    """The gains are the definition's, bit for bit, for few labs and many (above 10 the
    spillover phase uses the compiled loop, tested equal below)."""
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


def test_compiled_spillovers_equal_the_reference():
    """sim.economics.spillover_kernel (used above 10 labs) gives the reference's gains bit
    for bit, with complete and sparse networks."""
    import numpy as np

    from sim.economics import spillover_kernel

    rng = np.random.default_rng(2)
    for n in (3, 11, 20, 60):
        ln_a = rng.normal(size=n).tolist()
        openness = rng.choice([0.0, 0.3, 1.0], size=n).tolist()
        engineers = rng.uniform(10, 1000, size=n).tolist()
        for adjacency in (np.ones((n, n)) - np.eye(n), (rng.uniform(size=(n, n)) < 0.3) * 1.0):
            want = progress.spillover_log_gain(ln_a, openness, engineers, adjacency, 0.6, 100, 0.1)
            got = spillover_kernel.spillover_log_gain(
                np.array(ln_a),
                np.array(openness),
                np.array(engineers),
                adjacency,
                100.0,
                1.0 - math.exp(-0.6 * 0.1),
            ).tolist()
            assert got == want, n


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


def _segments(**kw):
    from sim.params import MarketParams

    return mkt.make_segments(MarketParams(**kw))


def test_segments_split_task_value_between_bands_and_sum_to_the_gdp_shares():
    from sim.params import MarketParams

    m = MarketParams()
    seg = mkt.make_segments(m)
    assert seg.consumer.tolist() == [True] + [False] * len(m.enterprise_task_minutes)
    assert seg.gdp_share[1:].sum() == pytest.approx(m.enterprise_gdp_share)
    assert seg.gdp_share[0] == m.consumer_gdp_share
    bands = mkt.band_value_shares([1.0, 100.0], 100.0, 1.0)
    assert bands[0] == pytest.approx(0.5 * (1 + math.erf(math.log(0.1) / math.sqrt(2))))
    assert sum(bands) == pytest.approx(1.0)


def test_choice_favours_capability_and_low_price_and_sums_to_one():
    seg = _segments()
    ln = np.log
    c = mkt.choose(ln([60.0, 30.0, 60.0]), ln([10.0, 10.0, 40.0]), np.zeros((3, 7)), seg, 0.0)
    assert np.allclose(c.split.sum(axis=0), 1.0)
    assert (c.split[0] > c.split[1]).all() and (c.split[0] > c.split[2]).all()
    assert ((c.buying > 0) & (c.buying < 1)).all()


def test_a_product_short_of_a_segments_need_gets_almost_none_of_it_however_cheap():
    seg = _segments()
    # A 1-minute product at a thousandth of the price against a 10-minute one: it wins the
    # half-minute band and loses the 32-minute band.
    c = mkt.choose(np.log([1.0, 10.0]), np.log([0.01, 10.0]), np.zeros((2, 7)), seg, 0.0)
    assert c.split[0, 1] > 0.9 and c.split[0, 3] < 1e-3
    # Nobody buys for tasks far beyond every product.
    assert c.buying[-1] < 1e-6


def test_a_tenfold_capability_lead_counts_the_same_at_every_level():
    seg = _segments()
    split = []
    for base in (1e3, 1e5):
        c = mkt.choose(np.log([10 * base, base]), np.log([5.0, 5.0]), np.zeros((2, 7)), seg, 0.0)
        split.append(c.split[:, 1])  # a band both products exceed
    assert split[0] == pytest.approx(split[1])


def test_choice_survives_extreme_values():
    seg = _segments()
    c = mkt.choose(np.log([1e-300, 1e300]), np.log([1e-300, 1e300]), np.zeros((2, 7)), seg, 8.0)
    assert np.isfinite(c.split).all() and np.isfinite(c.buying).all()
    assert np.isfinite(c.logsum).all()


def test_open_weights_are_not_sold_to_consumers():
    seg = _segments()
    c = mkt.choose(
        np.log([10.0, 10.0]),
        np.log([5.0, 1.0]),
        np.zeros((2, 7)),
        seg,
        0.0,
        np.array([False, True]),
    )
    assert c.split[1, 0] == 0 and c.split[0, 0] == 1.0 and c.split[1, 1] > c.split[0, 1]


def test_inertia_slows_share_changes():
    prev = np.array([[1.0], [0.0]])
    target = np.array([[0.5], [0.5]])
    assert mkt.inertial_split(prev, target, 0.0)[:, 0].tolist() == [0.5, 0.5]
    assert mkt.inertial_split(prev, target, 0.9)[0, 0] == pytest.approx(0.95)


def test_bass_adoption_starts_slowly_then_accelerates():
    # Bass (1969) with p = 0.03, q = 0.38 (Sultan, Farley & Lehmann 1990).
    b, path = np.zeros(1), []
    for _ in range(20):
        b = mkt.adopted_share(b, np.ones(1), 1.0, 0.03, 0.38)
        path.append(float(b[0]))
    gains = np.diff([0.0, *path])
    assert gains[0] < gains[5]  # accelerates
    assert path[0] < 0.04 and path[-1] > 0.9
    assert 0.4 < path[6] < 0.6  # half adopted after ~ln(q/p)/(p+q) = 6.2 years


def test_markup_falls_as_competition_rises():
    assert mkt.lerner_index(3.0 * 0.9, 0.9) < mkt.lerner_index(3.0 * 0.5, 0.9) <= 0.9
    assert mkt.lerner_index(0.5, 0.9) == 0.9
    assert mkt.price_from_cost(1.0, 0.5) == 2.0


def test_world_gdp_grows_at_its_nominal_rate():
    assert mkt.world_gdp_usd_per_year(8.5e13, 0.055, 3.0) == pytest.approx(8.5e13 * 1.055**3)
    # IMF WEO: ~$85T in 2020 grows to ~$100T by 2023 at 5-6% nominal.
    assert 9.5e13 < mkt.world_gdp_usd_per_year(8.5e13, 0.055, 3.0) < 1.1e14


def test_consumer_surplus_is_the_logsum_over_price_sensitivity():
    cs = mkt.consumer_surplus_usd_per_year(np.array([1e9]), np.array([2.0]), np.array([2.0]))
    assert cs == pytest.approx(1e9)


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


def test_valuation_grows_with_revenue_market_and_lead():
    v = lambda r, m, lead: fin.valuation_usd(r, m, lead, 25.0, 1.0, 1.0)  # noqa: E731
    assert v(1e9, 0.0, 0.0) == pytest.approx(2.5e10)
    assert v(2e9, 0, 0) > v(1e9, 0, 0) and v(1e9, 1e10, 0) > v(1e9, 0, 0)
    assert v(1e9, 0, 0.5) > v(1e9, 0, 0)


def test_a_round_never_raises_money_the_lab_cannot_use():
    assert fin.round_size_usd(1e10, 0.2, 1e8, 1e10) == pytest.approx(2e9)
    assert fin.round_size_usd(1e10, 0.2, 1e8, 5e8) == pytest.approx(4e8)
    assert fin.round_size_usd(1e10, 0.2, 1e9, 5e8) == 0.0


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
