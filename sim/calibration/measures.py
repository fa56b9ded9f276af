"""Derived measures: numbers no single column holds, computed from a run's tables by small pure
functions and registered by name, so that a targets file can ask for them (``kind: measure``).

Each returns NaN where the run does not cover what it needs (a table or a column missing, no
product above the threshold, a month not recorded)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calibration.tables import Tables, has_columns, step_date
from sim.dates import parse_year_month

_PRODUCT_COLUMNS = ("date", "capability", "price_per_mtok_usd")


def capability_threshold(products: pd.DataFrame | None, threshold_at: str) -> float:
    """The best capability on sale in the last recorded month at or before ``threshold_at``."""
    if not has_columns(products, *_PRODUCT_COLUMNS) or products.empty:
        return math.nan
    month = step_date(np.sort(products["date"].unique()), threshold_at)
    if month is None:
        return math.nan
    return float(products.loc[products["date"] == month, "capability"].max())


def cheapest_prices_usd_per_mtok(
    products: pd.DataFrame | None, threshold: float, start: str, end: str
) -> pd.Series:
    """Per month in [start, end], the lowest positive price (USD per million tokens) among
    products with capability >= ``threshold``; months with none are left out. A zero price (if
    any product is given away) has no logarithm and is not what a buyer pays a provider."""
    if not has_columns(products, *_PRODUCT_COLUMNS) or not math.isfinite(threshold):
        return pd.Series(dtype=float)
    on_sale = products[
        (products["date"] >= start)
        & (products["date"] <= end)
        & (products["capability"] >= threshold)
        & (products["price_per_mtok_usd"] > 0)
    ]
    return on_sale.groupby("date")["price_per_mtok_usd"].min().sort_index()


def cheapest_price_at_fixed_capability(
    products: pd.DataFrame | None, threshold_at: str, at: str
) -> float:
    """USD per Mtok of the cheapest product at or above the best capability on sale at
    ``threshold_at``, in the last recorded month at or before ``at``."""
    if not has_columns(products, *_PRODUCT_COLUMNS) or products.empty:
        return math.nan
    month = step_date(np.sort(products["date"].unique()), at)
    if month is None:
        return math.nan
    prices = cheapest_prices_usd_per_mtok(
        products, capability_threshold(products, threshold_at), month, month
    )
    return float(prices.iloc[0]) if len(prices) else math.nan


def price_decline_at_fixed_capability(
    products: pd.DataFrame | None, threshold_at: str, start: str, end: str
) -> float:
    """Factor per year by which the price of fixed capability falls (Cottier et al., Epoch
    2025): threshold = the best capability on sale at ``threshold_at``; each month of [start,
    end] the cheapest price at or above it; least-squares fit of ln(price) on time in years;
    the result is exp(-slope) (10 means prices fall tenfold a year)."""
    prices = cheapest_prices_usd_per_mtok(
        products, capability_threshold(products, threshold_at), start, end
    )
    if len(prices) < 2:
        return math.nan
    years = np.array([parse_year_month(d) for d in prices.index])
    slope = np.polyfit(years, np.log(prices.to_numpy(dtype=float)), 1)[0]
    return float(math.exp(-slope))


def price_decline_share_from_new_models(
    products: pd.DataFrame | None, threshold_at: str, start: str, end: str
) -> float:
    """Share of the fall in the cheapest price at fixed capability (as in
    ``price_decline_at_fixed_capability``) that comes from another product taking the cheapest
    place, rather than from the same product getting cheaper (hardware, markups). Month by
    month, ln(price) changes by the same product's own change (if it is still on sale) plus the
    rest, which is composition: newer, smaller models reaching the threshold. NaN without a
    decline."""
    if not has_columns(products, *_PRODUCT_COLUMNS, "model_id"):
        return math.nan
    threshold = capability_threshold(products, threshold_at)
    if not math.isfinite(threshold):
        return math.nan
    on_sale = products[
        (products["date"] >= start)
        & (products["date"] <= end)
        & (products["capability"] >= threshold)
        & (products["price_per_mtok_usd"] > 0)
    ]
    if on_sale.empty:
        return math.nan
    cheapest = on_sale.loc[on_sale.groupby("date")["price_per_mtok_usd"].idxmin()].sort_values(
        "date"
    )
    price_of = on_sale.groupby(["date", "model_id"])["price_per_mtok_usd"].min().to_dict()
    dates = cheapest["date"].tolist()
    models = cheapest["model_id"].tolist()
    log_price = np.log(cheapest["price_per_mtok_usd"].to_numpy(dtype=float)).tolist()
    own = 0.0
    for i in range(1, len(dates)):
        same = price_of.get((dates[i], models[i - 1]))
        if same is not None:
            own += math.log(same) - log_price[i - 1]
    total = log_price[-1] - log_price[0]
    if total >= 0:
        return math.nan
    return float((total - own) / total)


def labs_with_run_at_least(models: pd.DataFrame | None, flop: float, at: str) -> float:
    """Distinct labs with a model of >= ``flop`` training FLOP completed by ``at`` (Epoch's
    count of labs past a compute threshold). Distilled students are left out: each is a
    fraction of its own lab's teacher, a run counted already."""
    if not has_columns(models, "lab", "completed", "training_flop", "method"):
        return math.nan
    done = models["completed"].notna() & (models["completed"].astype(str) <= at)
    big = models["training_flop"] >= flop
    return float(models.loc[done & big & (models["method"] != "distilled"), "lab"].nunique())


def effective_compute_gain_per_year(models: pd.DataFrame | None, start: str, end: str) -> float:
    """Growth per year of effective over training FLOP in the runs of the frontier lab (the
    lab of the most capable model completed by ``end``), log-linear fit over its runs
    completed from ``start`` to ``end``: the combined gain from algorithms, learning curve,
    warm starts, reverse distillation and AI research, which is what Ho et al. (2024) measure
    as compute for fixed performance. Distilled tiers and imitations are not runs of its own
    recipe and are left out."""
    if not has_columns(models, "lab", "completed", "training_flop", "effective_flop", "method"):
        return math.nan
    done = models["completed"].notna() & (models["completed"].astype(str) <= end)
    own = models["method"].isin(("scratch", "warm_start")) & (models["training_flop"] > 0)
    by_end = models[done & own]
    if by_end.empty:
        return math.nan
    lab = by_end.loc[by_end["capability"].idxmax(), "lab"]
    runs = by_end[(by_end["lab"] == lab) & (by_end["completed"].astype(str) >= start)]
    if len(runs) < 2:
        return math.nan
    years = runs["completed"].astype(str).map(parse_year_month).to_numpy(dtype=float)
    if np.ptp(years) <= 0:
        return math.nan
    log_ratio = np.log(
        runs["effective_flop"].to_numpy(float) / runs["training_flop"].to_numpy(float)
    )
    slope = np.polyfit(years, log_ratio, 1)[0]
    return float(math.exp(slope))


@dataclass(frozen=True)
class Measure:
    """A registered measure: the function over a run's tables and a probe's fields, the
    tables it reads, the probe fields it needs, and its unit."""

    compute: Callable[[Tables, object], float]
    tables: tuple[str, ...]
    params: tuple[str, ...]
    unit: str


MEASURES: dict[str, Measure] = {
    "price_decline_at_fixed_capability": Measure(
        lambda t, p: price_decline_at_fixed_capability(t.products, p.threshold_at, p.start, p.end),
        ("products",),
        ("threshold_at", "from", "to"),
        "factor per year",
    ),
    "price_decline_share_from_new_models": Measure(
        lambda t, p: price_decline_share_from_new_models(
            t.products, p.threshold_at, p.start, p.end
        ),
        ("products",),
        ("threshold_at", "from", "to"),
        "share of the decline",
    ),
    "cheapest_price_at_fixed_capability": Measure(
        lambda t, p: cheapest_price_at_fixed_capability(t.products, p.threshold_at, p.at),
        ("products",),
        ("threshold_at", "at"),
        "USD per Mtok",
    ),
    "effective_compute_gain_per_year": Measure(
        lambda t, p: effective_compute_gain_per_year(t.models, p.start, p.end),
        ("models",),
        ("from", "to"),
        "factor per year",
    ),
    "labs_with_run_at_least": Measure(
        lambda t, p: labs_with_run_at_least(t.models, p.flop, p.at),
        ("models",),
        ("flop", "at"),
        "labs",
    ),
}
