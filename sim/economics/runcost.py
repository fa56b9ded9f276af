"""What a training run on a given cluster costs: cloud rental, amortized hardware, energy.

Sources: Cottier et al. 2024, "The rising costs of training frontier AI models" (arXiv
2405.21015) and their code (epoch-research/training-cost-trends): cluster-level interconnect
is 19% of a cluster's hardware cost; data centres of hyperscalers run at a power usage
effectiveness of about 1.1 (1.25 elsewhere); US industrial electricity prices (EIA annual
averages, as tabulated there). Accelerators are written off over about 4-5 years (Epoch
2025; the Full Takeoff Model uses 20% a year); Cottier et al. use 3 years for servers bought
by 2020, 4 for 2021-22 and 5 from 2023.
"""

from __future__ import annotations

from sim.economics.hardware import SECONDS_PER_YEAR

SECONDS_PER_HOUR = 3600.0
HOURS_PER_YEAR = SECONDS_PER_YEAR / SECONDS_PER_HOUR
INTERCONNECT_COST_SHARE = 0.19
DATACENTER_PUE = 1.1
DEFAULT_LIFE_YEARS = 4.0
# USD per kWh, US industrial average (EIA), by calendar year.
ELECTRICITY_USD_PER_KWH = {
    2016: 0.0676,
    2017: 0.0688,
    2018: 0.0692,
    2019: 0.0681,
    2020: 0.0667,
    2021: 0.0718,
    2022: 0.0832,
    2023: 0.0806,
    2024: 0.0771,
}


def run_seconds_for_training_flop(
    training_flop: float, cluster_peak_flop_per_s: float, utilization: float
) -> float:
    """Seconds a cluster of this peak FLOP/s needs to execute ``training_flop`` at the given
    model FLOP utilization (the inverse of training.training_flop of hardware.max_run_flop)."""
    return training_flop / (cluster_peak_flop_per_s * utilization)


def devices_for_training_flop(
    training_flop: float, device_peak_flop_per_s: float, run_seconds: float, utilization: float
) -> float:
    """Devices (of this peak FLOP/s each) needed to execute ``training_flop`` in
    ``run_seconds`` at the given utilization."""
    return training_flop / (device_peak_flop_per_s * run_seconds * utilization)


def device_hours(devices: float, run_seconds: float) -> float:
    """Device-hours (chip- or board-hours) of ``devices`` used for ``run_seconds``."""
    return devices * run_seconds / SECONDS_PER_HOUR


def rental_cost_usd(device_hours_used: float, usd_per_device_hour: float) -> float:
    """Cloud rental: device-hours at a price per device-hour."""
    return device_hours_used * usd_per_device_hour


def amortized_hardware_cost_usd(
    chip_hours: float,
    server_usd_per_chip: float,
    life_years: float = DEFAULT_LIFE_YEARS,
    interconnect_share: float = INTERCONNECT_COST_SHARE,
) -> float:
    """Share of the cluster's purchase price used up by the run: servers plus cluster
    interconnect (``interconnect_share`` of the total), written off evenly over
    ``life_years``."""
    cluster_usd_per_chip = server_usd_per_chip / (1.0 - interconnect_share)
    return chip_hours * cluster_usd_per_chip / (life_years * HOURS_PER_YEAR)


def energy_kwh(
    chip_hours: float,
    average_chip_power_w: float,
    server_power_ratio: float,
    pue: float = DATACENTER_PUE,
) -> float:
    """Electricity drawn by the run: chips, the rest of their servers, and cooling (PUE)."""
    return chip_hours * average_chip_power_w / 1000.0 * server_power_ratio * pue


def electricity_usd_per_kwh(year: int) -> float:
    """US industrial electricity price of ``year`` (the nearest tabulated year outside)."""
    first, last = min(ELECTRICITY_USD_PER_KWH), max(ELECTRICITY_USD_PER_KWH)
    return ELECTRICITY_USD_PER_KWH[min(max(year, first), last)]


def energy_cost_usd(kwh: float, usd_per_kwh: float) -> float:
    return kwh * usd_per_kwh
