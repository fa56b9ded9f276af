"""What every mechanism switch does, measured against what it claims: docs/mechanisms.md.

For every shipped scenario and every switch of ``sim.params.Mechanisms``, the scenario runs
on seeds 0..N-1 as it is and with that one switch flipped (``--set
mechanisms.NAME.enabled=...``). The same seed in both shares the model's random draws, so
the per-seed difference "on minus off" of each outcome at the horizon is a paired sample
(common random numbers, as in ``labsim compare``, whose pairing this reuses). Its mean and a
90% Student t-interval of that mean (n-1 degrees of freedom) are set beside the sign that
``docs/mechanisms.predictions.yaml`` predicted before anything was measured.

``python -m analysis.mechanisms`` writes docs/mechanisms.md and docs/mechanisms.json (the
numbers that tests/test_mechanisms_doc.py reads); both record a digest of their inputs
(``input_digest``) so that the test can tell when they are stale.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_DIR = ROOT / "scenarios"
PREDICTIONS_PATH = ROOT / "docs" / "mechanisms.predictions.yaml"
DOC_PATH = ROOT / "docs" / "mechanisms.md"
JSON_PATH = ROOT / "docs" / "mechanisms.json"
COMMAND = "python -m analysis.mechanisms"
STALE_MESSAGE = f"docs/mechanisms.md is stale: run {COMMAND}"

SEEDS = 10
CONFIDENCE = 0.90
SIGNS = ("+", "-", "?")


@dataclass(frozen=True)
class Outcome:
    column: str  # timeseries column, read at the last step
    label: str
    paired: str  # "difference" (on - off) or "log10 ratio" (log10(on / off))
    fmt: str  # format of an effect


OUTCOMES = (
    Outcome("hhi", "final HHI", "difference", "+,.0f"),
    Outcome("frontier_capability", "frontier capability", "log10 ratio", "+.2f"),
    Outcome("frontier_training_flop", "largest run (FLOP)", "log10 ratio", "+.2f"),
    Outcome("runnable_copies", "runnable copies", "log10 ratio", "+.2f"),
    Outcome("training_to_serving_ratio", "training / serving cost", "log10 ratio", "+.2f"),
    Outcome("hardware_overhang_world", "overhang: world", "log10 ratio", "+.2f"),
    Outcome("hardware_overhang_budget", "overhang: budget", "log10 ratio", "+.2f"),
)
OUTCOME_COLUMNS = tuple(o.column for o in OUTCOMES)


# ------------------------------------------------------------------ inputs


def switch_names() -> list[str]:
    """Every mechanism switch, in the schema's order: the fields of ``Mechanisms`` whose
    type is a ``Switch`` (a new mechanism is picked up without naming it here)."""
    from sim.params import Mechanisms, Switch

    return [
        name
        for name, field in Mechanisms.model_fields.items()
        if isinstance(field.annotation, type) and issubclass(field.annotation, Switch)
    ]


def shipped_scenario_files(folder: Path = SCENARIO_DIR) -> list[Path]:
    """The shipped scenarios: ``scenarios/*.yaml`` less calibration targets (as ``labsim
    list`` has them)."""
    return sorted(p for p in folder.glob("*.yaml") if not p.name.endswith(".targets.yaml"))


def input_files() -> list[Path]:
    """What the document depends on: the model's code, the shipped scenarios, the
    predictions and this generator."""
    code = [p for p in (ROOT / "sim").rglob("*.py") if "__pycache__" not in p.parts]
    return [*code, *shipped_scenario_files(), PREDICTIONS_PATH, Path(__file__).resolve()]


def digest_of(files: list[Path], root: Path = ROOT) -> str:
    """SHA-256 over (relative path, text) of ``files``, sorted by path and with line
    endings normalised to LF: the same for any listing order and any checkout's newlines."""
    h = hashlib.sha256()
    for rel, path in sorted((p.resolve().relative_to(root).as_posix(), p) for p in files):
        text = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        h.update(rel.encode("utf-8") + b"\0" + hashlib.sha256(text).digest())
    return h.hexdigest()


def input_digest() -> str:
    return digest_of(input_files())


def load_predictions(path: Path = PREDICTIONS_PATH) -> dict[str, dict[str, Any]]:
    """``{switch: {"why": str, outcome column: sign, ...}}`` with every outcome filled in
    ("?" where the file makes no claim). Raises ValueError naming the key at fault."""
    from sim.scenario import read_yaml

    data = read_yaml(path).get("mechanisms")
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: mechanisms: expected a mapping of switch names")
    out = {}
    for name, entry in data.items():
        if not isinstance(entry, dict) or not str(entry.get("why", "")).strip():
            raise ValueError(f"{path.name}: mechanisms.{name}.why: one line of why is required")
        unknown = set(entry) - {"why", *OUTCOME_COLUMNS}
        if unknown:
            raise ValueError(
                f"{path.name}: mechanisms.{name}.{sorted(unknown)[0]}: not an outcome; "
                f"choose from {', '.join(OUTCOME_COLUMNS)}"
            )
        signs = {c: str(entry.get(c, "?")) for c in OUTCOME_COLUMNS}
        for column, sign in signs.items():
            if sign not in SIGNS:
                raise ValueError(
                    f"{path.name}: mechanisms.{name}.{column}: expected one of "
                    f'"+", "-", "?", got {sign!r}'
                )
        out[name] = {"why": " ".join(str(entry["why"]).split()), **signs}
    return out


def missing_predictions(predictions: dict[str, Any]) -> list[str]:
    """Switches of the schema that the predictions file does not cover."""
    return [name for name in switch_names() if name not in predictions]


# ------------------------------------------------------------------ statistics


def paired_effects(on: list[float], off: list[float], paired: str) -> list[float]:
    """Per-seed effects on - off (or log10(on / off)) over the seeds where both are defined,
    by ``labsim compare``'s pairing (``sim.compare.paired_differences``)."""
    import pandas as pd

    from sim.compare import paired_differences

    how = "ratio" if paired == "log10 ratio" else "difference"
    d = paired_differences(pd.Series(off, dtype=float), pd.Series(on, dtype=float), how)
    return [float(x) / math.log(10) if how == "ratio" else float(x) for x in d]


def mean_interval(sample: list[float], confidence: float = CONFIDENCE) -> dict[str, Any]:
    """Mean of a paired sample and its two-sided Student t-interval (n-1 degrees of freedom);
    an interval of None below two values. ``significant``: the interval excludes zero."""
    from scipy import stats

    n = len(sample)
    if n == 0:
        return {"n": 0, "mean": None, "low": None, "high": None, "significant": False}
    mean = math.fsum(sample) / n
    if n < 2:
        return {"n": 1, "mean": mean, "low": None, "high": None, "significant": False}
    sd = math.sqrt(math.fsum((x - mean) ** 2 for x in sample) / (n - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    low, high = mean - half, mean + half
    return {"n": n, "mean": mean, "low": low, "high": high, "significant": low > 0 or high < 0}


def contradicts(effect: dict[str, Any], sign: str) -> bool:
    """A significant effect whose sign is opposite to a "+" or "-" prediction."""
    if not effect["significant"] or sign == "?":
        return False
    return (effect["mean"] > 0) != (sign == "+")


# ------------------------------------------------------------------ runs


def _finals(task: tuple[str, list[str], list[int]]) -> list[dict[str, float]]:
    """Final outcomes of one scenario file with ``--set`` overrides, one dict per seed."""
    from sim.results import simulate
    from sim.scenario import load_scenario

    path, sets, seeds = task
    scenario = load_scenario(path, sets)
    rows = []
    for seed in seeds:
        columns = simulate(scenario, seed, record_labs=False).recorder.timeseries_columns()
        rows.append({c: float(columns[c][-1]) for c in OUTCOME_COLUMNS})
    return rows


def _enabled(path: Path) -> dict[str, bool]:
    from sim.scenario import load_scenario

    mechanisms = load_scenario(path).mechanisms
    return {name: getattr(mechanisms, name).enabled for name in switch_names()}


def measure(seeds: int = SEEDS, jobs: int = 2, log=print) -> dict[str, Any]:
    """Run every scenario as shipped and with each switch flipped; return the document's
    data (what docs/mechanisms.json holds)."""
    from concurrent.futures import ProcessPoolExecutor

    predictions = load_predictions()
    missing = missing_predictions(predictions)
    if missing:
        raise ValueError(f"{PREDICTIONS_PATH.name}: no prediction for " + ", ".join(missing))
    names = switch_names()
    files = shipped_scenario_files()
    seed_list = list(range(seeds))
    tasks = {}
    for path in files:
        tasks[(path.stem, None)] = (str(path), [], seed_list)
        for name, on in _enabled(path).items():
            flip = f"mechanisms.{name}.enabled={'false' if on else 'true'}"
            tasks[(path.stem, name)] = (str(path), [flip], seed_list)
    log(f"{len(files)} scenarios x {len(names)} switches, {seeds} seeds: {len(tasks)} tasks")
    started = time.perf_counter()
    results = {}
    with ProcessPoolExecutor(max_workers=max(jobs, 1)) as pool:
        futures = {key: pool.submit(_finals, task) for key, task in tasks.items()}
        for i, (key, future) in enumerate(futures.items(), 1):
            results[key] = future.result()
            if i % 10 == 0 or i == len(futures):
                log(f"  {i}/{len(futures)} done, {time.perf_counter() - started:.0f} s")
    enabled = {path.stem: _enabled(path) for path in files}
    mechanisms = {}
    for name in names:
        effects = {}
        for path in files:
            shipped, flipped = results[(path.stem, None)], results[(path.stem, name)]
            on, off = (shipped, flipped) if enabled[path.stem][name] else (flipped, shipped)
            effects[path.stem] = {
                "shipped_enabled": enabled[path.stem][name],
                **{
                    o.column: _effect(
                        paired_effects(
                            [r[o.column] for r in on], [r[o.column] for r in off], o.paired
                        )
                    )
                    for o in OUTCOMES
                },
            }
        mechanisms[name] = {"prediction": predictions[name], "effects": effects}
    return {
        "digest": input_digest(),
        "seeds": seed_list,
        "confidence": CONFIDENCE,
        "interval": "Student t-interval of the mean paired difference, n-1 degrees of freedom",
        "outcomes": [o.__dict__ for o in OUTCOMES],
        "scenarios": [p.stem for p in files],
        "mechanisms": mechanisms,
    }


def _round(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(f"{x:.6g}")


def _effect(sample: list[float]) -> dict[str, Any]:
    stats = mean_interval(sample)
    return {
        **{k: _round(v) if k in ("mean", "low", "high") else v for k, v in stats.items()},
        "per_seed": [_round(x) for x in sample],
    }


# ------------------------------------------------------------------ checks


def failures(data: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(switches with no effect whose interval excludes zero in any scenario, lines naming
    each significant effect of the sign opposite to its prediction)."""
    inert, wrong = [], []
    for name, mech in data["mechanisms"].items():
        cells = [
            (scenario, column, effect[column])
            for scenario, effect in mech["effects"].items()
            for column in OUTCOME_COLUMNS
        ]
        if not any(e["significant"] for _, _, e in cells):
            inert.append(name)
        for scenario, column, e in cells:
            if contradicts(e, mech["prediction"][column]):
                wrong.append(
                    f"{name} in {scenario}: {column} {e['mean']:+.4g} "
                    f"[{e['low']:+.4g}, {e['high']:+.4g}], predicted {mech['prediction'][column]}"
                )
    return inert, wrong


# ------------------------------------------------------------------ the document


def _cell(effect: dict[str, Any], outcome: Outcome, sign: str) -> str:
    if effect["mean"] is None:
        return "n/a"
    text = format(effect["mean"], outcome.fmt)
    if effect["low"] is not None:
        text += f" [{format(effect['low'], outcome.fmt)}, {format(effect['high'], outcome.fmt)}]"
    if contradicts(effect, sign):
        return f"**{text}** ✗"
    if effect["significant"]:
        return f"**{text}**" + (" ✓" if sign != "?" else "")
    return text


def render_markdown(data: dict[str, Any]) -> str:
    """docs/mechanisms.md from the measured data (a pure function of it)."""
    outcomes = [Outcome(**o) for o in data["outcomes"]]
    n, pct = len(data["seeds"]), f"{data['confidence']:.0%}"
    inert, wrong = failures(data)
    lines = [
        f"<!-- Generated by `{COMMAND}` from inputs with digest {data['digest']}; "
        "do not edit by hand. -->",
        "",
        "# What every mechanism switch does",
        "",
        "Each switch of `mechanisms:` (`sim.params.Mechanisms`) against its claim. The "
        "prediction (`docs/mechanisms.predictions.yaml`, written before measuring) comes first; "
        f"then the measured effect of switching it **on rather than off** in every shipped "
        f"scenario, on seeds 0–{n - 1}: each scenario runs as shipped and with that one switch "
        "flipped (`--set mechanisms.NAME.enabled=...`), and the same seed in both shares its "
        "random draws, so the per-seed difference at the horizon is a paired sample, as in "
        "`labsim compare`.",
        "",
        f"A cell is the mean paired effect and its {pct} interval: a Student t-interval of "
        f"the mean over the {n} per-seed differences (n−1 degrees of freedom); seeds where an "
        "outcome is undefined (no market, no model) are left out. HHI is the difference in "
        "points; every other outcome is log10(on / off), so +0.30 is about ×2 and −1.00 is ÷10. "
        "**Bold**: the interval excludes zero. ✓: its sign is the predicted one; ✗: the "
        "opposite (a prediction of `?` claims nothing). *on* in a row marks a scenario that "
        "ships with the switch on.",
        "",
        "Outcomes (`timeseries.csv` at the last step): "
        + "; ".join(f"{o.label} (`{o.column}`, {o.paired})" for o in outcomes)
        + ".",
        "",
        f"Regenerate with `{COMMAND}` (about two minutes with 2 workers; `--jobs N`). It "
        "also writes `docs/mechanisms.json`, the numbers `tests/test_mechanisms_doc.py` reads: "
        "the test fails if a switch has no prediction, if a switch has no effect whose "
        "interval excludes zero in any shipped scenario, if such an effect has the opposite "
        "sign to its prediction, or if the model's code (`sim/`), the shipped scenarios, the "
        "predictions or the generator changed since this file was made (the digest above).",
        "",
        "## Summary",
        "",
    ]
    lines.append(
        "No significant effect in any shipped scenario: "
        + (", ".join(f"`{name}`" for name in inert) if inert else "none")
        + "."
    )
    lines.append("")
    if wrong:
        lines += ["Significant effects of the opposite sign to the prediction:", ""]
        lines += [f"- {line}" for line in wrong]
    else:
        lines.append("Significant effects of the opposite sign to the prediction: none.")
    lines.append("")
    lines += [
        "| switch | significant effects | as predicted | opposite |",
        "|---|---|---|---|",
    ]
    for name, mech in data["mechanisms"].items():
        cells = [
            (e[o.column], mech["prediction"][o.column])
            for e in mech["effects"].values()
            for o in outcomes
        ]
        sig = [(e, s) for e, s in cells if e["significant"]]
        opposite = sum(contradicts(e, s) for e, s in sig)
        agreed = sum(1 for e, s in sig if s != "?" and not contradicts(e, s))
        lines.append(f"| [`{name}`](#{name}) | {len(sig)} | {agreed} | {opposite} |")
    for name, mech in data["mechanisms"].items():
        pred = mech["prediction"]
        claims = [f"{o.label} {pred[o.column]}" for o in outcomes if pred[o.column] != "?"]
        lines += [
            "",
            f"## {name}",
            "",
            f"**Predicted.** {pred['why']} "
            + ("On: " + ", ".join(claims) + "." if claims else "No signed claim."),
            "",
            "**Measured** (on − off):",
            "",
            "| scenario | " + " | ".join(o.label for o in outcomes) + " |",
            "|---" * (len(outcomes) + 1) + "|",
        ]
        for scenario, effect in mech["effects"].items():
            label = f"{scenario} (on)" if effect["shipped_enabled"] else scenario
            lines.append(
                f"| {label} | "
                + " | ".join(_cell(effect[o.column], o, pred[o.column]) for o in outcomes)
                + " |"
            )
    return "\n".join(lines) + "\n"


def write(data: dict[str, Any]) -> None:
    JSON_PATH.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    DOC_PATH.write_text(render_markdown(data), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=SEEDS, help=f"seeds 0..N-1 (default {SEEDS})")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    args = parser.parse_args(argv)
    if args.seeds < 2 or args.jobs < 1:
        print("error: --seeds must be at least 2 and --jobs at least 1", file=sys.stderr)
        return 2
    try:
        predictions = load_predictions()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    missing = missing_predictions(predictions)
    if missing:
        print(
            f"error: {PREDICTIONS_PATH.name}: no prediction for switch "
            + ", ".join(missing)
            + ": write its why and signs first",
            file=sys.stderr,
        )
        return 2
    started = time.perf_counter()
    data = measure(args.seeds, args.jobs)
    write(data)
    inert, wrong = failures(data)
    print(
        f"wrote {DOC_PATH.relative_to(ROOT)} and {JSON_PATH.relative_to(ROOT)} "
        f"in {time.perf_counter() - started:.0f} s"
    )
    print("no significant effect anywhere: " + (", ".join(inert) or "none"))
    print("opposite to prediction:" + ("".join(f"\n  {w}" for w in wrong) or " none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
