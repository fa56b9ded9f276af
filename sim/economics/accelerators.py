"""A sourced catalogue of AI accelerators: peak FLOP/s, board layout, prices, power.

Every number carries its source. Peak FLOP/s are dense (no structured-sparsity doubling) at
the precision large models train in: FP16/BF16 on tensor cores for GPUs, BF16 for TPUs.
Cloud prices are on-demand list prices per chip-hour with the month they were listed; most
come from archived price pages collected by Cottier et al. 2024 ("The rising costs of
training frontier AI models", arXiv 2405.21015; data in epoch-research/training-cost-trends,
``data/Hardware prices.csv``). Purchase prices are per chip for a whole server (host CPUs,
memory and the in-server network included): NVIDIA's DGX list price divided by its GPUs.
Google does not sell TPUs; their purchase price is Cottier et al.'s GPU-equivalent estimate
(uncertain by about 2x either way, as are all purchase prices here: big buyers get
discounts, shortages raise prices).

Uncertainty: peak FLOP/s are exact datasheet figures; cloud list prices vary about 2x across
providers at any date (the cost tool reports the spread); committed-use and spot prices are
2-3x lower than on-demand; purchase prices are the least certain.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

# Cottier et al. 2024, code (training_cost_trends/hardware.py): servers draw about 75% of
# their TDP on average while training.
GPU_AVERAGE_POWER_SHARE_OF_TDP = 0.75
# Cottier et al. 2024: server price over chip price for the average accelerator (1.54 P100
# to 1.69 V100); applied to their GPU-equivalent TPU chip prices.
SERVER_COST_OVERHEAD = 1.64


@dataclass(frozen=True, slots=True)
class CloudPrice:
    """One listed cloud price for one chip-hour."""

    month: str  # YYYY-MM it was listed (archived page or announcement)
    provider: str
    usd_per_chip_hour: float  # on-demand
    committed_usd_per_chip_hour: float | None  # 3-year committed use, where listed
    source: str


@dataclass(frozen=True, slots=True)
class Accelerator:
    """One accelerator type; all per-chip figures unless the name says board."""

    name: str
    full_name: str
    kind: Literal["gpu", "tpu"]
    release: str  # YYYY-MM
    peak_flop_per_s: float  # per chip, dense
    precision: str
    peak_source: str
    chips_per_board: int
    board_note: str
    server_usd_per_chip: float | None  # purchase price of a server, per chip
    purchase_source: str
    average_power_w: float | None  # per chip while training
    server_power_ratio: float | None  # server (host included) power over chip power
    power_source: str
    cloud_prices: tuple[CloudPrice, ...]

    @property
    def peak_flop_per_s_per_board(self) -> float:
        return self.peak_flop_per_s * self.chips_per_board


_EPOCH_PRICES = "Cottier et al. 2024, Hardware prices.csv: "

CATALOGUE: tuple[Accelerator, ...] = (
    Accelerator(
        name="P100",
        full_name="NVIDIA Tesla P100 SXM2",
        kind="gpu",
        release="2016-06",
        peak_flop_per_s=21.2e12,
        precision="FP16 (no tensor cores)",
        peak_source="NVIDIA Tesla P100 datasheet (2016): 21.2 TFLOP/s FP16, SXM2",
        chips_per_board=1,
        board_note="one GPU per SXM2 module; a DGX-1 server holds 8",
        server_usd_per_chip=16_125.0,
        purchase_source=_EPOCH_PRICES + "DGX-1 (8x P100) $129,000 in 2016 (Microway), /8",
        average_power_w=GPU_AVERAGE_POWER_SHARE_OF_TDP * 300.0,
        server_power_ratio=1.8,
        power_source="TDP 300 W (NVIDIA datasheet) x 0.75; server/chip power 1.8, "
        "Cottier et al.'s default for GPUs",
        cloud_prices=(
            CloudPrice(
                "2017-12", "Google Cloud", 1.46, 0.66, _EPOCH_PRICES + "archived GCP GPU pricing"
            ),
            CloudPrice(
                "2018-12", "Microsoft Azure", 2.07, 0.92, _EPOCH_PRICES + "archived Azure NC6s v2"
            ),
        ),
    ),
    Accelerator(
        name="V100",
        full_name="NVIDIA Tesla V100 SXM2",
        kind="gpu",
        release="2017-06",
        peak_flop_per_s=125e12,
        precision="FP16 tensor (mixed precision)",
        peak_source="NVIDIA V100 datasheet (2017): 125 TFLOP/s tensor, SXM2 (PCIe: 112)",
        chips_per_board=1,
        board_note="one GPU per SXM2 module; a DGX-1 server holds 8",
        server_usd_per_chip=18_625.0,
        purchase_source=_EPOCH_PRICES + "DGX-1 (8x V100) $149,000 at release, 2017 Q3, /8",
        average_power_w=GPU_AVERAGE_POWER_SHARE_OF_TDP * 300.0,
        server_power_ratio=1.67,
        power_source="TDP 300 W (NVIDIA datasheet) x 0.75; server/chip power 1.67 "
        "(Cottier et al., from DGX-1 and DGX-2 specifications)",
        cloud_prices=(
            CloudPrice(
                "2018-06",
                "Amazon Web Services",
                3.06,
                1.23,
                _EPOCH_PRICES + "archived AWS p3 page ($24.48/h for 8)",
            ),
            CloudPrice(
                "2019-08",
                "Google Cloud",
                2.48,
                None,
                "archived GCP GPU pricing, us-central1, GPU only (2019; the page also "
                "lists P100 at $1.46)",
            ),
            CloudPrice(
                "2020-02",
                "Microsoft Azure",
                3.06,
                1.16,
                _EPOCH_PRICES + "archived Azure NC6s v3, East US",
            ),
            CloudPrice(
                "2020-06",
                "Lambda",
                1.50,
                None,
                "Lambda, 'OpenAI's GPT-3 language model: a technical overview' (June 2020), "
                "the price behind its $4.6M GPT-3 estimate",
            ),
        ),
    ),
    Accelerator(
        name="A100",
        full_name="NVIDIA A100 SXM4 40 GB",
        kind="gpu",
        release="2020-05",
        peak_flop_per_s=312e12,
        precision="BF16/FP16 tensor",
        peak_source="NVIDIA A100 datasheet (2020): 312 TFLOP/s BF16 tensor dense "
        "(624 with structured sparsity)",
        chips_per_board=1,
        board_note="one GPU per SXM4 module; a DGX A100 server holds 8",
        server_usd_per_chip=24_875.0,
        purchase_source=_EPOCH_PRICES + "DGX A100 (8x A100 40 GB) $199,000 at release, "
        "2020-05 (NVIDIA), /8",
        average_power_w=GPU_AVERAGE_POWER_SHARE_OF_TDP * 400.0,
        server_power_ratio=2.03,
        power_source="TDP 400 W (NVIDIA datasheet) x 0.75; server/chip power 2.03 "
        "(Cottier et al.: DGX A100 6.5 kW for 8 GPUs)",
        cloud_prices=(
            CloudPrice(
                "2020-11",
                "Amazon Web Services",
                4.10,
                1.45,
                _EPOCH_PRICES + "archived AWS p4d.24xlarge ($32.77/h for 8)",
            ),
            CloudPrice(
                "2021-04",
                "Microsoft Azure",
                3.40,
                1.44,
                _EPOCH_PRICES + "archived Azure ND96asr A100 v4",
            ),
            CloudPrice(
                "2022-08", "Lambda", 1.10, None, _EPOCH_PRICES + "full-stack cloud GPU table"
            ),
            CloudPrice(
                "2022-12",
                "Google Cloud",
                2.93,
                1.03,
                _EPOCH_PRICES + "archived GCP GPU pricing, us-central1",
            ),
        ),
    ),
    Accelerator(
        name="H100",
        full_name="NVIDIA H100 SXM5 80 GB",
        kind="gpu",
        release="2022-09",
        peak_flop_per_s=989e12,
        precision="BF16/FP16 tensor",
        peak_source="NVIDIA H100 datasheet (2022): 1,979 TFLOP/s BF16 tensor with sparsity, "
        "989 dense, SXM5",
        chips_per_board=1,
        board_note="one GPU per SXM5 module; a DGX/HGX H100 server holds 8",
        server_usd_per_chip=33_750.0,
        purchase_source=_EPOCH_PRICES + "DGX H100 about $270,000 (SemiAnalysis, 2023-05), /8",
        average_power_w=GPU_AVERAGE_POWER_SHARE_OF_TDP * 700.0,
        server_power_ratio=1.82,
        power_source="TDP 700 W (NVIDIA datasheet) x 0.75; server/chip power 1.82 "
        "(Cottier et al.: DGX H100 10.2 kW for 8 GPUs)",
        cloud_prices=(
            CloudPrice(
                "2023-06",
                "MosaicML",
                5.00,
                None,
                _EPOCH_PRICES + "Databricks MPT-30B post (reserved cluster price)",
            ),
            CloudPrice(
                "2023-06", "Latitude.sh", 4.03, None, _EPOCH_PRICES + "full-stack cloud GPU table"
            ),
            CloudPrice(
                "2023-07",
                "Amazon Web Services",
                12.29,
                None,
                "AWS p5.48xlarge on-demand at launch, $98.32/h for 8",
            ),
            CloudPrice("2023-10", "Oracle Cloud", 10.00, None, _EPOCH_PRICES + "BM.GPU.H100.8"),
            CloudPrice(
                "2023-10", "FluidStack", 4.76, None, _EPOCH_PRICES + "full-stack cloud GPU table"
            ),
            CloudPrice(
                "2024-01", "Lambda", 3.49, None, _EPOCH_PRICES + "Lambda GPU cloud, $27.92/h for 8"
            ),
        ),
    ),
    Accelerator(
        name="TPU v3",
        full_name="Google Cloud TPU v3",
        kind="tpu",
        release="2018-05",
        peak_flop_per_s=123e12,
        precision="BF16",
        peak_source="Google Cloud TPU v3 documentation and Jouppi et al. 2020 (CACM): "
        "123 TFLOP/s BF16 per chip, two TensorCores per chip. Google's 2018 launch figure, "
        "420 TFLOP/s per 4-chip board, is lower than 4 x 123 = 492",
        chips_per_board=4,
        board_note="a board (Cloud TPU device v3-8) holds 4 chips, 8 TensorCores ('cores')",
        server_usd_per_chip=SERVER_COST_OVERHEAD * 5276.0,
        purchase_source="not sold; Cottier et al.'s GPU-equivalent chip price $5,276 x 1.64 "
        "server overhead (their code, constants.py); very uncertain",
        average_power_w=220.0,
        server_power_ratio=1.47,
        power_source="mean measured chip power 220 W (Google Cloud TPU v3 documentation: "
        "123/220/262 W min/mean/max); server/chip power 1.47 (Cottier et al.)",
        cloud_prices=(
            CloudPrice(
                "2018-10",
                "Google Cloud",
                2.00,
                0.90,
                _EPOCH_PRICES + "archived Cloud TPU pricing, US: $8.00/h per v3-8 "
                "board; 3-year commitment $0.90 (2019-07)",
            ),
        ),
    ),
    Accelerator(
        name="TPU v4",
        full_name="Google Cloud TPU v4",
        kind="tpu",
        release="2021-05",
        peak_flop_per_s=275e12,
        precision="BF16",
        peak_source="Google Cloud TPU v4 documentation and Jouppi et al. 2023 (ISCA): "
        "275 TFLOP/s BF16 per chip, two TensorCores per chip",
        chips_per_board=4,
        board_note="a board (one TPU VM host, v4-8) holds 4 chips, 8 TensorCores",
        server_usd_per_chip=SERVER_COST_OVERHEAD * 5167.0,
        purchase_source="not sold; Cottier et al.'s GPU-equivalent chip price $5,167 x 1.64 "
        "server overhead; very uncertain",
        average_power_w=170.0,
        server_power_ratio=1.56,
        power_source="mean measured chip power 170 W (Google Cloud TPU v4 documentation: "
        "90/170/192 W); server/chip power 1.56 (Cottier et al.)",
        cloud_prices=(
            CloudPrice(
                "2022-05",
                "Google Cloud",
                3.22,
                1.45,
                _EPOCH_PRICES + "archived Cloud TPU pricing, us-central2-b",
            ),
        ),
    ),
    Accelerator(
        name="TPU v5p",
        full_name="Google Cloud TPU v5p",
        kind="tpu",
        release="2023-12",
        peak_flop_per_s=459e12,
        precision="BF16",
        peak_source="Google Cloud TPU v5p documentation: 459 TFLOP/s BF16 per chip",
        chips_per_board=4,
        board_note="a board (one TPU VM host, v5p-8) holds 4 chips, 8 TensorCores",
        server_usd_per_chip=None,
        purchase_source="not sold; no public estimate",
        average_power_w=None,
        server_power_ratio=None,
        power_source="not published",
        cloud_prices=(
            CloudPrice(
                "2023-12",
                "Google Cloud",
                4.20,
                None,
                "Google Cloud announcement of TPU v5p (December 2023): $4.20 per chip-hour",
            ),
        ),
    ),
)


def _key(name: str) -> str:
    """Names match without case, spaces or punctuation: 'tpu-v3', 'TPUv3', 'TPU v3'."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


_BY_KEY = {_key(a.name): a for a in CATALOGUE}
_BY_KEY.update({_key(a.full_name): a for a in CATALOGUE})


def names() -> list[str]:
    return [a.name for a in CATALOGUE]


def find(name: str) -> Accelerator | None:
    """The catalogue entry called ``name`` (short or full name, any case), or None."""
    key = _key(name)
    if key in _BY_KEY:
        return _BY_KEY[key]
    # "Tesla V100", "NVIDIA H100": a vendor prefix around one known short name
    hits = {a.name for a in CATALOGUE if _key(a.name) in key}
    return _BY_KEY[_key(hits.pop())] if len(hits) == 1 else None


def suggestions(name: str, n: int = 3) -> list[str]:
    """Closest catalogue names to an unknown ``name``."""
    by_key = {_key(a.name): a.name for a in CATALOGUE}
    close = difflib.get_close_matches(_key(name), list(by_key), n=n, cutoff=0.4)
    return [by_key[k] for k in close]


def latest_prices(accelerator: Accelerator, month: str) -> tuple[tuple[CloudPrice, ...], bool]:
    """Each provider's newest price listed in or before ``month`` (YYYY-MM; such strings
    sort by date). Before the first listing the earliest prices stand in; the flag says so."""
    listed = [p for p in accelerator.cloud_prices if p.month <= month]
    before_first = not listed
    if before_first:
        first = min(p.month for p in accelerator.cloud_prices)
        listed = [p for p in accelerator.cloud_prices if p.month == first]
    newest: dict[str, CloudPrice] = {}
    for price in sorted(listed, key=lambda p: p.month):
        newest[price.provider] = price
    return tuple(newest.values()), before_first
