"""A forecaster's belief about one parameter: its distribution, checked, and the map from a
uniform draw in (0, 1) to a value (the quantile function, which the copula feeds).

Continuous distributions are given by an 80% interval (``ci80: [lo, hi]``: the 10th and 90th
percentiles, the form in which people state beliefs) or by their own parameters, and can be
truncated with ``min``/``max`` (the interval describes the distribution before truncation).
``choice`` draws one of listed values with weights. Every prior carries ``why:``, one line
saying where the belief comes from.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

# Standard normal quantile at 0.9: an 80% interval spans +-Z90 standard deviations.
Z90 = 1.2815515655446004


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


Why = Annotated[str, Field(min_length=1, description="One line: the belief's source.")]


class _Continuous(_Strict):
    """Fields every continuous prior shares; subclasses give ``frozen()`` (a scipy
    distribution before truncation)."""

    why: Why
    min: float | None = Field(None, description="Truncate below (draws are never lower).")
    max: float | None = Field(None, description="Truncate above (draws are never higher).")
    integer: bool = Field(False, description="Round each draw to the nearest integer.")

    def frozen(self):  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    @model_validator(mode="after")
    def _valid(self):
        _interval(getattr(self, "ci80", None))
        self._check_shape()
        lo, hi = self.min, self.max
        if lo is not None and hi is not None and lo >= hi:
            raise ValueError(f"min ({lo:g}) must be below max ({hi:g})")
        if lo is not None or hi is not None:
            dist = self.frozen()
            mass = float(dist.cdf(math.inf if hi is None else hi)) - float(
                dist.cdf(-math.inf if lo is None else lo)
            )
            if not mass > 1e-9:
                raise ValueError(
                    f"min/max [{_g(lo)}, {_g(hi, '+inf')}] leave no probability: the distribution lies "
                    "outside them"
                )
        return self

    def _check_shape(self) -> None:
        """Raise ValueError for a distribution that cannot exist (subclasses)."""

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values at uniform draws ``u`` in (0, 1): the quantile function of the truncated
        distribution, so a uniform ``u`` gives draws with exactly this distribution."""
        dist = self.frozen()
        u = np.asarray(u, dtype=float)
        if self.min is not None or self.max is not None:
            lo = float(dist.cdf(self.min)) if self.min is not None else 0.0
            hi = float(dist.cdf(self.max)) if self.max is not None else 1.0
            u = lo + u * (hi - lo)
        x = np.asarray(dist.ppf(u), dtype=float)
        if self.min is not None or self.max is not None:
            # the quantile function can miss a bound by a rounding error
            low = -np.inf if self.min is None else self.min
            x = np.clip(x, low, np.inf if self.max is None else self.max)
        return np.round(x) if self.integer else x

    def values(self, u: np.ndarray) -> list[Any]:
        """Python values (int with ``integer``, else float) for the design's rows."""
        x = self.ppf(u)
        return [int(v) for v in x] if self.integer else [float(v) for v in x]

    def describe(self) -> str:
        cut = ""
        if self.min is not None or self.max is not None:
            cut = f", truncated to [{_g(self.min)}, {_g(self.max, '+inf')}]"
        return self._shape() + cut

    def _shape(self) -> str:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError


def _g(x: float | None, missing: str = "-inf") -> str:
    return missing if x is None else f"{x:g}"


def _interval(ci80: tuple[float, float] | None) -> tuple[float, float] | None:
    if ci80 is None:
        return None
    lo, hi = ci80
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"ci80 [{lo:g}, {hi:g}]: both ends must be finite numbers")
    if lo >= hi:
        raise ValueError(f"ci80 [{lo:g}, {hi:g}]: the lower end must be below the upper end")
    return lo, hi


def _one_form(name: str, ci80: Any, own: dict[str, Any]) -> None:
    given = [k for k, v in own.items() if v is not None]
    pair = " and ".join(own)
    if ci80 is not None and given:
        raise ValueError(f"{name}: give either ci80 or {pair}, not both")
    if ci80 is None and len(given) != len(own):
        raise ValueError(f"{name}: give ci80: [lo, hi] (an 80% interval) or {pair}")


class Normal(_Continuous):
    """Normal: ``ci80: [lo, hi]`` or ``mean`` and ``sd``."""

    dist: Literal["normal"]
    ci80: tuple[float, float] | None = None
    mean: float | None = None
    sd: Annotated[float, Field(gt=0)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _form(cls, data: Any) -> Any:
        if isinstance(data, dict):
            _one_form("normal", data.get("ci80"), {"mean": data.get("mean"), "sd": data.get("sd")})
        return data

    def loc_scale(self) -> tuple[float, float]:
        interval = _interval(self.ci80)
        if interval is None:
            assert self.mean is not None and self.sd is not None
            return self.mean, self.sd
        lo, hi = interval
        return (lo + hi) / 2, (hi - lo) / (2 * Z90)

    def frozen(self):
        from scipy import stats

        return stats.norm(*self.loc_scale())

    def _shape(self) -> str:
        mu, sd = self.loc_scale()
        return f"normal(mean {mu:.4g}, sd {sd:.4g})"


class LogNormal(_Continuous):
    """Log-normal: ``ci80: [lo, hi]`` (lo > 0) or ``median`` and ``sigma`` (sd of ln x)."""

    dist: Literal["lognormal"]
    ci80: tuple[float, float] | None = None
    median: Annotated[float, Field(gt=0)] | None = None
    sigma: Annotated[float, Field(gt=0)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _form(cls, data: Any) -> Any:
        if isinstance(data, dict):
            _one_form(
                "lognormal",
                data.get("ci80"),
                {"median": data.get("median"), "sigma": data.get("sigma")},
            )
        return data

    def _check_shape(self) -> None:
        if self.ci80 is not None and self.ci80[0] <= 0:
            raise ValueError(
                f"ci80 [{self.ci80[0]:g}, {self.ci80[1]:g}]: a lognormal's interval must be "
                "positive (use normal for a quantity that can be zero or negative)"
            )

    def median_sigma(self) -> tuple[float, float]:
        interval = _interval(self.ci80)
        if interval is None:
            assert self.median is not None and self.sigma is not None
            return self.median, self.sigma
        lo, hi = interval
        return math.sqrt(lo * hi), math.log(hi / lo) / (2 * Z90)

    def frozen(self):
        from scipy import stats

        median, sigma = self.median_sigma()
        return stats.lognorm(s=sigma, scale=median)

    def _shape(self) -> str:
        median, sigma = self.median_sigma()
        return f"lognormal(median {median:.4g}, sigma of ln {sigma:.3g})"


class Beta(_Continuous):
    """Beta on (0, 1): ``ci80: [lo, hi]`` inside (0, 1), or its shape parameters ``a``, ``b``."""

    dist: Literal["beta"]
    ci80: tuple[float, float] | None = None
    a: Annotated[float, Field(gt=0)] | None = None
    b: Annotated[float, Field(gt=0)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _form(cls, data: Any) -> Any:
        if isinstance(data, dict):
            _one_form("beta", data.get("ci80"), {"a": data.get("a"), "b": data.get("b")})
        return data

    def _check_shape(self) -> None:
        if self.ci80 is not None:
            lo, hi = self.ci80
            if not (0 < lo < 1 and 0 < hi < 1):
                raise ValueError(f"ci80 [{lo:g}, {hi:g}]: a beta's interval must lie inside (0, 1)")
        self.shape()  # an interval no beta distribution has is refused here

    def shape(self) -> tuple[float, float]:
        interval = _interval(self.ci80)
        if interval is None:
            assert self.a is not None and self.b is not None
            return self.a, self.b
        return beta_from_ci80(*interval)

    def frozen(self):
        from scipy import stats

        return stats.beta(*self.shape())

    def _shape(self) -> str:
        a, b = self.shape()
        return f"beta(a {a:.3g}, b {b:.3g})"


def beta_from_ci80(lo: float, hi: float) -> tuple[float, float]:
    """Shape parameters (a, b) of the beta distribution whose 10th and 90th percentiles are
    ``lo`` and ``hi``: solved in log space from the normal approximation's moments."""
    from scipy import optimize, stats

    key = (lo, hi)
    if key in _BETA_CACHE:
        return _BETA_CACHE[key]
    mean = (lo + hi) / 2
    var = ((hi - lo) / (2 * Z90)) ** 2
    common = max(mean * (1 - mean) / var - 1, 0.5)
    start = np.log([mean * common, (1 - mean) * common])

    def miss(log_ab):
        a, b = np.exp(log_ab)
        return [stats.beta.ppf(0.1, a, b) - lo, stats.beta.ppf(0.9, a, b) - hi]

    fit = optimize.least_squares(miss, start, xtol=1e-12, ftol=1e-12, gtol=1e-12)
    a, b = (float(v) for v in np.exp(fit.x))
    if max(abs(m) for m in miss(fit.x)) > 1e-6 * max(hi - lo, 1e-3):
        raise ValueError(f"ci80 [{lo:g}, {hi:g}]: no beta distribution has this 80% interval")
    _BETA_CACHE[key] = (a, b)
    return a, b


_BETA_CACHE: dict[tuple[float, float], tuple[float, float]] = {}


class Uniform(_Continuous):
    """Uniform between ``low`` and ``high``."""

    dist: Literal["uniform"]
    low: float
    high: float

    def _check_shape(self) -> None:
        if self.low >= self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")

    def frozen(self):
        from scipy import stats

        return stats.uniform(self.low, self.high - self.low)

    def _shape(self) -> str:
        return f"uniform({self.low:g}, {self.high:g})"


class LogUniform(_Continuous):
    """Log-uniform between ``low`` > 0 and ``high``: every factor of ten equally likely."""

    dist: Literal["loguniform"]
    low: Annotated[float, Field(gt=0)]
    high: Annotated[float, Field(gt=0)]

    def _check_shape(self) -> None:
        if self.low >= self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")

    def frozen(self):
        from scipy import stats

        return stats.loguniform(self.low, self.high)

    def _shape(self) -> str:
        return f"loguniform({self.low:g}, {self.high:g})"


class Triangular(_Continuous):
    """Triangular from ``low`` to ``high``, most likely at ``mode``."""

    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    def _check_shape(self) -> None:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(
                f"needs low <= mode <= high and low < high "
                f"(got {self.low:g}, {self.mode:g}, {self.high:g})"
            )

    def frozen(self):
        from scipy import stats

        width = self.high - self.low
        return stats.triang((self.mode - self.low) / width, loc=self.low, scale=width)

    def _shape(self) -> str:
        return f"triangular({self.low:g}, mode {self.mode:g}, {self.high:g})"


class Choice(_Strict):
    """One of ``values`` (numbers, strings, booleans), with ``weights`` (default: equal)."""

    dist: Literal["choice"]
    why: Why
    values: tuple[Any, ...] = Field(min_length=1)
    weights: tuple[Annotated[float, Field(ge=0)], ...] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"weights: {len(self.weights)} weights for {len(self.values)} values"
                )
            if sum(self.weights) <= 0:
                raise ValueError("weights: at least one weight must be positive")
        if len({repr(v) for v in self.values}) != len(self.values):
            raise ValueError("values: each value may be listed once")
        return self

    def probabilities(self) -> np.ndarray:
        w = np.ones(len(self.values)) if self.weights is None else np.array(self.weights, float)
        return w / w.sum()

    def codes(self, u: np.ndarray) -> np.ndarray:
        """Index of the value each uniform draw picks."""
        edges = np.cumsum(self.probabilities())[:-1]
        return np.searchsorted(edges, np.asarray(u, dtype=float), side="right")

    def values_at(self, u: np.ndarray) -> list[Any]:
        return [self.values[int(i)] for i in self.codes(u)]

    def describe(self) -> str:
        p = self.probabilities()
        return (
            "choice("
            + ", ".join(f"{v}: {q:.0%}" for v, q in zip(self.values, p, strict=True))
            + ")"
        )


DISTRIBUTIONS: dict[str, type[BaseModel]] = {
    "normal": Normal,
    "lognormal": LogNormal,
    "beta": Beta,
    "uniform": Uniform,
    "loguniform": LogUniform,
    "triangular": Triangular,
    "choice": Choice,
}

Prior = Annotated[
    Normal | LogNormal | Beta | Uniform | LogUniform | Triangular | Choice,
    Field(discriminator="dist"),
]


def draw(prior: Any, u: np.ndarray) -> list[Any]:
    """Python values of ``prior`` at uniform draws ``u`` (one per design point)."""
    if isinstance(prior, Choice):
        return prior.values_at(u)
    return prior.values(u)
