"""The page ``labsim app`` serves: ``solara run analysis.app.page``.

The scenario to open with comes from ``LABSIM_APP_SCENARIO`` (a shipped name or a file; the
command sets it), else the baseline.
"""

from __future__ import annotations

import os

import solara

from analysis.app.components import Dashboard

SCENARIO_ENV = "LABSIM_APP_SCENARIO"


@solara.component
def Page():
    solara.Title("labsim")
    Dashboard(os.environ.get(SCENARIO_ENV) or "baseline")
