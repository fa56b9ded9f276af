"""The dashboard's Solara components, built on Mesa's SolaraViz.

Mesa's ``ModelController`` (SolaraViz's play, step and reset) drives a ``LabRaceModel`` held in
a reactive variable, with SolaraViz's model parameters in Mesa's own form: ``{"base": scenario,
"rng": seed, dotted.path: value, ...}``, which its reset turns into ``LabRaceModel(
scenario=LabRaceScenario(base=...), rng=..., **overrides)``. Around it: a scenario picker, the
parameters that matter most and the mechanism switches (``analysis.app.controls``), a line of
current measures, and four live figures (``analysis.app.figures``); in "seeds" mode the
figures show many seeds run to the horizon instead.

Changing an input rebuilds the model and replays it to the step shown (a run to the horizon
takes a few tens of milliseconds), so the figures answer at once; picking a scenario starts
it from the beginning.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import solara
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter

from analysis import style
from analysis.app.controls import Control, key_controls, switches, value_at
from analysis.app.figures import FIGURES
from analysis.app.seeds import run_seeds, run_series
from sim.mesa_api import SCENARIO_SEED, shipped_scenarios
from sim.model import LabRaceModel
from sim.params import Scenario
from sim.scenario import ScenarioError

FIGURE_DPI = 90
DEFAULT_SEEDS = 20
MAX_SEEDS = 100
PLAY_INTERVAL_MS = 100
STEPS_PER_FRAME = 6  # a frame draws four figures (~0.2 s each): half a year per frame
MODES = ("one run", "seeds")
CSS = """
.labsim-figure img { max-width: 100%; height: auto; }
.labsim-readout { font-size: 15px; padding: 4px 8px; }
.v-navigation-drawer { width: 400px !important; }
.labsim-param .v-input--horizontal {
  grid-template-areas: "prepend" "control" "messages"; grid-template-columns: 1fr;
}
.labsim-param .v-input__prepend { margin-inline-end: 0; margin-bottom: -6px; }
.labsim-param .v-label { font-size: 13px; }
"""


# ------------------------------------------------------------------ the model


def build_model(params: dict[str, Any], steps: int = 0) -> LabRaceModel:
    """The model SolaraViz's parameters describe, stepped ``steps`` times (at most to its
    horizon) the way Mesa steps it. Raises ``ScenarioError`` on bad input."""
    kwargs = dict(params)
    base = kwargs.pop("base", "baseline")
    rng = kwargs.pop("rng", SCENARIO_SEED)
    model = LabRaceModel(scenario=base, rng=rng, **kwargs)
    for _ in range(min(steps, model.n_steps)):
        model.step()
    return model


def readout(model: LabRaceModel) -> str:
    """One line of the current measures (the model's attributes, read from the recorder)."""
    if model.k == 0:
        return f"{model.spec.name}: {model.date_at(0)}, before the first step: press ▶ or Step"
    parts = [f"{model.date}", f"step {model.k}/{model.n_steps}"]
    if math.isnan(model.hhi):
        parts.append("no market yet")
    else:
        label = style.STRUCTURE_LABELS.get(model.structure, model.structure)
        parts += [f"HHI {model.hhi:,.0f} ({label})", f"leader {model.leader}"]
    parts.append(f"frontier {model.frontier_capability:.3g} min ({model.frontier_lab or '-'})")
    if model.frontier_training_flop > 0:
        parts.append(f"largest run {model.frontier_training_flop:.1e} FLOP")
    if not math.isnan(model.runnable_copies):
        parts.append(f"runnable copies {model.runnable_copies:.2g}")
    return " · ".join(parts)


def seeds_readout(runs) -> str:
    hhi = runs.quantiles["hhi"][:, -1]
    final = ", ".join(
        f"{style.STRUCTURE_LABELS.get(s, s)} {n}/{len(runs.seeds)}"
        for s, n in runs.final_structures.most_common()
    )
    return (
        f"{runs.title} to the horizon: HHI {hhi[1]:,.0f} (10-90%: {hhi[0]:,.0f}-{hhi[2]:,.0f})"
        f" · structure at the horizon: {final}"
    )


# ------------------------------------------------------------------ inputs


@solara.component
def ParameterPanel(spec: Scenario, on_change: Callable[[str, Any], None]):
    """A slider per key parameter (its unit in the label, its description as help) and a
    choice for the progress regime; values are the scenario's, ranges hold them."""
    for control in key_controls(spec):
        value = value_at(spec, control.path)
        with solara.Tooltip(control.help), solara.Column(gap="0px", classes=["labsim-param"]):
            if control.kind == "choice":
                solara.Select(
                    control.label,
                    value=value,
                    values=list(control.choices),
                    on_value=partial(on_change, control.path),
                )
            else:
                solara.SliderFloat(
                    f"{control.label}: {value:.3g}",
                    value=value,
                    min=control.min,
                    max=control.max,
                    step=control.step,
                    on_value=partial(_slid, control, value, on_change),
                    thumb_label=False,
                )


def _slid(control: Control, current: float, on_change, value: float) -> None:
    # A slider reports its value rounded to its step: a value within half a step of the
    # scenario's is that rounding, not a change.
    if abs(value - current) >= control.step / 2:
        on_change(control.path, round(value, 10))


@solara.component
def SwitchPanel(spec: Scenario, on_change: Callable[[str, Any], None]):
    """A checkbox per mechanism of MODEL.md, its docstring as help."""
    for control in switches():
        with solara.Tooltip(control.help), solara.Column(gap="0px"):
            solara.Checkbox(
                label=control.label,
                value=bool(value_at(spec, control.path)),
                on_value=partial(on_change, control.path),
            )


@solara.component
def ScenarioPanel(
    source: Any,
    seed: int,
    on_source: Callable[[Any], None],
    on_seed: Callable[[int], None],
):
    """The shipped scenarios, a file of one's own, and the seed."""
    names = shipped_scenarios()
    current = source if isinstance(source, str) and source in names else None
    solara.Select(
        "scenario", value=current, values=names, on_value=lambda name: name and on_source(name)
    )
    file_text = "" if current else str(source)
    solara.InputText(
        "or a scenario file (YAML path, Enter)",
        value=file_text,
        on_value=lambda text: text.strip() and on_source(Path(text.strip())),
    )
    solara.InputInt("seed", value=int(seed), on_value=on_seed)


# ------------------------------------------------------------------ outputs


@solara.component
def Readout(model: LabRaceModel):
    update_counter.get()  # Mesa's signal that the model stepped
    solara.Text(readout(model), classes=["labsim-readout"])


@solara.component
def FigureGrid(figures: dict):
    """Two figures a row."""
    names = list(figures)
    for i in range(0, len(names), 2):
        with solara.Columns([1, 1]):
            for name in names[i : i + 2]:
                with solara.Column(classes=["labsim-figure", f"labsim-figure-{name}"]):
                    solara.FigureMatplotlib(figures[name], format="png", dpi=FIGURE_DPI)


@solara.component
def RunFigures(model: LabRaceModel):
    """The four figures of the run so far; redrawn when Mesa steps or replaces the model."""
    counter = update_counter.get()

    def draw():
        data = run_series(model)
        return {name: draw_figure(data) for name, draw_figure in FIGURES.items()}

    figures = solara.use_memo(draw, [model, model.k, counter])
    FigureGrid(figures)


@solara.component
def SeedsView(model: LabRaceModel, n_seeds: int):
    """``n_seeds`` seeds of the model's scenario (seeds seed, seed+1, ...) run to the horizon
    in a background thread; medians with 10-90% bands."""
    progress = solara.use_reactive(0.0)
    this_task = solara.use_ref(None)

    def compute():
        seeds = range(model.seed, model.seed + n_seeds)
        # A newer request (a slider moved on) makes this one stale: stop between seeds.
        return run_seeds(
            model.spec,
            seeds,
            on_progress=lambda i, n: progress.set(100 * i / n),
            cancelled=lambda: this_task.current is not None and not this_task.current.is_current(),
        )

    task = solara.lab.use_task(compute, dependencies=[model, n_seeds])
    this_task.current = task
    if task.error:
        solara.Error(f"seeds failed: {task.exception}")
    elif task.finished and task.value is not None:
        runs = task.value
        solara.Text(seeds_readout(runs), classes=["labsim-readout"])
        figures = solara.use_memo(
            lambda: {name: draw(runs) for name, draw in FIGURES.items()}, [runs]
        )
        FigureGrid(figures)
    else:
        solara.Text(f"running {n_seeds} seeds of {model.spec.name}…")
        solara.ProgressLinear(value=progress.value)


# ------------------------------------------------------------------ the page


@solara.component
def Dashboard(scenario: Any = "baseline"):
    """The whole dashboard for ``scenario`` (a shipped name or a file)."""
    first = solara.use_memo(lambda: _first_model(scenario), [])
    model = solara.use_reactive(first[0])
    params = solara.use_reactive({"base": first[0].scenario.base, "rng": first[0].seed})
    problems = solara.use_reactive(first[1])
    mode = solara.use_reactive(MODES[0])
    n_seeds = solara.use_reactive(DEFAULT_SEEDS)
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)
    steps_per_frame = solara.use_reactive(STEPS_PER_FRAME)
    use_threads = solara.use_reactive(False)
    # Mesa's controller keeps its own "running" flag; a new model that can run again after
    # a finished one gets a fresh controller.
    generation = solara.use_reactive(0)

    def rebuild(new_params: dict, steps: int) -> None:
        old = model.value
        try:
            new = build_model(new_params, steps)
        except ScenarioError as exc:
            problems.set(list(exc.problems))
            return
        problems.set([])
        params.set({**new_params, "rng": new.seed})
        if new.running and not old.running:
            generation.set(generation.value + 1)
        model.set(new)

    def set_parameter(path: str, value: Any) -> None:
        rebuild({**params.value, path: value}, model.value.k)

    def set_source(source: Any) -> None:
        # A new scenario starts from its own values and seed.
        rebuild({"base": source}, 0)

    def set_seed(seed: int) -> None:
        rebuild({**params.value, "rng": seed}, model.value.k)

    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle(f"labsim · {model.value.spec.name}")
    with solara.Sidebar(), solara.Column():
        with solara.Card("Run"):
            solara.ToggleButtonsSingle(value=mode, values=list(MODES))
            if mode.value == MODES[0]:
                ModelController(
                    model,
                    model_parameters=params,
                    play_interval=play_interval,
                    render_interval=steps_per_frame,
                    use_threads=use_threads,
                ).key(f"controller-{generation.value}")
                solara.SliderInt(
                    f"steps per frame: {steps_per_frame.value}",
                    value=steps_per_frame,
                    min=1,
                    max=24,
                )
                solara.SliderInt(
                    f"play interval: {play_interval.value} ms",
                    value=play_interval,
                    min=10,
                    max=1000,
                    step=10,
                )
            else:
                solara.SliderInt(f"seeds: {n_seeds.value}", value=n_seeds, min=2, max=MAX_SEEDS)
        for line in problems.value:
            solara.Error(line)
        with solara.Card("Scenario"):
            ScenarioPanel(params.value.get("base"), model.value.seed, set_source, set_seed)
        with solara.Card("Parameters"):
            ParameterPanel(model.value.spec, set_parameter)
        with solara.Card("Mechanisms"):
            SwitchPanel(model.value.spec, set_parameter)
    if mode.value == MODES[0]:
        Readout(model.value)
        RunFigures(model.value)
    else:
        SeedsView(model.value, n_seeds.value)


def _first_model(scenario: Any) -> tuple[LabRaceModel, list[str]]:
    """The model to open with, and the problems if ``scenario`` could not be read (then the
    baseline)."""
    try:
        return build_model({"base": scenario}), []
    except ScenarioError as exc:
        return build_model({"base": "baseline"}), list(exc.problems)
