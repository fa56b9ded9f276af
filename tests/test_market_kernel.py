"""The compiled market clearing (sim.economics.market_kernel), and the capability terms a new
book of products computes (sim.economics.book_kernel), are exactly what the documented numpy
functions of sim.economics.market compute, bit for bit, on random markets:
small and large (pairwise sums above 8 and 128 terms), with open weights, products nobody
buys, labs with nothing on sale, segments where nothing is offered, and an economy that
spends nothing."""

from types import SimpleNamespace

import numpy as np
import pytest

from sim.economics import market as mkt
from sim.economics import training
from sim.economics.book_kernel import book_columns
from sim.economics.market_kernel import (
    API_PRICE,
    COST,
    LAB_ENTERPRISE,
    LAB_REVENUE,
    LAB_SERVING,
    LAB_USER_SHARE,
    LERNER_API,
    LERNER_CONSUMER,
    LERNER_WEIGHTED,
    POTENTIAL,
    REVENUE_SHARE,
    SPENDING,
    SURPLUS,
    TOTAL_USERS,
    USER_SHARE,
    clear,
)


def reference(c):
    """The clearing written with the numpy functions, as clear_market computed it before the
    kernels (sim/phases/market.py at 7401186)."""
    seg, m = c["segments"], c["market"]
    open_w, rows, n_labs = c["open_w"], c["rows"], c["n_labs"]
    closed = ~open_w
    cost = (
        training.serving_cost_per_mtok_usd(c["params"], c["flop_per_usd"], c["utilization"])
        * c["multiplier"]
    )
    prices = mkt.price_from_cost(cost, c["lerner"])
    if open_w.any():
        prices[:, open_w] = (cost * (1.0 + m.open_weights_host_margin))[open_w]
    ln_price = np.log(prices)
    ln_price = np.where(seg.consumer, ln_price[1][:, None], ln_price[0][:, None])
    cost_share = cost / prices
    cost_share = np.where(seg.consumer, cost_share[1][:, None], cost_share[0][:, None])
    previous = c["split"]
    choice = mkt.choose(
        None, ln_price, previous, seg, m.network_effect, open_w, c["capability_term"]
    )
    split = mkt.inertial_split(previous, choice.split, seg.inertia)
    buying = mkt.adopted_share(
        c["buying"],
        choice.buying,
        c["dt"],
        seg.adoption_innovation_per_year,
        m.adoption_imitation_per_year,
    )
    potential = c["gdp"] * seg.gdp_share
    spending = potential * buying
    product_spend = split * spending
    product_total = product_spend.sum(axis=1)
    potential_spending = potential * choice.buying
    adopted = mkt.share_of(buying, choice.buying)
    surplus = mkt.consumer_surplus_usd_per_year(
        potential_spending * np.minimum(adopted, 1.0), choice.logsum, seg.price_sensitivity
    )
    users = np.bincount(rows, product_total, n_labs)
    # make_segments puts the consumers first: columns are slices, summed pairwise by row (a
    # boolean mask would copy them column-major, and numpy would add them one by one)
    n_consumer = int(seg.consumer.sum())
    consumer, api = slice(0, n_consumer), slice(n_consumer, None)
    consumer_spend = product_spend[:, consumer].sum(axis=1)
    closed_total = np.where(closed, product_total, 0.0)
    revenue = np.bincount(rows, closed_total, n_labs)
    enterprise = np.bincount(rows, closed_total - np.where(closed, consumer_spend, 0.0), n_labs)
    served = (product_spend * cost_share).sum(axis=1)
    serving = np.bincount(rows, np.where(closed, served, 0.0), n_labs)
    lab_segment = np.zeros((n_labs, split.shape[1]))
    np.add.at(lab_segment, rows, split)
    total_users = float(users.sum())
    total_revenue = float(revenue.sum())
    faced = seg.price_sensitivity * (1.0 - lab_segment[rows] * buying)
    api_spend = product_spend[:, api]
    api_weight = api_spend.sum(axis=1)
    elasticity = np.array(
        [
            np.where(
                api_weight > 0,
                (faced[:, api] * api_spend).sum(axis=1) / np.where(api_weight > 0, api_weight, 1.0),
                faced[:, api].mean(axis=1),
            ),
            faced[:, consumer].mean(axis=1),
        ]
    )
    lerner = mkt.lerner_index(elasticity, m.max_lerner)
    margin = (product_spend * (1.0 - cost_share))[closed].sum()
    return {
        "split": split,
        "buying": buying,
        "per_product": {
            API_PRICE: prices[0],
            USER_SHARE: product_total / total_users if total_users > 0 else product_total,
            REVENUE_SHARE: closed_total / total_revenue if total_revenue > 0 else closed_total,
            LERNER_API: lerner[0],
            LERNER_CONSUMER: lerner[1],
            COST: cost,
        },
        "per_lab": {
            LAB_USER_SHARE: users / total_users if total_users > 0 else users,
            LAB_REVENUE: revenue,
            LAB_ENTERPRISE: enterprise,
            LAB_SERVING: serving,
        },
        "totals": {
            POTENTIAL: float(potential_spending.sum()),
            SPENDING: float(spending.sum()),
            SURPLUS: surplus,
            LERNER_WEIGHTED: float(margin / total_revenue) if total_revenue > 0 else np.nan,
            TOTAL_USERS: total_users,
        },
    }


def random_market(seed: int, n_products: int, n_labs: int, n_segments: int, **options):
    """A market with random terms in the ranges the scenarios reach, and some degenerate
    entries (open weights, products new to the market, no buyers yet)."""
    rng = np.random.default_rng(seed)
    consumer = np.zeros(n_segments, dtype=bool)
    consumer[: options.get("n_consumer", 1)] = True
    segments = mkt.Segments(
        names=tuple(f"s{i}" for i in range(n_segments)),
        consumer=consumer,
        consumer_columns=np.flatnonzero(consumer),
        api_columns=np.flatnonzero(~consumer),
        ln_need_minutes=np.log(rng.uniform(0.1, 1e4, n_segments)),
        gdp_share=rng.uniform(0.0, 0.05, n_segments),
        capability_preference=rng.uniform(0.5, 3.0, n_segments),
        price_sensitivity=rng.uniform(1.05, 4.0, n_segments),
        ln_reference_price=np.log(rng.uniform(0.1, 30.0, n_segments)),
        adoption_innovation_per_year=rng.uniform(0.01, 1.0, n_segments),
        inertia=rng.uniform(0.0, 0.99, n_segments),
        shortfall_penalty=float(rng.uniform(2.0, 12.0)),
    )
    market = SimpleNamespace(
        open_weights_host_margin=float(rng.uniform(0.0, 1.0)),
        network_effect=float(rng.uniform(0.0, 3.0)),
        adoption_imitation_per_year=float(rng.uniform(0.0, 2.0)),
        max_lerner=float(rng.uniform(0.3, 0.95)),
    )
    open_w = rng.random(n_products) < options.get("open_share", 0.2)
    capability = np.exp(rng.uniform(np.log(0.01), np.log(1e4), n_products))
    split = rng.dirichlet(np.ones(n_products), n_segments).T.copy()
    split[rng.random(n_products) < 0.2] = 0.0  # products new to the market
    # labs in order, some with nothing on sale (lab index skipped)
    rows = np.sort(rng.integers(0, n_labs, n_products))
    return {
        "params": rng.uniform(1e8, 2e12, n_products),
        "multiplier": np.where(rng.random(n_products) < 0.3, rng.uniform(2.0, 20.0), 1.0),
        "lerner": rng.uniform(0.0, 0.9, (2, n_products)),
        "open_w": open_w,
        "capability_term": mkt.capability_utility(np.log(capability), segments),
        "split": split,
        "rows": rows,
        "n_labs": n_labs,
        "buying": options.get("buying", rng.uniform(0.0, 0.9, n_segments)),
        "segments": segments,
        "market": market,
        "gdp": options.get("gdp", float(rng.uniform(5e13, 3e14))),
        "dt": 1.0 / 12.0,
        "flop_per_usd": float(rng.uniform(1e16, 1e19)),
        "utilization": float(rng.uniform(0.2, 0.6)),
    }


def compiled(c):
    return clear(
        c["params"],
        c["multiplier"],
        c["lerner"],
        c["open_w"],
        bool(c["open_w"].any()),
        c["capability_term"],
        c["split"],
        c["rows"],
        c["n_labs"],
        c["buying"],
        c["segments"],
        c["market"],
        c["gdp"],
        c["dt"],
        c["flop_per_usd"],
        c["utilization"],
    )


def assert_same(c):
    want = reference(c)
    got = compiled(c)
    np.testing.assert_array_equal(got.split, want["split"], strict=True)
    np.testing.assert_array_equal(got.buying, want["buying"], strict=True)
    for table in ("per_product", "per_lab", "totals"):
        for row, value in want[table].items():
            np.testing.assert_array_equal(getattr(got, table)[row], value, err_msg=table)


SIZES = [  # products, labs, segments
    (1, 1, 7),
    (3, 3, 7),
    (16, 3, 7),
    (47, 12, 7),
    (200, 30, 7),  # pairwise sums over the labs and the margins (> 128 terms)
    (10, 4, 2),
    (20, 5, 12),  # rows longer than 8 terms
]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize(("n_products", "n_labs", "n_segments"), SIZES)
def test_kernel_equals_the_numpy_functions(seed, n_products, n_labs, n_segments):
    assert_same(random_market(seed, n_products, n_labs, n_segments))


@pytest.mark.parametrize("seed", range(4))
def test_kernel_equals_them_without_open_weights(seed):
    assert_same(random_market(seed, 30, 6, 7, open_share=0.0))


@pytest.mark.parametrize("seed", range(4))
def test_kernel_equals_them_with_open_weights_only(seed):
    # consumer segments are offered nothing: every utility there is -inf
    assert_same(random_market(seed, 8, 3, 7, open_share=1.0))


@pytest.mark.parametrize("seed", range(4))
def test_kernel_equals_them_with_several_consumer_segments(seed):
    assert_same(random_market(seed, 12, 4, 7, n_consumer=3))


def test_kernel_equals_them_before_anyone_buys():
    assert_same(random_market(0, 16, 3, 7, buying=np.zeros(7)))


def test_kernel_equals_them_when_nothing_is_spent():
    # no spending: shares stay raw and the revenue-weighted Lerner index is undefined
    c = random_market(1, 16, 3, 7, gdp=0.0)
    assert_same(c)
    assert np.isnan(compiled(c).totals[LERNER_WEIGHTED])


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 15, 16, 17, 127, 128, 129, 255, 256, 300, 1000, 4099])
def test_sums_add_in_numpys_order(n):
    from sim.economics.ordered_sums import total

    x = np.random.default_rng(n).lognormal(0.0, 3.0, n)
    assert total(x, n) == x.sum()


def _new_book(old, at, fresh, fresh_split, fresh_ln_capability, seg):
    """book_columns as sim.phases.product_book calls it (5 terms, OPEN row 2, CAPABILITY 3)."""
    return book_columns(
        *old,
        np.array(at, dtype=np.intp),
        fresh,
        fresh_split,
        fresh_ln_capability,
        5,
        2,
        3,
        seg.ln_need_minutes,
        seg.capability_preference,
        float(seg.shortfall_penalty),
    )


@pytest.mark.parametrize("seed", range(8))
def test_new_products_capability_terms_equal_capability_utility(seed):
    c = random_market(seed, 40, 5, 7)
    seg = c["segments"]
    rng = np.random.default_rng(seed)
    n, k = 40, len(seg.names)
    ln_capability = np.log(np.exp(rng.uniform(-5.0, 10.0, n)))
    ln_capability[:3] = seg.ln_need_minutes[:3]  # exactly at a segment's need
    empty = (np.empty((5, 0)), np.empty((0, k)), np.empty((0, k)), np.empty((2, 0)))
    fresh = rng.uniform(0.0, 1.0, 7 * n)
    _, got, _, _, _, _ = _new_book(
        empty, [[-1] * n, [0] * n], fresh, rng.uniform(0.0, 1.0, n * k), ln_capability, seg
    )
    np.testing.assert_array_equal(got, mkt.capability_utility(ln_capability, seg), strict=True)


def test_a_new_book_takes_old_rows_and_new_values_in_order():
    c = random_market(3, 10, 2, 7)
    seg = c["segments"]
    rng = np.random.default_rng(3)
    k = len(seg.names)
    terms = rng.uniform(1.0, 2.0, (5, 10))
    terms[2] = 0.0  # nothing open in the old book
    old = (terms, rng.uniform(size=(10, k)), rng.uniform(size=(10, k)), rng.uniform(size=(2, 10)))
    # New order: old rows 7, 2, then two new products, then old row 9.
    at = [[7, 2, -1, -1, 9], [0, 0, 1, 1, 1]]
    new_terms = np.array([[5.0, 6.0], [1.0, 3.0], [1.0, 0.0], [40.0, 0.5], [10.0, 11.0]])
    new_lerner = np.array([[0.2, 0.3], [0.4, 0.5]])
    fresh = np.concatenate([new_terms.ravel(), new_lerner.ravel()])
    new_split = rng.uniform(size=(2, k))
    ln_capability = np.log(new_terms[3])
    got_terms, got_capability, got_split, got_lerner, any_open, top = _new_book(
        old, at, fresh, new_split.ravel(), ln_capability, seg
    )
    kept = [0, 1, 4]
    np.testing.assert_array_equal(got_terms[:, kept], terms[:, [7, 2, 9]])
    np.testing.assert_array_equal(got_terms[:, [2, 3]], new_terms)
    np.testing.assert_array_equal(got_capability[kept], old[1][[7, 2, 9]])
    np.testing.assert_array_equal(
        got_capability[[2, 3]], mkt.capability_utility(ln_capability, seg)
    )
    np.testing.assert_array_equal(got_split[kept], old[2][[7, 2, 9]])
    np.testing.assert_array_equal(got_split[[2, 3]], new_split)
    np.testing.assert_array_equal(got_lerner[:, kept], old[3][:, [7, 2, 9]])
    np.testing.assert_array_equal(got_lerner[:, [2, 3]], new_lerner)
    assert any_open  # the first new product is open weights
    assert top == 40.0  # the new product's capability is the largest
