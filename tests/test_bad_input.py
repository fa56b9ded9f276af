"""Every bad input gets one clear line: exit status 2, no traceback, a message naming the key
(or option, or file), and nothing written.

Most cases run in-process through ``sim.cli.main``; a handful run the installed command in a
subprocess, as a user would. Each case is (its id, the command line, the text the message
must contain); the command line may use the placeholders of ``Ctx``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
BASELINE = str(SCENARIOS / "baseline.yaml")


# --------------------------------------------------------------------- harness


def _snapshot(*roots: Path) -> set[tuple[str, int, int]]:
    found = set()
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d != "__pycache__"]
            for name in dirnames + filenames:
                path = Path(dirpath) / name
                stat = path.lstat()
                found.add((str(path), stat.st_size, stat.st_mtime_ns))
    return found


class Ctx:
    """Placeholders a case's command line may use (``{tmp}``, ``{run}``, ...)."""

    def __init__(self, tmp: Path, run: Path, sweep: Path, sobol: Path):
        self.tmp, self.run, self.sweep, self.sobol = tmp, run, sweep, sobol

    def file(self, name: str, text: str) -> str:
        path = self.tmp / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def scenario(self, name: str, body: str) -> str:
        """A scenario file inheriting the baseline, with ``body`` added."""
        return self.file(name, f"base: {BASELINE}\n{body}")

    def sweep_file(self, filename: str, **fields) -> str:
        spec = {
            "name": "bad",
            "base": BASELINE,
            "set": {"end": "2021-01"},
            "parameters": {"mechanisms.warm_start.kappa": [0.1, 0.5]},
        }
        spec.update(fields)
        spec = {k: v for k, v in spec.items() if v is not None}
        return self.file(filename, yaml.safe_dump(spec, sort_keys=False))


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> tuple[Path, Path, Path]:
    """A run directory, a grid sweep directory and a sobol sweep directory (tiny)."""
    from sim.sweep import load_sweep, run_sweep

    base = tmp_path_factory.mktemp("made")
    run_dir = base / "run"
    assert main(["run", BASELINE, "--set", "end=2021-01", "--out", str(run_dir), "--quiet"]) == 0
    grid = base / "grid.yaml"
    grid.write_text(
        yaml.safe_dump(
            {
                "name": "grid",
                "base": BASELINE,
                "set": {"end": "2021-01"},
                "parameters": {"mechanisms.warm_start.kappa": [0.1, 0.5]},
            }
        )
    )
    run_sweep(load_sweep(grid), base / "sweep", jobs=1, progress=False)
    sobol = base / "sobol.yaml"
    sobol.write_text(
        yaml.safe_dump(
            {
                "name": "sobol",
                "base": BASELINE,
                "set": {"end": "2021-01"},
                "sampler": "sobol",
                "samples": 2,
                "parameters": {
                    "mechanisms.warm_start.kappa": {"low": 0.1, "high": 0.5},
                    "market.inertia": {"low": 0.8, "high": 0.95},
                },
            }
        )
    )
    run_sweep(load_sweep(sobol), base / "sobol", jobs=1, progress=False)
    return run_dir, base / "sweep", base / "sobol"


def check_refused(argv, key: str, tmp_path: Path, made, capsys, monkeypatch, max_lines: int = 1):
    monkeypatch.chdir(tmp_path)
    ctx = Ctx(tmp_path, *made)
    args = [a(ctx) if callable(a) else a.format(**vars(ctx)) for a in argv]
    before = _snapshot(tmp_path, *made)
    status = main(args)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert status == 2, f"exit {status}: {err}"
    assert "Traceback" not in err
    assert key.lower() in err.lower(), err
    assert 1 <= len(lines) <= max_lines, err
    assert _snapshot(tmp_path, *made) == before, "something was written"


# -------------------------------------------------------- scenario values (--set)

BOUNDED = [
    "hardware.doubling_time_years",
    "hardware.flop_per_usd_start",
    "hardware.largest_cluster_growth_per_year",
    "hardware.world_compute_flop_per_s_start",
    "talent.salary_usd_per_year",
    "talent.pool_engineers",
    "talent.min_hires_per_month",
    "mechanisms.algorithmic_progress.growth_per_year",
    "mechanisms.algorithmic_progress.reference_engineers",
    "mechanisms.spillovers.rate_per_year",
    "mechanisms.compute_supply.usable_share",
    "mechanisms.entry.funding_median_usd",
    "mechanisms.entry.rate_per_year",
    "mechanisms.deployment_distillation.size_ratio",
    "labs.openai.cash_usd",
    "labs.openai.engineers",
    "labs.openai.spend_horizon_months",
    "labs.openai.params_multiplier",
    "labs.deepmind.parent_budget_usd_per_year",
    "labs.openai.algorithmic_efficiency",
    "world.run_outcome_noise_sigma",
]
BAD_NUMBERS = [".inf", ".nan", "1e308", "true", "-1"]

SET_CASES = [(f"{path}={value}", path) for path in BOUNDED for value in BAD_NUMBERS] + [
    ("mechanisms.warm_start.enabled=1", "mechanisms.warm_start.enabled"),
    ("mechanisms.warm_start.enabled='yes'", "mechanisms.warm_start.enabled"),
    ("labs.openai.imitates=1", "labs.openai.imitates"),
    ("seed=true", "seed"),
    ("seed=-1", "seed"),
    ("seed=1.5", "seed"),
    ("seed=18446744073709551616", "seed"),
    ("step_months=true", "step_months"),
    ("step_months=0", "step_months"),
    ("hardware.max_run_months=true", "hardware.max_run_months"),
    ("labs.openai.run_months=2.5", "labs.openai.run_months"),
    ("world.public_results_lag_months=true", "world.public_results_lag_months"),
    ("labs.openai.name=open ai", "labs"),
    ("labs.openai.enter=2019-01", "labs.openai.enter"),
    ("start=1800-01", "start"),
    ("end=2200-01", "end"),
    ("end=2020-01", "end"),
    ("end=2020-13", "end"),
]


@pytest.mark.parametrize("setting,key", SET_CASES, ids=[c[0] for c in SET_CASES])
def test_validate_refuses_a_bad_value(setting, key, tmp_path, made, capsys, monkeypatch):
    check_refused(
        ["validate", BASELINE, "--set", setting], key, tmp_path, made, capsys, monkeypatch
    )


# ------------------------------------------------------------- scenario files

LAB = "labs:\n  - {{name: {name}, archetype: pragmatist, funding: parent}}\n"
FILE_CASES = [
    ("impossible date", "start: 2020-02-30\n", "2020-02-30"),
    ("month 13", "end: 2030-13\n", "end"),
    ("end before start", "start: 2030-01\nend: 2025-01\n", "end"),
    ("horizon not whole steps", "step_months: 3\nend: 2030-02\n", "2030-04"),
    ("horizon shorter than a step", "step_months: 6\nend: 2020-02\n", "end"),
    ("horizon over 100 years", "end: 2130-01\n", "end"),
    ("duplicate key", "seed: 1\nseed: 2\n", "duplicate key 'seed'"),
    ("unknown key", "hardwre: {}\n", "hardwre"),
    ("unknown nested key", "hardware: {doubling_time_yaers: 2}\n", "doubling_time_yaers"),
    ("syntax error", "seed: [1, 2\n", "line"),
    ("deep nesting", "world: " + "[" * 3000 + "]" * 3000 + "\n", "nested"),
    ("moderately deep nesting", "world: " + "[" * 100 + "]" * 100 + "\n", "nested"),
    ("lab name with a newline", 'labs:\n  - {name: "a\\nb", archetype: pragmatist}\n', "labs"),
    ("lab name with markup", 'labs:\n  - {name: "<b>x</b>", archetype: pragmatist}\n', "labs"),
    ("lab name too long", LAB.format(name="x" * 65), "labs"),
    ("lab name of an entrant", LAB.format(name="entrant-1"), "entrant"),
    ("unknown archetype", "labs:\n  - {name: x, archetype: maximalist}\n", "archetype"),
    (
        "merger into a newline name",
        'events:\n  - {type: merger, date: 2023-04, labs: [deepmind, google_brain], into: "a\\nb"}\n',
        "into",
    ),
    (
        "merger into markup",
        "events:\n  - {type: merger, date: 2023-04, labs: [deepmind, google_brain], "
        "into: '<script>'}\n",
        "into",
    ),
    (
        "merger into an existing lab",
        "events:\n  - {type: merger, date: 2023-04, labs: [deepmind, google_brain], into: openai}\n",
        "into",
    ),
    (
        "merger of a lab with itself",
        "events:\n  - {type: merger, date: 2023-04, labs: [deepmind, deepmind]}\n",
        "itself",
    ),
    (
        "second merger naming an absorbed lab",
        "events:\n  - {type: merger, date: 2023-04, labs: [deepmind, google_brain]}\n"
        "  - {type: merger, date: 2024-04, labs: [openai, google_brain]}\n",
        "google_brain",
    ),
    (
        "wake-up of an absorbed lab",
        "events:\n  - {type: merger, date: 2023-04, labs: [deepmind, google_brain]}\n"
        "  - {type: wake_up, date: 2024-04, lab: google_brain, multiplier: 2}\n",
        "google_brain",
    ),
    (
        "merger naming a lab before it enters",
        "labs:\n  - {name: google_brain, enter: 2025-01}\n"
        "events:\n  - {type: merger, date: 2023-04, labs: [deepmind, google_brain]}\n",
        "enters only on 2025-01",
    ),
    (
        "cap ending before it starts",
        "events:\n  - {type: compute_cap, date: 2026-01, max_training_flop: 1e26, until: 2025-01}\n",
        "until",
    ),
    (
        "cap of infinite size",
        "events:\n  - {type: compute_cap, date: 2026-01, max_training_flop: .inf}\n",
        "max_training_flop",
    ),
    (
        "shock multiplier true",
        "events:\n  - {type: hardware_shock, date: 2026-01, multiplier: true}\n",
        "multiplier",
    ),
    ("unknown event type", "events:\n  - {type: meteor, date: 2026-01}\n", "meteor"),
    (
        "event before the start",
        "events:\n  - {type: hardware_shock, date: 2019-01, multiplier: 2}\n",
        "before the start",
    ),
    (
        "every lab enters after the end",
        "end: 2030-01\nlabs:\n  - {name: openai, enter: 2031-01}\n"
        "  - {name: deepmind, enter: 2031-01}\n  - {name: google_brain, enter: 2030-01}\n",
        "every lab enters",
    ),
    ("remove: 1", "labs:\n  - {name: openai, remove: 1}\n", "remove"),
    ("seed true in a file", "seed: true\n", "seed"),
    (
        "inf cost share",
        "hardware: {training_cost_shares: {accelerator: .inf, memory: 0.1, cpu: 0.1}}\n",
        "accelerator",
    ),
    ("base not a file name", "base2: x\n", "base2"),
    (
        "ln A growth out of range",
        "labs:\n  - {name: openai, engineers: 1.0e+8}\n"
        "mechanisms: {algorithmic_progress: {reference_engineers: 10, engineer_exponent: 1}}\n",
        "mechanisms.algorithmic_progress",
    ),
    (
        "starting A beyond a scenario lab's",
        "labs:\n  - {name: openai, algorithmic_efficiency: 1.0e+40}\n",
        "labs.openai.algorithmic_efficiency",
    ),
]


@pytest.mark.parametrize("body,key", [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES])
def test_validate_refuses_a_bad_file(body, key, tmp_path, made, capsys, monkeypatch):
    argv = ["validate", lambda ctx: ctx.scenario("s.yaml", body)]
    check_refused(argv, key, tmp_path, made, capsys, monkeypatch)


OTHER_FILES = [
    ("missing file", ["validate", "{tmp}/nope.yaml"], "no such file"),
    ("not a mapping", ["validate", lambda c: c.file("l.yaml", "- a\n- b\n")], "a mapping"),
    ("a folder", ["validate", "{tmp}"], "directory"),
    ("base: /dev/zero", ["validate", lambda c: c.file("z.yaml", "base: /dev/zero\n")], "/dev/zero"),
    ("base is a number", ["validate", lambda c: c.file("n.yaml", "base: 3\n")], "base"),
    ("base missing", ["validate", lambda c: c.file("m.yaml", "base: gone.yaml\n")], "gone.yaml"),
    (
        "circular base",
        ["validate", lambda c: c.file("loop.yaml", "base: loop.yaml\n")],
        "circular",
    ),
    ("binary file", ["validate", lambda c: str(_binary(c.tmp))], "not a text file"),
    ("too large", ["validate", lambda c: str(_huge(c.tmp))], "larger than"),
]


def _binary(tmp: Path) -> Path:
    path = tmp / "bin.yaml"
    path.write_bytes(b"\xff\xfe\x00\x01" * 64)
    return path


def _huge(tmp: Path) -> Path:
    path = tmp / "huge.yaml"
    with open(path, "w") as fh:
        fh.write("# " + "x" * (5 * 1024 * 1024) + "\n")
    return path


@pytest.mark.parametrize("argv,key", [c[1:] for c in OTHER_FILES], ids=[c[0] for c in OTHER_FILES])
def test_validate_refuses_a_bad_path(argv, key, tmp_path, made, capsys, monkeypatch):
    check_refused(argv, key, tmp_path, made, capsys, monkeypatch)


# ------------------------------------------------------------- run, check, list


def _file(tmp: Path, name: str = "afile") -> str:
    (tmp / name).write_text("mine\n")
    return str(tmp / name)


RUN_CASES = [
    ("seed -1", ["run", BASELINE, "--seed", "-1"], "--seed"),
    ("seed not a number", ["run", BASELINE, "--seed", "x"], "--seed"),
    ("seed 2**64", ["run", BASELINE, "--seed", str(2**64)], "--seed"),
    ("out is a file", ["run", BASELINE, "--out", lambda c: _file(c.tmp)], "--out"),
    ("out under a file", ["run", BASELINE, "--out", lambda c: _file(c.tmp) + "/x"], "--out"),
    ("out unwritable", ["run", BASELINE, "--out", "/proc/labsim-out"], "--out"),
    ("out name too long", ["run", BASELINE, "--out", "{tmp}/" + "y" * 300], "--out"),
    ("name too long is cut, out not", ["run", BASELINE, "--out", "o/" + "z" * 256], "--out"),
    ("out holds other files", ["run", BASELINE, "--out", "{run}/.."], "choose another --out"),
    ("out holds a run", ["run", BASELINE, "--out", "{run}"], "--overwrite"),
    ("format xml", ["run", BASELINE, "--format", "xml"], "--format"),
    ("bad --set", ["run", BASELINE, "--set", "seed"], "--set seed"),
    ("bad --set path", ["run", BASELINE, "--set", "labs.nobody.engineers=3"], "nobody"),
    (
        "horizon shorter than a step",
        ["run", BASELINE, "--set", "step_months=3", "--set", "end=2020-02"],
        "end",
    ),
    ("unknown option", ["run", BASELINE, "--sed", "3"], "--sed"),
    ("check seeds 0", ["check", BASELINE, "--seeds", "0"], "--seeds"),
    ("check seeds negative", ["check", BASELINE, "--seeds", "-3"], "--seeds"),
    ("check seeds word", ["check", BASELINE, "--seeds", "many"], "--seeds"),
    ("check no targets", ["check", BASELINE, "--seeds", "1"], "targets"),
    ("check missing targets", ["check", BASELINE, "--targets", "{tmp}/t.yaml"], "t.yaml"),
    (
        "check out is a file",
        ["check", str(SCENARIOS / "history.yaml"), "--seeds", "1", "--out", lambda c: _file(c.tmp)],
        "--out",
    ),
    ("check bad scenario", ["check", "{tmp}/none.yaml"], "none.yaml"),
    ("list missing folder", ["list", "--dir", "{tmp}/nowhere"], "nowhere"),
    ("list a file", ["list", "--dir", lambda c: _file(c.tmp)], "afile"),
    ("unknown command", ["fly"], "fly"),
    ("validate --set bad", ["validate", BASELINE, "--set", "=3"], "--set =3"),
]


@pytest.mark.parametrize("argv,key", [c[1:] for c in RUN_CASES], ids=[c[0] for c in RUN_CASES])
def test_run_check_list_refuse(argv, key, tmp_path, made, capsys, monkeypatch):
    check_refused(argv, key, tmp_path, made, capsys, monkeypatch)


# ------------------------------------------------------------------------ sweep


def _sweep_case(name, key, **fields):
    return (name, ["sweep", lambda c: c.sweep_file("s.yaml", **fields), "--no-progress"], key)


SWEEP_CASES = [
    _sweep_case(
        "sobol samples 3",
        "power of two",
        sampler="sobol",
        samples=3,
        parameters={"mechanisms.warm_start.kappa": {"low": 0.1, "high": 0.5}},
    ),
    _sweep_case(
        "samples 0",
        "samples",
        sampler="lhs",
        samples=0,
        parameters={"mechanisms.warm_start.kappa": {"low": 0.1, "high": 0.5}},
    ),
    _sweep_case(
        "samples true",
        "samples",
        sampler="lhs",
        samples=True,
        parameters={"mechanisms.warm_start.kappa": {"low": 0.1, "high": 0.5}},
    ),
    _sweep_case(
        "samples beyond the limit",
        "samples",
        sampler="lhs",
        samples=10**9,
        parameters={"mechanisms.warm_start.kappa": {"low": 0.1, "high": 0.5}},
    ),
    _sweep_case(
        "grid of 1e12 points",
        "at most",
        parameters={
            f"labs.{lab}.{f}": {"low": 1, "high": 2, "num": 10000}
            for lab in ("openai", "deepmind", "google_brain")
            for f in ("engineers",)
        },
    ),
    _sweep_case("replications 0", "replications", replications=0),
    _sweep_case("replications true", "replications", replications=True),
    _sweep_case("seed -1", "seed", seed=-1),
    _sweep_case("seed true", "seed", seed=True),
    _sweep_case("unknown sampler", "sampler", sampler="sobel"),
    _sweep_case("no parameters", "parameters", parameters={}),
    _sweep_case(
        "unknown parameter path", "engineerz", parameters={"labs.openai.engineerz": [1, 2]}
    ),
    _sweep_case(
        "parameter value inf",
        "labs.openai.engineers",
        parameters={"labs.openai.engineers": [100, float("inf")]},
    ),
    _sweep_case(
        "parameter value out of bounds",
        "hardware.doubling_time_years",
        parameters={"hardware.doubling_time_years": [0.01, 2]},
    ),
    _sweep_case(
        "range low inf",
        "low",
        parameters={"hardware.doubling_time_years": {"low": float("-inf"), "high": 2, "num": 3}},
    ),
    _sweep_case(
        "range num 1",
        "num",
        parameters={"hardware.doubling_time_years": {"low": 1, "high": 2, "num": 1}},
    ),
    _sweep_case(
        "range num true",
        "num",
        parameters={"hardware.doubling_time_years": {"low": 1, "high": 2, "num": True}},
    ),
    _sweep_case(
        "range high below low",
        "high",
        parameters={"hardware.doubling_time_years": {"low": 2, "high": 1, "num": 3}},
    ),
    _sweep_case(
        "log range from 0",
        "log",
        parameters={"talent.min_hires_per_month": {"low": 0, "high": 2, "num": 3, "log": True}},
    ),
    _sweep_case(
        "distribution in a grid",
        "distribution",
        parameters={"hardware.doubling_time_years": {"low": 1, "high": 2}},
    ),
    _sweep_case("every_steps 0", "every_steps", record={"every_steps": 0}),
    _sweep_case("unknown column", "hhhi", record={"columns": ["hhhi"]}),
    _sweep_case(
        "set: bad value",
        "doubling_time_years",
        set={"end": "2021-01", "hardware.doubling_time_years": ".inf"},
    ),
    _sweep_case("set: horizon not whole steps", "end", set={"end": "2021-02", "step_months": 3}),
    _sweep_case("base missing", "nothere.yaml", base="nothere.yaml"),
    ("jobs 0", ["sweep", str(SCENARIOS / "sweeps" / "smoke.yaml"), "--jobs", "0"], "--jobs"),
    ("jobs word", ["sweep", str(SCENARIOS / "sweeps" / "smoke.yaml"), "--jobs", "x"], "--jobs"),
    (
        "commit-every -1",
        ["sweep", str(SCENARIOS / "sweeps" / "smoke.yaml"), "--commit-every", "-1"],
        "--commit-every",
    ),
    (
        "commit-every inf",
        ["sweep", str(SCENARIOS / "sweeps" / "smoke.yaml"), "--commit-every", "inf"],
        "--commit-every",
    ),
    (
        "backend foo",
        ["sweep", str(SCENARIOS / "sweeps" / "smoke.yaml"), "--backend", "foo"],
        "--backend",
    ),
    (
        "scheduler with local",
        [
            "sweep",
            str(SCENARIOS / "sweeps" / "smoke.yaml"),
            "--backend",
            "local",
            "--scheduler",
            "tcp://x:1",
        ],
        "--scheduler",
    ),
    (
        "out is a file",
        ["sweep", str(SCENARIOS / "sweeps" / "smoke.yaml"), "--out", lambda c: _file(c.tmp)],
        "--out",
    ),
    (
        "out under a file",
        ["sweep", str(SCENARIOS / "sweeps" / "smoke.yaml"), "--out", lambda c: _file(c.tmp) + "/s"],
        "--out",
    ),
    (
        "out holds a run",
        ["sweep", str(SCENARIOS / "sweeps" / "smoke.yaml"), "--out", "{run}"],
        "not a sweep",
    ),
    (
        "out holds another sweep",
        ["sweep", str(SCENARIOS / "sweeps" / "smoke.yaml"), "--out", "{sweep}", "--resume"],
        "changed",
    ),
    (
        "out holds a sweep, no --resume",
        ["sweep", str(SCENARIOS / "sweeps" / "smoke.yaml"), "--out", "{sweep}"],
        "--resume",
    ),
    ("spec missing", ["sweep", "{tmp}/none.yaml"], "none.yaml"),
    ("spec a folder", ["sweep", "{tmp}"], "directory"),
]


@pytest.mark.parametrize("argv,key", [c[1:] for c in SWEEP_CASES], ids=[c[0] for c in SWEEP_CASES])
def test_sweep_refuses(argv, key, tmp_path, made, capsys, monkeypatch):
    check_refused(argv, key, tmp_path, made, capsys, monkeypatch, max_lines=3)


SENSITIVITY_CASES = [
    (
        "resamples 0",
        ["sensitivity", "{sobol}", "--output", "hhi_final", "--resamples", "0"],
        "--resamples",
    ),
    (
        "resamples -1",
        ["sensitivity", "{sobol}", "--output", "hhi_final", "--resamples", "-1"],
        "--resamples",
    ),
    ("conf 0", ["sensitivity", "{sobol}", "--output", "hhi_final", "--conf", "0"], "--conf"),
    ("conf 1", ["sensitivity", "{sobol}", "--output", "hhi_final", "--conf", "1"], "--conf"),
    ("conf nan", ["sensitivity", "{sobol}", "--output", "hhi_final", "--conf", "nan"], "--conf"),
    ("unknown output", ["sensitivity", "{sobol}", "--output", "hhi_fnal"], "hhi_fnal"),
    (
        "method bogus",
        ["sensitivity", "{sobol}", "--output", "hhi_final", "--method", "x"],
        "--method",
    ),
    ("a grid sweep", ["sensitivity", "{sweep}", "--output", "hhi_final"], "sampler grid"),
    ("a run folder", ["sensitivity", "{run}", "--output", "hhi_final"], "not a sweep"),
]


@pytest.mark.parametrize(
    "argv,key", [c[1:] for c in SENSITIVITY_CASES], ids=[c[0] for c in SENSITIVITY_CASES]
)
def test_sensitivity_refuses(argv, key, tmp_path, made, capsys, monkeypatch):
    check_refused(argv, key, tmp_path, made, capsys, monkeypatch)


def test_sensitivity_of_a_missing_sweep_says_how_to_make_it(tmp_path, made, capsys, monkeypatch):
    check_refused(
        ["sensitivity", "{tmp}/nosweep", "--output", "hhi_final"],
        "no such sweep directory",
        tmp_path,
        made,
        capsys,
        monkeypatch,
        max_lines=2,
    )


# ------------------------------------------------------------------ plot, report


def _garbage_run(tmp: Path) -> str:
    folder = tmp / "garbage"
    folder.mkdir()
    (folder / "timeseries.csv").write_text("garbage\n\x01\x02 ,,,\n")
    return str(folder)


def _truncated_copy(tmp: Path, run: Path, name: str, size: int) -> str:
    import shutil

    folder = tmp / f"cut-{name}"
    shutil.copytree(run, folder)
    path = folder / name
    path.write_bytes(path.read_bytes()[:size])
    return str(folder)


def _parquet_run(tmp: Path) -> str:
    folder = tmp / "pq"
    assert (
        main(
            [
                "run",
                BASELINE,
                "--set",
                "end=2021-01",
                "--format",
                "parquet",
                "--out",
                str(folder),
                "--quiet",
            ]
        )
        == 0
    )
    path = folder / "timeseries.parquet"
    path.write_bytes(path.read_bytes()[:300])
    return str(folder)


def _parquet_then(command: str):
    def build(ctx: Ctx) -> str:
        return _parquet_run(ctx.tmp)

    return build


ANALYSIS_CASES = []
for command in ("plot", "report"):
    ANALYSIS_CASES += [
        (f"{command} missing folder", [command, "{tmp}/nothing"], "no such directory"),
        (f"{command} a file", [command, lambda c: _file(c.tmp)], "not a directory"),
        (f"{command} empty folder", [command, "{tmp}"], "not a labsim run"),
        (f"{command} garbage csv", [command, lambda c: _garbage_run(c.tmp)], "timeseries.csv"),
        (
            f"{command} header-only csv",
            [command, lambda c: _truncated_copy(c.tmp, c.run, "timeseries.csv", 100)],
            "timeseries.csv",
        ),
        (
            f"{command} truncated labs csv",
            [command, lambda c: _truncated_copy(c.tmp, c.run, "labs.csv", 30)],
            "labs.csv",
        ),
        (
            f"{command} damaged meta.json",
            [command, lambda c: _truncated_copy(c.tmp, c.run, "meta.json", 10)],
            "meta.json",
        ),
        (
            f"{command} damaged lineage.json",
            [command, lambda c: _truncated_copy(c.tmp, c.run, "lineage.json", 10)],
            "lineage.json",
        ),
        (f"{command} format bogus", [command, "{run}", "--format", "tiff"], "--format"),
        (
            f"{command} out under a file",
            [command, "{run}", "--out", lambda c: _file(c.tmp) + "/x"],
            "--out",
        ),
    ]
ANALYSIS_CASES += [
    ("plot kind bogus", ["plot", "{run}", "--kind", "pie"], "--kind"),
    ("plot a sweep figure of a run", ["plot", "{run}", "--kind", "phase"], "phase"),
    ("plot unknown --by", ["plot", "{sweep}", "--kind", "concentration", "--by", "nope"], "nope"),
    ("report out is a folder", ["report", "{run}", "--out", "{tmp}"], "--out"),
]


def _build_truncated_parquet(ctx: Ctx) -> str:
    return _parquet_run(ctx.tmp)


@pytest.mark.parametrize(
    "argv,key", [c[1:] for c in ANALYSIS_CASES], ids=[c[0] for c in ANALYSIS_CASES]
)
def test_plot_and_report_refuse(argv, key, tmp_path, made, capsys, monkeypatch):
    check_refused(argv, key, tmp_path, made, capsys, monkeypatch)


@pytest.mark.parametrize("command", ["plot", "report"])
def test_truncated_parquet_is_named(command, tmp_path, made, capsys, monkeypatch):
    folder = _parquet_run(tmp_path)
    capsys.readouterr()
    check_refused([command, folder], "timeseries.parquet", tmp_path, made, capsys, monkeypatch)


# ------------------------------------------------------------------ cost, compare

COST = ["cost", "--hardware", "V100", "--count", "10", "--date", "2020-06"]
COMPARE_CASES = [
    ("cost flop negative", [*COST, "--flop", "-1"], "--flop"),
    ("cost flop inf", [*COST, "--flop", "inf"], "--flop"),
    (
        "cost unknown hardware",
        ["cost", "--flop", "1e23", "--hardware", "V999", "--count", "1"],
        "--hardware",
    ),
    (
        "cost month 13",
        ["cost", "--flop", "1e23", "--hardware", "V100", "--count", "1", "--date", "2020-13"],
        "--date",
    ),
    ("cost utilization 2", [*COST, "--flop", "1e23", "--utilization", "2"], "--utilization"),
    (
        "cost count true",
        ["cost", "--flop", "1e23", "--hardware", "V100", "--count", "true"],
        "--count",
    ),
    ("compare seeds 0", ["compare", BASELINE, BASELINE, "--seeds", "0"], "--seeds"),
    ("compare missing B", ["compare", BASELINE, "{tmp}/b.yaml"], "b.yaml"),
    ("compare bad --set", ["compare", BASELINE, BASELINE, "--set", "seed=-4"], "seed"),
    (
        "compare out is a file",
        ["compare", BASELINE, BASELINE, "--seeds", "1", "--out", lambda c: _file(c.tmp)],
        "--out",
    ),
]


@pytest.mark.parametrize(
    "argv,key", [c[1:] for c in COMPARE_CASES], ids=[c[0] for c in COMPARE_CASES]
)
def test_cost_and_compare_refuse(argv, key, tmp_path, made, capsys, monkeypatch):
    check_refused(argv, key, tmp_path, made, capsys, monkeypatch, max_lines=2)


# ------------------------------------------------- priors, forecast, backtest, discover, app

PRIORS_HISTORY = str(SCENARIOS / "history.yaml")


def _priors(body: str):
    """A priors file on the history with ``body`` as its parameters (and anything after)."""
    return lambda c: c.file(
        "p.yaml", f"name: p\nbase: {PRIORS_HISTORY}\nsamples: 4\nseed: 1\n{body}"
    )


ONE = "parameters:\n  hardware.doubling_time_years: {dist: lognormal, ci80: [1.9, 2.9], why: x}\n"
FORECAST_CASES = [
    (
        "priors unknown path",
        [
            "forecast",
            _priors(
                "parameters:\n  hardware.doubling_tim: {dist: uniform, low: 1, high: 2, why: x}\n"
            ),
        ],
        "hardware.doubling_tim",
    ),
    (
        "priors ci80 reversed",
        [
            "forecast",
            _priors(
                "parameters:\n  hardware.doubling_time_years: {dist: normal, ci80: [3, 2], why: x}\n"
            ),
        ],
        "ci80",
    ),
    (
        "priors beta outside 0-1",
        [
            "forecast",
            _priors(
                "parameters:\n  mechanisms.warm_start.kappa: {dist: beta, ci80: [0.5, 1.5], why: x}\n"
            ),
        ],
        "kappa",
    ),
    (
        "priors correlation above 1",
        [
            "forecast",
            _priors(
                "parameters:\n"
                "  hardware.doubling_time_years: {dist: uniform, low: 1.5, high: 3, why: x}\n"
                "  mechanisms.warm_start.kappa: {dist: uniform, low: 0.1, high: 0.5, why: x}\n"
                "correlations:\n"
                "  - between: [hardware.doubling_time_years, mechanisms.warm_start.kappa]\n"
                "    rho: 1.5\n"
                "    why: x\n"
            ),
        ],
        "correl",
    ),
    (
        "priors missing why",
        [
            "forecast",
            _priors(
                "parameters:\n  hardware.doubling_time_years: {dist: uniform, low: 1, high: 2}\n"
            ),
        ],
        "why",
    ),
    (
        "priors unknown distribution",
        [
            "forecast",
            _priors("parameters:\n  hardware.doubling_time_years: {dist: gauss, low: 1, why: x}\n"),
        ],
        "gauss",
    ),
    (
        "priors value out of the schema's range",
        [
            "forecast",
            _priors(
                "parameters:\n  mechanisms.warm_start.kappa: {dist: uniform, low: 0.5, high: 3, why: x}\n"
            ),
        ],
        "kappa",
    ),
    ("forecast missing file", ["forecast", "{tmp}/none.yaml"], "none.yaml"),
    ("forecast jobs 0", ["forecast", _priors(ONE), "--jobs", "0"], "--jobs"),
    ("forecast samples 0", ["forecast", _priors(ONE), "--samples", "0"], "--samples"),
    (
        "forecast commit-every nan",
        ["forecast", _priors(ONE), "--commit-every", "nan"],
        "--commit-every",
    ),
    (
        "backtest missing record",
        ["backtest", _priors(ONE), "--record", "{tmp}/record.yaml"],
        "record.yaml",
    ),
    (
        "backtest record unknown key",
        ["backtest", _priors(ONE), "--record", lambda c: c.file("r.yaml", "facts: []\nfactz: 1\n")],
        "factz",
    ),
    ("discover missing folder", ["discover", "{tmp}/nope", "--where", "hhi_final > 1"], "nope"),
    ("discover unknown column", ["discover", "{sweep}", "--where", "hhi_fnal > 1"], "hhi_fnal"),
    ("discover not an expression", ["discover", "{sweep}", "--where", "import os"], "--where"),
    ("app unknown scenario", ["app", "baselin"], "baselin"),
    ("app port out of range", ["app", "--port", "70000"], "port"),
    ("app port negative", ["app", "--port", "-1"], "port"),
    ("app scenario file missing", ["app", "{tmp}/none.yaml"], "none.yaml"),
]


@pytest.mark.parametrize(
    "argv,key", [c[1:] for c in FORECAST_CASES], ids=[c[0] for c in FORECAST_CASES]
)
def test_forecast_backtest_discover_and_app_refuse(argv, key, tmp_path, made, capsys, monkeypatch):
    check_refused(argv, key, tmp_path, made, capsys, monkeypatch, max_lines=2)


# ------------------------------------------------------------ output folders


def test_a_name_cannot_lead_the_default_folder_outside_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name in ("../../escape", "/tmp/labsim-abs", "a/../../b", "..", "\n<b>"):
        argv = ["run", BASELINE, "--set", f"name={name}", "--set", "end=2020-07", "--quiet"]
        assert main(argv) == 0
        out = Path(capsys.readouterr().out.strip())
        assert (tmp_path / out).resolve().parent == (tmp_path / "runs").resolve(), out
    assert not Path("/tmp/labsim-abs-s42").exists()
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == [
        "a-b-s42",
        "b-s42",
        "escape-s42",
        "tmp-labsim-abs-s42",
        "unnamed-s42",
    ]


def test_a_300_character_name_is_cut_to_a_folder_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    argv = ["run", BASELINE, "--set", "name=" + "n" * 300, "--set", "end=2020-07", "--quiet"]
    assert main(argv) == 0
    out = Path(capsys.readouterr().out.strip())
    assert out.parent == Path("runs") and len(out.name) == 100 + len("-s42")


def test_a_sweep_name_cannot_lead_outside_sweeps(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    spec = Ctx(tmp_path, tmp_path, tmp_path, tmp_path).sweep_file("s.yaml", name="../../../esc")
    assert main(["sweep", spec, "--jobs", "1", "--quiet"]) == 0
    assert capsys.readouterr().out.strip() == str(Path("sweeps") / "esc")


# -------------------------------------------------------- through the real command

SUBPROCESS_CASES = [
    (["run", BASELINE, "--seed", "-1"], "--seed"),
    (["validate", "{tmp}/deep.yaml"], "nested"),
    (["validate", "{tmp}/zero.yaml"], "/dev/zero"),
    (["report", "{tmp}/garbage"], "timeseries.csv"),
    (["sweep", "{tmp}/sobol3.yaml"], "power of two"),
]


@pytest.mark.parametrize("argv,key", SUBPROCESS_CASES, ids=[c[0][0] for c in SUBPROCESS_CASES])
def test_the_installed_command_refuses_in_one_line(argv, key, tmp_path):
    (tmp_path / "deep.yaml").write_text("a: " + "[" * 5000 + "]" * 5000 + "\n")
    (tmp_path / "zero.yaml").write_text("base: /dev/zero\n")
    _garbage_run(tmp_path)
    ctx = Ctx(tmp_path, tmp_path, tmp_path, tmp_path)
    ctx.sweep_file(
        "sobol3.yaml",
        sampler="sobol",
        samples=3,
        parameters={"mechanisms.warm_start.kappa": {"low": 0.1, "high": 0.5}},
    )
    before = _snapshot(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [a.format(tmp=tmp_path) for a in argv]
    done = subprocess.run(
        [sys.executable, "-m", "sim", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and key in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert _snapshot(tmp_path) == before
