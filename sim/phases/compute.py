"""The compute market and the world's compute stock (MODEL.md, "Hardware": compute is a stock).

``clear_compute`` reads the compute the labs bought this step (run instalments, experiments,
research copies: when they acted) and what serving their customers took (when the market
cleared), the world's compute stock and the labs' usable share of it. Changes: when the labs
want more than their share, the runs, experiments and copies are rationed in proportion
(serving contracted customers comes first), so that no FLOP is used twice and none that does
not exist; the price multiplier of the next step (a scarcity premium); the stock (depreciation
plus what this step's spending installs, within the fabs' capacity and the power available);
the largest cluster. ``research`` then lets each lab learn from the research compute it got.
"""

from __future__ import annotations

from sim.economics import hardware as hw


def clear_compute(model) -> None:
    labs = model.active
    seconds = model.step_months * hw.SECONDS_PER_MONTH
    k = model.k
    serving_flop = 0.0
    bought_flop = 0.0
    spend_usd = 0.0
    for lab in labs:
        led = lab.ledger
        serving_flop += led.serving_spend_usd * model.flop_per_usd_serving
        bought_flop += lab.compute_flop_this_step
        spend_usd += led.compute_spend_usd + led.serving_spend_usd
    cs = model.mech.compute_supply
    delivered = 1.0
    if cs.enabled:
        available = cs.usable_share * model.compute_stock_flop_per_s * seconds
        if bought_flop > 0.0 and serving_flop + bought_flop > available:
            room = available - serving_flop
            delivered = room / bought_flop if room > 0.0 else 0.0
        # Next step's price: the premium that would bring this step's demand at trend prices
        # down to the supply.
        demand = (serving_flop + bought_flop) * model.compute_price_multiplier / seconds
        model.compute_price_multiplier = hw.supply_price_multiplier(
            demand, cs.usable_share * model.compute_stock_flop_per_s, cs.price_elasticity
        )
    else:
        model.compute_price_multiplier = 1.0
    model.compute_delivered_share = delivered
    if delivered < 1.0:
        for lab in labs:
            # A run gets fewer FLOP than it paid for this step: the scarcity price, ex post.
            # Its own share of what it draws (not its ladder's): at most its planned FLOP over
            # the run, so a run rationed every step ends with 0 FLOP, never fewer.
            run = lab.run
            if run is not None and lab.run_flop_this_step > 0.0:
                run.physical_flop -= (1.0 - delivered) * lab.run_flop_this_step / run.ladder_factor
            lab.run_flop_this_step *= delivered
            lab.compute_flop_this_step *= delivered
    model.compute_users = list(labs)  # the labs whose compute this was (some exit this step)
    model.serving_flop = serving_flop
    model.compute_used_flop = serving_flop + bought_flop * delivered
    invest(model, spend_usd, k)


def invest(model, labs_spend_usd: float, k: int) -> None:
    """The stock a step later: depreciation, then what outside buyers and the clouds
    (reinvesting a share of what labs paid) install, within fab capacity and power."""
    h = model.hw
    dt = model.dt_years
    model.stock_this_step_flop_per_s = model.compute_stock_flop_per_s
    model.cluster_this_step_flop_per_s = model.cluster_flop_per_s
    capex = model.outside_capex_usd_per_year_path[k] * dt + h.lab_reinvestment_share * (
        labs_spend_usd
    )
    fab_limit = model.fab_limit_flop_per_s_per_year_path[k] * dt
    new = hw.installed_flop_per_s(capex, model.capex_flop_per_s_per_usd_path[k], fab_limit)
    nxt = min(k + 1, model.n_steps)
    power_limit = model.power_limit_flop_per_s_path[nxt]
    model.compute_stock_flop_per_s = hw.stock_after_flop_per_s(
        model.compute_stock_flop_per_s, new, h.depreciation_per_year, dt, power_limit
    )
    model.compute_constraint = binding_constraint(
        model, model.compute_stock_flop_per_s >= power_limit, new >= fab_limit
    )
    model.cluster_flop_per_s = hw.cluster_flop_per_s(
        model.cluster_trend_flop_per_s_path[nxt],
        model.compute_stock_flop_per_s,
        h.max_cluster_share,
    )


def binding_constraint(model, at_power: bool, at_fabs: bool) -> str:
    """What limits the largest run in progress now: the cluster it could use ("cluster"), or
    the stock behind the price of compute ("power", "fabs"), or else the lab's "money"."""
    largest = None
    for lab in model.active:
        run = lab.run
        if (run is not None and run.kind == "train") and (
            largest is None or run.physical_flop > largest.physical_flop
        ):
            largest = run
    if largest is not None and largest.cluster_bound:
        return "cluster"
    if at_power:
        return "power"
    if at_fabs:
        return "fabs"
    return "money"


def research(model) -> None:
    """Each lab's research step, on the experiment compute and copies it was delivered."""
    delivered = model.compute_delivered_share
    labs = model.active
    # Ideas get harder as the state of the art advances: the industry's best A, not each
    # lab's own (a lab behind it catches up through spillovers, not easier ideas).
    frontier_ln_a = max([lab.ln_a for lab in labs], default=0.0)
    for lab in labs:
        lab.do_research(delivered, frontier_ln_a)
