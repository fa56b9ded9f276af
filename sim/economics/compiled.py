"""The numba kernels (``market_kernel``, ``book_kernel``, ``spillover_kernel``), each imported
on first use: importing numba takes ~0.2 s, which commands that never clear a market
(``labsim --help``, validation) should not pay."""

from __future__ import annotations

import importlib
from types import ModuleType

_loaded: dict[str, ModuleType] = {}


def kernel(name: str) -> ModuleType:
    """The module ``sim.economics.<name>``, imported the first time it is asked for (a dict
    lookup after that: the phases ask every step)."""
    module = _loaded.get(name)
    if module is None:
        module = _loaded[name] = importlib.import_module(f"sim.economics.{name}")
    return module
