"""The scenario library: each shipped story's documented outcome holds in most seeds, and the
calibrated history passes its targets."""

import functools
import subprocess
import sys

import numpy as np
from conftest import ROOT, SCENARIOS, load

from sim.calibration import check, load_targets, update_doc
from sim.results import run

SEEDS = range(10)


def share_of_seeds(condition, seeds=SEEDS) -> float:
    return float(np.mean([bool(condition(seed)) for seed in seeds]))


def best_lab_at_horizon(result) -> str:
    labs = result.labs
    final = labs[labs["step"] == labs["step"].max()]
    return final.sort_values("capability").iloc[-1]["lab"]


def test_every_library_scenario_tells_its_story_in_its_header():
    for name in (
        "scaling-hypothesis",
        "ideas-bottleneck",
        "hardware-stagnation",
        "compute-cap",
        "wake-up",
        "natural-monopoly",
        "open-diffusion",
        "ai-rnd-feedback",
        "power-wall",
    ):
        text = (SCENARIOS / f"{name}.yaml").read_text()
        header = text.split("\nbase:")[0]
        for word in ("Story:", "Outcome:"):
            assert word in header, (name, word)
        assert "base: baseline.yaml" in text or "base: history.yaml" in text


def test_scaling_hypothesis_the_scaling_maximalist_pulls_ahead():
    # 20 seeds, where 10 leave a +-15-point sampling error near the claimed 70% (measured:
    # 20 of 20; before consumers' switching inertia was fitted, 15 of 20, 6 of seeds 0-9).
    scenario = load("scaling-hypothesis.yaml")
    openai_best = lambda s: best_lab_at_horizon(run(scenario, seed=s)) == "openai"  # noqa: E731
    assert share_of_seeds(openai_best, range(20)) >= 0.7


def test_ideas_bottleneck_the_engineer_heavy_lab_pulls_ahead():
    scenario = load("ideas-bottleneck.yaml")
    assert share_of_seeds(lambda s: best_lab_at_horizon(run(scenario, seed=s)) == "deepmind") >= 0.7


def test_hardware_stagnation_shrinks_runs_and_keeps_serving_dear():
    stagnant, baseline = load("hardware-stagnation.yaml"), load("baseline.yaml")

    def largest(scenario, seed):
        return run(scenario, seed=seed).timeseries["frontier_training_flop"].iloc[-1]

    assert share_of_seeds(lambda s: largest(stagnant, s) * 5 <= largest(baseline, s)) >= 0.7
    last = lambda scenario: run(scenario, seed=0).timeseries["serving_flop_per_usd"].iloc[-1]  # noqa: E731
    assert last(stagnant) * 5 < last(baseline)


def test_compute_cap_bounds_runs_slows_capability_and_builds_an_overhang():
    capped, baseline = load("compute-cap.yaml"), load("baseline.yaml")
    finals = {}
    for seed in SEEDS:
        a, b = run(capped, seed=seed), run(baseline, seed=seed)
        after = a.models[a.models["started"] >= "2027-01"]
        assert (after["training_flop"] <= 1e26 * (1 + 1e-9)).all()
        finals[seed] = (a.timeseries.iloc[-1], b.timeseries.iloc[-1])
    assert (
        share_of_seeds(
            lambda s: finals[s][0]["frontier_capability"] < finals[s][1]["frontier_capability"]
        )
        >= 0.7
    )
    assert (
        share_of_seeds(
            lambda s: (
                finals[s][0]["hardware_overhang_budget"]
                >= 10 * finals[s][1]["hardware_overhang_budget"]
            )
        )
        >= 0.7
    )


def test_wake_up_parent_answers_a_rivals_lead():
    woken, baseline = load("wake-up.yaml"), load("baseline.yaml")

    def woke(seed):
        events = run(woken, seed=seed).events
        return ((events["type"] == "wake_up") & (events["lab"] == "google_brain")).any()

    def staff(scenario, seed):
        labs = run(scenario, seed=seed).labs
        return labs[labs["lab"] == "google_brain"]["engineers"].iloc[-1]

    assert share_of_seeds(woke) >= 0.7
    assert share_of_seeds(lambda s: staff(woken, s) > staff(baseline, s)) >= 0.7


@functools.cache
def history_check():
    """The history's check over 20 seeds, as docs/calibration.md shows it (run once)."""
    return check(load("history.yaml"), load_targets(SCENARIOS / "history.targets.yaml"), range(20))


def test_docs_calibration_shows_the_history_check(tmp_path):
    report = history_check()
    assert len(report.targets) >= 15 and len(report.held_out) >= 14
    # docs/calibration.md shows exactly this output (regenerate with the command at its top).
    doc = ROOT / "docs" / "calibration.md"
    fresh = tmp_path / "calibration.md"
    fresh.write_text(doc.read_text())
    update_doc(fresh, report, "Calibration of history over 20 seeds")
    assert fresh.read_text() == doc.read_text(), (
        "docs/calibration.md is stale: run the command at its top"
    )


def test_history_passes_every_target_a_parameter_was_set_for():
    failed = [
        (r["target"], r["result"], r["median"], r["band_low"], r["band_high"])
        for r in history_check().targets
        if r["status"] != "untouched" and not r["passed"]
    ]
    assert not failed


def test_history_passes_its_untouched_targets():
    # OpenAI leading in 2023, its enterprise API share, the open-weights share of users and the
    # price decline at fixed capability (and the share of it from newer models) agree with
    # the record without any parameter set for them: the evidence (docs/calibration.md).
    failed = [
        (r["target"], r["result"], r["median"], r["band_low"], r["band_high"])
        for r in history_check().targets
        if r["status"] == "untouched" and not r["passed"]
    ]
    assert not failed


def test_history_knows_its_entrants_and_the_merger():
    result = run(load("history.yaml", end="2024-01"), seed=0)
    entries = result.events.query("type == 'entry'").set_index("lab")["date"]
    assert entries["anthropic"] == "2021-05"
    merger = result.events.query("type == 'merger'")
    assert list(merger["date"]) == ["2023-04"] and merger["detail"].iloc[0] == "google_deepmind"


def test_labsim_check_cli_writes_tables_and_exits_by_result(tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "sim",
        "check",
        "scenarios/history.yaml",
        "--seeds",
        "3",
        "--out",
        str(tmp_path),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode in (0, 1), proc.stderr
    for name in ("calibration.csv", "calibration.md", "heldout.csv"):
        assert (tmp_path / name).exists(), name
    assert "frontier_compute_growth" in proc.stdout and "Held out (2024-2025)" in proc.stdout
    # An impossible target fails the check with exit status 1.
    targets = tmp_path / "t.yaml"
    targets.write_text(
        "targets:\n  - {name: impossible, source: test, status: untouched, kind: value, column: hhi, at: 2030-01, band: [20000, 30000]}\n"
    )
    cmd = [
        sys.executable,
        "-m",
        "sim",
        "check",
        "scenarios/baseline.yaml",
        "--seeds",
        "2",
        "--targets",
        str(targets),
        "--out",
        str(tmp_path / "b"),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 1 and "FAIL" in proc.stdout


def test_bad_targets_file_is_one_clear_line(tmp_path):
    targets = tmp_path / "t.yaml"
    targets.write_text(
        "targets:\n  - {name: x, source: s, status: fitted, kind: value, column: hhhi, at: 2030-01, band: [1, 2]}\n"
    )
    cmd = [
        sys.executable,
        "-m",
        "sim",
        "check",
        "scenarios/baseline.yaml",
        "--targets",
        str(targets),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert "did you mean hhi?" in proc.stderr and "Traceback" not in proc.stderr


def _final_structures(scenario, seeds=range(8)):
    finals = [run(scenario, seed=s).timeseries.iloc[-1] for s in seeds]
    return [f["structure"] for f in finals], float(np.median([f["hhi"] for f in finals]))


def test_natural_monopoly_tips_through_bootstrapping_not_through_the_market():
    # The market is the baseline's (network effects, inertia, antitrust): the monopoly comes
    # from warm starts, the learning curve and AI research copies.
    labels, hhi = _final_structures(load("natural-monopoly.yaml"))
    assert labels.count("monopoly") >= 6 and hhi >= 5000
    # Warm starts and the learning curve at their baseline values: no longer a monopoly.
    reset = load(
        "natural-monopoly.yaml",
        **{
            "mechanisms.warm_start.kappa": 0.3,
            "mechanisms.learning_curve.progress_ratio": 0.9,
            "mechanisms.learning_curve.reproduction_cost_fraction": 0.2,
        },
    )
    reset_labels, reset_hhi = _final_structures(reset)
    assert reset_labels.count("monopoly") <= 3 and reset_hhi < hhi - 2500
    # Who ships first changes (run lengths +-2 months): still a monopoly.
    for lab, months in (("openai", 6), ("google_brain", 5), ("google_brain", 1)):
        moved, moved_hhi = _final_structures(
            load("natural-monopoly.yaml", **{f"labs.{lab}.run_months": months}), range(4)
        )
        assert moved.count("monopoly") >= 3 and moved_hhi >= 5000, (lab, months)
