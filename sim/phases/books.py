"""Opening the books, the first phase of a step.

Reads: the active labs. Changes: each lab's ledger (a new, empty one) and its compute used
this step (zero); the cached rankings of labs (dropped, since the last step changed them).
"""

from __future__ import annotations

from sim import frontier


def open_books(model) -> None:
    frontier.rankings_changed(model)
    for lab in model.active:
        lab.start_step()
