"""The world: hardware, talent and markets around the labs (MODEL.md, "The world").

``LabRaceModel`` holds the world's state and runs the step's phases (``sim.phases``) in order;
the economics are the pure functions in ``sim.economics`` and the decisions are the labs'
(``sim.agents``). One step is ``step_months`` months. Randomness comes only from the model's
seeded generator (``self.rng``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import mesa
import networkx as nx
import numpy as np

from sim import mesa_api, registry, schedules
from sim.agents import Lab
from sim.economics import capability, progress, scaling, training
from sim.economics import hardware as hw
from sim.mesa_api import SCENARIO_SEED, LabRaceScenario, MesaInterface
from sim.params import LabParams, Scenario, format_year_month, parse_year_month
from sim.phases import (
    books,
    compute,
    decisions,
    deployment,
    entry_exit,
    events,
    finance,
    knowledge,
    market,
    prices,
    runs,
)
from sim.phases.record import Recorder
from sim.trained_models import TrainedModel


class LabRaceModel(MesaInterface, mesa.Model):
    """Frontier labs racing for customers while hardware gets cheaper."""

    def __init__(
        self,
        scenario: Scenario | str | Path | LabRaceScenario = "baseline",
        *,
        rng: Any = SCENARIO_SEED,
        record_labs: bool = True,
        **overrides: Any,
    ):
        """``scenario``: a ``Scenario``, a shipped scenario's name or a YAML file, with dotted
        overrides as keywords (``**{"market.inertia": 0.8}``, validated as ``--set`` is), or a
        ``LabRaceScenario`` (sim.mesa_api). ``rng``: Mesa's seed (None: a fresh one, kept in
        ``self.seed``); ``seed=`` is its alias, where None means the scenario's own seed, the
        default of both. ``record_labs=False`` skips the per-lab rows (labs.csv): a sweep reads
        only the time series, and the lab rows are a tenth of a run's time."""
        scenario, seed, mesa_scenario = mesa_api.resolve(scenario, rng, overrides)
        super().__init__(rng=seed, scenario=mesa_scenario)
        self.seed = seed
        self.spec = scenario
        self.world = scenario.world
        self.hw = scenario.hardware
        self.market = scenario.market
        self.talent = scenario.talent
        self.funding_params = scenario.funding
        self.mech = scenario.mechanisms
        self.step_months = scenario.step_months
        self.dt_years = scenario.step_months / 12.0
        # Standard deviation of a step's research noise in ln A (a random walk in time).
        self.research_noise_per_step = self.world.research_noise_sigma * math.sqrt(self.dt_years)
        self.t0 = scenario.start_year
        self.n_steps = scenario.n_steps
        # Steps before a completed model is known to rivals (MODEL.md: results public with a lag).
        self.public_lag_steps = math.ceil(self.world.public_results_lag_months / self.step_months)
        self.law = scaling.SCALING_LAWS[self.world.scaling_law]
        self.anchor_reducible_loss = capability.anchor_reducible_loss(
            self.world.capability_anchor_effective_flop, self.law
        )
        self.ideas_weight = {"scaling": 0.0, "ideas": 1.0, "mixed": self.world.ideas_weight}[
            self.world.progress_regime
        ]
        schedules.load_schedules(self)

        self.k = 0  # current step, 0-based (mesa's own counter is left alone)
        # Labs and their knowledge network.
        self.active: list[Lab] = []
        self.labs_by_name: dict[str, Lab] = {}
        self.network = nx.Graph()
        self._adjacency: np.ndarray | list | None = None  # spillover weights, reset on entry/exit
        self._left_this_step: list[Lab] = []
        self.entrants = 0
        # Trained models, what has been shown in public, and the frontier's records.
        self.models: list[TrainedModel] = []
        self._public_queue: list[tuple[int, float]] = []  # (step it becomes public, C_eff)
        self._public_next = 0
        self._shown_best = 0.0
        self._rankings: dict[str, list] = {}  # see sim.frontier
        # step due -> [(lab whose result it is, a_observed)], learned by every other lab
        self.pending_lessons: dict[int, list[tuple[Lab, float]]] = {}
        self.frontier_history: list[float] = []  # best capability known, per step
        self.largest_physical_flop = 0.0
        self.largest_training_flop = 0.0
        self.largest_run_cost_usd = 0.0
        # Markets for compute and products.
        self.compute_price_multiplier = 1.0
        # The world's compute stock (peak FLOP/s) and the largest cluster it allows.
        self.compute_stock_flop_per_s = min(
            self.hw.world_compute_flop_per_s_start, self.power_limit_flop_per_s_path[0]
        )
        self.cluster_flop_per_s = hw.cluster_flop_per_s(
            self.cluster_trend_flop_per_s_path[0],
            self.compute_stock_flop_per_s,
            self.hw.max_cluster_share,
        )
        self.stock_this_step_flop_per_s = self.compute_stock_flop_per_s
        self.cluster_this_step_flop_per_s = self.cluster_flop_per_s
        self.compute_constraint = "money"  # what limits the largest run (phases.compute)
        self.compute_delivered_share = 1.0  # of what labs bought, what the stock could supply
        self.serving_flop = 0.0  # this step, peak FLOP
        self.compute_users: list[Lab] = []  # the labs that bought compute this step
        self.compute_used_flop = 0.0  # this step, every use, peak FLOP
        self.segment_buying = np.zeros(len(self.segments.names))  # adopted buying shares
        self.on_sale = None  # the book of products on sale (phases.product_book)
        self.listed: list[TrainedModel] = []  # every product put on sale, in order
        self.potential_spending_usd_per_year = 0.0
        self.spending_usd_per_year = 0.0
        self.consumer_surplus_usd_per_year = 0.0
        self.lerner_revenue_weighted = math.nan
        self.hhi_users = math.nan
        self.open_weights_user_share = math.nan
        self.tasks_within_reach_share = 0.0
        self.events_log: list[dict] = []
        self.recorder = Recorder(self, record_labs)
        self._normals: list[float] = []  # see standard_normal
        # Random entrants draw from a stream of their own (seeded from the model's seed), so a
        # switch that changes how many normal draws the labs make does not change who arrives.
        self.entry_rng = np.random.default_rng([seed, 1])
        entry_start = self.mech.entry.start
        self.entry_start_step = self.step_of(entry_start) if entry_start else 0

        self._pending_entries: dict[int, list[LabParams]] = {}
        for lab in scenario.labs:
            step = self.step_of(lab.enter) if lab.enter else 0
            if step < self.n_steps:
                self._pending_entries.setdefault(max(step, 0), []).append(lab)
        self._events_by_step: dict[int, list] = {}
        for event in scenario.events:
            self._events_by_step.setdefault(self.step_of(event.date), []).append(event)
        entry_exit.admit_scheduled(self, 0)
        prices.set_prices(self)

    # ------------------------------------------------------------------ the step

    def step(self) -> None:
        """One step, as Mesa calls it: Mesa wraps ``step`` to advance its own clock and event
        list, then runs ``advance`` and adds the step to ``datacollector``."""
        k = self.k
        self.advance()
        if self.k > k:
            self.collect()

    def advance(self) -> None:
        """One step of the economy, phase by phase. ``sim.results.simulate`` calls this
        directly: the model schedules no Mesa events, and Mesa's event-list wrapper around
        ``step`` costs about 20 us a step (about 5 ms of a 240-step run)."""
        if self.k >= self.n_steps:
            self.running = False
            return
        books.open_books(self)
        events.apply_scheduled(self)
        entry_exit.admit_scheduled(self)
        entry_exit.admit_random(self)
        prices.set_prices(self)
        decisions.labs_act(self)
        runs.complete_runs(self)
        deployment.release_decisions(self)
        market.clear_market(self)
        compute.clear_compute(self)
        compute.research(self)
        finance.settle(self)
        knowledge.spread(self)
        knowledge.learn(self)
        self.recorder.record(self.k)
        self.k += 1
        if self.k >= self.n_steps:
            self.running = False

    # ---------------------------------------------------------------- calendar

    def step_of(self, year_month: str) -> int:
        """Index of the step in which ``year_month`` falls (may be outside the horizon)."""
        return math.floor((parse_year_month(year_month) - self.t0) / self.dt_years + 1e-9)

    def year_at(self, step: int) -> float:
        return self.t0 + step * self.dt_years

    def steps_for(self, months: float) -> int:
        """Whole steps a span of ``months`` occupies (at least one)."""
        return max(1, math.ceil(months / self.step_months))

    def event_window(self, event) -> tuple[int, int]:
        """First step an event is in force and the first step it no longer is."""
        first = max(self.step_of(event.date), 0)
        until = getattr(event, "until", None)
        if until:
            return first, self.step_of(until)
        duration = getattr(event, "duration_months", None)
        return first, first + self.steps_for(duration) if duration else 10**9

    def date_at(self, step: int) -> str:
        if 0 <= step <= self.n_steps:
            return self.dates[step]
        return format_year_month(self.year_at(step))

    def date_of(self, year: float) -> str:
        step = round((year - self.t0) / self.dt_years)
        if 0 <= step <= self.n_steps and abs(self.year_at(step) - year) < 1e-6:
            return self.dates[step]
        return format_year_month(year)

    def standard_normal(self) -> float:
        """One draw from N(0, 1), from the model's generator.

        Drawn 256 at a time: a scalar draw from numpy costs ~0.6 us, ten times its share of
        a block, and labs draw one every step. A block is the same sequence as scalar draws,
        so only a run that also draws other kinds of numbers (entry, random networks) sees
        its numbers in a different order."""
        buffer = self._normals
        if not buffer:
            buffer = self._normals = self.rng.standard_normal(256).tolist()
            buffer.reverse()  # pop() from the end returns them in the generator's order
        return buffer.pop()

    # ------------------------------------------- what labs may ask of the world

    def hiring_room(self, lab: Lab) -> float:
        """Engineers this lab may hire this step: the unemployed part of the talent pool,
        rationed in proportion to headcount so that no lab wins by acting first."""
        room, employed = self._hiring
        return room * lab.engineers / employed

    def compute_cap_flop(self, step: int | None = None) -> float:
        """The compute cap in force at ``step`` (default: now), FLOP executed; inf if none."""
        step = self.k if step is None else step
        cap = math.inf
        for first, last, flop in self._caps:
            if first <= step < last:
                cap = min(cap, flop)
        return cap

    def max_physical_flop(self, utilization: float, months: float) -> float:
        """Largest physical FLOP a run of ``months`` started now may buy: the largest cluster
        for that long (never longer than max_run_months), no more than the labs' usable share
        of the whole compute stock for that long, and under any compute cap."""
        months = min(months, self.hw.max_run_months)
        limit = math.inf
        if self.mech.parallelism_limit.enabled:
            limit = hw.max_run_flop(self.cluster_flop_per_s, months)
        cs = self.mech.compute_supply
        if cs.enabled:
            stock = hw.max_run_flop(cs.usable_share * self.compute_stock_flop_per_s, months)
            limit = stock if stock < limit else limit
        return min(limit, self.compute_cap_flop() / utilization)

    def funding_multiplier(self, lab: Lab) -> float:
        """Product of the funding shocks in force now that apply to ``lab``."""
        mult = 1.0
        for first, last, labs, multiplier in self._funding_shocks:
            if first <= self.k < last and (not labs or lab.name in labs):
                mult *= multiplier
        return mult

    # ------------------------------------------------- the world's laws, bound

    def extra_irreducible(self, lab: Lab) -> float:
        """Loss the ideas wall adds for ``lab`` (nats; 0 in the scaling regime)."""
        if self.ideas_weight <= 0:
            return 0.0
        w = self.world
        return self.ideas_weight * progress.ideas_wall_loss_nats(
            lab.research_engineer_years,
            w.ideas_wall_loss,
            w.ideas_reference_engineer_years,
            w.ideas_exponent,
        )

    def loss_of(self, horizon_minutes: float) -> float:
        """The loss at which a model has this capability index (for distilled and imitated
        models, whose capability is set directly)."""
        w = self.world
        return capability.loss_for_time_horizon(
            horizon_minutes,
            self.law,
            self.anchor_reducible_loss,
            w.capability_anchor_minutes,
            w.capability_flop_elasticity,
        )

    def capability_of(self, loss: float) -> float:
        """The capability index (METR 50% time horizon, minutes) of a model with ``loss``."""
        w = self.world
        return capability.time_horizon_minutes(
            loss,
            self.law,
            self.anchor_reducible_loss,
            w.capability_anchor_minutes,
            w.capability_flop_elasticity,
        )

    def effective_flop_for(self, horizon_minutes: float) -> float:
        """Effective FLOP a compute-optimal run with no ideas wall needs for this horizon."""
        w = self.world
        return capability.effective_flop_for_time_horizon(
            horizon_minutes,
            w.capability_anchor_effective_flop,
            w.capability_anchor_minutes,
            w.capability_flop_elasticity,
        )

    def serving_cost(self, params: float) -> float:
        """USD per million tokens served by a model of ``params`` parameters, now."""
        return training.serving_cost_per_mtok_usd(
            params, self.flop_per_usd_serving, self.hw.serving_utilization
        )

    # ------------------------------------------------------------------ outputs

    def lineage(self) -> nx.DiGraph:
        """Which model was warm-started, distilled or imitated from which (MODEL.md)."""
        return registry.lineage(self)

    def left_this_step(self) -> list[Lab]:
        """Labs that left during this step, once (the recorder writes their last row)."""
        gone, self._left_this_step = self._left_this_step, []
        return gone
