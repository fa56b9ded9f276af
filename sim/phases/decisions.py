"""The labs' decisions: each active lab takes its funding, splits its budget by its beliefs,
hires, buys compute, starts runs and does research (``Lab.act``, in ``sim.agents``).

Reads the step's prices and hiring room. Changes each lab's own state: cash and ledger,
engineers, run in progress, algorithmic efficiency, utilization, research stock.
"""

from __future__ import annotations


def labs_act(model) -> None:
    for lab in list(model.active):
        lab.act()
