from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="session")
def baseline_path() -> Path:
    return SCENARIOS / "baseline.yaml"


def load(name: str = "baseline.yaml", **overrides):
    """A shipped scenario with dotted-path overrides (``end="2026-01"``)."""
    from sim.scenario import load_scenario

    return load_scenario(SCENARIOS / name, {k.replace("__", "."): v for k, v in overrides.items()})
