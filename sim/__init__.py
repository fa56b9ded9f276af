"""labsim: an agent-based simulation of the race between frontier AI labs.

    from sim import load_scenario, run
    result = run(load_scenario("scenarios/baseline.yaml"), seed=7)
    result.timeseries  # pandas DataFrame, one row per step
    result.save("runs/b7")

Heavy modules (mesa, pandas) load on first use so that the command line starts fast.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["load_scenario", "run", "RunResult", "Scenario", "ScenarioError", "__version__"]

_LAZY = {
    "load_scenario": ("sim.scenario", "load_scenario"),
    "ScenarioError": ("sim.scenario", "ScenarioError"),
    "Scenario": ("sim.params", "Scenario"),
    "run": ("sim.results", "run"),
    "RunResult": ("sim.results", "RunResult"),
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
