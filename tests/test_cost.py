"""``labsim cost``: the catalogue, the worked examples, the model's own functions, bad input."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT, SCENARIOS

from sim.cli import main
from sim.cost import RunSpec, estimate, model_training_flop_per_usd
from sim.cost_report import format_report
from sim.economics import accelerators as acc
from sim.economics import hardware as hw
from sim.economics import overhang as oh
from sim.economics import runcost, scaling

LAMBDA_GPT3_USD = 4.6e6  # Lambda (2020): GPT-3's cloud-equivalent cost
GPT3_FLOP = 3.14e23


def cost(*args: str) -> list[str]:
    return ["cost", *args]


# ---------------------------------------------------------------- the catalogue


def test_catalogue_holds_the_datasheet_peaks_and_sources():
    peaks = {a.name: a.peak_flop_per_s for a in acc.CATALOGUE}
    assert peaks["V100"] == 125e12
    assert peaks["A100"] == 312e12
    assert peaks["H100"] == 989e12
    assert peaks["TPU v3"] == 123e12
    assert peaks["TPU v4"] == 275e12
    for a in acc.CATALOGUE:
        assert a.peak_source and a.purchase_source and a.power_source and a.precision
        assert a.board_note and a.chips_per_board >= 1
        assert a.cloud_prices, a.name
        for q in a.cloud_prices:
            assert q.source and q.usd_per_chip_hour > 0
            assert re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", q.month)
            if q.committed_usd_per_chip_hour is not None:
                assert q.committed_usd_per_chip_hour < q.usd_per_chip_hour
    v3 = acc.find("TPU v3")
    assert v3.chips_per_board == 4 and "8 TensorCores" in v3.board_note
    assert v3.peak_flop_per_s_per_board == 4 * 123e12


def test_catalogue_is_immutable_and_names_match_loosely():
    v100 = acc.find("v100")
    with pytest.raises(AttributeError):
        v100.peak_flop_per_s = 1.0
    assert acc.find("tpu-v3") is acc.find("TPUv3") is acc.find("TPU v3")
    assert acc.find("NVIDIA Tesla V100") is v100
    assert acc.find("X100") is None
    assert "V100" in acc.suggestions("V10")


def test_prices_by_date_take_each_providers_newest_listing():
    v100 = acc.find("V100")
    quotes, early = acc.latest_prices(v100, "2020-06")
    assert not early and len(quotes) == 4
    quotes, _ = acc.latest_prices(v100, "2019-12")
    assert {q.provider for q in quotes} == {"Amazon Web Services", "Google Cloud"}
    quotes, early = acc.latest_prices(v100, "2016-01")
    assert early and [q.month for q in quotes] == ["2018-06"]


def test_list_prints_every_accelerator_with_its_sources(capsys):
    assert main(cost("--list")) == 0
    out = capsys.readouterr().out
    for a in acc.CATALOGUE:
        assert f"{a.name}: {a.full_name}" in out
        assert a.peak_source in out
    assert "Cottier et al." in out and "per chip-hour" in out


# ---------------------------------------------------------------- worked examples


def test_gpt3_on_v100s_costs_within_2x_of_lambdas_estimate(capsys):
    args = ("--flop", "3.14e23", "--hardware", "V100", "--count", "10000")
    assert main(cost(*args, "--utilization", "0.3", "--date", "2020-06")) == 0
    out = capsys.readouterr().out
    assert "training FLOP   3.14e+23" in out and "cloud rental" in out and "amortized" in out
    r = estimate(
        RunSpec(
            hardware=acc.find("V100"),
            count=1e4,
            utilization=0.3,
            month="2020-06",
            training_flop=GPT3_FLOP,
        )
    )
    assert LAMBDA_GPT3_USD / 2 < r.rental.usd < LAMBDA_GPT3_USD * 2
    assert r.rental.low_usd < r.rental.usd < r.rental.high_usd
    # owning the hardware costs less than renting it (Cottier et al.: cloud is ~2-4x)
    assert r.amortized.usd < r.rental.usd
    assert 0 < r.amortized.energy_usd < 0.1 * r.amortized.usd
    # 10,000 V100s at 30% utilization: about 10 days
    assert 8 < r.seconds / 86400 < 12


def test_lambdas_own_assumptions_reproduce_its_46_million():
    # Lambda: 28 TFLOP/s achieved on a V100 at $1.50 per GPU-hour
    r = estimate(
        RunSpec(
            hardware=acc.find("V100"),
            count=1,
            utilization=28 / 125,
            month="2020-06",
            training_flop=GPT3_FLOP,
            usd_per_device_hour=1.50,
        )
    )
    assert r.rental.usd == pytest.approx(LAMBDA_GPT3_USD, rel=0.02)
    assert r.seconds / hw.SECONDS_PER_YEAR == pytest.approx(355, rel=0.01)  # "355 GPU-years"


def _thirty_agents(unit: str):
    """30 agents x 8 TPU v3 devices at $5,000 a month per 8 devices, for 1.3 months."""
    return RunSpec(
        hardware=acc.find("TPU v3"),
        unit=unit,
        count=30 * 8,
        seconds=1.3 * hw.SECONDS_PER_MONTH,
        utilization=0.3,
        month="2019-01",
        usd_per_device_hour=5000 / 8 / (hw.SECONDS_PER_MONTH / 3600),
    )


def test_thirty_agents_on_tpu_v3_rent_for_195k_and_chips_vs_boards_is_4x(capsys):
    chips, boards = estimate(_thirty_agents("chip")), estimate(_thirty_agents("board"))
    assert chips.rental.usd == pytest.approx(195_000, rel=1e-9)
    assert boards.rental.usd == pytest.approx(195_000, rel=1e-9)
    assert boards.training_flop == pytest.approx(4 * chips.training_flop, rel=1e-12)
    assert boards.chip_hours == pytest.approx(4 * chips.chip_hours, rel=1e-12)
    # the FLOP at the stated utilization: 240 chips x 123 TFLOP/s x 0.3 x 1.3 months
    assert chips.training_flop == pytest.approx(240 * 123e12 * 0.3 * 1.3 * hw.SECONDS_PER_MONTH)
    # the same through the command line, which says which reading it took
    common = ("--hardware", "TPU v3", "--count", "240", "--months", "1.3")
    common += ("--price-per-month", "625", "--utilization", "0.3", "--date", "2019-01")
    assert main(cost(*common)) == 0
    out_chips = capsys.readouterr().out
    assert main(cost(*common, "--unit", "board")) == 0
    out_boards = capsys.readouterr().out
    assert "counted as chips" in out_chips and "counted as boards" in out_boards
    assert "$195k" in out_chips and "$195k" in out_boards
    assert "utilization 0.30" in out_chips
    assert f"{chips.training_flop:.3g}" in out_chips
    assert f"{boards.training_flop:.3g}" in out_boards
    # the quoted price against the catalogue's: a board costs 4x a chip
    assert boards.rental.catalogue_usd_per_device_hour == pytest.approx(
        4 * chips.rental.catalogue_usd_per_device_hour
    )


@pytest.mark.parametrize("params, expected", [(1e14, 2e8), (1e15, 2e9)])
def test_finnveden_runnable_tokens_per_second(params, expected, capsys):
    # p params, m = 20 tokens per param, H = 1, one year: 3 m p H / N tokens/s
    r = estimate(
        RunSpec(
            training_flop=scaling.training_flop_from_params_tokens(params, 20 * params),
            params=params,
            tokens=20 * params,
            seconds=hw.SECONDS_PER_YEAR,
        )
    )
    assert r.given_tokens_per_s == pytest.approx(
        oh.runnable_tokens_per_s_compute_optimal(params, 20, hw.SECONDS_PER_YEAR)
    )
    assert expected / 1.5 < r.given_tokens_per_s < expected * 1.5
    args = ("--params", f"{params:g}", "--tokens", f"{20 * params:g}", "--years", "1")
    assert main(cost(*args)) == 0
    assert f"{r.given_tokens_per_s:.3g} tokens/s" in capsys.readouterr().out


def test_compute_optimal_overhang_is_the_closed_form_3mph_over_n():
    r = estimate(_thirty_agents("chip"))
    m = r.optimal_tokens / r.optimal_params
    closed = oh.runnable_tokens_per_s_compute_optimal(r.optimal_params, m, r.seconds)
    assert r.optimal_tokens_per_s == pytest.approx(closed, rel=1e-12)
    n, d = scaling.split_params_tokens(r.training_flop, scaling.EPOCH_REFIT)
    assert (r.optimal_params, r.optimal_tokens) == (n, d)
    assert 10 < m < 30  # ~20 tokens per parameter


# ---------------------------------------------------------------- the model's own functions


def test_flop_and_duration_round_trip():
    v100 = acc.find("V100")
    by_hardware = estimate(
        RunSpec(hardware=v100, count=512, seconds=20 * 86400, utilization=0.4, month="2021-01")
    )
    assert by_hardware.training_flop == pytest.approx(512 * 125e12 * 20 * 86400 * 0.4)
    by_flop = estimate(
        RunSpec(
            hardware=v100,
            count=512,
            utilization=0.4,
            month="2021-01",
            training_flop=by_hardware.training_flop,
        )
    )
    assert by_flop.seconds == pytest.approx(20 * 86400)
    by_days = estimate(
        RunSpec(
            hardware=v100,
            seconds=20 * 86400,
            utilization=0.4,
            month="2021-01",
            training_flop=by_hardware.training_flop,
        )
    )
    assert by_days.count == pytest.approx(512)
    assert by_days.rental.usd == pytest.approx(by_hardware.rental.usd)


def test_the_price_curve_is_the_one_the_model_charges():
    from sim.model import LabRaceModel
    from sim.scenario import load_scenario

    model = LabRaceModel(load_scenario(SCENARIOS / "baseline.yaml"), seed=1)
    for k in (0, 5, 61, 200):
        # the same function on the same inputs; the model's year k/12 differs in the last bit
        assert model_training_flop_per_usd(model.dates[k]) == pytest.approx(
            model.flop_per_usd_training_path[k], rel=1e-14
        )
    r = estimate(RunSpec(training_flop=1e24, utilization=0.5, month="2023-01"))
    assert r.model_curve_usd == pytest.approx(1e24 / 0.5 / model_training_flop_per_usd("2023-01"))
    assert "n/a" in format_report(estimate(RunSpec(training_flop=1e24, month="2019-01")))


def test_amortized_cost_follows_life_and_interconnect():
    base = runcost.amortized_hardware_cost_usd(1000.0, 20_000.0, life_years=4)
    assert runcost.amortized_hardware_cost_usd(1000.0, 20_000.0, life_years=2) == pytest.approx(
        2 * base
    )
    # a chip used for its whole life costs its installed price
    life_hours = 4 * runcost.HOURS_PER_YEAR
    whole = runcost.amortized_hardware_cost_usd(life_hours, 20_000.0, life_years=4)
    assert whole == pytest.approx(20_000 / (1 - runcost.INTERCONNECT_COST_SHARE))
    assert runcost.electricity_usd_per_kwh(1990) == runcost.ELECTRICITY_USD_PER_KWH[2016]


def test_hardware_without_a_purchase_price_reports_amortized_as_unavailable(capsys):
    args = ("--hardware", "TPU v5p", "--count", "64", "--days", "3", "--date", "2024-06")
    assert main(cost(*args)) == 0
    out = capsys.readouterr().out
    assert "amortized       n/a" in out and "cloud rental" in out


def test_a_date_before_the_first_listing_or_release_is_noted(capsys):
    assert main(cost("--hardware", "H100", "--count", "8", "--days", "1", "--date", "2021-01")) == 0
    out = capsys.readouterr().out
    assert "no H100 cloud price listed by 2021-01" in out
    assert "released in 2022-09" in out


def test_default_date_is_the_newest_listing_and_said_so(capsys):
    assert main(cost("--hardware", "A100", "--count", "8", "--days", "1")) == 0
    assert "newest catalogue listing, 2022-12" in capsys.readouterr().out


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "args, says",
    [
        (("--hardware", "V10", "--count", "8", "--days", "1"), "did you mean V100"),
        (("--hardware", "X9000", "--count", "8", "--days", "1"), "unknown"),
        (("--hardware", "V100", "--count", "-8", "--days", "1"), "--count -8"),
        (("--hardware", "V100", "--count", "eight", "--days", "1"), "not a number"),
        (("--hardware", "V100", "--count", "8", "--days", "1", "--utilization", "1.5"), "(0, 1]"),
        (("--hardware", "V100", "--count", "8", "--days", "1", "--utilization", "0"), "positive"),
        (("--hardware", "V100", "--count", "8", "--days", "1", "--date", "2020-13"), "YYYY-MM"),
        (("--hardware", "V100", "--count", "8", "--days", "1", "--date", "June 2020"), "YYYY-MM"),
        (("--hardware", "V100", "--count", "8", "--days", "1", "--unit", "rack"), "chip or board"),
        (("--hardware", "V100", "--count", "8"), "missing a duration"),
        (("--hardware", "V100", "--count", "8", "--days", "1", "--months", "1"), "one duration"),
        (("--params", "1e9"), "go together"),
        (("--flop", "1e23", "--params", "1e9", "--tokens", "1e10"), "not both"),
        (("--flop", "1e23", "--hardware", "V100", "--count", "8", "--days", "3"), "not both"),
        (("--flop", "1e23", "--hardware", "V100"), "needs --count or a duration"),
        (("--flop", "1e23", "--price-per-hour", "2"), "needs --hardware"),
        (("--flop", "1e23", "--law", "kaplan"), "--law kaplan"),
        ((), "missing"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, says, capsys):
    assert main(cost(*args)) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    assert says in lines[0]
    assert captured.out == ""


def test_bad_input_from_the_shell_has_no_traceback():
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "cost", "--hardware", "V100", "--count", "-1", "--days", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stdout == ""


# ---------------------------------------------------------------- the documentation

DOC = ROOT / "docs" / "cost.md"


def _doc_examples() -> list[tuple[str, str]]:
    """(command, printed output) of every ``$ labsim cost ...`` block in docs/cost.md."""
    blocks = re.findall(r"```\n\$ labsim (cost [^\n]*)\n(.*?)```", DOC.read_text(), re.S)
    return [(command, output.rstrip("\n")) for command, output in blocks]


def test_doc_examples_are_what_the_command_prints(capsys):
    import shlex

    examples = _doc_examples()
    assert len(examples) >= 4
    for command, output in examples:
        assert main(shlex.split(command)) == 0, command
        assert capsys.readouterr().out.rstrip("\n") == output, f"docs/cost.md is stale: {command}"


def test_doc_catalogue_table_lists_every_accelerator_with_its_peak():
    rows = {
        cells[0]: cells
        for line in DOC.read_text().splitlines()
        if line.startswith("| ")
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }
    for a in acc.CATALOGUE:
        assert a.name in rows, f"docs/cost.md: no row for {a.name}"
        assert float(rows[a.name][1]) == a.peak_flop_per_s / 1e12
        assert rows[a.name][3].startswith(str(a.chips_per_board))
