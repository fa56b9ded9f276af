"""The world: hardware, talent and markets around the labs (MODEL.md, "The world").

``LabRaceModel`` composes the pure functions in ``sim.economics`` with the ``Lab`` agents.
One step is ``step_months`` months. Randomness comes only from the model's seeded
generator (``self.rng``).
"""

from __future__ import annotations

import bisect
import math

import mesa
import networkx as nx
import numpy as np

from sim.agents import Lab, Run, TrainedModel
from sim.economics import concentration as conc
from sim.economics import hardware as hw
from sim.economics import market as mkt
from sim.economics import progress, scaling, training
from sim.params import LabParams, Scenario, format_year_month, parse_year_month
from sim.recorder import Recorder

# What _precompute_schedules sets: exogenous, a function of the scenario alone.
_SCHEDULE_ATTRIBUTES = (
    "years",
    "dates",
    "flop_per_usd_training_path",
    "flop_per_usd_serving_path",
    "accelerator_flop_per_usd_path",
    "cluster_flop_per_s_path",
    "world_compute_flop_per_s_path",
    "world_deliverable_run_flop_path",
    "talent_pool_path",
    "base_salary_path",
    "_caps",
    "_funding_shocks",
)
# id(scenario) -> (scenario, its schedules); the scenario is kept so that its id stays its own.
_schedule_cache: dict[int, tuple[Scenario, dict]] = {}


class LabRaceModel(mesa.Model):
    """Frontier labs racing for customers while hardware gets cheaper."""

    def __init__(self, scenario: Scenario, seed: int | None = None, record_labs: bool = True):
        """``record_labs=False`` skips the per-lab rows (labs.csv): a sweep reads only the
        time series, and the lab rows are a tenth of a run's time."""
        seed = scenario.seed if seed is None else seed
        super().__init__(rng=seed)
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
        self.r_mid = scaling.midpoint_reducible_loss(
            self.world.capability_midpoint_effective_flop, self.law
        )
        self.ideas_weight = {"scaling": 0.0, "ideas": 1.0, "mixed": self.world.ideas_weight}[
            self.world.progress_regime
        ]

        self._load_schedules()
        self.network = nx.Graph()
        self._adjacency: np.ndarray | None = None
        self.k = 0  # current step, 0-based (mesa's own counter is left alone)
        self.models: list[TrainedModel] = []
        self._public_queue: list[tuple[int, float]] = []  # (step it becomes public, C_eff)
        self._public_next = 0
        self._shown_best = 0.0
        # step due -> [(lab whose result it is, a_observed)], learned by every other lab
        self.pending_lessons: dict[int, list[tuple[Lab, float]]] = {}
        self.frontier_history: list[float] = []  # best capability known, per step
        self.largest_physical_flop = 0.0
        self.largest_training_flop = 0.0
        self.largest_run_cost_usd = 0.0
        self.compute_price_multiplier = 1.0
        self.entrants = 0
        self.events_log: list[dict] = []
        self.labs_by_name: dict[str, Lab] = {}
        self._left_this_step: list[Lab] = []
        self._rankings: dict[str, list] = {}
        self.active: list[Lab] = []
        self.recorder = Recorder(self, record_labs)
        self._normals: list[float] = []  # see standard_normal

        self._pending_entries: dict[int, list[LabParams]] = {}
        for lab in scenario.labs:
            step = self.step_of(lab.enter) if lab.enter else 0
            if step < self.n_steps:
                self._pending_entries.setdefault(max(step, 0), []).append(lab)
        self._events_by_step: dict[int, list] = {}
        for event in scenario.events:
            self._events_by_step.setdefault(self.step_of(event.date), []).append(event)
        self._enter_scheduled(0)
        self._update_prices()

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

    # ------------------------------------------------------------- schedules

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

    def _load_schedules(self) -> None:
        """Exogenous paths depend on the scenario alone: models of one Scenario object (the
        seeds of a scenario, the replications of a sweep point) share them, read-only."""
        hit = _schedule_cache.get(id(self.spec))
        if hit is not None and hit[0] is self.spec:
            self.__dict__.update(hit[1])
            return
        self._precompute_schedules()
        if len(_schedule_cache) >= 8:
            del _schedule_cache[next(iter(_schedule_cache))]
        _schedule_cache[id(self.spec)] = (
            self.spec,
            {name: getattr(self, name) for name in _SCHEDULE_ATTRIBUTES},
        )

    def _precompute_schedules(self) -> None:
        """Price-performance, cluster and world-stock paths are exogenous: compute them once.
        Tuples, not numpy arrays: indexing them per step is several times cheaper."""
        self.years = tuple(round(self.year_at(k), 6) for k in range(self.n_steps + 1))
        # Steps are whole months: count them (format_year_month(year) for 240 steps costs
        # a tenth of a millisecond per run).
        first_month = round(self.t0 * 12)
        self.dates = tuple(
            f"{m // 12:04d}-{m % 12 + 1:02d}"
            for m in range(
                first_month, first_month + self.step_months * self.n_steps + 1, self.step_months
            )
        )
        h = self.hw
        segments = {
            "accelerator": [(self.t0, h.doubling_time_years)],
            "memory": [(self.t0, h.memory_doubling_time_years)],
            "cpu": [(self.t0, h.cpu_doubling_time_years)],
        }
        for regime in h.regimes:
            start = parse_year_month(regime.start)
            segments["accelerator"].append((start, regime.doubling_time_years))
            if regime.memory_doubling_time_years:
                segments["memory"].append((start, regime.memory_doubling_time_years))
            if regime.cpu_doubling_time_years:
                segments["cpu"].append((start, regime.cpu_doubling_time_years))
        shocks = np.ones(self.n_steps + 1)
        for event in self.spec.events:
            if event.type == "hardware_shock":
                first, last = self.event_window(event)
                shocks[first:last] *= event.multiplier
        train = h.training_cost_shares.model_dump()
        serve = h.serving_cost_shares.model_dump()
        years = self.t0 + self.dt_years * np.arange(self.n_steps + 1)
        self.flop_per_usd_training_path = hw.workload_flop_per_usd(
            h.flop_per_usd_start, years, segments, train, shocks
        )
        self.flop_per_usd_serving_path = hw.workload_flop_per_usd(
            h.flop_per_usd_start, years, segments, serve, shocks
        )
        self.accelerator_flop_per_usd_path = (
            h.flop_per_usd_start
            * shocks
            * 2.0 ** hw.log2_improvement(years, segments["accelerator"])
        )
        elapsed = years - self.t0
        self.cluster_flop_per_s_path = hw.largest_cluster_flop_per_s(
            h.largest_cluster_flop_per_s_start, h.largest_cluster_growth_per_year, elapsed
        )
        self.world_compute_flop_per_s_path = hw.world_compute_flop_per_s(
            h.world_compute_flop_per_s_start, h.world_compute_growth_per_year, elapsed
        )
        for name in (
            "flop_per_usd_training_path",
            "flop_per_usd_serving_path",
            "accelerator_flop_per_usd_path",
            "cluster_flop_per_s_path",
            "world_compute_flop_per_s_path",
        ):
            setattr(self, name, tuple(np.asarray(getattr(self, name), dtype=float).tolist()))
        # The largest run the world's compute stock could deliver at each step.
        self.world_deliverable_run_flop_path = tuple(
            hw.max_run_flop(flop_per_s, h.max_run_months)
            for flop_per_s in self.world_compute_flop_per_s_path
        )
        # Talent pool and salaries before demand pressure.
        t = self.talent
        elapsed_years = [self.year_at(k) - self.t0 for k in range(self.n_steps + 1)]
        self.talent_pool_path = tuple(
            t.pool_engineers * (1.0 + t.pool_growth_per_year) ** y for y in elapsed_years
        )
        self.base_salary_path = tuple(
            t.salary_usd_per_year * (1.0 + t.salary_growth_per_year) ** y for y in elapsed_years
        )
        self._caps = tuple(
            (*self.event_window(e), e.max_training_flop)
            for e in self.spec.events
            if e.type == "compute_cap"
        )
        self._funding_shocks = tuple(
            (*self.event_window(e), e.labs, e.multiplier)
            for e in self.spec.events
            if e.type == "funding_shock"
        )

    def _update_prices(self) -> None:
        k = min(self.k, self.n_steps)
        self.flop_per_usd_training = (
            self.flop_per_usd_training_path[k] / self.compute_price_multiplier
        )
        self.flop_per_usd_serving = (
            self.flop_per_usd_serving_path[k] / self.compute_price_multiplier
        )
        self.talent_pool = self.talent_pool_path[k]
        base = self.base_salary_path[k]
        employed = sum([lab.engineers for lab in self.active])
        if self.mech.salary_dynamics.enabled and self.active:
            t = self.talent
            pressure = 2.0 * employed / self.talent_pool
            if pressure > 1.0:  # salaries rise once labs employ over half the pool
                base *= pressure**t.salary_demand_elasticity
        self.salary_usd_per_year = base
        self.salary_usd_per_step = base * self.step_months / 12.0
        # Hiring this step draws on the pool left unemployed before anyone hires.
        unemployed = self.talent_pool - employed
        self._hiring = (
            unemployed if unemployed > 0.0 else 0.0,
            employed if employed > 1e-9 else 1e-9,
        )

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
        for that long (never longer than max_run_months), and under any compute cap."""
        limit = math.inf
        if self.mech.parallelism_limit.enabled:
            limit = hw.max_run_flop(
                self.cluster_flop_per_s_path[self.k], min(months, self.hw.max_run_months)
            )
        return min(limit, self.compute_cap_flop() / utilization)

    def funding_multiplier(self, lab: Lab) -> float:
        """Product of the funding shocks in force now that apply to ``lab``."""
        mult = 1.0
        for first, last, labs, multiplier in self._funding_shocks:
            if first <= self.k < last and (not labs or lab.name in labs):
                mult *= multiplier
        return mult

    # ------------------------------------------------------------ capability

    def extra_irreducible(self, lab: Lab) -> float:
        if self.ideas_weight <= 0:
            return 0.0
        w = self.world
        return self.ideas_weight * progress.ideas_wall_loss_nats(
            lab.research_engineer_years,
            w.ideas_wall_loss,
            w.ideas_reference_engineer_years,
            w.ideas_exponent,
        )

    def shown_effective_flop(self) -> float:
        """Effective compute behind the best capability anyone has shown (public results).

        Models become public ``public_results_lag_months`` after completion; they are queued
        in completion order, so a pointer walks the queue once over the whole run."""
        queue = self._public_queue
        while self._public_next < len(queue) and queue[self._public_next][0] <= self.k:
            if queue[self._public_next][1] > self._shown_best:
                self._shown_best = queue[self._public_next][1]
            self._public_next += 1
        return self._shown_best

    def _learning_multiplier(self, lab: Lab) -> float:
        lc = self.mech.learning_curve
        return (
            training.experience_multiplier(lab.completed_runs, lc.progress_ratio)
            if lc.enabled
            else 1.0
        )

    def _effective_flop(
        self,
        lab: Lab,
        physical: float,
        parent,
        kappa: float,
        saving: float,
        utilization: float | None = None,
    ) -> float:
        raw = training.effective_flop(
            physical,
            math.exp(lab.ln_a),
            lab.utilization if utilization is None else utilization,
            self._learning_multiplier(lab),
            0.0,
            0.0,
            saving,
        )
        lc = self.mech.learning_curve
        if lc.enabled:
            raw = training.reproduction_adjusted_flop(
                raw, self.shown_effective_flop(), lc.reproduction_cost_fraction
            )
        return raw + (kappa * parent.effective_flop if parent is not None else 0.0)

    def loss_of(self, capability: float) -> float:
        """The loss at which a model scores ``capability`` (for distilled and imitated models,
        whose capability is set directly)."""
        return scaling.loss_for_capability(
            capability, self.law, self.r_mid, self.world.capability_steepness
        )

    def capability_of(self, loss: float) -> float:
        return scaling.capability_score(loss, self.law, self.r_mid, self.world.capability_steepness)

    def _top_two(self, key) -> list[tuple[float, Lab]]:
        """The two active labs with the largest ``key(lab)`` (ties to the older lab)."""
        scored = [(key(lab), lab) for lab in self.active]
        scored = [x for x in scored if x[0] is not None]
        scored.sort(key=lambda x: (-x[0], x[1].unique_id))
        return scored[:2]

    def _cached_top_two(self, name: str, key) -> list[tuple[float, Lab]]:
        # Rankings change only when a model completes or a lab enters, leaves or merges
        # (all of which call _rankings_changed); with hundreds of labs, recomputing them for
        # every lab would make a step quadratic in the number of labs.
        cached = self._rankings.get(name)
        if cached is None:
            cached = self._rankings[name] = self._top_two(key)
        return cached

    def _rankings_changed(self) -> None:
        self._rankings = {}

    def best_rival_capability(self, lab: Lab) -> float:
        top = self._cached_top_two("capability", lambda o: o.capability)
        for cap, other in top:
            if other is not lab:
                return cap
        return 0.0

    def reachable_share(self, model: TrainedModel) -> float | None:
        """Share of ``model``'s capability another lab can reach by building on it: open
        weights whenever spillovers run (the weights are public), a closed product by
        distillation only where imitation is allowed; None if it is out of reach."""
        if model.open_weights and self.mech.spillovers.enabled:
            return self.mech.spillovers.open_weights_lift
        if self.mech.imitation.enabled:
            return 1.0 - self.mech.imitation.capability_penalty
        return None

    def _reachable_capability(self, other: Lab) -> float | None:
        """Capability another lab could reach from ``other``'s product, or None."""
        model = other.deployed
        share = self.reachable_share(model) if model is not None else None
        return None if share is None else model.capability * share

    def best_imitation_target(self, lab: Lab) -> tuple[TrainedModel, float, float] | None:
        """The most capable rival model this lab could reach: (model, capability, cost).

        Closed rivals' deployed models are reachable by distillation through their products
        only where the scenario allows imitation; open-weights models are reachable whenever
        spillovers run (their weights are public)."""
        top = self._cached_top_two("reachable", self._reachable_capability)
        for cap, other in top:
            if other is not lab:
                teacher = other.frontier or other.deployed
                cost = (
                    self.mech.imitation.compute_fraction
                    * teacher.physical_flop
                    / self.flop_per_usd_training
                )
                return other.deployed, cap, cost
        return None

    # ----------------------------------------------------------------- steps

    def step(self) -> None:
        """One step, as Mesa calls it: Mesa wraps ``step`` to advance its own clock and event
        list, then runs ``advance``."""
        self.advance()

    def advance(self) -> None:
        """One step of the economy. ``sim.results.simulate`` calls this directly: the model
        schedules no Mesa events, and Mesa's event-list wrapper around ``step`` costs about
        20 us a step (about 5 ms of a 240-step run)."""
        k = self.k
        if k >= self.n_steps:
            self.running = False
            return
        self._rankings_changed()
        for lab in self.active:
            lab.start_step()
        # Most steps have no event, entry or lesson: checked here, they cost no call.
        if k in self._events_by_step:
            self._apply_events()
        if k > 0 and k in self._pending_entries:
            self._enter_scheduled(k)
        if self.mech.entry.enabled:
            self._random_entry()
        self._update_prices()
        for lab in list(self.active):
            lab.act()
        self._complete_runs()
        self._clear_market()
        self._finance()
        self._spillovers()
        if k in self.pending_lessons:
            self._learn()
        self._update_supply()
        self.recorder.record(k)
        self.k = k + 1
        if self.k >= self.n_steps:
            self.running = False

    # ---------------------------------------------------------------- runs

    def _complete_runs(self) -> None:
        ends = self.k + 1
        for lab in self.active:
            run = lab.run
            if run is None or run.end_step > ends:
                continue
            lab.run = None
            now = self.year_at(ends)
            if run.kind == "imitation":
                self._finish_imitation(lab, run, now)
            else:
                self._finish_training(lab, run, now)

    def _new_model_id(self, lab: Lab) -> str:
        return f"{lab.name}-{len(self.models) + 1}"

    def _finish_training(self, lab: Lab, run: Run, now: float) -> None:
        started = self.year_at(run.started_step)
        eff = self._effective_flop(
            lab,
            run.physical_flop,
            run.parent,
            run.warm_start_kappa,
            run.reverse_saving,
            run.utilization,
        )
        noise = self.world.run_outcome_noise_sigma
        if noise > 0:
            eff *= math.exp(noise * self.standard_normal() - 0.5 * noise * noise)
        extra = self.extra_irreducible(lab)
        pm = lab.params.params_multiplier
        loss = scaling.loss_at_flop(eff, self.law, pm, extra)
        cap = self.capability_of(loss)
        flop = training.training_flop(run.physical_flop, run.utilization)
        params, tokens = scaling.split_params_tokens(flop, self.law, pm)
        parent = run.parent
        method = "warm_start" if run.warm_start_kappa > 0 and parent is not None else "scratch"
        recipe = math.exp(lab.ln_a) * run.utilization * self._learning_multiplier(lab)
        observed = None
        previous = lab.frontier
        if previous is not None and previous.method != "imitation":
            # Split the gain over the lab's previous model into what more compute alone and
            # what better ideas alone (algorithms, utilization, research) would have bought.
            before = scaling.loss_at_flop(
                previous.physical_flop * previous.recipe_efficiency,
                self.law,
                pm,
                previous.ideas_wall,
            )
            compute_only = scaling.loss_at_flop(
                run.physical_flop * previous.recipe_efficiency, self.law, pm, previous.ideas_wall
            )
            ideas_only = scaling.loss_at_flop(previous.physical_flop * recipe, self.law, pm, extra)
            observed = progress.observed_compute_elasticity(before, compute_only, ideas_only)
        model = TrainedModel(
            model_id=self._new_model_id(lab),
            lab=lab.name,
            started=started,
            completed=now,
            params=params,
            tokens=tokens,
            physical_flop=run.physical_flop,
            training_flop=flop,
            effective_flop=eff,
            cost_usd=run.total_cost_usd,
            method=method,
            parent=parent.model_id if (parent is not None and method == "warm_start") else None,
            loss=loss,
            capability=cap,
            run_months=(run.end_step - run.started_step) * self.step_months,
            observed_compute_elasticity=observed,
            open_weights=lab.openness >= 1.0,
            recipe_efficiency=recipe,
            ideas_wall=extra,
        )
        model.serving_cost_per_mtok_usd = self.serving_cost(params)
        self._register(lab, model)
        lab.completed_runs += 1
        ut = self.mech.utilization
        if ut.enabled and lab.utilization < ut.ceiling:
            # Each finished run teaches the team something about its own stack.
            lab.utilization += (ut.ceiling - lab.utilization) * ut.experience_boost
        if lab.frontier is None or cap >= lab.frontier.capability:
            lab.frontier = model
            lab.last_improvement_step = self.k
            self._deploy(lab, model)
        if observed is not None:
            # The lab learns from its own result at once; rivals when it becomes public.
            lab.learn_from(observed)
            due = self.k + max(self.public_lag_steps, 1)
            self.pending_lessons.setdefault(due, []).append((lab, observed))

    def _deploy(self, lab: Lab, teacher: TrainedModel) -> None:
        """Put a product on the market: a distilled student, or the model itself."""
        dd = self.mech.deployment_distillation
        if not dd.enabled or teacher.method == "imitation":
            lab.deployed = teacher
            return
        # A distillation is a training run too: a compute cap in force bounds it.
        share = dd.compute_fraction
        if teacher.training_flop > 0:
            # The student starts when the teacher completes: the next step's cap applies.
            share = min(share, self.compute_cap_flop(self.k + 1) / teacher.training_flop)
        cost = share * teacher.cost_usd
        lab.pay("other_spend_usd", cost)
        params = teacher.params / dd.size_ratio
        capability = teacher.capability * (1.0 - dd.capability_penalty)
        student = TrainedModel(
            model_id=self._new_model_id(lab),
            lab=lab.name,
            started=teacher.completed,
            completed=teacher.completed,
            params=params,
            tokens=teacher.tokens,
            physical_flop=share * teacher.physical_flop,
            training_flop=share * teacher.training_flop,
            effective_flop=teacher.effective_flop,
            cost_usd=cost,
            method="distilled",
            parent=teacher.model_id,
            loss=self.loss_of(capability),
            capability=capability,
            serving_cost_per_mtok_usd=self.serving_cost(params),
            open_weights=teacher.open_weights,
        )
        self._register(lab, student)
        lab.deployed = student

    def _finish_imitation(self, lab: Lab, run: Run, now: float) -> None:
        target = run.target
        im = self.mech.imitation
        cap = target.capability * (self.reachable_share(target) or 0.0)
        if cap <= lab.deployed_capability:
            return  # the rival moved on or we overtook it: nothing to ship
        model = TrainedModel(
            model_id=self._new_model_id(lab),
            lab=lab.name,
            started=self.year_at(run.started_step),
            completed=now,
            params=target.params,
            tokens=target.tokens * im.compute_fraction,
            physical_flop=run.physical_flop,
            training_flop=training.training_flop(run.physical_flop, run.utilization),
            # What a compute-optimal run would need for this capability: what a later warm
            # start from the copy can honestly build on.
            effective_flop=scaling.effective_flop_for_capability(
                cap, self.law, self.r_mid, self.world.capability_steepness
            ),
            cost_usd=run.total_cost_usd,
            method="imitation",
            parent=target.model_id,
            loss=self.loss_of(cap),
            capability=cap,
            serving_cost_per_mtok_usd=self.serving_cost(target.params),
            run_months=im.months,
            open_weights=lab.openness >= 1.0,
        )
        model.ideas_wall = self.extra_irreducible(lab)
        model.recipe_efficiency = math.exp(lab.ln_a) * lab.utilization
        self._register(lab, model)
        lab.completed_runs += 1
        if lab.frontier is None or cap > lab.frontier.capability:
            lab.frontier = model
            lab.last_improvement_step = self.k
        lab.deployed = model

    def _register(self, lab: Lab, model: TrainedModel) -> None:
        self._rankings_changed()
        self.models.append(model)
        self._public_queue.append((self.k + 1 + self.public_lag_steps, model.effective_flop))
        if model.method != "distilled":
            # if-statements, not max(): this runs for every model (see Lab's docstring)
            if model.training_flop > self.largest_training_flop:
                self.largest_training_flop = model.training_flop
            if model.physical_flop > self.largest_physical_flop:
                self.largest_physical_flop = model.physical_flop
            if model.cost_usd > self.largest_run_cost_usd:
                self.largest_run_cost_usd = model.cost_usd

    def serving_cost(self, params: float) -> float:
        return training.serving_cost_per_mtok_usd(
            params, self.flop_per_usd_serving, self.hw.serving_utilization
        )

    # -------------------------------------------------------------- market

    def _clear_market(self) -> None:
        labs = self.active
        self.potential_spending_usd_per_year = 0.0
        if not labs:
            return
        m = self.market
        sensitivity, max_lerner = m.price_sensitivity, m.max_lerner
        cap, prev, lerner, price = [], [], [], []
        best_cap = 0.0
        for lab in labs:
            deployed, share = lab.deployed, lab.market_share
            # Open weights price at serving cost.
            ler = 0.0 if lab.openness >= 1.0 else mkt.lerner_index(share, sensitivity, max_lerner)
            prev.append(share)
            lerner.append(ler)
            if deployed is None:
                cap.append(0.0)
                price.append(math.inf)
            else:
                c = deployed.capability
                cap.append(c)
                if c > best_cap:
                    best_cap = c
                price.append(mkt.price_from_cost(self.serving_cost(deployed.params), ler))
        target = mkt.logit_shares(
            cap, price, m.capability_preference, m.price_sensitivity, prev, m.network_effect
        )
        shares = mkt.inertial_shares(prev, target, m.inertia) if sum(prev) > 0 else target
        w = mkt.potential_spending_usd_per_year(
            m.spending_start_usd_per_year,
            m.spending_growth_per_year,
            self.year_at(self.k) - self.t0,
            best_cap,
            m.reference_capability,
            m.capability_exponent,
            m.max_spending_usd_per_year,
        )
        self.potential_spending_usd_per_year = w
        spend = w * self.dt_years
        months = self.step_months
        for lab, share, ler, p, c in zip(labs, shares, lerner, price, cap, strict=True):
            # Customers of open weights pay whoever hosts them, at serving cost: the outside
            # option of MODEL.md. The lab that released the weights earns nothing from them.
            revenue = 0.0 if lab.openness >= 1.0 else share * spend
            lab.sell(share, p if c > 0 else math.nan, revenue, revenue * (1.0 - ler), months)

    # ------------------------------------------------------------- finance

    def _finance(self) -> None:
        for lab in list(self.active):
            if lab.funding == "investors":
                led = lab.ledger
                # Runway is measured against gross spending: a lab that spends down its cash
                # over its horizon never sees its net runway shrink, but its investors do.
                spending = (
                    led.compute_spend_usd
                    + led.staff_spend_usd
                    + led.serving_spend_usd
                    + led.other_spend_usd
                ) / self.step_months
                lab.raise_if_needed(spending)
            elif lab.params.wake_up_lead_threshold is not None:
                self._check_wake_up(lab)
        if self.mech.exit.enabled:
            floor = self.mech.exit.min_viable_engineers
            for lab in list(self.active):
                if lab.cash_usd < 0 or lab.engineers < floor:
                    self._fail(lab)

    def _check_wake_up(self, lab: Lab) -> None:
        thr = lab.params.wake_up_lead_threshold
        if thr is None or lab.woke_up or lab.funding != "parent":
            return
        rival = self.best_rival_capability(lab)
        # Only a lab with a model of its own can see that it is behind.
        if 0 < lab.capability < rival and (rival - lab.capability) / rival >= thr:
            lab.woke_up = True
            lab.parent_budget_usd_per_year *= lab.params.wake_up_multiplier
            self.events_log.append(
                dict(step=self.k, type="wake_up", lab=lab.name, detail="rival lead")
            )

    def _fail(self, lab: Lab) -> None:
        acq = self.mech.acquisition
        if acq.enabled:
            buyers = [o for o in self.active if o is not lab and o.cash_usd + lab.cash_usd > 0]
            buyers.sort(key=lambda o: (-o.cash_usd, o.unique_id))
            # The test is on revenue shares, like the reported HHI.
            revenue = {o.name: o.last_revenue_usd for o in self.active}
            total = sum(revenue.values()) or 1.0
            before = conc.hhi([r / total for r in revenue.values()])
            for buyer in buyers:
                shares = {name: r / total for name, r in revenue.items()}
                shares[buyer.name] += shares.pop(lab.name)
                after = conc.hhi(shares.values())
                # Antitrust blocks a deal that would lift HHI above the line; buying a lab
                # with no customers lifts nothing.
                if after <= acq.antitrust_max_hhi or after <= before + 1e-9:
                    self.merge(buyer, lab, kind="acquisition")
                    return
        self._exit(lab, "bankrupt")

    def _leave(self, lab: Lab, kind: str, detail: str) -> None:
        """Take ``lab`` off the market (exit or absorbed); its last row is still recorded."""
        self._rankings_changed()
        lab.active = False
        lab.run = None
        lab.market_share = 0.0
        self.active.remove(lab)
        self._left_this_step.append(lab)
        self._adjacency = None
        self.events_log.append(dict(step=self.k, type=kind, lab=lab.name, detail=detail))

    def _exit(self, lab: Lab, reason: str) -> None:
        self._leave(lab, "exit", reason)
        total = sum(o.market_share for o in self.active)
        if total > 0:
            for o in self.active:
                o.market_share /= total

    def merge(
        self, survivor: Lab, absorbed: Lab, kind: str = "merger", new_name: str | None = None
    ) -> None:
        """``survivor`` takes ``absorbed``'s cash, engineers, models, customers and know-how."""
        self._rankings_changed()
        cash = absorbed.cash_usd
        absorbed.pay("transfer_out_usd", cash)
        survivor.receive("transfer_in_usd", cash)
        survivor.engineers += absorbed.engineers
        absorbed.engineers = 0.0
        survivor.ln_a = max(survivor.ln_a, absorbed.ln_a)
        survivor.utilization = max(survivor.utilization, absorbed.utilization)
        survivor.research_engineer_years += absorbed.research_engineer_years
        survivor.completed_runs += absorbed.completed_runs
        survivor.parent_budget_usd_per_year += absorbed.parent_budget_usd_per_year
        survivor.market_share += absorbed.market_share
        for attr in ("frontier", "deployed"):
            theirs = getattr(absorbed, attr)
            if theirs is not None and (
                getattr(survivor, attr) is None
                or theirs.capability > getattr(survivor, attr).capability
            ):
                setattr(survivor, attr, theirs)
        if new_name and new_name != survivor.name:
            self.labs_by_name.pop(survivor.name, None)
            survivor.name = new_name
            self.labs_by_name[new_name] = survivor
        self._leave(absorbed, kind, survivor.name)

    # ---------------------------------------------------- entry and events

    def _add_lab(self, params: LabParams) -> Lab:
        self._rankings_changed()
        lab = Lab(self, params, self.k)
        self.labs_by_name[lab.name] = lab
        self.active.append(lab)
        self.network.add_node(lab.unique_id, name=lab.name)
        for other in list(self.network.nodes):
            if other == lab.unique_id:
                continue
            if (
                self.world.network == "complete"
                or self.rng.random() < self.world.network_edge_probability
            ):
                self.network.add_edge(lab.unique_id, other)
        self._adjacency = None
        if self.k > 0:
            self.events_log.append(
                dict(step=self.k, type="entry", lab=lab.name, detail=lab.archetype)
            )
        return lab

    def _enter_scheduled(self, step: int) -> None:
        for params in self._pending_entries.pop(step, []):
            self._add_lab(params)

    def _random_entry(self) -> None:
        en = self.mech.entry
        if not en.enabled or en.rate_per_year <= 0:
            return
        for _ in range(int(self.rng.poisson(en.rate_per_year * self.dt_years))):
            funding = float(
                en.funding_median_usd * math.exp(en.funding_sigma * self.standard_normal())
            )
            names = sorted(en.archetype_weights)
            weights = np.array([en.archetype_weights[n] for n in names], dtype=float)
            archetype = names[int(self.rng.choice(len(names), p=weights / weights.sum()))]
            self.entrants += 1
            if self._entry_affordable(funding):
                self._add_lab(
                    LabParams(
                        name=f"entrant-{self.entrants}",
                        archetype=archetype,
                        cash_usd=funding,
                        engineers=max(10.0, 0.15 * funding / self.salary_usd_per_year),
                        algorithmic_efficiency=self.public_algorithmic_efficiency(),
                    )
                )

    def public_algorithmic_efficiency(self) -> float:
        """What a newcomer can use: the best A, discounted by how open its owner is."""
        if not self.active:
            return 1.0
        return math.exp(max(lab.openness * lab.ln_a for lab in self.active))

    def _entry_affordable(self, funding_usd: float) -> bool:
        """Can an entrant afford a first model within max_capability_gap of the frontier?"""
        frontier = max((lab.capability for lab in self.active), default=0.0)
        if frontier <= 0:
            return True
        target = frontier * (1.0 - self.mech.entry.max_capability_gap)
        open_best = max(
            (
                lab.deployed.capability * (self.reachable_share(lab.deployed) or 0.0)
                for lab in self.active
                if lab.deployed and lab.deployed.open_weights and self.mech.spillovers.enabled
            ),
            default=0.0,
        )
        if open_best >= target:
            return True
        eff = scaling.effective_flop_for_capability(
            target, self.law, self.r_mid, self.world.capability_steepness
        )
        lc = self.mech.learning_curve
        discount = lc.reproduction_cost_fraction if lc.enabled else 1.0
        physical = eff * discount / (self.public_algorithmic_efficiency() * 0.3)
        if physical > self.max_physical_flop(0.3, self.hw.max_run_months):
            return False
        return (
            physical / self.flop_per_usd_training
            <= self.mech.entry.first_run_funding_share * funding_usd
        )

    def _apply_events(self) -> None:
        for event in self._events_by_step.pop(self.k, []):
            if event.type == "merger":
                a, b = (self.labs_by_name.get(n) for n in event.labs)
                if a and b and a.active and b.active:
                    self.merge(a, b, kind="merger", new_name=event.into)
            elif event.type == "wake_up":
                lab = self.labs_by_name.get(event.lab)
                if lab and lab.active:
                    lab.parent_budget_usd_per_year *= event.multiplier
                    lab.woke_up = True
                    self.events_log.append(
                        dict(step=self.k, type="wake_up", lab=lab.name, detail="scheduled")
                    )
            else:
                self.events_log.append(dict(step=self.k, type=event.type, lab="", detail=""))

    # -------------------------------------------------- knowledge and beliefs

    def _spillovers(self) -> None:
        sp = self.mech.spillovers
        labs = self.active
        if not sp.enabled or len(labs) < 2:
            return
        if self._adjacency is None:
            n = len(labs)
            if self.world.network == "complete":
                # Everyone is linked: skip networkx's dense conversion, slow for hundreds of labs.
                matrix = np.ones((n, n)) - np.eye(n)
            else:
                matrix = nx.to_numpy_array(self.network, nodelist=[lab.unique_id for lab in labs])
            self._adjacency = matrix if n > 10 else matrix.tolist()  # see spillover_log_gain
        gain = progress.spillover_log_gain(
            [lab.ln_a for lab in labs],
            [lab.openness for lab in labs],
            [lab.engineers for lab in labs],
            self._adjacency,
            sp.rate_per_year,
            sp.absorptive_half_engineers,
            self.dt_years,
        )
        for lab, g in zip(labs, gain, strict=True):
            lab.ln_a += g
        if self.ideas_weight > 0:
            # Rivals' published research adds to a lab's stock of ideas, weighted by openness.
            open_years = sum(lab.openness * lab.engineers for lab in labs) * self.dt_years
            for lab in labs:
                lab.research_engineer_years += sp.research_share * (
                    open_years - lab.openness * lab.engineers * self.dt_years
                )

    def _learn(self) -> None:
        """Rivals' results, now public, move every other lab's belief (vectorised: with
        hundreds of labs there are millions of lab-lessons in a run)."""
        due = self.pending_lessons.pop(self.k, None)
        labs = self.active
        if not due or not labs or not self.mech.belief_learning.enabled:
            return
        if len(labs) <= 16:
            # A few labs: plain loops beat numpy's per-call overhead.
            for source, observed in due:
                for lab in labs:
                    if lab is not source:
                        lab.learn_from(observed)
            return
        belief = np.array([lab.belief for lab in labs])
        weight = 1.0 - np.array([lab.conviction for lab in labs])
        position = {lab.unique_id: i for i, lab in enumerate(labs)}
        for source, observed in due:
            i = position.get(source.unique_id)
            own = belief[i] if i is not None else None
            belief += weight * (observed - belief)
            if i is not None:
                belief[i] = own  # a lab learned from its own result when it completed
        np.clip(belief, 0.01, 0.99, out=belief)
        for lab, b in zip(labs, belief.tolist(), strict=True):
            lab.belief = b

    def _update_supply(self) -> None:
        cs = self.mech.compute_supply
        if not cs.enabled:
            self.compute_price_multiplier = 1.0
            return
        demand = sum(lab.compute_flop_this_step for lab in self.active) / (
            self.step_months * hw.SECONDS_PER_MONTH
        )
        supply = cs.usable_share * self.world_compute_flop_per_s_path[min(self.k, self.n_steps)]
        self.compute_price_multiplier = hw.supply_price_multiplier(
            demand * self.compute_price_multiplier, supply, cs.price_elasticity
        )

    # --------------------------------------------------------------- metrics

    def lead_months(self, leader_cap: float, runner_up_cap: float) -> float:
        """How long ago the frontier first reached the runner-up's capability (months)."""
        hist = self.frontier_history
        if runner_up_cap <= 0 or not hist:
            return math.nan
        i = bisect.bisect_left(hist, runner_up_cap)
        if i >= len(hist):
            return 0.0
        return (len(hist) - 1 - i) * self.step_months

    def date_at(self, step: int) -> str:
        if 0 <= step <= self.n_steps:
            return self.dates[step]
        return format_year_month(self.year_at(step))

    def date_of(self, year: float) -> str:
        step = round((year - self.t0) / self.dt_years)
        if 0 <= step <= self.n_steps and abs(self.year_at(step) - year) < 1e-6:
            return self.dates[step]
        return format_year_month(year)

    def lineage(self) -> nx.DiGraph:
        """Which model was warm-started, distilled or imitated from which (MODEL.md)."""
        graph = nx.DiGraph()
        for m in self.models:
            graph.add_node(
                m.model_id, lab=m.lab, method=m.method, completed=self.date_of(m.completed)
            )
        for m in self.models:
            if m.parent:
                graph.add_edge(m.parent, m.model_id, method=m.method)
        return graph

    def left_this_step(self) -> list[Lab]:
        """Labs that left during this step, once (the recorder writes their last row)."""
        gone, self._left_this_step = self._left_this_step, []
        return gone
