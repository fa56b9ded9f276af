"""Writing figures to files, in labsim's style: ``style.DPI`` dots per inch unless told
otherwise, cropped to the drawing, text kept as text in SVG and PDF."""

from __future__ import annotations

from pathlib import Path
from typing import IO

from analysis import style
from analysis.io import load
from analysis.plots._axes import pyplot
from analysis.plots.kinds import concentration_figure

DPI_RANGE = (10, 1200)  # below 10 nothing is legible; above 1200, 6.5 inches is 7,800 pixels


def use_file_backend() -> None:
    """Select Agg, which draws to files and needs no display. For commands only (``labsim
    plot``, ``report``, ``run --plot``, ``sensitivity``), before they draw: the figure
    functions themselves never change the backend, so a notebook keeps its inline plots."""
    import matplotlib

    matplotlib.use("Agg")


def dpi_problem(dpi: float | None) -> str | None:
    """Why ``dpi`` cannot be used (one line naming ``--dpi``), or None if it can."""
    low, high = DPI_RANGE
    if dpi is None or low <= dpi <= high:
        return None
    return f"--dpi {dpi:g}: expected {low} to {high} dots per inch"


def write_figure(fig, target: str | Path | IO[bytes], format: str, dpi: float | None = None):
    """``fig.savefig`` under labsim's style (the rcParams apply when saving, not only when
    drawing: resolution, tight bounding box, fonts), at ``dpi`` (default ``style.DPI``)."""
    problem = dpi_problem(dpi)
    if problem:
        raise ValueError(problem)
    with style.figure_style():
        fig.savefig(target, format=format, dpi=dpi or style.DPI)


def save_figure(fig, path: str | Path, format: str | None = None, dpi: float | None = None) -> Path:
    """Save ``fig`` to ``path`` (suffix from ``format`` if given) at ``dpi`` dots per inch
    (default ``style.DPI``, 200) and close it."""
    plt = pyplot()
    path = Path(path)
    if format:
        path = path.with_suffix("." + format)
    problem = dpi_problem(dpi)
    if problem:
        raise ValueError(problem)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_figure(fig, path, format=path.suffix.lstrip(".") or "png", dpi=dpi)
    plt.close(fig)
    return path


def save_concentration_figure(
    run_dir: str | Path, out: str | Path | None = None, dpi: float | None = None
) -> Path:
    """Write the concentration figure of a run (or sweep) directory and return its path.

    ``out`` is a file path (its suffix sets the format) or a folder; by default
    ``run_dir/plots/concentration.png``. ``dpi``: as ``save_figure``."""
    run_dir = Path(run_dir)
    if out is None:
        target = run_dir / "plots" / "concentration.png"
    else:
        out = Path(out)
        target = out if out.suffix else out / "concentration.png"
    fig = concentration_figure(load(run_dir))
    return save_figure(fig, target, dpi=dpi)
