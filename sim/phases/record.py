"""Recording, the last phase of a step: what the model measures (MODEL.md, "What it
measures each step").

Reads the model's state after the step (labs, prices, the frontier, the overhang, the book of
products on sale) and appends one row to the time series, one per lab and one per product on
sale; changes nothing but its own rows and the frontier history it keeps for ``lead_months``.
Rows are kept as tuples (products: as columns of one array) and turned into DataFrames once,
at the end: a run of hundreds of steps stays fast and its memory small.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim import frontier
from sim.columns import TIMESERIES_COLUMNS
from sim.economics import compiled
from sim.economics import concentration as conc
from sim.economics import hardware as hw
from sim.economics import overhang as oh
from sim.phases import product_book

if TYPE_CHECKING:
    from sim.agents import Lab
    from sim.trained_models import TrainedModel


# Rows of Recorder._product_values: the market kernel's six per-product rows, then the listing.
LISTING_ROW = 6
_PRODUCT_ROWS = LISTING_ROW + 1
_NO_MARKET = conc.Concentration(math.nan, math.nan, math.nan, math.nan, conc.NO_MARKET)


class Recorder:
    """Rows of timeseries.csv, labs.csv and products.csv, appended each step; rows of
    models.csv are made at the end from the model's list of trained models (they do not change
    once trained)."""

    def __init__(self, model, record_labs: bool = True):
        """``model``: the LabRaceModel whose state is recorded."""
        self.model = model
        self.record_labs = record_labs
        self.timeseries: list[tuple] = []
        self.labs: list[tuple] = []
        # Per step with products on sale: (step, products, lab names, products per lab); and
        # per product on sale per step, a column of _product_values: the clearing's values
        # (rows as the market kernel's per-product rows) and its listing number.
        self._product_steps: list[tuple] = []
        self._product_values = np.empty((_PRODUCT_ROWS, 0))
        self._n_product_rows = 0
        self._leader: str | None = None
        self._leader_since = 0
        self._best_known = 0.0
        # The frontier model changes a few times a year: its runnable tokens/s is kept.
        self._frontier_model: TrainedModel | None = None
        self._frontier_tokens_per_s = math.nan

    def model_rows(self) -> list[tuple]:
        """One row of models.csv per trained model, in the order they were trained."""
        return [self._model_row(m) for m in self.model.models]

    def _model_row(self, m: TrainedModel) -> tuple:
        tokens_per_s = _runnable_tokens_per_s(m)
        model = self.model
        return (
            m.model_id,
            m.lab,
            model.date_of(m.started),
            model.date_of(m.completed),
            m.params,
            m.tokens,
            m.training_flop,
            m.effective_flop,
            m.cost_usd,
            m.method,
            m.parent or "",
            m.loss,
            m.capability,
            m.serving_cost_per_mtok_usd,
            m.run_months,
            tokens_per_s,
            oh.runnable_copies(tokens_per_s),
            oh.training_to_serving_ratio(m.cost_usd, m.serving_cost_per_mtok_usd),
            m.open_weights,
            math.nan if m.observed_compute_elasticity is None else m.observed_compute_elasticity,
        )

    def record(self, k: int) -> None:
        model = self.model
        date = model.date_at(k)
        active = model.active
        per_year = 12 / model.step_months
        # One pass over the labs for everything ranked or summed below.
        revenues = []
        leader_lab, leader_revenue_step = None, 0.0
        best, frontier_cap, runner_up = None, 0.0, 0.0
        richest, best_ln_a = 0.0, -math.inf
        n_selling = 0
        for lab in active:
            led = lab.ledger
            r = led.revenue_usd
            revenues.append(r)
            if r > leader_revenue_step:  # ties go to the older lab (earlier in the list)
                leader_lab, leader_revenue_step = lab, r
            if r > 0:
                n_selling += 1
            c = lab.capability
            if best is None or c > frontier_cap:
                best, frontier_cap, runner_up = lab, c, frontier_cap
            elif c > runner_up:
                runner_up = c
            funds = lab.cash_usd + per_year * (r + led.parent_funding_usd)
            if funds > richest:
                richest = funds
            if lab.ln_a > best_ln_a:
                best_ln_a = lab.ln_a
        # Concentration is measured on revenue shares (MODEL.md): open weights are an outside
        # option that earns its publisher nothing, so they are not a firm in the HHI.
        total_revenue = sum(revenues)
        sold = total_revenue > 0
        shares = [r / total_revenue for r in revenues] if sold else revenues
        leader = leader_lab.name if sold else None
        if leader != self._leader:
            self._leader, self._leader_since = leader, k
        if frontier_cap > self._best_known:
            self._best_known = frontier_cap
        model.frontier_history.append(self._best_known)
        fm = best.frontier if best else None
        if fm is not self._frontier_model:
            self._frontier_model = fm
            self._frontier_tokens_per_s = _runnable_tokens_per_s(fm) if fm else math.nan
        tokens_per_s = self._frontier_tokens_per_s
        ratio = (
            oh.training_to_serving_ratio(fm.cost_usd, model.serving_cost(fm.params))
            if fm is not None and fm.run_months > 0
            else math.nan
        )
        largest = model.largest_physical_flop
        experiment_flop = sum([lab.experiment_flop_this_step for lab in active])
        ai = sum([lab.ai_researchers for lab in active])
        effort = ai + sum([lab.engineers for lab in active])
        ai_research_share = ai / effort if effort > 0 else 0.0
        cap = model.compute_cap_flop()
        c = conc.concentration(shares) if sold else _NO_MARKET
        self.timeseries.append(
            (
                k,
                date,
                model.years[k],
                c.hhi,
                c.cr1,
                c.cr3,
                len(active),
                n_selling,
                c.n_effective,
                c.structure,
                leader or "",
                (k - self._leader_since) * model.step_months if leader else math.nan,
                frontier_cap,
                best.name if best and frontier_cap > 0 else "",
                model.largest_training_flop,
                model.largest_run_cost_usd,
                model.accelerator_flop_per_usd_path[k],
                model.flop_per_usd_training,
                model.flop_per_usd_serving,
                model.cluster_this_step_flop_per_s,
                model.stock_this_step_flop_per_s,
                cap if cap != math.inf else math.nan,
                model.potential_spending_usd_per_year,
                model.spending_usd_per_year,
                total_revenue * per_year,
                leader_revenue_step * per_year,
                math.exp(best_ln_a) if active else 1.0,
                model.salary_usd_per_year,
                frontier_cap - runner_up if best else math.nan,
                frontier.lead_months(model, frontier_cap, runner_up) if best else math.nan,
                tokens_per_s,
                oh.runnable_copies(tokens_per_s),
                ratio,
                oh.hardware_overhang(
                    oh.stock_deliverable_flop(model.stock_this_step_flop_per_s), largest
                ),
                oh.hardware_overhang(richest * model.flop_per_usd_training, largest),
                len(model.models),
                model.open_weights_user_share,
                model.tasks_within_reach_share,
                model.hhi_users,
                model.lerner_revenue_weighted,
                model.consumer_surplus_usd_per_year,
                model.gdp_usd_per_year,
                model.compute_price_multiplier,
                ai_research_share,
                experiment_flop,
                model.serving_flop / model.compute_used_flop if model.compute_used_flop else 0.0,
                model.compute_constraint,
            )
        )
        gone = model.left_this_step()
        if self.record_labs:
            rows = self.labs
            for lab, share in zip(active, shares, strict=True):
                rows.append(_lab_row(k, date, lab, share))
            for lab in gone:
                rows.append(_lab_row(k, date, lab, 0.0))
            book = model.on_sale
            if book is not None:
                self._record_products(k, active, book)

    def _record_products(self, k: int, active: list, book) -> None:
        """This step's products on sale: their clearing's values and listing numbers, copied
        into one growing array. A tuple per product instead (~4 MB of Python objects a
        baseline run) made the run ~6% slower, keeping the steps' books ~9% (measured):
        memory kept is memory the next allocations cannot reuse while it is still cached."""
        lists = [lab.products for lab in active]
        rows = book.rows_for(lists)
        cleared = book.cleared[:, rows]
        n = cleared.shape[1]
        start = self._n_product_rows
        if start + n > self._product_values.shape[1]:
            grown = np.empty((_PRODUCT_ROWS, max(2 * (start + n), 16 * self.model.n_steps)))
            grown[:, :start] = self._product_values[:, :start]
            self._product_values = grown
        self._product_values[:LISTING_ROW, start : start + n] = cleared
        self._product_values[LISTING_ROW, start : start + n] = book.terms[
            product_book.LISTING, rows
        ]
        self._n_product_rows = start + n
        self._product_steps.append((k, n, [lab.name for lab in active], [len(p) for p in lists]))

    def product_columns(self) -> dict[str, np.ndarray]:
        """products.csv as {column: array}, one row per step per product on sale ({} if
        nothing was ever on sale); a product's fixed columns come from the model's list of
        products ever listed (``TrainedModel.listing``)."""
        if not self._product_steps:
            return {}
        kernel = compiled.kernel("market_kernel")
        model = self.model
        steps, per_step, names, per_lab = [], [], [], []
        for k, n, lab_names, counts in self._product_steps:
            steps.append(k)
            per_step.append(n)
            names += lab_names
            per_lab += counts
        values = self._product_values[:, : self._n_product_rows]
        at = values[LISTING_ROW].astype(np.intp)
        listed = model.listed
        step = np.repeat(np.array(steps, dtype=np.int64), per_step)
        return {
            "step": step,
            "date": np.array([model.date_at(k) for k in range(model.n_steps)], dtype=object)[step],
            "lab": np.repeat(np.array(names, dtype=object), per_lab),
            "model_id": np.array([p.model_id for p in listed], dtype=object)[at],
            "tier": np.array([p.tier for p in listed], dtype=object)[at],
            "capability": np.array([p.capability for p in listed], dtype=float)[at],
            "price_per_mtok_usd": values[kernel.API_PRICE],
            "serving_cost_per_mtok_usd": values[kernel.COST],
            "user_share": values[kernel.USER_SHARE],
            "revenue_share": values[kernel.REVENUE_SHARE],
            "open_weights": np.array([p.open_weights for p in listed], dtype=bool)[at],
        }

    def timeseries_columns(self) -> dict[str, tuple]:
        """The time series as {column: values}, without building a DataFrame."""
        if not self.timeseries:
            return {name: () for name in TIMESERIES_COLUMNS}
        return dict(zip(TIMESERIES_COLUMNS, zip(*self.timeseries, strict=True), strict=True))


def _runnable_tokens_per_s(m: TrainedModel) -> float:
    """Tokens/s the model's own training cluster could generate with it (NaN if no run)."""
    if m.run_months <= 0:
        return math.nan
    return oh.runnable_tokens_per_s(m.training_flop, m.params, m.run_months * hw.SECONDS_PER_MONTH)


def _lab_row(k: int, date: str, lab: Lab, revenue_share: float) -> tuple:
    led = lab.ledger
    run = lab.run
    frontier, deployed = lab.frontier, lab.deployed
    return (
        k,
        date,
        lab.name,
        lab.archetype,
        lab.active,
        lab.funding,
        lab.cash_usd,
        led.revenue_usd,
        led.parent_funding_usd,
        led.raised_usd,
        led.transfer_in_usd,
        led.compute_spend_usd,
        led.staff_spend_usd,
        led.serving_spend_usd,
        led.other_spend_usd,
        led.transfer_out_usd,
        lab.engineers,
        math.exp(lab.ln_a),
        lab.utilization,
        lab.research_engineer_years,
        frontier.capability if frontier else 0.0,
        deployed.capability if deployed else 0.0,
        lab.market_share,
        revenue_share,
        lab.enterprise_revenue_usd,
        len(lab.products),
        lab.held[0].model_id if lab.held else "",
        lab.price_per_mtok_usd,
        lab.belief,
        lab.parent_budget_usd_per_year,
        run.kind if run else "",
        run.physical_flop if run else 0.0,
        lab.completed_runs,
        lab.experiment_spend_usd,
        lab.ai_researchers,
    )
