"""``labsim app``: the dashboard's inputs from the schema, its figures, its Solara components
rendered without a browser, the command's bad input, and the real thing in headless Chromium.

The app's packages come with the ``app`` extra and the browser test needs Debian's chromium;
``.ci/run`` installs both, so in CI (``CI=true``) nothing here is skipped: a missing piece fails.
"""

from __future__ import annotations

import importlib.util
import io
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Where the screenshot of the dashboard is also copied, if that folder exists.
SCREENSHOT_COPY = Path(os.environ.get("LABSIM_APP_SCREENSHOT", "/work/ref/app-screenshot.png"))
SERVER_START_S = 120
PAGE_TIMEOUT_MS = 60_000


def _require(*modules: str) -> None:
    absent = [m for m in modules if importlib.util.find_spec(m) is None]
    if not absent:
        return
    message = f"needs the app extra (missing {', '.join(absent)}): pip install -e '.[app,dev]'"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module", autouse=True)
def app_extra():
    _require("solara", "altair")


def _render(element):
    import solara

    return solara.render(element, handle_error=False)


def _model(scenario: str = "baseline", steps: int = 0, **overrides):
    from sim.model import LabRaceModel

    model = LabRaceModel(scenario, **overrides)
    for _ in range(steps):
        model.step()
    return model


# ------------------------------------------------------------------ inputs


def test_controls_come_from_the_schema_with_units_bounds_and_descriptions():
    from analysis.app.controls import KEY_PARAMETERS, key_controls, switches
    from sim.params import Mechanisms

    controls = {c.path: c for c in key_controls()}
    assert len(KEY_PARAMETERS) == 12
    kappa = controls["mechanisms.warm_start.kappa"]
    assert kappa.label == "warm start: kappa (share, 0-1)"
    assert (kappa.min, kappa.max) == (0.0, 1.0)
    assert "parent's effective compute" in kappa.help and "≤ 1" in kappa.help
    doubling = controls["hardware.doubling_time_years"]
    assert doubling.label == "hardware: doubling time (years)"
    assert "Hobbhahn" in doubling.help  # the schema's source, as help
    # price_sensitivity is > 0 in the schema: the slider stops a step above 0
    assert controls["market.price_sensitivity"].min > 0
    assert controls["world.progress_regime"].choices == ("scaling", "ideas", "mixed")
    assert [s.path for s in switches()] == [
        f"mechanisms.{name}.enabled" for name in Mechanisms.model_fields
    ]


def test_slider_ranges_widen_to_hold_a_scenarios_own_value():
    from analysis.app.controls import slider

    assert slider("market.network_effect", 0.0, 2.0).max == 2.0
    assert slider("market.network_effect", 0.0, 2.0, value=8.0).max == 8.0
    # clipped to the schema: inertia is a share
    assert slider("market.inertia", -1.0, 3.0).min == 0.0
    assert slider("market.inertia", -1.0, 3.0).max == 0.99  # the schema says < 1


def test_parameter_panel_renders_a_slider_per_key_parameter_with_label_and_range():
    import ipyvuetify as v

    from analysis.app.components import ParameterPanel
    from analysis.app.controls import key_controls

    spec = _model("natural-monopoly").spec
    changes = []
    _, rc = _render(ParameterPanel(spec, lambda path, value: changes.append((path, value))))
    sliders = rc.find(v.Slider).widgets
    expected = [c for c in key_controls(spec) if c.kind == "float"]
    assert len(sliders) == len(expected) == 12
    for widget, control in zip(sliders, expected, strict=True):
        assert widget.label.startswith(control.label)
        assert (widget.min, widget.max, widget.step) == (control.min, control.max, control.step)
    kappa = next(s for s in sliders if s.label.startswith("warm start: kappa"))
    assert kappa.label == "warm start: kappa (share, 0-1): 0.95"  # the scenario's own value
    assert kappa.v_model == 0.95
    kappa.v_model = 0.5
    assert changes == [("mechanisms.warm_start.kappa", 0.5)]
    regime = rc.find(v.Select, label="world: progress regime").widget
    assert regime.items == ["scaling", "ideas", "mixed"] and regime.v_model == "mixed"


def test_a_slider_rounding_the_scenarios_value_is_not_a_change():
    import ipyvuetify as v

    from analysis.app.components import ParameterPanel

    changes = []
    _, rc = _render(ParameterPanel(_model().spec, lambda *change: changes.append(change)))
    doubling = next(
        s for s in rc.find(v.Slider).widgets if s.label.startswith("hardware: doubling time")
    )
    doubling.v_model = 2.05  # the scenario's 2.07 years on a 0.05 grid from 1.0
    assert changes == []


def test_switch_panel_has_a_checkbox_per_mechanism_with_the_scenarios_state():
    import ipyvuetify as v

    from analysis.app.components import SwitchPanel

    spec = _model("open-diffusion").spec
    changes = []
    _, rc = _render(SwitchPanel(spec, lambda *change: changes.append(change)))
    boxes = {b.label: b for b in rc.find(v.Checkbox).widgets}
    from sim.params import Mechanisms

    assert len(boxes) == len(Mechanisms.model_fields)  # one per mechanism
    assert boxes["inference scaling"].v_model is False and boxes["ai research"].v_model is False
    assert boxes["imitation"].v_model is True and boxes["compute supply"].v_model is True
    boxes["entry"].v_model = False
    assert changes == [("mechanisms.entry.enabled", False)]


def test_scenario_panel_offers_the_shipped_scenarios():
    import ipyvuetify as v

    from analysis.app.components import ScenarioPanel
    from sim.mesa_api import shipped_scenarios

    picked = []
    _, rc = _render(ScenarioPanel("history", 2020, picked.append, picked.append))
    select = rc.find(v.Select, label="scenario").widget
    assert select.items == shipped_scenarios() and "history" in select.items
    assert select.v_model == "history"
    select.v_model = "wake-up"
    assert picked == ["wake-up"]


# ------------------------------------------------------------------ outputs


def _png_images(rc) -> list[bytes]:
    import ipywidgets as widgets

    return [bytes(w.value) for w in rc.find(widgets.Image).widgets]


def test_run_figures_render_four_images_that_change_as_the_model_steps():
    from analysis.app.components import RunFigures

    model = _model()
    _, rc = _render(RunFigures(model))
    before = _png_images(rc)
    assert len(before) == 4 and all(img.startswith(b"\x89PNG") for img in before)
    stepped = _model(steps=60)
    _, rc = _render(RunFigures(stepped))
    after = _png_images(rc)
    assert all(a != b for a, b in zip(before, after, strict=True))


def test_readout_shows_the_models_current_measures():
    from analysis.app.components import readout

    model = _model(steps=48)
    text = readout(model)
    assert text.startswith(f"{model.date} · step 48/240")
    assert f"HHI {model.hhi:,.0f}" in text and f"leader {model.leader}" in text
    assert "before the first step" in readout(_model())


def test_figures_draw_one_run_and_many_seeds_with_bands():
    from analysis.app.figures import FIGURES
    from analysis.app.seeds import run_seeds, run_series

    model = _model("history", steps=120)
    data = run_series(model)
    assert data.lab_series["revenue_share"].shape == (120, len(data.labs))
    runs = run_seeds(model.spec, range(4))
    low, mid, high = runs.quantiles["hhi"]
    assert (low[-1] <= mid[-1] <= high[-1]) and len(runs.years) == model.n_steps
    assert sum(runs.final_structures.values()) == 4
    shares = sum(runs.structure_shares.values())
    assert shares == pytest.approx(1.0)
    for draw in FIGURES.values():
        for source in (data, runs):
            fig = draw(source)
            ax = fig.axes[-1]
            assert ax.get_xlim() == (model.spec.start_year, model.spec.end_year)
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png")
            assert buffer.getvalue().startswith(b"\x89PNG")


def test_seeds_view_runs_the_seeds_and_reports_the_horizon():
    import ipywidgets as widgets

    from analysis.app.components import SeedsView

    _, rc = _render(SeedsView(_model(), 3))
    rc.find(widgets.Image).wait_for(timeout=120)
    text = rc.find(class_="labsim-readout").widget.children[0]
    assert text.startswith("baseline, 3 seeds to the horizon: HHI")
    assert len(rc.find(widgets.Image).widgets) == 4


def test_dashboard_steps_with_mesas_controller_and_reruns_on_a_slider():
    import ipyvuetify as v
    import solara

    from analysis.app.components import Dashboard

    @solara.component
    def App():
        with solara.AppLayout():
            Dashboard("baseline")

    _, rc = _render(App())

    def readout():
        return rc.find(class_="labsim-readout").widget.children[0]

    assert "before the first step" in readout()
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert readout().startswith("2020-06 · step 6/240")
    stepped = readout()
    progress = next(
        s for s in rc.find(v.Slider).widgets if s.label.startswith("algorithmic progress: growth")
    )
    progress.v_model = progress.max
    # the model is rebuilt and replayed to the step shown: same step, other numbers
    assert readout().startswith("2020-06 · step 6/240") and readout() != stepped
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert "before the first step" in readout()
    regime = rc.find(v.Select, label="world: progress regime").widget
    assert regime.v_model == "mixed"  # the baseline's agnostic regime


def test_dashboard_reports_a_bad_scenario_file_and_keeps_the_model(tmp_path):
    import ipyvuetify as v
    import solara

    from analysis.app.components import Dashboard

    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nmarket: {inertia: 1.5}\nlabs: []\n", encoding="utf-8")

    @solara.component
    def App():
        with solara.AppLayout():
            Dashboard("baseline")

    _, rc = _render(App())
    field = rc.find(v.TextField, label="or a scenario file (YAML path, Enter)").widget
    field.v_model = str(bad)
    field.fire_event("keyup.enter", {})
    errors = [a.children[0] for a in rc.find(v.Alert).widgets]
    assert any("market.inertia" in e for e in errors), errors
    assert "baseline" in rc.find(class_="labsim-readout").widget.children[0]


# ------------------------------------------------------------------ the command


def _labsim(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["app", "basline"], "no shipped scenario named 'basline'; did you mean baseline?"),
        (["app", "missing.yaml"], "missing.yaml: no such file"),
        (["app", "--port", "70000"], "--port 70000: a port is 0 (any free one) to 65535"),
    ],
)
def test_app_command_rejects_bad_input_in_one_line(args, message):
    done = _labsim(*args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]


def test_app_command_refuses_a_port_in_use():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _labsim("app", "--port", str(port))
    assert done.returncode == 2 and f"--port {port}: cannot listen there" in done.stderr


# ------------------------------------------------------------------ the browser


class Server:
    """``labsim app`` in a subprocess; the address it prints."""

    def __init__(self, *args: str):
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sim", "app", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)

    def url(self, timeout_s: float) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            self.output.append(line)
            found = re.search(r"labsim app: .* at (http://\S+)", line)
            if found:
                return found.group(1)
        raise AssertionError(f"labsim app printed no address: {''.join(self.output)}")

    def wait_until_serving(self, url: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise AssertionError(f"{url} did not answer within {timeout_s} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)


def _chromium_or_skip() -> None:
    _require("playwright")
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _readout(page) -> str:
    return page.locator(".labsim-readout").first.inner_text()


def _wait_for(predicate, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def _step_of(text: str) -> int:
    found = re.search(r"step (\d+)/", text)
    return int(found.group(1)) if found else 0


def test_dashboard_in_a_real_browser_moves_a_slider_steps_plays_and_draws(tmp_path):
    _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    server = Server("baseline", "--port", "0")
    try:
        url = server.url(SERVER_START_S)
        assert url.startswith("http://127.0.0.1:")  # bound to this machine by default
        server.wait_until_serving(url, SERVER_START_S)
        with sync_playwright() as p:
            browser = p.chromium.launch_persistent_context(
                str(tmp_path / "profile"),  # a fresh profile
                executable_path=str(CHROMIUM),
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 1600, "height": 1150},
            )
            try:
                _drive(browser.new_page(), url, tmp_path)
            finally:
                browser.close()
    finally:
        server.stop()


def _figure_png(page, name: str) -> bytes:
    return page.locator(f".labsim-figure-{name} img").first.screenshot()


def _drive(page, url: str, tmp_path: Path) -> None:
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.goto(url, timeout=PAGE_TIMEOUT_MS)
    page.locator(".labsim-figure-concentration img").first.wait_for(state="visible")
    assert "before the first step" in _readout(page)
    start = {name: _figure_png(page, name) for name in ("concentration", "race")}

    # A slider: keyboard on its thumb, as a person without a mouse would move it.
    param = page.locator(".labsim-param", has_text="market: network effect")
    param.locator("[role=slider]").first.focus()
    page.keyboard.press("End")
    _wait_for(
        lambda: "market: network effect: 10" in param.inner_text(), 60, "the slider's new value"
    )

    # Step (Mesa's controller): six months a click.
    page.get_by_role("button", name="Step").click()
    _wait_for(lambda: _step_of(_readout(page)) == 6, 60, "step 6 in the readout")
    stepped = {name: _figure_png(page, name) for name in start}
    assert all(stepped[name] != start[name] for name in start)

    # Play, then pause once the run is two years in. A second between frames keeps the page
    # still long enough to click on, however slow the machine.
    interval = page.locator(".v-slider", has_text="play interval")
    interval.locator("[role=slider]").first.focus()
    page.keyboard.press("End")
    _wait_for(lambda: "1000 ms" in interval.inner_text(), 60, "a play interval of 1000 ms")
    page.get_by_role("button", name="▶").click()
    _wait_for(lambda: _step_of(_readout(page)) >= 24, 120, "play to reach step 24")
    page.get_by_role("button", name="❚❚").click()
    page.get_by_role("button", name="▶").wait_for(state="visible")
    played = _readout(page)
    assert _step_of(played) >= 24 and "HHI" in played
    _wait_for(
        lambda: _figure_png(page, "concentration") != stepped["concentration"],
        60,
        "the concentration figure to change while playing",
    )
    shot = tmp_path / "app.png"
    page.screenshot(path=str(shot), full_page=False)
    if SCREENSHOT_COPY.parent.is_dir():
        shutil.copyfile(shot, SCREENSHOT_COPY)

    # Seeds mode: medians and bands over many seeds, to the horizon.
    page.get_by_role("button", name="seeds").click()
    _wait_for(lambda: "seeds to the horizon" in page.locator("body").inner_text(), 120, "the seeds")
    page.locator(".labsim-figure-concentration img").first.wait_for(state="visible")
    page.screenshot(path=str(tmp_path / "app-seeds.png"))


def test_compute_figure_shows_the_stock_and_the_price_of_compute():
    """The dashboard's compute figure sets the largest run against six months of the world's
    stock (the overhang's measure) and shows when compute is scarce (price above its trend)."""
    from analysis.app.figures import compute_figure
    from analysis.app.seeds import run_seeds, run_series

    model = _model("power-wall", steps=240)
    for source in (run_series(model), run_seeds(model.spec, range(2))):
        fig = compute_figure(source)
        top, price = fig.axes[0], fig.axes[1]
        stock = next(line for line in top.get_lines() if "world stock" in line.get_label())
        run = top.get_lines()[0].get_ydata()
        # The stock's six months exceed the largest run at every step (the overhang > 1).
        assert np.all(stock.get_ydata()[run > 0] > run[run > 0])
        multiplier = price.get_lines()[0].get_ydata()
        assert np.nanmin(multiplier) >= 1.0 and "price" in price.get_ylabel()
