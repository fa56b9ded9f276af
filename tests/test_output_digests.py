"""Pinned outputs: a digest of every shipped scenario's data files (seeds 1, 2 and 3) and of the
smoke sweep's runs table. A refactoring must leave them unchanged; a change to the economics
moves them on purpose, and then they are regenerated with

    python tests/test_output_digests.py

and the new digests committed with the change that explains them.
"""

import hashlib
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DIGESTS = Path(__file__).resolve().parent / "data" / "output_digests.json"
DATA_FILES = ("timeseries.csv", "labs.csv", "models.csv", "events.csv", "lineage.json")
SEEDS = (1, 2, 3)


def shipped_scenarios() -> list[Path]:
    return sorted(p for p in (ROOT / "scenarios").glob("*.yaml") if ".targets" not in p.name)


def run_digest(scenario_path: Path, seed: int, out: Path) -> str:
    from sim.results import run
    from sim.scenario import load_scenario

    run(load_scenario(scenario_path), seed=seed).save(out)
    h = hashlib.sha256()
    for name in DATA_FILES:
        h.update(name.encode())
        h.update((out / name).read_bytes())
    return h.hexdigest()


def sweep_digest(out: Path) -> str:
    """The smoke sweep's runs table, decoded (Parquet bytes carry the writer's version)."""
    import pandas as pd

    from sim.sweep import load_sweep, run_sweep

    run_sweep(load_sweep(ROOT / "scenarios" / "sweeps" / "smoke.yaml"), out, jobs=1, progress=False)
    table = pd.read_parquet(out / "runs.parquet")
    return hashlib.sha256(table.to_csv(index=False).encode()).hexdigest()


def all_digests(tmp: Path) -> dict[str, str]:
    digests = {}
    for path in shipped_scenarios():
        for seed in SEEDS:
            digests[f"{path.stem}-s{seed}"] = run_digest(path, seed, tmp / f"{path.stem}-s{seed}")
    digests["sweep:smoke/runs.parquet"] = sweep_digest(tmp / "smoke")
    return digests


@pytest.mark.slow
def test_outputs_match_their_pinned_digests(tmp_path):
    pinned = json.loads(DIGESTS.read_text(encoding="utf-8"))
    now = all_digests(tmp_path)
    assert set(now) == set(pinned), "scenarios added or removed: regenerate the digests"
    moved = sorted(k for k in now if now[k] != pinned[k])
    assert not moved, (
        f"outputs changed for {moved}; if the change is meant, regenerate with "
        "`python tests/test_output_digests.py` and say why in the commit"
    )


if __name__ == "__main__":
    import tempfile

    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        digests = all_digests(Path(tmp))
    DIGESTS.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(digests)} digests to {DIGESTS}")
