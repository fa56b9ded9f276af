"""Typed, immutable scenario parameters: the one place where every default lives.

Each field documents its unit and, where one exists, the public figure it comes from
(see ``docs/model.md`` and ``../shared/CALIBRATION.md``). Scenario files are validated
against these classes at the edge (``sim.scenario``); everything deeper receives these
frozen objects, never raw dicts.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    field_validator,
    model_validator,
)

# Re-exported: scenario dates are part of the schema's vocabulary.
from sim.dates import _coerce_year_month, format_year_month, parse_year_month  # noqa: F401


class Frozen(BaseModel):
    """Base for all parameter objects: immutable, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


def _not_a_bool(value: Any) -> Any:
    # pydantic's lax mode reads YAML's `true` as 1 (or 1.0): a typo that ran silently.
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {str(value).lower()}")
    return value


YearMonth = Annotated[str, Field(description="a month, YYYY-MM")]
# Every number a scenario holds is finite (.inf and .nan are refused) and never a boolean;
# each field adds the bounds within which the model runs to the end with finite outputs.
Real = Annotated[float, BeforeValidator(_not_a_bool), Field(allow_inf_nan=False)]
Int = Annotated[int, BeforeValidator(_not_a_bool)]
Flag = Annotated[bool, Strict()]  # true or false only: 1, "yes" and "on" are refused
Positive = Annotated[Real, Field(gt=0)]
NonNegative = Annotated[Real, Field(ge=0)]
Fraction = Annotated[Real, Field(ge=0, le=1)]
Probability = Fraction
DoublingYears = Annotated[Real, Field(ge=0.25, le=100)]
GrowthFactor = Annotated[Real, Field(ge=1, le=100)]
Multiplier = Annotated[Real, Field(ge=0, le=1000)]
Months = Annotated[Int, Field(ge=1, le=1200)]
# The one rule for a lab's name, wherever it comes from (a lab entry, a merger's `into`): it
# ends up in CSV cells, figure legends and --set paths, so no spaces, newlines or markup.
LAB_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
LabName = Annotated[str, Field(min_length=1, max_length=64, pattern=LAB_NAME_PATTERN)]


# --------------------------------------------------------------------------- world


class WorldParams(Frozen):
    """True production of capability (MODEL.md, "The world")."""

    scaling_law: Literal["epoch_refit", "hoffmann2022"] = Field(
        "epoch_refit",
        title="scaling law",
        description="Chinchilla constants: Besiroglu et al. 2024 refit (arXiv 2404.10102) "
        "or the original Hoffmann et al. 2022.",
    )
    progress_regime: Literal["scaling", "ideas", "mixed"] = Field(
        "scaling",
        title="progress regime",
        description="'scaling': the Chinchilla law holds and compute is king; 'ideas': the "
        "irreducible loss only falls with accumulated research (engineer-years); "
        "'mixed': a weighted blend set by ideas_weight.",
    )
    ideas_weight: Fraction = Field(
        0.5, description="Weight of the ideas wall in the 'mixed' regime (0 = scaling, 1 = ideas)."
    )
    ideas_wall_loss: Positive = Field(
        0.1,
        description="Extra irreducible loss (nats/token) in the ideas regime before any research; "
        "a compute-only lab's time horizon stalls at the horizon of loss E + this.",
    )
    ideas_reference_engineer_years: Positive = Field(
        5000.0, description="Research stock (engineer-years) that halves the ideas wall."
    )
    ideas_exponent: Positive = Field(
        1.0, description="Wall = ideas_wall_loss * (1 + R/R_ref)^-exponent."
    )
    capability_anchor_effective_flop: Annotated[Real, Field(ge=1e15, le=1e40)] = Field(
        1.5e26,
        description="Effective training compute (FLOP of 2020 algorithms, with warm starts, "
        "utilization and learning curves as the model counts them) of a model with the anchor "
        "horizon. Fitted so that the history's frontier in March 2023 has GPT-4's horizon "
        "(GPT-4's 2.1e25 FLOP, Epoch, after ~3 years of algorithmic progress at 2.2-2.8x/yr, "
        "Ho et al. 2024, would be 2e26-4.6e26).",
    )
    capability_anchor_minutes: Annotated[Real, Field(gt=0, le=1e6)] = Field(
        5.5,
        description="Capability index of the anchor model: METR's 50% task-completion time "
        "horizon, in minutes of human-expert work (GPT-4: ~5-6 minutes; Kwa et al. 2025).",
    )
    capability_flop_elasticity: Annotated[Real, Field(ge=0.05, le=2)] = Field(
        0.46,
        description="e in horizon = anchor_minutes * (C_eff / anchor_flop)^e for compute-optimal "
        "models. Fitted to METR's trend through 2023 (the horizon doubles every ~7 months, Kwa "
        "et al. 2025) with the history's growth of frontier effective compute; GPT-2 (2019, "
        "outside the calibration window) at a few seconds and GPT-4 at ~5.5 minutes would give "
        "0.345. Each 10x of effective compute multiplies the horizon by 10^e (~2.9).",
    )
    run_outcome_noise_sigma: Annotated[Real, Field(ge=0, le=3)] = Field(
        0.25,
        description="Log-normal noise (sigma of ln effective compute) on what a run delivers: "
        "training runs are risky bets.",
    )
    research_noise_sigma: Annotated[Real, Field(ge=0, le=3)] = Field(
        0.1, description="Yearly log-normal noise on algorithmic progress (sigma of ln A per year)."
    )
    network: Literal["complete", "random"] = Field(
        "complete", description="Graph of knowledge spillovers between labs."
    )
    network_edge_probability: Probability = Field(
        0.5, description="Edge probability when network is 'random' (Erdos-Renyi)."
    )
    public_results_lag_months: Annotated[Int, Field(ge=0, le=60)] = Field(
        3, description="Months before a rival's completed model is known to other labs."
    )


# ------------------------------------------------------------------------ hardware


class HardwareRegime(Frozen):
    """From ``start`` on, price-performance improves at these doubling times."""

    start: YearMonth
    doubling_time_years: DoublingYears = Field(description="Accelerators' FLOP/USD doubling time.")
    memory_doubling_time_years: DoublingYears | None = Field(
        None, description="Memory's doubling time from this date (None: unchanged)."
    )
    cpu_doubling_time_years: DoublingYears | None = Field(
        None,
        description="General-purpose compute's doubling time from this date (None: unchanged).",
    )

    _check_start = field_validator("start", mode="before")(_coerce_year_month)


class CostShares(Frozen):
    """Share of a workload's hardware cost per hardware type (sums to 1)."""

    accelerator: Fraction = Field(description="Share of cost on accelerators (GPUs, TPUs).")
    memory: Fraction = Field(description="Share of cost on memory capacity and bandwidth.")
    cpu: Fraction = Field(description="Share of cost on general-purpose processors.")

    @model_validator(mode="after")
    def _sum_to_one(self) -> CostShares:
        total = self.accelerator + self.memory + self.cpu
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"cost shares must sum to 1, got {total:g}")
        return self


class PowerRegime(Frozen):
    """From ``start`` on, the power available to AI grows at this rate (1: it stalls)."""

    start: YearMonth
    growth_per_year: Annotated[Real, Field(ge=0.5, le=100)] = Field(
        description="Yearly growth factor of the power for AI accelerators from this date."
    )

    _check_start = field_validator("start", mode="before")(_coerce_year_month)


class HardwareParams(Frozen):
    """Price-performance, hardware types, parallelism and supply (MODEL.md, "Hardware")."""

    flop_per_usd_start: Annotated[Real, Field(ge=1e12, le=1e24)] = Field(
        2.5e17,
        description="Peak 16-bit FLOP per USD of cloud accelerator time at the start. 2020: a V100 "
        "(125 TFLOP/s tensor peak) at about $1.5/hour (Lambda Labs' GPT-3 estimate) gives 3e17.",
    )
    doubling_time_years: DoublingYears = Field(
        2.07,
        title="FLOP/USD doubling time",
        description="Accelerator FLOP/USD doubling time: 2.07 years for ML GPUs "
        "(Hobbhahn & Besiroglu, Epoch 2022; 2.46 for all GPUs).",
    )
    memory_doubling_time_years: DoublingYears = Field(
        4.0, description="Memory capacity/bandwidth per USD doubling time (Epoch 2023: ~4 years)."
    )
    cpu_doubling_time_years: DoublingYears = Field(
        2.95,
        description="General-purpose compute doubling time; Epoch's top-GPU figure (2.95 years) "
        "stands in for the slower, non-specialised part of a system.",
    )
    regimes: tuple[HardwareRegime, ...] = Field(
        (), description="Later regimes, e.g. a slowdown from 2030; ordered by start."
    )
    training_cost_shares: CostShares = Field(
        CostShares(accelerator=0.8, memory=0.15, cpu=0.05),
        description="Training is compute-bound: mostly accelerator cost.",
    )
    serving_cost_shares: CostShares = Field(
        CostShares(accelerator=0.55, memory=0.4, cpu=0.05),
        description="Serving is memory-bandwidth-bound: a larger memory share.",
    )
    serving_utilization: Annotated[Real, Field(gt=0, le=1)] = Field(
        0.3, description="Share of peak FLOP/s realised when serving tokens."
    )
    largest_cluster_flop_per_s_start: Annotated[Real, Field(ge=1e12, le=1e25)] = Field(
        1.25e18,
        description="Peak FLOP/s of the largest usable training cluster at the start: "
        "~10,000 V100s in 2020 (the GPT-3 cluster).",
    )
    largest_cluster_growth_per_year: GrowthFactor = Field(
        2.5,
        description="Growth of the largest cluster's performance: 2.5x/yr (chips 1.6x, per-chip "
        "1.6x; Pilz et al., Epoch 2025).",
    )
    max_run_months: Annotated[Int, Field(ge=1, le=60)] = Field(
        12,
        title="longest training run",
        description="Longest useful training run; with the cluster it bounds run size.",
    )
    world_compute_flop_per_s_start: Annotated[Real, Field(ge=1e12, le=1e27)] = Field(
        1.5e20,
        description="Installed AI accelerator compute at the start (peak FLOP/s), the world's "
        "compute stock. Epoch (2025): NVIDIA's installed base grows 2.3x/yr to ~4e21 in 2024, "
        "so ~1.5e20 in 2020.",
    )
    depreciation_per_year: Annotated[Real, Field(ge=0, le=0.9)] = Field(
        0.2,
        description="Share of the compute stock retired per year: accelerators last ~4-5 years "
        "(Epoch 2025); Davidson's Full Takeoff Model uses 20%/yr.",
    )
    capex_flop_per_s_per_usd_start: Annotated[Real, Field(ge=1e6, le=1e15)] = Field(
        6.7e9,
        description="Peak FLOP/s one USD of hardware buys at the start, improving as accelerator "
        "price-performance does: 2020, an 8-V100 DGX-1 (1e15 FLOP/s) listed at $149k.",
    )
    outside_capex_usd_per_year_start: Annotated[Real, Field(ge=0, le=1e13)] = Field(
        3.0e10,
        description="AI hardware bought at the start by everyone but the modelled labs (clouds' "
        "other customers, big tech's own products). Fitted so that the stock grows ~2.3x/yr "
        "over 2020-2023 (Epoch 2025) with the modelled labs' reinvested spending on top.",
    )
    outside_capex_growth_per_year: GrowthFactor = Field(
        1.6,
        description="Growth of that outside spending (nominal): NVIDIA's data-centre revenue "
        "grew ~1.5x/yr from 2020 to 2022; a stock growing 2.3x/yr while price-performance gains "
        "1.4x/yr needs ~1.6x/yr.",
    )
    outside_capex_max_gdp_share: Annotated[Real, Field(ge=0, le=0.2)] = Field(
        0.005,
        description="Ceiling on that outside spending as a share of world GDP (assumption: ten "
        "times its 2023 share, ~0.05%; beyond it, the stock grows only with what the labs pay).",
    )
    lab_reinvestment_share: Fraction = Field(
        0.5,
        description="Share of what labs pay for compute (runs, experiments, research copies, "
        "serving) that cloud providers spend on new accelerators (assumption: hyperscalers' "
        "capex ran at roughly half their cloud revenue in 2023).",
    )
    fab_capacity_flop_per_s_per_year_start: Annotated[Real, Field(ge=1e12, le=1e30)] = Field(
        6.0e20,
        description="New accelerator FLOP/s the world's fabs and packaging lines can make per "
        "year at the start (assumption: about twice what was bought in 2020).",
    )
    fab_growth_per_year: GrowthFactor = Field(
        2.0,
        description="Growth of that capacity in FLOP/s: chips ~1.4x/yr times price-performance "
        "~1.4x/yr (assumption; Epoch 2024, 'Can AI scaling continue through 2030?', puts "
        "AI chip production growth at 1.3-2x/yr).",
    )
    power_watts_start: Annotated[Real, Field(ge=1e6, le=1e13)] = Field(
        3.0e9,
        description="Power available to AI accelerators at the start, W (assumption: the 2020 "
        "stock drew ~0.6 GW at 2.4e11 FLOP/s per W, and power did not bind in 2020-2023: "
        "chips did).",
    )
    power_growth_per_year: GrowthFactor = Field(
        1.5,
        description="Growth of that power (assumption; Epoch 2024 finds power the binding "
        "constraint on 2030 training runs).",
    )
    power_regimes: tuple[PowerRegime, ...] = Field(
        (), description="Later growth rates of the power for AI, e.g. a stall; ordered by start."
    )
    flop_per_s_per_watt_start: Annotated[Real, Field(ge=1e6, le=1e16)] = Field(
        2.4e11,
        description="Peak FLOP/s per W drawn at the wall at the start: a DGX-1 (1e15 FLOP/s, "
        "3.5 kW) with a PUE of 1.2.",
    )
    flop_per_watt_doubling_time_years: DoublingYears = Field(
        2.5,
        description="Doubling time of FLOP/s per W (assumption: Epoch's ML hardware energy "
        "efficiency trend, ~2-3 years).",
    )
    max_cluster_share: Annotated[Real, Field(gt=0, le=1)] = Field(
        0.05,
        description="Largest share of the world's compute stock in one training cluster "
        "(assumption: the largest clusters held ~1-3% of installed compute in 2020-2023): the "
        "largest cluster is min(its trend, this share of the stock), so it grows with the "
        "stock when the stock is what limits it.",
    )

    @model_validator(mode="after")
    def _regimes_ordered(self) -> HardwareParams:
        starts = [parse_year_month(r.start) for r in self.regimes]
        if starts != sorted(starts):
            raise ValueError("regimes must be ordered by start date")
        power = [parse_year_month(r.start) for r in self.power_regimes]
        if power != sorted(power):
            raise ValueError("power_regimes must be ordered by start date")
        return self


# -------------------------------------------------------------------------- market


class MarketParams(Frozen):
    """Demand from the economy, customer segments, logit choice with inertia, and pricing
    (MODEL.md, "Products and market")."""

    gdp_usd_per_year_start: Annotated[Real, Field(ge=1e12, le=1e16)] = Field(
        8.5e13,
        title="world GDP at start",
        description="World GDP at the start, nominal USD per year (IMF WEO: ~$85T in 2020, "
        "~$105T in 2023).",
    )
    gdp_growth_per_year: Annotated[Real, Field(ge=-0.2, le=1.0)] = Field(
        0.055, description="Nominal growth of world GDP per year (IMF WEO: 5-6% nominal)."
    )
    task_length_median_minutes: Annotated[Real, Field(gt=0, le=1e7)] = Field(
        2400.0,
        description="Median length (human-expert minutes) of the economy's tasks, weighted by "
        "value: a modelling assumption (about a working week); task lengths are log-normal.",
    )
    task_length_sigma_ln: Annotated[Real, Field(gt=0, le=10)] = Field(
        2.5, description="Log-sd of task lengths (assumption: tasks span seconds to years)."
    )
    enterprise_task_minutes: tuple[Annotated[Real, Field(gt=0, le=1e7)], ...] = Field(
        (0.5, 4.0, 32.0, 256.0, 2048.0, 16384.0),
        min_length=1,
        max_length=24,
        description="Enterprise (API) segments, one per band of task lengths: the time horizon "
        "each band's tasks need. Each band's potential spending is its share of task value "
        "(between the geometric midpoints) times enterprise_gdp_share times GDP.",
    )
    enterprise_gdp_share: Annotated[Real, Field(ge=0, le=0.5)] = Field(
        0.05,
        description="Spending on AI services, as a share of GDP, if models on offer could do "
        "every task and customers had fully adopted them (assumption; the realised market is "
        "far smaller while capability and adoption lag).",
    )
    consumer_gdp_share: Annotated[Real, Field(ge=0, le=0.1)] = Field(
        1e-3,
        description="Consumer subscriptions at full adoption, share of GDP (~$100B in 2023: "
        "hundreds of millions of subscribers at ~$20/month; assumption).",
    )
    consumer_task_minutes: Annotated[Real, Field(gt=0, le=1e7)] = Field(
        3.7,
        description="Time horizon a useful chat assistant needs, on the model's capability "
        "scale. Fitted to OpenAI's revenue before ChatGPT (~$28M in 2022): the consumer market "
        "opens when products on sale approach it, as it did with ChatGPT (November 2022). "
        "METR puts GPT-3.5 at ~0.5-1 minute; the model's smooth frontier, which counts every "
        "model as soon as it is trained, reaches that level earlier than public releases did.",
    )
    adoption_innovation_per_year: Annotated[Real, Field(gt=0, le=10)] = Field(
        0.01,
        description="Bass diffusion p of the enterprise (API) segments: the rate at which "
        "customers who would buy start to, on their own (assumption, below the mean of 0.03 "
        "over 213 innovations in Sultan, Farley & Lehmann 1990: firms adopt slowly).",
    )
    consumer_adoption_innovation_per_year: Annotated[Real, Field(gt=0, le=10)] = Field(
        0.025,
        description="Bass diffusion p of the consumer segment. Fitted to the leading lab's "
        "revenue at the end of 2023 (~$2B, mostly ChatGPT subscriptions); ChatGPT reached "
        "100M users two months after launch (UBS, February 2023).",
    )
    adoption_imitation_per_year: Annotated[Real, Field(ge=0, le=10)] = Field(
        0.38,
        description="Bass diffusion q: the rate at which they follow those who already buy "
        "(Sultan, Farley & Lehmann 1990: 0.38). Adoption starts slowly and accelerates.",
    )
    shortfall_penalty: Annotated[Real, Field(ge=0, le=100)] = Field(
        10.0,
        description="Logit weight on ln(time horizon / need) where a product falls short of what "
        "a segment's tasks need (it fails them): at 10, a product with half the needed horizon "
        "is worth ~1,000x less than one that just meets it, however cheap.",
    )
    capability_preference: Annotated[Real, Field(ge=0, le=20)] = Field(
        3.0,
        description="Enterprise logit weight on ln(time horizon / what the task needs): at 3, a "
        "product with twice the horizon has 8x the odds. Customers compare by ratios, so a 10x "
        "lead counts the same at every level.",
    )
    price_sensitivity: Annotated[Real, Field(gt=0, le=20)] = Field(
        2.0,
        description="Enterprise logit weight on ln(price). With logit demand a firm's price "
        "elasticity is beta*(1-share), so its Lerner index is 1/(beta*(1-share)).",
    )
    reference_price_per_mtok_usd: Annotated[Real, Field(gt=0, le=1e6)] = Field(
        5.0,
        description="Enterprise: the price (USD per million tokens) at which a product that just "
        "meets a band's need is as attractive as not buying (assumption, near list prices of "
        "2020-23 frontier APIs net of discounts).",
    )
    consumer_capability_preference: Annotated[Real, Field(ge=0, le=20)] = Field(
        4.0,
        description="Consumers' logit weight on ln(time horizon / need): below a useful "
        "assistant's horizon consumers do not buy at all (GPT-3's API had no consumer market; "
        "ChatGPT on GPT-3.5 did).",
    )
    consumer_price_sensitivity: Annotated[Real, Field(gt=0, le=20)] = Field(
        1.2,
        description="Consumers' logit weight on ln(price): subscriptions hide the per-token price, "
        "so consumers are less price-sensitive than API buyers.",
    )
    consumer_reference_price_per_mtok_usd: Annotated[Real, Field(gt=0, le=1e6)] = Field(
        5.0, description="Consumers' indifference price per million tokens (assumption)."
    )
    network_effect: Annotated[Real, Field(ge=0, le=100)] = Field(
        1.0,
        description="Logit utility per unit of a product's current share of its segment (network "
        "effects, Katz & Shapiro 1985); large values make the market tip.",
    )
    max_lerner: Annotated[Real, Field(ge=0, lt=1)] = Field(
        0.9, description="Cap on (price - cost)/price: the monopoly markup (10x cost)."
    )
    inertia: Annotated[Real, Field(ge=0, lt=1)] = Field(
        0.9,
        title="customer inertia",
        description="Enterprise segments: share of last month's split among products that "
        "stays put (switching costs); the rest moves to the logit shares.",
    )
    consumer_inertia: Annotated[Real, Field(ge=0, lt=1)] = Field(
        0.99,
        title="consumer inertia",
        description="The consumer segment's inertia: subscribers rarely change assistants "
        "(habit, their history, defaults), so 1% a month reconsider. Fitted to Anthropic's "
        "revenue at the end of 2023 (~$0.1B, mostly API): with 0.9, as enterprises, a "
        "challenger's subscription took its logit share within a year ($0.5B).",
    )
    open_weights_host_margin: Annotated[Real, Field(ge=0, le=10)] = Field(
        0.3,
        description="Hosts of open-weights models charge serving cost times (1 + this); the "
        "publisher earns nothing (assumption: inference providers' gross margins).",
    )
    releases_on_sale: Annotated[Int, Field(ge=1, le=10)] = Field(
        2,
        description="A lab keeps its newest releases on sale (each a frontier model and its "
        "distilled tiers); an older one is retired when a newer one launches.",
    )


class TalentParams(Frozen):
    """Engineers and their wages (MODEL.md, "Budget")."""

    salary_usd_per_year: Annotated[Real, Field(ge=1e4, le=1e8)] = Field(
        4e5, description="Fully loaded cost of a frontier ML engineer at the start (2020: ~$400k)."
    )
    salary_growth_per_year: Real = Field(0.04, ge=-0.5, le=1, description="Trend wage growth.")
    pool_engineers: Annotated[Real, Field(ge=1, le=1e7)] = Field(
        4000.0, description="Engineers able to work at a frontier lab at the start."
    )
    pool_growth_per_year: Real = Field(0.15, ge=-0.5, le=2, description="Growth of that pool.")
    salary_demand_elasticity: Annotated[Real, Field(ge=0, le=5)] = Field(
        0.6, description="Salaries scale with (labs' headcount / pool)^elasticity above 50% use."
    )
    max_hiring_per_month: Fraction = Field(
        0.05, description="Largest monthly headcount growth of a lab (share of its staff)."
    )
    min_hires_per_month: Annotated[Real, Field(ge=0, le=1e4)] = Field(
        5.0, description="A lab can always hire this many a month if it can pay them."
    )


class FundingParams(Frozen):
    """Investor rounds and parent budgets (MODEL.md, "Funding")."""

    valuation_revenue_multiple: Annotated[Real, Field(ge=0, le=1000)] = Field(
        25.0,
        title="valuation / revenue multiple",
        description="Valuation per dollar of annual revenue (AI lab rounds 2023-25: 20-40x).",
    )
    valuation_market_multiple: Annotated[Real, Field(ge=0, le=100)] = Field(
        1.0,
        description="Valuation per dollar of the market a lab's capability puts within its "
        "reach: potential spending (what customers would spend on the products now on offer) "
        "times the lab's capability relative to the frontier. Investors price prospects, "
        "not only revenue (OpenAI was valued at ~$14B in 2021 on ~$30M of revenue).",
    )
    valuation_lead_bonus: Annotated[Real, Field(ge=0, le=100)] = Field(
        1.0,
        description="Valuation multiplier 1 + bonus * (own capability lead over the field, 0-1).",
    )
    round_dilution: Annotated[Real, Field(gt=0, lt=1)] = Field(
        0.2, description="Share of the company sold in one round."
    )
    max_cash_runway_months: Annotated[Real, Field(ge=1, le=240)] = Field(
        24.0,
        description="A round never lifts cash above this many months of the lab's gross "
        "spending plus the largest run it could buy: money a lab cannot use is not raised. "
        "Fitted with the history's growth of frontier training cost (Cottier et al. 2024).",
    )
    runway_trigger_months: Annotated[Real, Field(gt=0, le=240)] = Field(
        24.0,
        description="Raise when cash covers fewer months than this of gross spending (a lab "
        "spending down over a shorter horizon raises whenever a round is due).",
    )
    stall_months: Annotated[Int, Field(ge=1, le=1200)] = Field(
        30,
        description="Investors stop funding a lab whose capability has not improved for this long.",
    )
    min_months_between_rounds: Annotated[Int, Field(ge=0, le=1200)] = Field(
        12, description="Months a lab waits after one round before it can raise the next."
    )


# ------------------------------------------------------------------ archetypes

Archetype = Literal[
    "scaling_maximalist", "brain_modules", "pragmatist", "fast_follower", "open_weights"
]
FundingSource = Literal["parent", "investors", "revenue"]

# Defaults per archetype (MODEL.md, "Archetypes"). A lab in a scenario overrides any field.
ARCHETYPES: dict[str, dict[str, Any]] = {
    "scaling_maximalist": dict(
        funding="investors",
        belief_compute_elasticity=0.8,
        conviction=0.97,
        openness=0.3,
        spend_horizon_months=24.0,
        run_months=4,
        final_run_compute_share=0.3,
        max_run_cash_share=0.6,
        params_multiplier=1.0,
        imitates=False,
        revenue_budget_multiple=0.0,
        release="on_completion",
        release_threat_revenue_ratio=0.5,
    ),
    "brain_modules": dict(
        funding="parent",
        belief_compute_elasticity=0.35,
        conviction=0.9,
        openness=0.5,
        spend_horizon_months=48.0,
        run_months=6,
        final_run_compute_share=0.2,
        max_run_cash_share=0.25,
        params_multiplier=1.0,
        imitates=False,
        revenue_budget_multiple=0.0,
        release="when_threatened",
        release_threat_revenue_ratio=1.0,
    ),
    "pragmatist": dict(
        funding="parent",
        belief_compute_elasticity=0.5,
        conviction=0.8,
        openness=0.5,
        spend_horizon_months=36.0,
        run_months=3,
        final_run_compute_share=0.2,
        max_run_cash_share=0.3,
        params_multiplier=1.0,
        imitates=False,
        revenue_budget_multiple=0.5,
        release="when_threatened",
        release_threat_revenue_ratio=0.5,
    ),
    "fast_follower": dict(
        funding="investors",
        belief_compute_elasticity=0.6,
        conviction=0.7,
        openness=0.3,
        spend_horizon_months=24.0,
        run_months=3,
        final_run_compute_share=0.3,
        max_run_cash_share=0.4,
        params_multiplier=1.0,
        imitates=True,
        revenue_budget_multiple=0.0,
        release="on_completion",
        release_threat_revenue_ratio=0.5,
    ),
    "open_weights": dict(
        funding="investors",
        belief_compute_elasticity=0.6,
        conviction=0.8,
        openness=1.0,
        spend_horizon_months=24.0,
        run_months=4,
        final_run_compute_share=0.3,
        max_run_cash_share=0.4,
        params_multiplier=1.0,
        imitates=True,
        revenue_budget_multiple=0.0,
        release="on_completion",
        release_threat_revenue_ratio=0.5,
    ),
}


# ---------------------------------------------------------------------- mechanisms


class Switch(Frozen):
    """A mechanism that a scenario can switch off."""

    enabled: Flag = Field(True, description="false switches this mechanism off.")


class AlgorithmicProgress(Switch):
    """ln A grows at g0 * (R / R_ref)^lambda * (X / X_ref)^mu * A_best^-beta per year: research
    effort R (engineers, plus AI copies with ``ai_research``) and experiment compute X, with
    diminishing returns in both and ideas getting harder (semi-endogenous, Jones 1995)."""

    growth_per_year: Annotated[Real, Field(gt=0, le=5)] = Field(
        1.0,
        description="g0 in ln(A)/year at reference_engineers and reference experiment compute. "
        "Fitted so that a frontier lab's combined effective-compute gain (algorithms, learning "
        "curve, warm starts, reverse distillation) is ~2.8x/yr over 2020-2023 (LLM compute for "
        "fixed performance halves every ~8 months, Ho et al. 2024, arXiv 2403.05812).",
    )
    reference_engineers: Annotated[Real, Field(ge=10, le=1e6)] = Field(
        800.0,
        description="R_ref: research headcount (researcher-equivalents) at which ln A grows at "
        "g0; a 2020 frontier lab (DeepMind had ~1,000 staff, most in research).",
    )
    engineer_exponent: Fraction = Field(
        0.5, description="lambda: diminishing returns to researchers (stepping on toes)."
    )
    reference_experiment_flop_per_year: Annotated[Real, Field(ge=1e18, le=1e40)] = Field(
        1e26,
        description="X_ref: experiment compute (physical FLOP per year) at which ln A grows at "
        "g0; a 2020 frontier lab's non-final-run compute (~$0.4B at 2.5e17 FLOP/USD).",
    )
    experiment_exponent: Fraction = Field(
        0.3,
        description="mu: returns to experiment compute in research (assumption: final runs are "
        "10-30% of R&D compute, Epoch 2025, so labs buy experiments because they pay; below "
        "lambda, as a hired researcher brings ideas and compute only tests them).",
    )
    difficulty_exponent: Annotated[Real, Field(ge=0, le=4)] = Field(
        0.45,
        description="beta: ideas get harder to find, growth falls as A_best^-beta, A_best the "
        "state of the art (the best A among active labs) (Jones 1995; Bloom "
        "et al. 2020). With research inputs growing ~3x/yr it holds a frontier lab near Ho et "
        "al.'s rate instead of letting growth compound.",
    )


class AiResearch(Switch):
    """Copies of a lab's own best model do research (MODEL.md, "AI research from the
    overhang"): they add researcher-equivalents in proportion to the share of research tasks
    their time horizon reaches; humans still do the rest (Amdahl: effort at most
    engineers / (1 - share))."""

    enabled: Flag = Field(
        False,
        description="Off by default: whether copies of 2020s models do frontier research is "
        "the open question; scenario ai-rnd-feedback switches it on.",
    )
    research_task_median_minutes: Annotated[Real, Field(gt=0, le=1e7)] = Field(
        480.0,
        description="Median length of a research task in expert time (assumption: a working "
        "day; METR's RE-Bench tasks take experts ~8 hours).",
    )
    research_task_sigma_ln: Annotated[Real, Field(gt=0, le=10)] = Field(
        1.5,
        description="Spread (sigma of ln minutes) of research task lengths (assumption: most "
        "tasks between an hour and a week).",
    )
    tokens_per_task_hour: Annotated[Real, Field(ge=1e3, le=1e9)] = Field(
        3e5,
        description="Tokens a model generates to do an hour of an expert's research task "
        "(assumption: agentic runs on METR's hour-long tasks use 1e5-1e6 tokens; a human "
        "writing at 10 tokens/s would use 3.6e4).",
    )
    hours_per_researcher_year: Annotated[Real, Field(ge=100, le=8760)] = Field(
        2000.0, description="Working hours of a human researcher per year."
    )


class Utilization(Switch):
    """Model FLOP utilization rises with engineering and experience (DAWNBench 2018)."""

    ceiling: Annotated[Real, Field(gt=0, le=1)] = Field(
        0.6, description="Highest model FLOP utilization engineering can reach (MODEL.md: 0.2-0.6)."
    )
    rate_per_year: Annotated[Real, Field(ge=0, le=12)] = Field(
        0.3, description="Share of the gap to the ceiling closed per year at reference engineers."
    )
    experience_boost: Fraction = Field(
        0.02, description="Share of the gap closed by each completed run."
    )


class Spillovers(Switch):
    """Knowledge flows over the lab network, weighted by openness and absorptive capacity."""

    rate_per_year: Annotated[Real, Field(ge=0, le=50)] = Field(
        0.6,
        title="spillover rate",
        description="Share of the ln A gap to the best open neighbour closed per year.",
    )
    absorptive_half_engineers: Annotated[Real, Field(ge=1, le=1e6)] = Field(
        100.0, description="Engineers at which a lab absorbs half of what it could."
    )
    open_weights_lift: Fraction = Field(
        0.9, description="Share of the best open-weights capability a follower can start from."
    )
    research_share: Fraction = Field(
        0.3,
        description="Ideas regime: share of rivals' research (engineer-years times their "
        "openness) that adds to a lab's own research stock.",
    )


class BeliefLearning(Switch):
    """a <- a + (1 - conviction) * (a_observed - a) after each model seen."""


class ParallelismLimit(Switch):
    """No run larger than the largest cluster can deliver in max_run_months."""


class ComputeSupply(Switch):
    """Labs rent from the world's compute stock: when they want more than their usable share
    of it, the price rises (a scarcity premium) and flexible uses (experiments, research
    copies) are rationed so that no FLOP is used twice."""

    enabled: Flag = Field(
        True,
        description="false: labs rent what they pay for at trend prices, however much that "
        "is (the stock still grows and bounds the largest cluster).",
    )
    usable_share: Annotated[Real, Field(ge=0.001, le=1)] = Field(
        0.3, description="Share of the world's AI compute that frontier labs can rent."
    )
    price_elasticity: Annotated[Real, Field(ge=0, le=5)] = Field(
        1.0,
        description="Price multiplier = (demand / supply)^elasticity when demand exceeds supply.",
    )


class SalaryDynamics(Switch):
    """Salaries rise with demand for talent."""


class InvestorFunding(Switch):
    """Labs funded by investors raise rounds; switch off to starve them."""


class Exit(Switch):
    """A lab that cannot pay its bills and cannot raise leaves."""

    min_viable_engineers: Annotated[Real, Field(ge=0, le=1e4)] = Field(
        10.0,
        description="A lab whose budget no longer pays this many engineers has failed, even if "
        "it never quite runs out of cash.",
    )


class WarmStart(Switch):
    """Model surgery (net2net): a grown run is credited kappa * C_eff(parent)."""

    kappa: Fraction = Field(
        0.3,
        title="warm-start credit κ",
        description="Share of the parent's effective compute credited.",
    )


class ReverseDistillation(Switch):
    """A smaller model's logits speed the early part of a larger run."""

    saving_fraction: Annotated[Real, Field(ge=0, le=0.99)] = Field(
        0.1, description="Share of the run's physical compute saved."
    )


class DeploymentDistillation(Switch):
    """The product is a student r times smaller, distilled from the frontier model."""

    size_ratio: Annotated[Real, Field(ge=1, le=1e4)] = Field(
        10.0, description="r: teacher/student params."
    )
    compute_fraction: Fraction = Field(
        0.03, description="Each student's cost as a share of the teacher's training cost."
    )
    capability_penalty: Annotated[Real, Field(ge=0, le=0.99)] = Field(
        0.5,
        description="Share of the teacher's time horizon a student r times smaller loses "
        "(assumption: small distilled tiers do about half the task length of their teacher).",
    )
    tiers: Annotated[Int, Field(ge=0, le=4)] = Field(
        2,
        description="Distilled tiers sold beside the frontier model, each size_ratio times "
        "smaller than the one above and losing capability_penalty of its horizon.",
    )


class InferenceScaling(Switch):
    """A 'thinking' tier: the frontier model's weights sold with more serving compute per task,
    which buys capability as more training compute would (MODEL.md seed 001: several hundred
    Elo from tree search with exact copies of the model; Villalobos & Atkinson 2023, Epoch,
    "Trading off compute in training and inference": about one order of magnitude of training
    compute trades for one to two of inference)."""

    enabled: Flag = Field(
        False,
        description="Off by default: the history's products (2020-23) ran every model once per "
        "token; a scenario turns thinking tiers on (OpenAI's o1, September 2024).",
    )
    compute_multiplier: Annotated[Real, Field(ge=1, le=1e4)] = Field(
        10.0,
        description="Serving compute per task of the thinking tier relative to its plain model "
        "(dimensionless; its serving cost and, through the markup, its price per million output "
        "tokens are this many times the plain model's). 10: one order of magnitude, the low end "
        "of Villalobos & Atkinson's 1-2 OOM.",
    )
    training_equivalent_exponent: Fraction = Field(
        0.67,
        description="Orders of magnitude of training compute one order of magnitude of inference "
        "compute is worth: the thinking tier counts as compute_multiplier^this times its "
        "model's effective training compute. 0.67 = 1/1.5, the midpoint of Villalobos & "
        "Atkinson's 1-2 OOM of inference per OOM of training (MCTS ~1.6, resampling ~1.5): "
        "10x inference is worth ~4.7x training compute.",
    )
    start: YearMonth | None = Field(
        None,
        description="First month a lab may sell thinking tiers (None: from the start): models "
        "deployed from this month on get one.",
    )

    _check_start = field_validator("start", mode="before")(_coerce_year_month)


class Imitation(Switch):
    """Cross-lab distillation: reach a rival's deployed capability for a fraction of its compute."""

    enabled: Flag = Field(False, description="Off by default: terms of service forbid it.")
    compute_fraction: Fraction = Field(
        0.1, description="Cost as a share of the rival's training cost at today's prices."
    )
    capability_penalty: Fraction = Field(
        0.15, description="Share of the rival's deployed capability not reached."
    )
    months: Annotated[Int, Field(ge=1, le=24)] = Field(
        3, description="Months a distillation of a rival's model takes."
    )


class LearningCurve(Switch):
    """Reproducing shown capability is cheaper; experience lowers cost (Berner et al. 2019)."""

    reproduction_cost_fraction: Annotated[Real, Field(gt=0, le=1)] = Field(
        0.2, description="Cost of reproducing a capability already shown (OpenAI Five rerun: ~1/5)."
    )
    progress_ratio: Annotated[Real, Field(gt=0, le=1)] = Field(
        0.9, description="Cost multiplier per doubling of a lab's completed runs."
    )


class Entry(Switch):
    """Potential entrants arrive at a Poisson rate with a funding draw."""

    enabled: Flag = Field(False, description="Off by default: only the scenario's labs compete.")
    start: YearMonth | None = Field(
        None,
        description="First month random entrants may arrive (None: from the start). A history "
        "names the labs it knew of and lets later ones arrive endogenously from here.",
    )
    rate_per_year: Annotated[Real, Field(ge=0, le=100)] = Field(
        1.0, description="Poisson rate of potential entrants."
    )
    funding_median_usd: Annotated[Real, Field(ge=1e3, le=1e11)] = Field(
        1e9, description="Median funding of an entrant."
    )
    funding_sigma: Annotated[Real, Field(ge=0, le=1.5)] = Field(
        1.0, description="Log-normal sigma of entrant funding."
    )
    max_capability_gap: Fraction = Field(
        0.3,
        description="Enter only if a first model within this share of the frontier is affordable.",
    )
    first_run_funding_share: Annotated[Real, Field(gt=0, le=1)] = Field(
        0.5, description="Largest share of its funding an entrant puts into its first model."
    )
    archetype_weights: dict[str, Annotated[Real, Field(ge=0, le=1e6)]] = Field(
        description="Relative odds of each archetype among entrants.",
        default_factory=lambda: {
            "fast_follower": 0.5,
            "open_weights": 0.3,
            "scaling_maximalist": 0.2,
        },
    )

    _check_start = field_validator("start", mode="before")(_coerce_year_month)

    @field_validator("archetype_weights")
    @classmethod
    def _known(cls, v: dict[str, float]) -> dict[str, float]:
        for name in v:
            if name not in ARCHETYPES:
                raise ValueError(f"unknown archetype {name!r}; choose from {sorted(ARCHETYPES)}")
        if v and sum(v.values()) <= 0:
            raise ValueError("archetype weights must not all be zero")
        return v


class Acquisition(Switch):
    """A failing lab may be bought by a richer one where antitrust allows."""

    antitrust_max_hhi: Annotated[Real, Field(ge=0, le=10000)] = Field(
        2500.0,
        description="Block an acquisition that would lift HHI, on revenue or on users (open "
        "weights included), above this (2023 US Merger Guidelines: 1,800 'highly "
        "concentrated'); 10,000 allows all.",
    )


class Mechanisms(Frozen):
    """Every mechanism of MODEL.md, each with its switch and its strength."""

    algorithmic_progress: AlgorithmicProgress = AlgorithmicProgress()
    ai_research: AiResearch = AiResearch()
    utilization: Utilization = Utilization()
    spillovers: Spillovers = Spillovers()
    belief_learning: BeliefLearning = BeliefLearning()
    parallelism_limit: ParallelismLimit = ParallelismLimit()
    compute_supply: ComputeSupply = ComputeSupply()
    salary_dynamics: SalaryDynamics = SalaryDynamics()
    investor_funding: InvestorFunding = InvestorFunding()
    exit: Exit = Exit()
    warm_start: WarmStart = WarmStart()
    reverse_distillation: ReverseDistillation = ReverseDistillation()
    deployment_distillation: DeploymentDistillation = DeploymentDistillation()
    inference_scaling: InferenceScaling = InferenceScaling()
    imitation: Imitation = Imitation()
    learning_curve: LearningCurve = LearningCurve()
    entry: Entry = Entry()
    acquisition: Acquisition = Acquisition()


# ---------------------------------------------------------------------------- labs


class LabParams(Frozen):
    """One lab. Missing fields take the archetype's defaults (``ARCHETYPES``)."""

    name: LabName = Field(
        description="Unique name (letters, digits, _ . -, starting with a letter or digit, at "
        "most 64 characters); --set addresses labs by it."
    )
    archetype: Archetype = Field(description="Beliefs and behaviour it starts from (ARCHETYPES).")
    enter: YearMonth | None = Field(
        None, description="Month the lab enters (default: the scenario's start)."
    )
    funding: FundingSource = Field(
        description="parent (a corporate budget), investors (rounds), or revenue only."
    )
    cash_usd: Annotated[Real, Field(ge=0, le=1e15)] = Field(5e8, description="Cash at entry.")
    engineers: Annotated[Real, Field(ge=1, le=1e9)] = Field(
        150.0, description="Research and engineering headcount at entry."
    )
    parent_budget_usd_per_year: Annotated[Real, Field(ge=0, le=1e13)] = Field(
        0.0, description="Yearly transfer from a parent company (funding 'parent')."
    )
    parent_budget_growth_per_year: Real = Field(
        0.15, ge=-0.5, le=3, description="Yearly growth of the parent's budget (0.15 = 15%)."
    )
    wake_up_lead_threshold: Fraction | None = Field(
        None,
        description="Parent multiplies its budget once a rival's capability lead (share of the "
        "rival's capability) exceeds this; None never wakes up.",
    )
    wake_up_multiplier: Annotated[Real, Field(ge=1, le=1000)] = Field(
        3.0, description="Factor on the parent budget when the parent wakes up."
    )
    belief_compute_elasticity: Annotated[Real, Field(ge=0.01, le=0.99)] = Field(
        description="a: believed elasticity of capability to compute; engineers get b = 1 - a. "
        "The lab spends the share a/(a+b) of its budget on compute."
    )
    conviction: Fraction = Field(
        description="Weight on its own prior each time it sees a completed model (its own at "
        "once, rivals' after public_results_lag_months); the baseline shows ~9 a year, so 0.97 "
        "keeps a bet for years and 0.5 follows the latest evidence."
    )
    openness: Fraction = Field(description="0 closed ... 1 open weights.")
    algorithmic_efficiency: Annotated[Real, Field(ge=0.01, le=1e60)] = Field(
        1.0,
        description="A at entry (1 = 2020 state of the art). Wide: an entrant takes the public "
        "A, which grows ~2.8x a year.",
    )
    utilization: Annotated[Real, Field(ge=0.05, le=1)] = Field(
        0.3, description="Model FLOP utilization at entry (GPT-3 era: 0.2-0.35)."
    )
    spend_horizon_months: Annotated[Real, Field(ge=1, le=1200)] = Field(
        description="Cash is spent down over this horizon."
    )
    run_months: Annotated[Int, Field(ge=1, le=60)] = Field(description="Planned duration of a run.")
    final_run_compute_share: Annotated[Real, Field(gt=0, le=1)] = Field(
        description="Share of compute spend that goes into final training runs "
        "(Epoch 2025: 10-30%; the rest is experiments)."
    )
    max_run_cash_share: Annotated[Real, Field(gt=0, le=1)] = Field(
        description="Largest share of cash plus expected income one run may commit."
    )
    params_multiplier: Annotated[Real, Field(ge=0.01, le=100)] = Field(
        description="Parameters relative to compute-optimal (a believer in bigger models > 1)."
    )
    imitates: Flag = Field(description="Distils from rivals' models when the scenario allows it.")
    revenue_budget_multiple: Annotated[Real, Field(ge=0, le=100)] = Field(
        description="Extra monthly budget, from cash, per dollar of revenue on top of the margin "
        "(a pragmatist invests in proportion to what its products earn)."
    )
    release: Literal["on_completion", "when_threatened"] = Field(
        description="When a trained model becomes a product: on_completion (ship to earn and "
        "raise money), or when_threatened (hold models back until a rival's product threatens "
        "the business, as Google did until ChatGPT)."
    )
    release_threat_revenue_ratio: Annotated[Real, Field(gt=0, le=100)] = Field(
        description="when_threatened: release once a rival earns this share of the lab's own "
        "yearly budget in annualised revenue (a business threat is one large against what the "
        "lab itself spends)."
    )
    remove: Flag = Field(False, description="In a file with base:, drop this lab.")

    @model_validator(mode="before")
    @classmethod
    def _fill_from_archetype(cls, data: Any) -> Any:
        if isinstance(data, dict):
            # An unknown archetype still gets defaults, so the only error is the archetype.
            defaults = ARCHETYPES.get(data.get("archetype"), ARCHETYPES["pragmatist"])
            return {**defaults, **data}
        return data

    _check_enter = field_validator("enter", mode="before")(_coerce_year_month)


# -------------------------------------------------------------------------- events


class _Event(Frozen):
    """Something scheduled for a month of the scenario."""

    date: YearMonth = Field(description="Month it happens (YYYY-MM), not before the start.")

    _check_date = field_validator("date", mode="before")(_coerce_year_month)


class MergerEvent(_Event):
    """Two labs combine (e.g. Google Brain and DeepMind, 2023-04)."""

    type: Literal["merger"]
    labs: tuple[str, str] = Field(description="The two labs; the first survives.")
    into: LabName | None = Field(
        None, description="Name of the merged lab (default: the first); a lab name's rule."
    )


class HardwareShockEvent(_Event):
    """Price-performance times a multiplier (export controls < 1, a breakthrough > 1)."""

    type: Literal["hardware_shock"]
    multiplier: Annotated[Real, Field(ge=1e-3, le=1000)] = Field(
        description="Factor on FLOP per USD (0.5 halves it)."
    )
    duration_months: Months | None = Field(None, description="None: permanent.")


class FundingShockEvent(_Event):
    """Investor valuations and parent budgets times a multiplier."""

    type: Literal["funding_shock"]
    multiplier: Multiplier = Field(description="Factor on rounds raised and parent transfers.")
    duration_months: Months | None = Field(None, description="None: permanent.")
    labs: tuple[str, ...] | None = Field(None, description="None: every lab.")


class ComputeCapEvent(_Event):
    """No training run above max_training_flop (physical FLOP executed) from the date."""

    type: Literal["compute_cap"]
    max_training_flop: Annotated[Real, Field(ge=1e15, le=1e35)] = Field(
        description="Largest training run allowed, in FLOP executed (the 6ND count)."
    )
    until: YearMonth | None = Field(None, description="Month the cap ends (None: never).")


class WakeUpEvent(_Event):
    """A parent multiplies its lab's budget."""

    type: Literal["wake_up"]
    lab: str = Field(description="The lab whose parent wakes up.")
    multiplier: Multiplier = Field(description="Factor on its parent budget.")


Event = Annotated[
    MergerEvent | HardwareShockEvent | FundingShockEvent | ComputeCapEvent | WakeUpEvent,
    Field(discriminator="type"),
]

# Event classes by the `type` tag a scenario file uses (error messages walk into them).
EVENT_TYPES: dict[str, type[_Event]] = {
    cls.model_fields["type"].annotation.__args__[0]: cls
    for cls in (MergerEvent, HardwareShockEvent, FundingShockEvent, ComputeCapEvent, WakeUpEvent)
}


# ------------------------------------------------------------------------ scenario


class Scenario(Frozen):
    """A whole scenario file, validated."""

    name: str = Field("unnamed", description="Short name; run directories are named after it.")
    description: str = Field("", description="One line: the story this scenario tells.")
    start: YearMonth = "2020-01"
    end: YearMonth = "2040-01"
    step_months: Annotated[Int, Field(ge=1, le=12)] = Field(1, description="Months per step.")
    seed: Annotated[Int, Field(ge=0, le=2**63 - 1)] = Field(
        0, description="Seed of the model's random generator; --seed overrides it."
    )
    world: WorldParams = WorldParams()
    hardware: HardwareParams = HardwareParams()
    market: MarketParams = MarketParams()
    talent: TalentParams = TalentParams()
    funding: FundingParams = FundingParams()
    mechanisms: Mechanisms = Mechanisms()
    labs: tuple[LabParams, ...]
    events: tuple[Event, ...] = ()

    _check_dates = field_validator("start", "end", mode="before")(_coerce_year_month)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if not self.labs:
            raise ValueError("labs: at least one lab is needed")
        start, end = parse_year_month(self.start), parse_year_month(self.end)
        if end <= start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        names = [lab.name for lab in self.labs]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"lab names must be unique: {', '.join(dupes)}")
        known = set(names)
        for event in self.events:
            if parse_year_month(event.date) < start:
                raise ValueError(
                    f"event {event.type} on {event.date} is before the start ({self.start})"
                )
            refs = list(getattr(event, "labs", None) or ())
            if event.type == "wake_up":
                refs.append(event.lab)
            for ref in refs:
                if ref not in known:
                    raise ValueError(
                        f"event {event.type} on {event.date} names unknown lab {ref!r}"
                    )
        return self

    @property
    def start_year(self) -> float:
        return parse_year_month(self.start)

    @property
    def end_year(self) -> float:
        return parse_year_month(self.end)

    @property
    def n_steps(self) -> int:
        return round((self.end_year - self.start_year) * 12 / self.step_months)
