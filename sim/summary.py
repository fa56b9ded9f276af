"""The short summary ``labsim run`` prints at the end of a run."""

from __future__ import annotations

import math
from pathlib import Path


def _usd(x: float) -> str:
    if not math.isfinite(x):
        return "n/a"
    for scale, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"${x / scale:,.1f}{unit}"
    return f"${x:,.0f}"


def format_summary(result, out: Path | None = None, total_s: float | None = None) -> str:
    """The summary of a run; ``total_s`` is the whole command's time (imports, reading the
    scenario, writing files), shown beside the simulation's own."""
    ts = result.timeseries
    labs = result.labs
    last = ts.iloc[-1]
    final = labs[labs["step"] == last["step"]]
    total = f" ({total_s:.1f} s in all, with start-up and writing files)" if total_s else ""
    lines = [
        f"labsim: {result.scenario.name} (seed {result.seed}), {ts['date'].iloc[0]} to {last['date']}, "
        f"{len(ts)} steps simulated in {result.wall_time_s * 1000:.0f} ms{total}",
        "",
        f"{'lab':<18}{'archetype':<20}{'revenue':>9}{'users':>8}{'capability':>12}{'cash':>12}"
        f"{'engineers':>11}",
    ]
    ranked = final.sort_values(["revenue_share", "market_share"], ascending=False)
    for _, row in ranked.iterrows():
        lines.append(
            f"{row['lab']:<18}{row['archetype']:<20}{row['revenue_share']:>9.1%}{row['market_share']:>8.1%}"
            f"{row['capability']:>12.3g}{_usd(row['cash_usd']):>12}{row['engineers']:>11,.0f}"
        )
    lines.append(
        "(revenue: share of industry revenue; users: share of spending, open weights included;\n"
        " capability: METR's 50% time horizon, minutes of expert work its best model can do)"
    )
    gone = set(labs["lab"]) - set(final["lab"])
    if gone:
        lines.append(f"(left the market: {', '.join(sorted(gone))})")
    lines += [
        "",
        f"market: HHI {last['hhi']:,.0f}, {last['structure']}, leader {last['leader'] or 'none'}"
        f" ({last['leader_tenure_months']:.0f} months), {int(last['n_active'])} labs active; "
        f"HHI over users {last['hhi_users']:,.0f}, open weights {last['open_weights_user_share']:.0%} "
        f"of users, Lerner {last['lerner_revenue_weighted']:.2f}",
        f"demand: {_usd(last['market_spending_usd_per_year'])}/yr spent on AI of "
        f"{_usd(last['potential_spending_usd_per_year'])}/yr potential, consumer surplus "
        f"{_usd(last['consumer_surplus_usd_per_year'])}/yr",
        f"frontier: time horizon {last['frontier_capability']:.3g} min ({last['frontier_lab']}), "
        f"{last['tasks_within_reach_share']:.1%} of the economy's tasks within reach, largest run "
        f"{last['frontier_training_flop']:.2e} FLOP, costliest {_usd(last['frontier_run_cost_usd'])}",
        f"compute: world stock {last['world_compute_stock_flop_per_s']:.2e} FLOP/s, price x"
        f"{last['compute_price_multiplier']:.2f} for scarcity, {last['inference_compute_share']:.0%} "
        f"serving customers; the largest run is limited by {last['compute_constraint']}; AI copies "
        f"do {last['ai_research_share']:.0%} of research",
        f"overhang: {last['runnable_copies']:.2e} copies at 10 tokens/s, training/serving ratio "
        f"{last['training_to_serving_ratio']:.2e}, six months of the world's compute stock is "
        f"{last['hardware_overhang_world']:.1f}x the largest run",
    ]
    if out is not None:
        lines += ["", f"run directory: {out}"]
    return "\n".join(lines)
