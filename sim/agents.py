"""Labs: the agents of labsim (MODEL.md, "Agents").

A lab holds its state and makes its own decisions (budget, hiring, runs, what to learn from
results); the world (``sim.model.LabRaceModel``) runs the phases (``sim.phases``) that set
prices, clear the market and keep the books. Every cash movement goes through ``Lab.pay``/``Lab.receive`` (or ``Lab.sell``, which books
both sides of a sale) so the ledger balances.
"""

from __future__ import annotations

import math

import mesa

from sim import frontier, recipes
from sim.economics import funding as fin
from sim.economics import progress, research, scaling
from sim.ledger import Ledger
from sim.params import LabParams
from sim.trained_models import Run, TrainedModel, products_on_sale  # noqa: F401  (re-exported: what labs make)


class Lab(mesa.Agent):
    """A frontier AI lab with beliefs about what drives progress.

    The decision rules run for every lab at every step, so they compare with if-expressions
    where min() and max() would do: those cost ~180 ns a call on Python 3.12, about nine
    times a comparison, and were a tenth of a baseline run."""

    def __init__(self, model, params: LabParams, entry_step: int):
        super().__init__(model)
        self.params = params
        self.name = params.name
        self.archetype = params.archetype
        self.funding = params.funding
        self.openness = params.openness
        self.conviction = params.conviction
        self.active = True
        self.cash_usd = params.cash_usd
        self.engineers = params.engineers
        self.ln_a = math.log(params.algorithmic_efficiency)
        self.utilization = params.utilization
        self.belief = params.belief_compute_elasticity
        self.parent_budget_usd_per_year = params.parent_budget_usd_per_year
        self._parent_growth_per_step = (1.0 + params.parent_budget_growth_per_year) ** (
            model.step_months / 12.0
        )
        self.research_engineer_years = 0.0
        self.completed_runs = 0
        self.run: Run | None = None
        self.frontier: TrainedModel | None = None  # best model it has trained
        # Products: the ladders (a model and its distilled tiers) on sale, newest last, and a
        # ladder held back until the lab decides to release it.
        self.releases = ()
        self.held: list[TrainedModel] | None = None
        self.released_ever = params.release == "on_completion"
        self.budget_usd_per_year = 0.0
        self.enterprise_revenue_usd = 0.0  # this step's revenue from enterprise segments
        self.market_share = 0.0
        self.price_per_mtok_usd = math.nan
        self.last_revenue_usd = 0.0
        self.last_margin_usd = 0.0
        self.last_round_step = -(10**9)
        self.last_improvement_step = entry_step
        self.woke_up = False
        self.start_step()

    def receive(self, account: str, usd: float) -> None:
        setattr(self.ledger, account, getattr(self.ledger, account) + usd)
        self.cash_usd += usd

    def pay(self, account: str, usd: float) -> None:
        setattr(self.ledger, account, getattr(self.ledger, account) + usd)
        self.cash_usd -= usd

    def sell(
        self,
        share: float,
        price_per_mtok_usd: float,
        revenue_usd: float,
        serving_usd: float,
        step_months: float,
    ) -> None:
        """Book a step's sales: revenue in, the hardware cost of serving it out (as ``receive``
        and ``pay`` would: this runs for every lab every step, so it books both at once)."""
        self.market_share = share
        self.price_per_mtok_usd = price_per_mtok_usd
        led = self.ledger
        led.revenue_usd += revenue_usd
        self.cash_usd += revenue_usd
        led.serving_spend_usd += serving_usd
        self.cash_usd -= serving_usd
        self.last_revenue_usd = revenue_usd / step_months
        self.last_margin_usd = (revenue_usd - serving_usd) / step_months

    def start_step(self) -> None:
        """A fresh ledger and compute by use for this step, peak FLOP (every FLOP is used once):
        the run's instalment, experiments and research copies, rationed by the compute market
        when scarce; and the researcher-equivalents its copies add."""
        self.ledger = Ledger()
        self.compute_flop_this_step = 0.0
        self.run_flop_this_step = 0.0
        self.experiment_flop_this_step = 0.0
        self.copies_flop_this_step = 0.0
        self.experiment_spend_usd = 0.0
        self.ai_researchers = 0.0

    @property
    def capability(self) -> float:
        return self.frontier.capability if self.frontier else 0.0

    @property
    def releases(self) -> tuple[list[TrainedModel], ...]:
        """The ladders on sale, oldest first: a tuple, replaced whole (see ``products``)."""
        return self._releases

    @releases.setter
    def releases(self, ladders) -> None:
        self._releases = tuple(ladders)
        # products: every product on sale; deployed: the most capable (None if it sells
        # nothing); best_weights: what rivals can copy. Read every step, changed seldom:
        # kept until releases is replaced.
        self.products, self.deployed, self.best_weights = products_on_sale(self._releases)

    @property
    def deployed_capability(self) -> float:
        best = self.deployed
        return best.capability if best else 0.0

    def releases_now(self, rival_revenue_usd_per_year: float) -> bool:
        """Whether a model it finishes goes on sale: at once (on_completion), or, for a lab
        that holds models back, once a rival's product earns ``release_threat_revenue_ratio``
        of the lab's own yearly budget (then for good: the business is now contested)."""
        if not self.released_ever:
            threat = self.params.release_threat_revenue_ratio * self.budget_usd_per_year
            if self.budget_usd_per_year > 0 and rival_revenue_usd_per_year >= threat:
                self.released_ever = True
        return self.released_ever

    def monthly_budget_usd(self, parent_usd: float) -> float:
        """Spend rule: income plus a share of cash spent down over the lab's horizon.

        Called before this month's parent transfer arrives. Never plans to spend more than
        the cash in hand plus the income it can count on (last month's margin, discounted
        because revenue can fall, and the parent's transfer)."""
        p = self.params
        cash = self.cash_usd if self.cash_usd >= 0.0 else 0.0
        income = parent_usd + self.last_margin_usd
        # Investing ahead of revenue draws on cash, keeping six months of reserve.
        ahead = p.revenue_budget_multiple * self.last_revenue_usd
        if ahead > cash / 6.0:
            ahead = cash / 6.0
        planned = income + ahead + cash / p.spend_horizon_months
        ceiling = parent_usd + 0.8 * self.last_margin_usd + cash
        if planned > ceiling:
            planned = ceiling
        return planned if planned > 0.0 else 0.0

    def act(self) -> None:
        """One step: funding in, budget split by beliefs, hiring, compute, runs, research."""
        m = self.model
        dt_months = m.step_months
        parent_usd = 0.0
        if self.funding == "parent":
            parent_usd = (
                self.parent_budget_usd_per_year * m.funding_multiplier(self) * dt_months / 12.0
            )
            self.parent_budget_usd_per_year *= self._parent_growth_per_step
        budget = self.monthly_budget_usd(parent_usd / dt_months) * dt_months
        self.budget_usd_per_year = budget * 12.0 / dt_months
        if parent_usd:
            self.receive("parent_funding_usd", parent_usd)
        compute_share = progress.compute_budget_share(self.belief, 1.0 - self.belief)
        staff_budget = budget * (1.0 - compute_share)
        staff_spent = self._staff(staff_budget)
        # What the lab could not spend on people (the talent pool ran dry) buys compute. What
        # it spends on people beyond plan (layoffs take time) comes out of cash, never out of
        # compute: a lab with too many engineers shrinks its team, not its runs to nothing.
        unspent = staff_budget - staff_spent if staff_budget > staff_spent else 0.0
        self._compute(budget * compute_share + unspent)

    def _staff(self, staff_budget_usd: float) -> float:
        m = self.model
        salary_per_step = m.salary_usd_per_step
        desired = staff_budget_usd / salary_per_step
        engineers = self.engineers
        if desired > engineers:
            t = m.talent
            hires = t.max_hiring_per_month * engineers
            if t.min_hires_per_month > hires:
                hires = t.min_hires_per_month
            hires *= m.step_months
            room = m.hiring_room(self)
            if room < hires:
                hires = room
            self.engineers = desired if desired < engineers + hires else engineers + hires
        elif self.cash_usd < 12.0 * engineers * salary_per_step / m.step_months:
            # Cash covers under a year of this payroll: lay off down to what the budget pays.
            self.engineers = max(desired, 1.0)
        else:
            # Otherwise firing is slower than hiring: labs keep teams through lean months.
            self.engineers = max(desired, engineers * (1.0 - 0.03 * m.step_months), 1.0)
        spent = self.engineers * salary_per_step
        self.pay("staff_spend_usd", spent)
        return spent

    def _compute(self, compute_budget_usd: float) -> None:
        """Pay the run's instalment; the rest of the compute budget is research compute,
        split between experiments and (with ``ai_research``) copies of its best model."""
        if self.run is None:
            self._plan_run(compute_budget_usd)
        m = self.model
        run = self.run
        committed = run.cost_per_step_usd if run is not None else 0.0
        research = compute_budget_usd - committed if compute_budget_usd > committed else 0.0
        self.pay("compute_spend_usd", committed + research)
        flop_per_usd = m.flop_per_usd_training
        copies = research * self._copies_share(research * flop_per_usd / m.dt_years)
        self.run_flop_this_step = run.flop_per_step if run is not None else 0.0
        self.experiment_spend_usd = research - copies
        self.experiment_flop_this_step = (research - copies) * flop_per_usd
        self.copies_flop_this_step = copies * flop_per_usd
        self.compute_flop_this_step = self.run_flop_this_step + research * flop_per_usd

    def _own_run_capability(self, physical: float, kappa: float, saving: float) -> float:
        """Time horizon (minutes) a run of its own of ``physical`` FLOP would reach, before luck."""
        m = self.model
        eff = recipes.effective_flop(m, self, physical, self.frontier, kappa, saving)
        pm = self.params.params_multiplier
        return m.capability_of(scaling.loss_at_flop(eff, m.law, pm, m.extra_irreducible(self)))

    def _copies_share(self, research_flop_per_year: float) -> float:
        """Share of research compute run as copies: as much as pays (research.copies_flop_share)."""
        m = self.model
        if not m.mech.ai_research.enabled or self.frontier is None:
            return 0.0
        ap = m.mech.algorithmic_progress
        share, per_flop = research.copies_productivity(
            self.frontier, m.mech.ai_research, m.hw.serving_utilization
        )
        lam, mu = ap.engineer_exponent, ap.experiment_exponent
        return research.copies_flop_share(
            research_flop_per_year, self.engineers, per_flop, lam, mu, share
        )

    def _plan_run(self, compute_budget_usd: float) -> None:
        """Start a run: imitate a rival where that beats training, else train (grown or scratch).

        A run's compute is committed for its whole length and paid in equal instalments."""
        m = self.model
        p = self.params
        months = min(p.run_months, m.hw.max_run_months)
        per_month = p.final_run_compute_share * compute_budget_usd / m.step_months
        parent_income = self.parent_budget_usd_per_year / 12.0 * m.funding_multiplier(self)
        expected_income = (self.last_margin_usd + parent_income) * months
        affordable = p.max_run_cash_share * max(self.cash_usd + expected_income, 0.0)

        dd = m.mech.deployment_distillation
        # The ladder's distillations are part of the run's bill, paid with its instalments.
        ladder = 1.0 + (dd.compute_fraction * dd.tiers if dd.enabled else 0.0)
        total = min(per_month * months, affordable) / ladder
        wanted = total * m.flop_per_usd_training
        ceiling = m.max_physical_flop(self.utilization, months)
        physical = wanted if wanted < ceiling else ceiling
        parent = self.frontier
        ws, rd = m.mech.warm_start, m.mech.reverse_distillation
        kappa = ws.kappa if (ws.enabled and parent is not None) else 0.0
        saving = rd.saving_fraction if (rd.enabled and parent is not None) else 0.0

        target = frontier.best_imitation_target(m, self) if p.imitates else None
        if target is not None:
            model, cap, cost = target
            im_months = m.mech.imitation.months
            im_physical = cost * m.flop_per_usd_training
            # A follower distils a rival when the copy beats what it sells now and what a run
            # of its own would reach on its budget (before luck): cheaper, and no worse. The
            # copy's ladder is distilled as a trained model's is, within the bill.
            if (
                cap > self.deployed_capability
                and cost * ladder <= affordable
                and im_physical <= m.max_physical_flop(self.utilization, im_months)
                and (physical <= 0 or cap > self._own_run_capability(physical, kappa, saving))
            ):
                self.run = Run(
                    kind="imitation",
                    started_step=m.k,
                    end_step=m.k + m.steps_for(im_months),
                    total_cost_usd=cost * ladder,
                    physical_flop=im_physical,
                    target=model,
                    utilization=self.utilization,
                    ladder_factor=ladder,
                )
                return
        if physical <= 0:
            return
        self.run = Run(
            kind="train",
            started_step=m.k,
            end_step=m.k + m.steps_for(months),
            total_cost_usd=physical / m.flop_per_usd_training * ladder,
            physical_flop=physical,
            parent=parent,
            warm_start_kappa=kappa,
            reverse_saving=saving,
            utilization=self.utilization,
            ladder_factor=ladder,
            cluster_bound=wanted > ceiling,
        )

    def do_research(self, delivered_share: float, frontier_ln_a: float) -> None:
        """Algorithmic efficiency, utilization and the research stock grow with the research
        effort (engineers and copies) and the experiment compute delivered this step
        (``delivered_share``: what the compute market could supply of what was bought)."""
        m = self.model
        dt = m.dt_years
        engineers = self.engineers
        effort = engineers
        if self.copies_flop_this_step > 0.0:
            self.copies_flop_this_step *= delivered_share
            share, per_flop = research.copies_productivity(
                self.frontier, m.mech.ai_research, m.hw.serving_utilization
            )
            self.ai_researchers = per_flop * self.copies_flop_this_step / dt
            effort = research.research_effort(engineers, self.ai_researchers, share)
            self.ai_researchers = effort - engineers
        self.experiment_flop_this_step *= delivered_share
        ap = m.mech.algorithmic_progress
        if ap.enabled:
            g = research.algorithmic_growth_per_year(
                effort,
                self.experiment_flop_this_step / dt,
                ap.growth_per_year,
                ap.reference_engineers,
                ap.reference_experiment_flop_per_year,
                ap.engineer_exponent,
                ap.experiment_exponent,
                math.exp(frontier_ln_a),
                ap.difficulty_exponent,
            )
            noise = m.research_noise_per_step * m.standard_normal()
            self.ln_a += g * dt + noise
        ut = m.mech.utilization
        if ut.enabled and self.utilization < ut.ceiling:
            factor = (engineers / ap.reference_engineers) ** ap.engineer_exponent
            self.utilization = progress.utilization_after(
                self.utilization, ut.ceiling, ut.rate_per_year, factor, dt
            )
        self.research_engineer_years += effort * dt

    def learn_from(self, observed_elasticity: float) -> None:
        if self.model.mech.belief_learning.enabled:
            belief = progress.updated_belief(self.belief, observed_elasticity, self.conviction)
            self.belief = 0.01 if belief < 0.01 else 0.99 if belief > 0.99 else belief

    def raise_if_needed(self, monthly_spending_usd: float) -> None:
        """Investor-funded labs raise a round when cash covers fewer than
        runway_trigger_months of gross spending, unless their progress has stalled."""
        m = self.model
        f = m.funding_params
        if self.funding != "investors" or not m.mech.investor_funding.enabled:
            return
        if fin.runway_months(self.cash_usd, monthly_spending_usd) >= f.runway_trigger_months:
            return
        if m.k - self.last_round_step < f.min_months_between_rounds / m.step_months:
            return
        if (m.k - self.last_improvement_step) * m.step_months > f.stall_months:
            return  # a stalled bet loses its funding
        rival = frontier.best_rival_capability(m, self)
        best = self.capability if self.capability > rival else rival
        lead = (self.capability - rival) / self.capability if self.capability > 0 else 0.0
        valuation = fin.valuation_usd(
            12.0 * self.last_revenue_usd,  # last_revenue_usd is per month
            # The market its capability can win: customers weigh capability ratios with the
            # logit's weight, so a lab far behind the frontier can expect little of it.
            m.potential_spending_usd_per_year
            * ((self.capability / best) ** m.market.capability_preference if best > 0 else 0.0),
            lead,
            f.valuation_revenue_multiple,
            f.valuation_market_multiple,
            f.valuation_lead_bonus,
        )
        # Money it can use: its spending over max_cash_runway_months and the largest run the
        # largest cluster allows (compute bought at today's price).
        largest_run_usd = (
            m.max_physical_flop(self.utilization, m.hw.max_run_months) / m.flop_per_usd_training
        )
        usable = f.max_cash_runway_months * monthly_spending_usd + (
            largest_run_usd if largest_run_usd < math.inf else 0.0
        )
        offered = fin.round_size_usd(valuation, f.round_dilution, self.cash_usd, usable)
        raised = offered * m.funding_multiplier(self)
        if raised > 0:
            self.receive("raised_usd", raised)
            self.last_round_step = m.k
