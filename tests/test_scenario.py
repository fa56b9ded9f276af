"""Scenario files: inheritance, overrides, and a clear line for every kind of bad input."""

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SCENARIOS

from sim.scenario import ScenarioError, load_scenario, merge_scenarios


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def problems(path, overrides=None) -> list[str]:
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path, overrides)
    return exc.value.problems


BASE = f"base: {SCENARIOS / 'baseline.yaml'}\n"


def test_every_shipped_scenario_is_valid():
    files = [p for p in SCENARIOS.glob("*.yaml") if not p.name.endswith(".targets.yaml")]
    assert len(files) >= 3
    for path in files:
        load_scenario(path)


def test_unknown_key_names_the_path_and_the_closest_valid_name(tmp_path):
    path = write(tmp_path, "s.yaml", BASE + "hardware:\n  doubling_time: 2.0\n")
    assert problems(path) == [
        f"{path}: hardware.doubling_time: unknown key; did you mean doubling_time_years?"
    ]


def test_lab_keys_are_reported_by_lab_name(tmp_path):
    path = write(tmp_path, "s.yaml", BASE + "labs:\n  - name: openai\n    enginers: 5\n")
    (line,) = problems(path)
    assert "labs.openai.enginers: unknown key; did you mean engineers?" in line


def test_wrong_type_and_out_of_range_values(tmp_path):
    text = (
        BASE
        + "market:\n  inertia: 1.5\nhardware:\n  doubling_time_years: -2\nlabs:\n  - name: openai\n    engineers: lots\n"
    )
    lines = problems(write(tmp_path, "s.yaml", text))
    assert len(lines) == 3
    assert any("market.inertia" in line and "1.5" in line for line in lines)
    assert any(
        "hardware.doubling_time_years" in line and "greater than or equal to 0.25" in line
        for line in lines
    )
    assert any("labs.openai.engineers" in line and "lots" in line for line in lines)


def test_cost_shares_above_one_are_rejected(tmp_path):
    text = BASE + "hardware:\n  training_cost_shares: {accelerator: 0.9, memory: 0.3, cpu: 0.1}\n"
    (line,) = problems(write(tmp_path, "s.yaml", text))
    assert "training_cost_shares" in line and "sum to 1" in line


def test_end_before_start_is_reported_with_the_other_problems(tmp_path):
    text = BASE + "start: 2030-01\nend: 2020-01\nmarket:\n  inertia: 2\n"
    lines = problems(write(tmp_path, "s.yaml", text))
    assert any("end (2020-01) must be after start (2030-01)" in line for line in lines)
    assert any("market.inertia" in line for line in lines)


def test_unknown_archetype_is_one_line(tmp_path):
    text = BASE + "labs:\n  - name: newco\n    archetype: scaling_maximalst\n"
    (line,) = problems(write(tmp_path, "s.yaml", text))
    assert "labs.newco.archetype" in line and "scaling_maximalist" in line


def test_unknown_event_type_and_unknown_lab_in_event(tmp_path):
    text = BASE + "events:\n  - {type: hardwre_shock, date: 2023-04}\n"
    (line,) = problems(write(tmp_path, "s.yaml", text))
    assert "unknown event type 'hardwre_shock'" in line
    text = BASE + "events:\n  - {type: merger, date: 2023-04, labs: [openai, nobody]}\n"
    (line,) = problems(write(tmp_path, "t.yaml", text))
    assert "unknown lab 'nobody'" in line


def test_event_before_the_start_is_rejected(tmp_path):
    text = BASE + "events:\n  - {type: wake_up, date: 2019-04, lab: deepmind, multiplier: 2}\n"
    (line,) = problems(write(tmp_path, "s.yaml", text))
    assert "before the start" in line


def test_yaml_syntax_error_gives_line_and_column(tmp_path):
    path = write(tmp_path, "s.yaml", "name: x\nlabs: [\n  - name: a\n")
    (line,) = problems(path)
    assert "YAML syntax error at line 3, column 3" in line


def test_missing_file_and_circular_base(tmp_path):
    assert problems(tmp_path / "nope.yaml") == [f"{tmp_path / 'nope.yaml'}: no such file"]
    write(tmp_path, "a.yaml", "base: b.yaml\n")
    write(tmp_path, "b.yaml", "base: a.yaml\n")
    (line,) = problems(tmp_path / "a.yaml")
    assert "circular base" in line


def test_base_inheritance_merges_labs_by_name(tmp_path):
    text = BASE + (
        "name: child\n"
        "labs:\n"
        "  - name: openai\n    engineers: 999\n"
        "  - name: google_brain\n    remove: true\n"
        "  - name: newco\n    archetype: fast_follower\n"
    )
    scenario = load_scenario(write(tmp_path, "child.yaml", text))
    labs = {lab.name: lab for lab in scenario.labs}
    assert set(labs) == {"openai", "deepmind", "newco"}
    assert labs["openai"].engineers == 999
    assert labs["openai"].cash_usd == 3e8  # the rest of the lab is inherited
    assert labs["newco"].imitates is True  # archetype defaults fill the new lab
    assert scenario.name == "child"


def lab_names(scenario) -> set[str]:
    return {lab.name for lab in scenario.labs}


def test_remove_drops_the_lab_from_a_file_from_set_and_from_a_file_without_base(tmp_path):
    child = write(tmp_path, "child.yaml", BASE + "labs:\n  - {name: deepmind, remove: true}\n")
    assert lab_names(load_scenario(child)) == {"openai", "google_brain"}
    # --set, the way a user compares "with and without a lab"
    removed = load_scenario(SCENARIOS / "baseline.yaml", ["labs.deepmind.remove=true"])
    assert lab_names(removed) == {"openai", "google_brain"}
    # and back: a file's removal undone from the command line
    assert "deepmind" in lab_names(load_scenario(child, ["labs.deepmind.remove=false"]))
    # a file without base: the lab it marks removed is not simulated
    text = "labs:\n  - {name: a, archetype: pragmatist}\n  - {name: b, archetype: pragmatist, remove: true}\n"
    assert lab_names(load_scenario(write(tmp_path, "root.yaml", text))) == {"a"}


def test_a_removed_lab_is_not_in_the_run():
    import sim

    result = sim.run(
        load_scenario(SCENARIOS / "baseline.yaml", ["labs.deepmind.remove=true", "end=2021-01"])
    )
    assert set(result.labs["lab"]) == {"openai", "google_brain"}


def test_re_adding_a_removed_lab_by_name_starts_it_afresh(tmp_path):
    write(tmp_path, "mid.yaml", BASE + "labs:\n  - {name: deepmind, remove: true}\n")
    text = "base: mid.yaml\nlabs:\n  - {name: deepmind, archetype: fast_follower}\n"
    scenario = load_scenario(write(tmp_path, "top.yaml", text))
    (deepmind,) = [lab for lab in scenario.labs if lab.name == "deepmind"]
    assert deepmind.archetype == "fast_follower" and deepmind.parent_budget_usd_per_year == 0


def test_removing_an_unknown_lab_is_an_error_with_a_suggestion(tmp_path):
    path = write(tmp_path, "s.yaml", BASE + "labs:\n  - {name: deepmnd, remove: true}\n")
    assert problems(path) == [
        f"{path}: labs.deepmnd: remove: true, but there is no lab named 'deepmnd' to remove; "
        "did you mean deepmind?"
    ]
    (line,) = problems(SCENARIOS / "baseline.yaml", ["labs.deepmnd.remove=true"])
    assert line == "--set labs.deepmnd.remove=true: no lab named 'deepmnd'; did you mean deepmind?"
    # in a file without base, an entry that only removes names no lab either
    text = "labs:\n  - {name: a, archetype: pragmatist}\n  - {name: b, remove: true}\n"
    (line,) = problems(write(tmp_path, "root.yaml", text))
    assert "no lab named 'b' to remove" in line


def test_removing_a_lab_an_event_names_is_an_error_naming_both(tmp_path):
    (line,) = problems(SCENARIOS / "history.yaml", ["labs.deepmind.remove=true"])
    assert line.startswith("--set labs.deepmind.remove=true: lab 'deepmind' is removed, but ")
    assert "event merger on 2023-04 names it" in line
    text = BASE + (
        "labs:\n  - {name: deepmind, remove: true}\n"
        "events:\n  - {type: wake_up, date: 2022-12, lab: deepmind, multiplier: 3}\n"
    )
    path = write(tmp_path, "s.yaml", text)
    (line,) = problems(path)
    assert line.startswith(f"{path}: labs.deepmind.remove: lab 'deepmind' is removed")
    assert "event wake_up on 2022-12" in line
    # dropping the event too (a file's events: replaces its base's) makes it valid
    assert "deepmind" not in lab_names(
        load_scenario(SCENARIOS / "history.yaml", ["labs.deepmind.remove=true", "events=[]"])
    )


def test_remove_must_be_true_or_false():
    (line,) = problems(SCENARIOS / "baseline.yaml", ["labs.deepmind.remove=yes please"])
    assert (
        line == "--set labs.deepmind.remove=yes please: expected true or false (got 'yes please')"
    )


def test_set_problems_name_the_set_not_the_file(tmp_path):
    (line,) = problems(SCENARIOS / "baseline.yaml", ["labs.openai.enginers=3"])
    assert line == "--set labs.openai.enginers=3: unknown key; did you mean engineers?"
    (line,) = problems(SCENARIOS / "baseline.yaml", ["labs.0.engineers=-1"])
    assert line == "--set labs.0.engineers=-1: Input should be greater than or equal to 1 (got -1)"
    # a mapping set from --set keeps the path inside it
    (line,) = problems(SCENARIOS / "baseline.yaml", ["hardware={doubling_time: 2}"])
    assert line == (
        "--set hardware={doubling_time: 2}: hardware.doubling_time: unknown key; "
        "did you mean doubling_time_years?"
    )
    # the file's own problems still name the file, the Python API's mapping names itself
    path = write(tmp_path, "s.yaml", BASE + "market:\n  inertia: 2\n")
    lines = sorted(problems(path, {"labs.openai.enginers": 3}))
    assert lines[0].startswith(f"{path}: market.inertia: ")
    assert lines[1] == "overrides: labs.openai.enginers: unknown key; did you mean engineers?"


# ------------------------------------------------------------------------ YAML


def test_yaml_reads_exponent_floats_without_a_sign_and_keeps_ints():
    from sim.yamlio import load_yaml_text

    text = "a: 1.0e9\nb: 1e9\nc: 1E-3\nd: .5e3\ne: -2.5E+2\nf: 10\ng: 1_000\nh: 0x10\ni: 2020-01\nj: 1e9x\n"
    assert load_yaml_text(text) == {
        "a": 1e9, "b": 1e9, "c": 1e-3, "d": 500.0, "e": -250.0,
        "f": 10, "g": 1000, "h": 16, "i": "2020-01", "j": "1e9x",
    }  # fmt: skip
    assert all(type(v) is float for v in load_yaml_text("[1.0e9, 1e9, .5e3]"))
    assert all(type(v) is int for v in load_yaml_text("[1, -3, 1_000]"))


def test_shipped_numbers_are_floats_as_written(tmp_path):
    from sim.scenario import resolve_file

    (openai,) = [
        lab for lab in resolve_file(SCENARIOS / "baseline.yaml")["labs"] if lab["name"] == "openai"
    ]
    assert openai["cash_usd"] == 3e8 and type(openai["cash_usd"]) is float  # written 3.0e8
    from sim.scenario import parse_override

    assert parse_override("labs.openai.cash_usd=1e9") == ("labs.openai.cash_usd", 1e9)


def test_duplicate_keys_are_an_error_naming_the_key_and_line(tmp_path):
    path = write(tmp_path, "s.yaml", BASE + "market:\n  inertia: 0.5\n  inertia: 0.9\n")
    assert problems(path) == [
        f"{path}: line 4: duplicate key 'inertia' (first given on line 3); give each key once"
    ]
    # YAML merge keys are not duplicates
    from sim.yamlio import load_yaml_text

    assert load_yaml_text("x: &a {p: 1}\ny:\n  <<: *a\n  p: 2\n")["y"] == {"p": 2}


def test_merge_replaces_lists_other_than_labs():
    merged = merge_scenarios(
        {"events": [1, 2], "a": {"b": 1, "c": 2}}, {"events": [3], "a": {"b": 5}}
    )
    assert merged == {"events": [3], "a": {"b": 5, "c": 2}}


def test_overrides_set_values_and_address_labs_by_name():
    scenario = load_scenario(
        SCENARIOS / "baseline.yaml",
        [
            "hardware.doubling_time_years=2.0",
            "labs.openai.engineers=300",
            "mechanisms.imitation.enabled=true",
        ],
    )
    assert scenario.hardware.doubling_time_years == 2.0
    assert next(lab for lab in scenario.labs if lab.name == "openai").engineers == 300
    assert scenario.mechanisms.imitation.enabled is True


def test_bad_overrides_are_all_reported_together():
    lines = problems(
        SCENARIOS / "baseline.yaml",
        ["labs.opnai.engineers=3", "hardware.doubling_time_years=abc", "hardware.doubling_time=2"],
    )
    # each line names the --set it comes from, not the file
    assert lines == [
        "--set labs.opnai.engineers=3: no lab named 'opnai'; did you mean openai?",
        "--set hardware.doubling_time_years=abc: Input should be a valid number, unable to "
        "parse string as a number (got 'abc')",
        "--set hardware.doubling_time=2: unknown key; did you mean doubling_time_years?",
    ]


def test_resolved_scenario_holds_every_value(tmp_path):
    from sim.scenario import scenario_to_dict

    data = scenario_to_dict(load_scenario(SCENARIOS / "baseline.yaml"))
    assert data["hardware"]["doubling_time_years"] > 0
    assert all("conviction" in lab for lab in data["labs"])
    assert "remove" not in data["labs"][0]


# ---------------------------------------------------------------- command line


def labsim(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=cwd or ROOT
    )


def test_cli_bad_input_is_one_line_per_problem_exit_2_and_nothing_written(tmp_path):
    bad = write(
        tmp_path, "bad.yaml", BASE + "hardware:\n  doubling_time: 2.0\n  doubling_time_years: -1\n"
    )
    out = tmp_path / "out"
    proc = labsim("run", str(bad), "--out", str(out))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("error: ") for line in lines)
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_cli_validate_and_list():
    proc = labsim("validate", "scenarios/baseline.yaml")
    assert proc.returncode == 0 and "ok" in proc.stdout
    proc = labsim("list")
    assert proc.returncode == 0
    assert "baseline.yaml" in proc.stdout and "natural-monopoly.yaml" in proc.stdout


def test_cli_run_writes_the_run_directory_and_a_summary(tmp_path):
    out = tmp_path / "b7"
    proc = labsim(
        "run",
        "scenarios/baseline.yaml",
        "--seed",
        "7",
        "--out",
        str(out),
        "--set",
        "end=2024-01",
        "--plot",
    )
    assert proc.returncode == 0, proc.stderr
    for name in (
        "timeseries.csv",
        "labs.csv",
        "models.csv",
        "scenario.resolved.yaml",
        "meta.json",
        "lineage.json",
    ):
        assert (out / name).exists(), name
    assert (out / "plots" / "concentration.png").exists()
    assert "HHI" in proc.stdout and str(out) in proc.stdout


def test_python_api():
    import sim

    result = sim.run(sim.load_scenario(SCENARIOS / "baseline.yaml", {"end": "2022-01"}), seed=1)
    assert len(result.timeseries) == 24 and result.seed == 1


def test_the_readme_scenario_example_is_valid(tmp_path):
    text = (ROOT / "README.md").read_text()
    example = text.split("```yaml", 1)[1].split("```", 1)[0]
    path = write(
        tmp_path,
        "example.yaml",
        example.replace("base: baseline.yaml", f"base: {SCENARIOS / 'baseline.yaml'}"),
    )
    scenario = load_scenario(path)
    assert {lab.name for lab in scenario.labs} >= {"openai", "newco"}
    assert len(scenario.events) == 5
